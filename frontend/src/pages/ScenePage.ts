/**
 * The scene view of a capture: frustums and the field's preview points, flying to a frame with its photo
 * overlaid, placing and editing objects (gizmo, numeric fields, undo/redo, shortcuts, autosave), training
 * and label rendering jobs.
 */
import type * as THREE from "three";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Capture, Field, Frame, Job, LabelClass, SceneObject } from "../api/types";
import { IDENTITY_ROWS, snapToGround, type Pose } from "../scene/boxGeometry";
import { sceneShortcuts } from "../scene/sceneShortcuts";
import { loadMesh } from "../scene/meshLoader";
import { type Editable, ObjectStore } from "../scene/objectStore";
import { parsePly } from "../scene/ply";
import { type GizmoMode, SceneViewer } from "../scene/SceneViewer";
import { Empty, ErrorMessage, Loading } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { ShortcutHelp } from "../ui/ShortcutHelp";
import { useShortcuts } from "../ui/shortcuts";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { ObjectInspector } from "./ObjectInspector";
import { TrainingPanel } from "./TrainingPanel";

const FRAME_PAGE = 1000;

/** Every frame of the capture, fetched a page at a time (the scene needs all poses for the frustums). */
export async function loadAllFrames(captureId: number): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let offset = 0; ; offset += FRAME_PAGE) {
    const page = await api.get<Page<Frame>>(`/api/captures/${captureId}/frames/?limit=${FRAME_PAGE}&offset=${offset}`);
    frames.push(...page.results);
    if (!page.next || page.results.length === 0) return frames;
  }
}

function useStore(store: ObjectStore): number {
  const [tick, setTick] = useState(0);
  useEffect(() => store.subscribe(() => setTick((t) => t + 1)), [store]);
  return tick;
}

export function ScenePage({ captureId, frameId }: { captureId: number; frameId: number | null }) {
  const capture = useResource(() => api.get<Capture>(`/api/captures/${captureId}/`), [captureId]);
  const projectId = capture.data?.project;
  const classes = useResource<LabelClass[]>(
    () => (projectId ? api.get<LabelClass[] | Page<LabelClass>>(`/api/projects/${projectId}/classes/`).then(items) : Promise.resolve([])),
    [projectId]);
  const frames = useResource(() => loadAllFrames(captureId), [captureId]);
  const fields = useResource(() => api.get<Field[]>(`/api/captures/${captureId}/fields/`), [captureId]);
  const store = useMemo(() => new ObjectStore(captureId), [captureId]);
  useStore(store);
  const [objectsError, setObjectsError] = useState<Error | null>(null);
  const [pointsNote, setPointsNote] = useState<string | Error | null>(null);
  const [selectedFrame, setSelectedFrame] = useState<Frame | null>(null);
  const [selectedObject, setSelectedObject] = useState<number | null>(null);
  const [mode, setMode] = useState<GizmoMode>("translate");
  const [newClass, setNewClass] = useState<number | null>(null);
  const [photo, setPhoto] = useState(0.6);
  const [photoShown, setPhotoShown] = useState(false);
  const [renderJob, setRenderJob] = useState<number | null>(null);
  const [renderError, setRenderError] = useState<Error | null>(null);
  const [allowPoorField, setAllowPoorField] = useState(false);
  const [meshes, setMeshes] = useState(new Map<string, THREE.BufferGeometry>());
  const meshesLoading = useRef(new Set<string>());
  const container = useRef<HTMLDivElement>(null);
  const viewer = useRef<SceneViewer | null>(null);
  const dragStart = useRef<Editable | null>(null);
  const classList = classes.data ?? [];

  useEffect(() => {
    store.load().catch(setObjectsError);
    return () => void store.flush();
  }, [store]);

  useEffect(() => {
    const v = new SceneViewer(container.current!, {
      onPickFrame: (id) => setSelectedFrame(framesRef.current.find((f) => f.id === id) ?? null),
      onPickObject: setSelectedObject,
      onObjectMoving: (id, pose: Pose) => {
        const object = store.objects.get(id);
        if (object && !dragStart.current) dragStart.current = { center: object.center, size: object.size, rotation: object.rotation, label_class: object.label_class };
        store.edit(id, pose, false);
      },
      onObjectMoved: (id, pose: Pose) => {
        store.edit(id, pose, true, dragStart.current ?? undefined);
        dragStart.current = null;
      },
    });
    viewer.current = v;
    (window as any).raylabelViewer = v; // for the e2e tests and the console
    return () => {
      v.dispose();
      viewer.current = null;
    };
  }, []);

  const framesRef = useRef<Frame[]>([]);
  useEffect(() => {
    if (!frames.data || !viewer.current) return;
    framesRef.current = frames.data;
    viewer.current.setFrames(frames.data);
    viewer.current.frameAll();
    const wanted = frames.data.find((f) => f.id === frameId);
    if (wanted) {
      setSelectedFrame(wanted);
      viewer.current.flyToFrame(wanted);
      setPhotoShown(true);
    }
  }, [frames.data]);

  const field = fields.data?.[0];
  useEffect(() => {
    if (!field?.preview_url || !viewer.current) return;
    setPointsNote("Loading the preview point cloud…");
    fetch(field.preview_url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`The preview answered ${r.status}.`))))
      .then((buffer) => {
        const cloud = parsePly(buffer);
        viewer.current?.setPoints(cloud);
        setPointsNote(cloud.count
          ? `${cloud.count.toLocaleString()} preview points from field ${field.id} (${field.preset}).`
          : `The preview of field ${field.id} (${field.preset}) has no points: the field is still too rough to show surfaces; train longer or with another preset.`);
      })
      .catch((e) => setPointsNote(e));
  }, [field?.id]);

  const objects = store.list();
  const colorOf = (o: SceneObject) => classList.find((c) => c.id === o.label_class)?.color ?? "#f97316";
  useEffect(() => {
    viewer.current?.setObjects(objects, colorOf, (o) => meshes.get(`${o.mesh_url}:${o.size}`) ?? null);
    for (const o of objects) {
      const key = `${o.mesh_url}:${o.size}`;
      if (o.kind === "mesh" && o.mesh_url && !meshes.has(key) && !meshesLoading.current.has(key)) {
        meshesLoading.current.add(key);
        loadMesh(o.mesh_url).then((g) => setMeshes((m) => new Map(m).set(key, g)), setObjectsError);
      }
    }
  });
  useEffect(() => viewer.current?.select(selectedObject), [selectedObject, objects.length, meshes]);
  useEffect(() => viewer.current?.setMode(mode), [mode]);
  useEffect(() => {
    if (!viewer.current) return;
    viewer.current.selectFrame(selectedFrame);
    if (selectedFrame && photoShown) viewer.current.showPhoto(selectedFrame, photo);
    else viewer.current.hidePhoto();
  }, [selectedFrame, photoShown]);
  useEffect(() => viewer.current?.setPhotoOpacity(photo), [photo]);

  const addBox = async () => {
    const labelClass = classList.find((c) => c.id === newClass)?.id ?? classList[0]?.id;
    if (labelClass === undefined) return;
    const at = viewer.current!.groundPointAhead();
    const pose = { center: [at.x, at.y, 0], size: [0.5, 0.5, 0.5], rotation: IDENTITY_ROWS };
    const created = await store.create("box", { ...pose, center: snapToGround(pose), label_class: labelClass });
    if (created) setSelectedObject(created.id);
  };
  const flyTo = (frame: Frame | null) => {
    if (!frame) return;
    setSelectedFrame(frame);
    viewer.current?.flyToFrame(frame);
    setPhotoShown(true);
  };
  const step = (delta: number) => {
    const list = frames.data ?? [];
    const at = list.findIndex((f) => f.id === selectedFrame?.id);
    flyTo(list[(at + delta + list.length) % list.length] ?? null);
  };
  const selected = selectedObject === null ? undefined : store.objects.get(selectedObject);

  const [helpOpen, setHelpOpen] = useState(false);
  // Read the selected object from the store when the key comes, not from this render: an edit may not have re-rendered yet.
  const fromStore = () => (selectedObject === null ? undefined : store.objects.get(selectedObject));
  const shortcuts = sceneShortcuts({
    undo: () => store.undo(), redo: () => store.redo(), setMode, addBox,
    selected: selectedObject === null ? null : {
      ground: () => { const o = fromStore(); if (o) store.edit(o.id, { center: snapToGround(o) }); },
      remove: () => { const o = fromStore(); if (o) store.remove(o.id); },
    },
    deselect: () => setSelectedObject(null), lookThroughFrame: () => flyTo(selectedFrame), step, help: () => setHelpOpen(true),
  });
  useShortcuts(shortcuts, !helpOpen);

  const [render, rendering] = useSubmit(() => {
    setRenderError(null);
    const body = { allow_poor_field: allowPoorField };
    return store.flush().then(() => api.post<Job>(`/api/captures/${captureId}/render/`, body)).then((j) => setRenderJob(j.id), setRenderError);
  });
  const saveState = store.conflicts.size ? "conflict" : store.saving ? "saving…" : "saved";

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
      ${!field && fields.data ? html`<div class="muted small-text">No field yet: train one to see the preview points.</div>` : null}
      <div class="panel labels-panel">
        <h3>Labels</h3>
        <button onClick=${() => render()} disabled=${rendering}>Render labels</button>
        ${field?.verdict === "poor" ? html`<label class="small-text" title="The field was judged poor: its labels put masks and occlusions in the wrong places">
          <input type="checkbox" checked=${allowPoorField} onChange=${(e: any) => setAllowPoorField(e.target.checked)} /> render from the poor field anyway</label>` : null}
        <${ErrorMessage} error=${renderError} what="Render" />
        <${JobPanel} jobId=${renderJob} title="Label rendering" />
      </div>
      <div class="panel frame-panel">
        <h3>Frame</h3>
        <${ErrorMessage} error=${frames.error} what="Frames" />
        ${frames.loading && !frames.data ? html`<${Loading} what="frames" />` : null}
        ${frames.data ? html`<div class="muted small-text">${frames.data.length} cameras · click a camera, double-click to look through it, [ ] to step</div>` : null}
        ${selectedFrame ? html`<div class="selected-frame" data-frame=${selectedFrame.id}>
          <img class="frame-thumb" src=${selectedFrame.thumbnail_url} alt=${`frame ${selectedFrame.index}`} />
          <div>Frame ${selectedFrame.index} · ${selectedFrame.width}×${selectedFrame.height} · ${selectedFrame.review_status}</div>
          <div class="inline-form">
            <button onClick=${() => flyTo(selectedFrame)} title="F">View from camera</button>
            <button onClick=${() => step(-1)}>‹</button><button onClick=${() => step(1)}>›</button>
          </div>
          ${selectedFrame.id === frameId ? html`<${MarkFixed} frame=${selectedFrame} onMarked=${setSelectedFrame} />` : null}
          <label class="check"><input type="checkbox" checked=${photoShown} onChange=${(e: any) => setPhotoShown(e.target.checked)} /> Photo overlay</label>
          <input type="range" min="0" max="1" step="0.05" value=${photo} aria-label="Photo opacity" onInput=${(e: any) => setPhoto(Number(e.target.value))} />
        </div>` : html`<${Empty}>No frame selected.<//>`}
      </div>
    </aside>
    <div class="viewport-column">
      <div class="toolbar">
        <select class="new-class" aria-label="Class of new boxes" value=${newClass ?? classList[0]?.id ?? ""}
          onChange=${(e: any) => setNewClass(Number(e.target.value))}>
          ${classList.map((c) => html`<option value=${c.id}>${c.name}</option>`)}
        </select>
        <button onClick=${addBox} title="B" disabled=${!classList.length}>Add box</button>
        ${(["translate", "rotate", "scale"] as GizmoMode[]).map((m, i) => html`<button class=${mode === m ? "active" : ""}
          title=${"WER"[i]} onClick=${() => setMode(m)}>${m}</button>`)}
        <button onClick=${() => store.undo()} disabled=${!store.canUndo} title="Ctrl+Z">Undo</button>
        <button onClick=${() => store.redo()} disabled=${!store.canRedo} title="Ctrl+Shift+Z">Redo</button>
        <button onClick=${() => viewer.current?.frameAll()}>Frame all</button>
        <span class=${`save-state ${saveState === "conflict" ? "error-text" : ""}`} data-save-state=${saveState}>${saveState}</span>
      </div>
      <div class="viewport" ref=${container}></div>
      <div class="hint muted small-text">Drag: orbit · right-drag: pan · wheel: zoom · W/E/R move/rotate/resize · G ground · B box · Del delete · Ctrl+Z/Ctrl+Shift+Z · ? all keys</div>
    </div>
    <aside class="sidebar right">
      <h3>Objects</h3>
      <${ErrorMessage} error=${objectsError} what="Objects" />
      ${!classList.length && classes.data ? html`<${ErrorMessage} error="The project has no label classes: a manager must add one before objects can be placed." />` : null}
      ${store.errors.map((e) => html`<div class="error" role="alert">${e}</div>`)}
      ${store.errors.length ? html`<button class="small link" onClick=${() => store.dismissErrors()}>dismiss</button>` : null}
      ${objects.length === 0 ? html`<${Empty}>No objects yet: press "Add box".<//>` : null}
      <ul class="list object-list">${objects.map((o) => html`<li class=${o.id === selectedObject ? "selected" : ""} data-object=${o.id}
          onClick=${() => setSelectedObject(o.id)}>
        <span class="swatch" style=${{ background: colorOf(o) }}></span>
        <span class="ellipsis">#${o.instance_id} ${o.class_name ?? ""}</span>
        ${store.conflicts.has(o.id) ? html`<span class="badge status-failed">conflict</span>` : html`<span class="muted">v${o.version}</span>`}
      </li>`)}</ul>
      ${selected ? html`<${ObjectInspector} object=${selected} store=${store} classes=${classList} />` : null}
    </aside>
    ${helpOpen ? html`<${ShortcutHelp} title="Scene keys" shortcuts=${shortcuts} onClose=${() => setHelpOpen(false)} />` : null}
  </section>`;
}

/** The frame opened from review with "Fix in 3D": marked fixed only when the user says the fix is done. */
function MarkFixed({ frame, onMarked }: { frame: Frame; onMarked: (frame: Frame) => void }) {
  const [error, setError] = useState<Error | null>(null);
  const [mark, marking] = useSubmit(() => {
    if (!confirm(`Mark frame ${frame.index} fixed? Do this once its objects are corrected.`)) return Promise.resolve();
    setError(null);
    return api.post<Frame>(`/api/frames/${frame.id}/review/`, { decision: "fixed", note: "" })
      .then((reviewed) => onMarked({ ...frame, ...reviewed }), setError);
  });
  return html`<div class="mark-fixed">
    ${frame.review_status === "fixed" ? html`<div class="ok">Frame ${frame.index} is marked fixed.</div>`
      : html`<button onClick=${() => mark()} disabled=${marking} title="Record that this frame's objects are corrected">Done fixing: mark frame fixed</button>`}
    <${ErrorMessage} error=${error} what="Mark fixed" />
  </div>`;
}
