/** The frame opened from review with "Fix in 3D": marked fixed only when the user says the fix is done. */
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { Frame } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";

export function MarkFixed({ frame, onMarked }: { frame: Frame; onMarked: (frame: Frame) => void }) {
  const [error, setError] = useState<Error | null>(null);
  const [mark, marking] = useSubmit(() => {
    if (!confirm(`Mark frame ${frame.index} fixed? Do this once its objects are corrected.`)) return Promise.resolve();
    setError(null);
    return api.post<Frame>(urls.frameReview(frame.id), { decision: "fixed", note: "" })
      .then((reviewed) => onMarked({ ...frame, ...reviewed }), setError);
  });
  return html`<div class="mark-fixed">
    ${frame.review_status === "fixed" ? html`<div class="ok">Frame ${frame.index} is marked fixed.</div>`
      : html`<button onClick=${() => mark()} disabled=${marking} title="Record that this frame's objects are corrected">Done fixing: mark frame fixed</button>`}
    <${ErrorMessage} error=${error} what="Mark fixed" />
  </div>`;
}
