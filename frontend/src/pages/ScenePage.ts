/**
 * The scene view of a capture: frustums and the field's preview points (before training, SfM's sparse points),
 * flying to a frame with its photo overlaid, placing and editing objects (gizmo, numeric fields, undo/redo,
 * shortcuts, autosave), training and label rendering jobs, and the scale of a capture posed by SfM. Each
 * concern is a hook or panel beside this file; the page composes them.
 */
import { useContext, useRef } from "preact/hooks";
import { isManager, MeContext } from "../api/roles";
import type { GizmoMode, SceneViewer } from "../scene/SceneViewer";
import { Empty, ErrorMessage, Loading } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { ShortcutHelp } from "../ui/ShortcutHelp";
import { MarkFixed } from "./MarkFixed";
import { ObjectInspector } from "./ObjectInspector";
import { SfmPanel } from "./SfmPanel";
import { TrainingPanel } from "./TrainingPanel";
import { useBoxTools } from "./useBoxTools";
import { useFrameView } from "./useFrameView";
import { useLabelRender } from "./useLabelRender";
import { useSceneData } from "./useSceneData";
import { useSceneKeys } from "./useSceneKeys";
import { useSceneObjects } from "./useSceneObjects";
import { useScenePoints } from "./useScenePoints";
import { useSceneViewer } from "./useSceneViewer";

export function ScenePage({ captureId, frameId }: { captureId: number; frameId: number | null }) {
  const viewer = useRef<SceneViewer | null>(null);
  const { capture, projectId, classes, classList, frames, fields, field } = useSceneData(captureId);
  const objects = useSceneObjects(captureId, viewer, classList);
  const { store } = objects;
  const view = useFrameView(viewer, frames.data, frameId);
  const pointsNote = useScenePoints(viewer, capture.data, fields.data);
  const me = useContext(MeContext);
  const labels = useLabelRender(captureId, store);
  const tools = useBoxTools(viewer, store, classList, objects.setSelectedId);
  const container = useSceneViewer(viewer, {
    onPickFrame: view.pick, onPickObject: objects.setSelectedId,
    onObjectMoving: objects.onObjectMoving, onObjectMoved: objects.onObjectMoved,
  });

  const keys = useSceneKeys(objects, view, tools);
  const saveState = store.conflicts.size ? "conflict" : store.saving ? "saving…" : "saved";
  const selectedFrame = view.selected;
  const selected = objects.selected;

  return html`<section class="scene-page">
    <aside class="sidebar left">
      <div class="crumbs">
        ${projectId ? html`<a href=${`/app/projects/${projectId}`}>Project</a> › ` : null}
        <span class="ellipsis" title=${capture.data?.name}>${capture.data?.name ?? `Capture ${captureId}`}</span>
      </div>
      <${ErrorMessage} error=${capture.error} what="Capture" />
      <a class="button" href=${`/app/captures/${captureId}/review`}>Review frames</a>
      <${TrainingPanel} captureId=${captureId} projectId=${projectId} fields=${fields.data} onTrained=${fields.reload} />
      <${ErrorMessage} error=${fields.error} what="Fields" />
      ${typeof pointsNote === "string" ? html`<div class="muted small-text points-note">${pointsNote}</div>` : html`<${ErrorMessage} error=${pointsNote} what="Preview" />`}
      ${!field && fields.data && !capture.data?.metadata.sfm ? html`<div class="muted small-text">No field yet: train one to see the preview points.</div>` : null}
      ${capture.data ? html`<${SfmPanel} capture=${capture.data} field=${field} objects=${objects.objects} selectedId=${objects.selectedId}
        manager=${projectId !== undefined && isManager(me, projectId)} beforeScale=${() => store.flush()} />` : null}
      <div class="panel labels-panel">
        <h3>Labels</h3>
        <button onClick=${() => labels.render()} disabled=${labels.rendering}>Render labels</button>
        ${field?.verdict === "poor" ? html`<label class="small-text" title="The field was judged poor: its labels put masks and occlusions in the wrong places">
          <input type="checkbox" checked=${labels.allowPoorField} onChange=${(e: any) => labels.setAllowPoorField(e.target.checked)} /> render from the poor field anyway</label>` : null}
        <${ErrorMessage} error=${labels.error} what="Render" />
        <${JobPanel} jobId=${labels.jobId} title="Label rendering" />
      </div>
      <div class="panel frame-panel">
        <h3>Frame</h3>
        <${ErrorMessage} error=${frames.error} what="Frames" />
        ${frames.loading && !frames.data ? html`<${Loading} what="frames" />` : null}
        ${frames.data ? html`<div class="muted small-text">${frames.data.length} cameras · click a camera, double-click to look through it, [ ] to step</div>` : null}
        <label class="small-text">Cameras shown <select aria-label="Cameras shown" value=${view.frustums}
          onChange=${(e: any) => view.setFrustums(e.target.value)}>
          <option value="all">all</option><option value="thinned">thinned</option><option value="hidden">hidden</option>
        </select></label>
        ${selectedFrame ? html`<div class="selected-frame" data-frame=${selectedFrame.id}>
          <img class="frame-thumb" src=${selectedFrame.thumbnail_url} alt=${`frame ${selectedFrame.index}`} />
          <div>Frame ${selectedFrame.index} · ${selectedFrame.width}×${selectedFrame.height} · ${selectedFrame.review_status}</div>
          <div class="inline-form">
            <button onClick=${() => view.flyTo(selectedFrame)} title="F">View from camera</button>
            <button onClick=${() => view.step(-1)}>‹</button><button onClick=${() => view.step(1)}>›</button>
          </div>
          ${selectedFrame.id === frameId ? html`<${MarkFixed} frame=${selectedFrame} onMarked=${view.setSelected} />` : null}
          <label class="check"><input type="checkbox" checked=${view.photoShown} onChange=${(e: any) => view.setPhotoShown(e.target.checked)} /> Photo overlay</label>
          <input type="range" min="0" max="1" step="0.05" value=${view.photo} aria-label="Photo opacity" onInput=${(e: any) => view.setPhoto(Number(e.target.value))} />
        </div>` : html`<${Empty}>No frame selected.<//>`}
      </div>
    </aside>
    <div class="viewport-column">
      <div class="toolbar">
        <select class="new-class" aria-label="Class of new boxes" value=${tools.newClass ?? ""}
          onChange=${(e: any) => tools.setNewClass(Number(e.target.value))}>
          ${classList.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        </select>
        <button onClick=${tools.addBox} title="B" disabled=${!classList.length} aria-pressed=${tools.placing}>Add box</button>
        ${(["translate", "rotate", "scale"] as GizmoMode[]).map((m, i) => html`<button class=${tools.mode === m ? "active" : ""}
          title=${"WER"[i]} onClick=${() => tools.setMode(m)}>${m}</button>`)}
        <button onClick=${() => store.undo()} disabled=${!store.canUndo} title="Ctrl+Z">Undo</button>
        <button onClick=${() => store.redo()} disabled=${!store.canRedo} title="Ctrl+Shift+Z">Redo</button>
        <button onClick=${() => viewer.current?.frameAll()}>Frame all</button>
        <span class=${`save-state ${saveState === "conflict" ? "error-text" : ""}`} data-save-state=${saveState}>${saveState}</span>
      </div>
      <div class="viewport-area">
        <div class="viewport" ref=${container}></div>
        ${tools.placing ? html`<div class="placing-hint" role="status">Click on the scene where the box goes · Add box again: on the ground ahead · Esc: cancel</div>` : null}
      </div>
      <div class="hint muted small-text">Drag: orbit · right-drag: pan · wheel: zoom · W/E/R move/rotate/resize · G ground · B add a box (then click where) · Del delete · Ctrl+Z/Ctrl+Shift+Z · ? all keys</div>
    </div>
    <aside class="sidebar right">
      <h3>Objects</h3>
      <${ErrorMessage} error=${objects.error} what="Objects" />
      ${!classList.length && classes.data ? html`<${ErrorMessage} error="The project has no label classes: a manager must add one before objects can be placed." />` : null}
      ${store.errors.map((e) => html`<div class="error" role="alert">${e}</div>`)}
      ${store.errors.length ? html`<button class="small link" onClick=${() => store.dismissErrors()}>dismiss</button>` : null}
      ${objects.objects.length === 0 ? html`<${Empty}>No objects yet: press "Add box", then click where it goes.<//>` : null}
      <ul class="list object-list">${objects.objects.map((o) => html`<li class=${o.id === objects.selectedId ? "selected" : ""} data-object=${o.id}
          onClick=${() => objects.setSelectedId(o.id)}>
        <span class="swatch" style=${{ background: objects.colorOf(o) }}></span>
        <span class="ellipsis">#${o.instance_id} ${o.class_name ?? ""}</span>
        ${store.conflicts.has(o.id) ? html`<span class="badge status-failed">conflict</span>` : html`<span class="muted">v${o.version}</span>`}
      </li>`)}</ul>
      ${selected ? html`<${ObjectInspector} object=${selected} store=${store} classes=${classList} />` : null}
    </aside>
    ${keys.helpOpen ? html`<${ShortcutHelp} title="Scene keys" shortcuts=${keys.shortcuts} onClose=${() => keys.setHelpOpen(false)} />` : null}
  </section>`;
}
