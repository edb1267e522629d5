/** The selected object's class, numeric pose fields, ground snap, mesh upload, ICP refine; its 409 conflict. */
import { useEffect, useState } from "preact/hooks";
import { api, uploadWithProgress } from "../api/client";
import type { Job, LabelClass, SceneObject } from "../api/types";
import { urls } from "../api/urls";
import { eulerDegreesFromRows, rowsFromEulerDegrees, snapToGround } from "../scene/boxGeometry";
import { fitSummary } from "./fitSummary";
import type { Conflict, ObjectStore } from "../scene/objectStore";
import { ConfirmDelete } from "../ui/ConfirmDelete";
import { ErrorMessage, ProgressBar } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { useSubmit } from "../ui/submit";

function NumberRow({ label, values, step, onCommit, testId }: {
  label: string; values: number[]; step: number; onCommit: (v: number[]) => void; testId: string;
}) {
  return html`<div class="number-row" data-testid=${testId}>
    <span class="row-label">${label}</span>
    ${values.map((v, i) => html`<input type="number" step=${step} value=${Number(v.toFixed(4))}
      aria-label=${`${label} ${"xyz"[i]}`}
      onChange=${(e: any) => {
        const next = [...values];
        next[i] = Number(e.target.value);
        if (next.every(Number.isFinite)) onCommit(next);
      }} />`)}
  </div>`;
}

function show(value: unknown): string {
  const round = (v: unknown): unknown => (Array.isArray(v) ? v.map(round) : typeof v === "number" ? Math.round(v * 1000) / 1000 : v);
  return JSON.stringify(round(value));
}

export function ConflictView({ conflict, store, classes }: { conflict: Conflict; store: ObjectStore; classes: LabelClass[] }) {
  const name = (id: unknown) => classes.find((c) => c.id === id)?.name ?? String(id);
  const value = (field: string, object: SceneObject) =>
    field === "label_class" ? name(object.label_class) : show((object as any)[field]);
  return html`<div class="conflict" role="alert">
    <strong>Someone else changed this object</strong>
    <div class="muted small-text">Saved by ${conflict.current.updated_by ?? "another user"} as version ${conflict.current.version}; your edit was based on version ${conflict.mine.version}.</div>
    <table class="table diff">
      <thead><tr><th>field</th><th>theirs (server)</th><th>yours</th></tr></thead>
      <tbody>${(conflict.fields.length ? conflict.fields : ["version"]).map((f) => html`<tr>
        <td>${f}</td><td class="mono">${f === "version" ? conflict.current.version : value(f, conflict.current)}</td>
        <td class="mono">${f === "version" ? conflict.mine.version : value(f, conflict.mine)}</td></tr>`)}</tbody>
    </table>
    <div class="inline-form">
      <button onClick=${() => store.keepMine(conflict.mine.id)}>Keep mine</button>
      <button onClick=${() => store.takeTheirs(conflict.mine.id)}>Take theirs</button>
    </div>
  </div>`;
}

export function ObjectInspector({ object, store, classes }: { object: SceneObject; store: ObjectStore; classes: LabelClass[] }) {
  const [refineJob, setRefineJob] = useState<number | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => { setRefineJob(null); setSent(null); setError(null); }, [object.id]);
  const conflict = store.conflicts.get(object.id);
  const euler = eulerDegreesFromRows(object.rotation);
  const uploadMesh = (file: File) => {
    const form = new FormData();
    form.append("file", file);
    form.append("version", String(object.version));
    setError(null);
    setSent(0);
    uploadWithProgress<SceneObject>(urls.objectMesh(object.id), form, setSent)
      .then((saved) => store.replace(saved), setError);
  };
  const [refine, refining] = useSubmit(() => {
    setError(null);
    return store.flush().then(() => api.post<Job>(urls.objectRefine(object.id))).then((job) => setRefineJob(job.id), setError);
  });
  const refined = (job: Job) => {
    if (job.status === "succeeded") api.get<SceneObject>(urls.object(object.id)).then((o) => store.replace(o), setError);
  };
  return html`<div class="panel inspector" data-object=${object.id}>
    <h3 class="ellipsis">Object ${object.instance_id} · ${object.kind}</h3>
    ${conflict ? html`<${ConflictView} conflict=${conflict} store=${store} classes=${classes} />` : null}
    <label class="field">Class
      <select value=${object.label_class ?? ""} aria-label="Class"
        onChange=${(e: any) => store.edit(object.id, { label_class: Number(e.target.value) })}>
        ${classes.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
      </select>
    </label>
    <${NumberRow} label="Centre" testId="center" values=${object.center} step=${0.05}
      onCommit=${(center: number[]) => store.edit(object.id, { center })} />
    ${object.kind === "box" ? html`<${NumberRow} label="Size" testId="size" values=${object.size} step=${0.05}
      onCommit=${(size: number[]) => store.edit(object.id, { size: size.map((s) => Math.max(s, 0.001)) })} />`
      : html`<div class="muted small-text">Mesh extents ${show(object.size)} m</div>`}
    <${NumberRow} label="Rot °" testId="rotation" values=${euler} step=${5}
      onCommit=${(degrees: number[]) => store.edit(object.id, { rotation: rowsFromEulerDegrees(degrees) })} />
    <div class="inline-form">
      <button onClick=${() => store.edit(object.id, { center: snapToGround(object) })} title="G">Snap to ground</button>
      <${ConfirmDelete} what=${`object ${object.instance_id}`} onConfirm=${() => store.remove(object.id)}
        consequences="Its masks, boxes and poses leave the labels at the next render; Ctrl+Z brings it back while this page is open." />
    </div>
    <div class="mesh-tools">
      <label class="field">Mesh (OBJ, PLY, STL, GLB)
        <input type="file" accept=".obj,.ply,.stl,.glb" onChange=${(e: any) => e.target.files?.[0] && uploadMesh(e.target.files[0])} />
      </label>
      ${sent !== null && sent < 1 ? html`<${ProgressBar} fraction=${sent} label="Mesh upload" />` : null}
      ${object.kind === "mesh" ? html`<button onClick=${() => refine()} disabled=${refining}>Refine (ICP)</button>` : null}
      <${JobPanel} jobId=${refineJob} title="Refine" onEnd=${refined}>
        ${(job: Job) => fitSummary(job.result) ? html`<div class="fit">${fitSummary(job.result)}</div>` : null}
      <//>
      ${object.fit && Object.keys(object.fit).length ? html`<div class="fit muted small-text">Last fit: ${fitSummary(object.fit) ?? Object.entries(object.fit)
        .map(([k, v]) => `${k} ${typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v}`).join(" · ")}</div>` : null}
    </div>
    <${ErrorMessage} error=${error} />
  </div>`;
}
