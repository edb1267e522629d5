/** Rendering the capture's labels: saves pending object edits first; a poor field only when the user allows it. */
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Job } from "../api/types";
import { urls } from "../api/urls";
import type { ObjectStore } from "../scene/objectStore";
import { useSubmit } from "../ui/submit";

export function useLabelRender(captureId: number, store: ObjectStore) {
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [allowPoorField, setAllowPoorField] = useState(false);
  const [render, rendering] = useSubmit(() => {
    setError(null);
    const body = { allow_poor_field: allowPoorField };
    return store.flush().then(() => api.post<Job>(urls.captureRender(captureId), body)).then((j) => setJobId(j.id), setError);
  });
  return { render, rendering, jobId, error, allowPoorField, setAllowPoorField };
}
