/** What the scene page reads from the API: the capture, its project's classes, every frame and the fields. */
import { api, items, type Page } from "../api/client";
import type { Capture, Field, Frame, LabelClass } from "../api/types";
import { urls } from "../api/urls";
import { useResource } from "../ui/useResource";

const FRAME_PAGE = 1000;

/** Every frame of the capture, fetched a page at a time (the scene needs all poses for the frustums). */
export async function loadAllFrames(captureId: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let offset = 0; ; offset += FRAME_PAGE) {
    const page = await api.get<Page<Frame>>(urls.captureFrames(captureId, { limit: FRAME_PAGE, offset }));
    frames.push(...page.results);
    if (!page.next || page.results.length === 0) return frames;
  }
}

export function useSceneData(captureId: number) {
  const capture = useResource(() => api.get<Capture>(urls.capture(captureId)), [captureId]);
  const projectId = capture.data?.project;
  const classes = useResource<LabelClass[]>(
    () => (projectId ? api.get<Page<LabelClass>>(urls.projectClasses(projectId, { limit: 1000 })).then(items) : Promise.resolve([])),
    [projectId]);
  const frames = useResource(() => loadAllFrames(captureId), [captureId]);
  const fields = useResource(() => api.get<Page<Field>>(urls.captureFields(captureId)).then(items), [captureId]);
  /** The newest field: the API lists them newest first. */
  const field = fields.data?.[0];
  return { capture, projectId, classes, classList: classes.data ?? [], frames, fields, field };
}
