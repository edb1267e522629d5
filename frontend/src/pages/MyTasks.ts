/** An annotator's tasks: the batches assigned to them across their projects, how far each has got, and a
 * button that opens their next frame of it on the review page. Nothing is shown to someone with no batches. */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Frame, Task } from "../api/types";
import { urls } from "../api/urls";
import { navigate } from "../router";
import { ErrorMessage, ProgressBar } from "../ui/feedback";
import { html } from "../ui/html";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";

export function MyTasks() {
  const tasks = useResource(() => api.get<Page<Task>>(urls.myTasks({ limit: 1000 })).then(items), []);
  const [error, setError] = useState<Error | null>(null);
  const [nothingLeft, setNothingLeft] = useState<number | null>(null);
  // The queue locks the frame it answers to this user; the review page asks again and gets the same one.
  const [start, starting] = useSubmit((task: Task) => {
    setError(null);
    return api.post<Frame | null>(urls.batchNext(task.id)).then((frame) => {
      if (frame) navigate(`/captures/${frame.capture}/review?batch=${task.id}`);
      else setNothingLeft(task.id);
    }, setError);
  });
  if (!tasks.data?.length && !tasks.error) return null;
  return html`<section class="panel my-tasks" aria-labelledby="my-tasks-title">
    <h2 id="my-tasks-title">My tasks</h2>
    <${ErrorMessage} error=${tasks.error ?? error} what="My tasks" />
    <ul class="task-list">
      ${tasks.data?.map((task) => html`<li class="task" data-batch=${task.id}>
        <div class="task-head">
          <strong class="ellipsis" title=${task.name}>${task.name}</strong>
          <span class="muted">${task.project_name} · ${task.done}/${task.total} done</span>
          <button onClick=${() => start(task)} disabled=${starting || task.done >= task.total}>
            ${task.done > 0 ? "Continue" : "Start"}</button>
        </div>
        <${ProgressBar} fraction=${task.total ? task.done / task.total : 0} label=${`${task.name} progress`} />
        ${nothingLeft === task.id || task.done >= task.total ? html`<p class="muted">Nothing left for you in this batch.</p>` : null}
      </li>`)}
    </ul>
  </section>`;
}
