/**
 * The 3D view of a capture: preview points, camera frustums, placed objects with a transform gizmo,
 * a frame's photo at its viewpoint. World +Z is up. Renders on demand, or continuously while measuring.
 */
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { TransformControls } from "three/addons/controls/TransformControls.js";
import type { Frame, SceneObject } from "../api/types";
import { quaternionFromRows, rowsFromQuaternion, type Pose } from "./boxGeometry";
import { applyFrameToCamera, cameraCenter, cameraForward, imageCornersInCamera, matrixFromRows } from "./cameraPose";
import { frustumDepth, frustumLines } from "./frustums";
import type { PointCloud } from "./ply";
import { PointBudget, shufflePoints } from "./pointBudget";

export type GizmoMode = "translate" | "rotate" | "scale";

export interface ViewerEvents {
  onPickFrame?: (frameId: number) => void;
  onPickObject?: (objectId: number | null) => void;
  /** While dragging: the pose as it is now (no save). */
  onObjectMoving?: (objectId: number, pose: Pose) => void;
  /** At the end of a drag: the pose to keep. */
  onObjectMoved?: (objectId: number, pose: Pose) => void;
}

const CLICK_PIXELS = 4;
/** After the last camera move, how long until the still view is drawn with every point. */
const SETTLE_MS = 200;
const PICK_FRAME_PIXELS = 12;
/** A click meets a preview point that lies within this many pixels of the ray under the pointer. */
const PICK_POINT_PIXELS = 4;

/** Which cameras the scene draws: all, about one in `thin`, or none (the selected one is always drawn). */
export type FrustumDensity = "all" | "thinned" | "hidden";
/** Thinned, at most this many frustums are drawn. */
const THINNED_FRUSTUMS = 60;

/** A click on the reconstruction while placing: where it met the surface, and the way the view looked. */
export type PlaceHandler = (hit: THREE.Vector3, viewDirection: THREE.Vector3) => void;

export class SceneViewer {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera = new THREE.PerspectiveCamera(50, 1, 0.01, 1000);
  readonly controls: OrbitControls;
  readonly gizmo: TransformControls;
  private frames: Frame[] = [];
  private frustums: THREE.LineSegments | null = null;
  private frustumDensity: FrustumDensity = "all";
  private placing: PlaceHandler | null = null;
  private highlight: THREE.LineSegments | null = null;
  private points: THREE.Points | null = null;
  private photo: THREE.Mesh | null = null;
  private objects = new Map<number, THREE.Object3D>();
  private selected: number | null = null;
  private needsRender = true;
  private continuous = false;
  private frameCount = 0;
  private budget: PointBudget | null = null;
  private lastMoveAt = -Infinity;
  private lastFrameAt = 0;
  private lastWasMoving = false;
  /** Draw every point even while moving (the benchmark's full-detail figure). */
  fullDetail = false;
  private raf = 0;
  private resizeObserver: ResizeObserver;
  private pointerDown: { x: number; y: number } | null = null;

  constructor(private container: HTMLElement, private events: ViewerEvents = {}) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0x11151c);
    container.appendChild(this.renderer.domElement);
    this.camera.up.set(0, 0, 1);
    this.camera.position.set(4, -4, 3);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.controls.screenSpacePanning = true;
    this.controls.addEventListener("change", () => this.moved());
    this.gizmo = new TransformControls(this.camera, this.renderer.domElement);
    this.gizmo.addEventListener("change", () => this.invalidate());
    this.gizmo.addEventListener("dragging-changed", (event) => {
      this.controls.enabled = !event.value;
      if (!event.value && this.selected !== null) this.events.onObjectMoved?.(this.selected, this.poseOf(this.selected)!);
    });
    this.gizmo.addEventListener("objectChange", () => {
      if (this.selected !== null) this.events.onObjectMoving?.(this.selected, this.poseOf(this.selected)!);
    });
    this.scene.add(this.gizmo.getHelper());
    const grid = new THREE.GridHelper(20, 40, 0x3a4150, 0x262b35);
    grid.rotation.x = Math.PI / 2; // GridHelper lies in XZ; the ground here is the XY plane.
    this.scene.add(grid, new THREE.AxesHelper(0.5), new THREE.AmbientLight(0xffffff, 0.7));
    const sun = new THREE.DirectionalLight(0xffffff, 1.2);
    sun.position.set(3, -2, 6);
    this.scene.add(sun);
    const canvas = this.renderer.domElement;
    canvas.addEventListener("pointerdown", (e) => (this.pointerDown = { x: e.clientX, y: e.clientY }));
    canvas.addEventListener("pointerup", (e) => this.handleClick(e));
    canvas.addEventListener("dblclick", (e) => {
      const id = this.frameAt(e);
      if (id !== null) this.flyToFrame(this.frames.find((f) => f.id === id)!);
    });
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.raf = requestAnimationFrame(this.loop);
  }

  invalidate(): void {
    this.needsRender = true;
  }

  /** The camera moved: draw soon, with a point budget that keeps the motion smooth. */
  private moved(): void {
    this.lastMoveAt = performance.now();
    this.invalidate();
  }

  private loop = (now: number) => {
    this.raf = requestAnimationFrame(this.loop);
    const moving = this.continuous || now - this.lastMoveAt < SETTLE_MS;
    const settling = !moving && this.points !== null && this.points.geometry.drawRange.count !== Infinity;
    if (!this.needsRender && !moving && !settling) return;
    this.needsRender = false;
    if (this.points && this.budget) {
      // Only the time between two moving frames tells the drawing speed; the first after a pause does not.
      const budget = moving && this.lastWasMoving ? this.budget.update(now - this.lastFrameAt) : this.budget.value;
      const drawn = moving && !this.fullDetail ? budget : Infinity;
      this.points.geometry.setDrawRange(0, drawn >= this.budget.total ? Infinity : drawn);
    }
    this.renderer.render(this.scene, this.camera);
    this.lastFrameAt = now;
    this.lastWasMoving = moving;
    this.frameCount++;
  };

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    if (!w || !h) return;
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.invalidate();
  }

  setFrames(frames: Frame[]): void {
    this.frames = frames;
    this.drawFrustums();
  }

  setFrustumDensity(density: FrustumDensity): void {
    this.frustumDensity = density;
    this.drawFrustums();
  }

  /** How many camera frustums are drawn now (the selected frame's highlight aside). */
  get frustumsDrawn(): number {
    return this.shownFrames().length;
  }

  private shownFrames(): Frame[] {
    if (this.frustumDensity === "hidden") return [];
    const step = this.frustumDensity === "thinned" ? Math.ceil(this.frames.length / THINNED_FRUSTUMS) : 1;
    return this.frames.filter((_, i) => i % step === 0);
  }

  private drawFrustums(): void {
    if (this.frustums) this.disposeObject(this.frustums);
    const shown = this.shownFrames();
    // The depth follows every camera, so thinning does not change the size of those drawn.
    this.frustums = shown.length ? frustumLines(shown, frustumDepth(this.frames)) : null;
    if (this.frustums) this.scene.add(this.frustums);
    this.invalidate();
  }

  setPoints(cloud: PointCloud | null, pointSize = 2): void {
    if (this.points) this.disposeObject(this.points);
    this.points = null;
    this.budget = null;
    if (cloud && cloud.count > 0) {
      shufflePoints(cloud.positions, cloud.colors);
      this.budget = new PointBudget(cloud.count);
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute("position", new THREE.BufferAttribute(cloud.positions, 3));
      if (cloud.colors) geometry.setAttribute("color", new THREE.BufferAttribute(cloud.colors, 3, true));
      const material = new THREE.PointsMaterial({ size: pointSize, sizeAttenuation: false, vertexColors: !!cloud.colors });
      this.points = new THREE.Points(geometry, material);
      this.scene.add(this.points);
    }
    this.invalidate();
  }

  /** Frame the cameras (and points) in view from above and behind. */
  frameAll(): void {
    const box = new THREE.Box3();
    for (const f of this.frames) box.expandByPoint(cameraCenter(f));
    if (this.points) box.union(new THREE.Box3().setFromBufferAttribute(this.points.geometry.getAttribute("position") as THREE.BufferAttribute));
    if (box.isEmpty()) box.set(new THREE.Vector3(-1, -1, 0), new THREE.Vector3(1, 1, 1));
    const center = box.getCenter(new THREE.Vector3());
    const radius = Math.max(box.getSize(new THREE.Vector3()).length() / 2, 0.5);
    this.camera.fov = 50;
    this.camera.position.copy(center).add(new THREE.Vector3(1, -1.2, 0.9).normalize().multiplyScalar(radius * 2.2));
    this.camera.near = radius / 500;
    this.camera.far = radius * 50;
    this.camera.updateProjectionMatrix();
    this.controls.target.copy(center);
    this.controls.update();
    this.invalidate();
  }

  /** Look through a frame's camera: its pose and vertical fov; orbiting then turns about a point ahead. */
  flyToFrame(frame: Frame): void {
    applyFrameToCamera(this.camera, frame);
    const ahead = this.controls.target.distanceTo(cameraCenter(frame)) || 1;
    this.controls.target.copy(cameraCenter(frame)).add(cameraForward(frame).multiplyScalar(ahead));
    this.setHighlight(frame);
    this.invalidate();
  }

  private setHighlight(frame: Frame | null): void {
    if (this.highlight) this.disposeObject(this.highlight);
    this.highlight = frame ? frustumLines([frame], frustumDepth(this.frames) * 1.02, 0xfbbf24) : null;
    if (this.highlight) this.scene.add(this.highlight);
    this.invalidate();
  }

  selectFrame(frame: Frame | null): void {
    this.setHighlight(frame);
  }

  /** The frame's photo on its image plane, a little in front of the camera, so it lines up from there. */
  showPhoto(frame: Frame, opacity: number): void {
    this.hidePhoto();
    const depth = Math.max(this.camera.near * 4, frustumDepth(this.frames) * 0.999);
    const [tl, tr, , bl] = imageCornersInCamera(frame, depth);
    const geometry = new THREE.PlaneGeometry(tr.x - tl.x, tl.y - bl.y);
    const texture = new THREE.TextureLoader().load(frame.image_url, () => this.invalidate());
    texture.colorSpace = THREE.SRGBColorSpace;
    // A backdrop: drawn first among the see-through things and never hiding them, so boxes stay on top.
    const material = new THREE.MeshBasicMaterial({
      map: texture, transparent: true, opacity, side: THREE.DoubleSide, depthWrite: false, depthTest: false });
    this.photo = new THREE.Mesh(geometry, material);
    this.photo.name = `photo-${frame.id}`;
    const offset = new THREE.Vector3((tl.x + tr.x) / 2, (tl.y + bl.y) / 2, -depth);
    this.photo.matrixAutoUpdate = false;
    this.photo.matrix.copy(matrixFromRows(frame.camera_to_world)).multiply(new THREE.Matrix4().makeTranslation(offset));
    this.photo.renderOrder = -1;
    this.scene.add(this.photo);
    this.invalidate();
  }

  setPhotoOpacity(opacity: number): void {
    if (this.photo) (this.photo.material as THREE.MeshBasicMaterial).opacity = opacity;
    this.invalidate();
  }

  hidePhoto(): void {
    if (this.photo) {
      ((this.photo.material as THREE.MeshBasicMaterial).map as THREE.Texture | null)?.dispose();
      this.disposeObject(this.photo);
    }
    this.photo = null;
    this.invalidate();
  }

  /** Sync the drawn objects with the list: add, update pose/colour, remove. Meshes come as loaded geometry. */
  setObjects(objects: SceneObject[], colorOf: (o: SceneObject) => string, meshOf: (o: SceneObject) => THREE.BufferGeometry | null): void {
    const keep = new Set(objects.map((o) => o.id));
    for (const [id, node] of this.objects) {
      if (!keep.has(id)) {
        if (this.selected === id) this.select(null);
        this.disposeObject(node);
        this.objects.delete(id);
      }
    }
    for (const object of objects) {
      const geometry = object.kind === "mesh" ? meshOf(object) : null;
      let node = this.objects.get(object.id);
      if (node && node.userData.geometryKey !== (geometry ? geometry.uuid : "box")) {
        if (this.selected === object.id) this.gizmo.detach();
        this.disposeObject(node);
        node = undefined;
      }
      if (!node) {
        node = makeObjectNode(geometry);
        node.userData.objectId = object.id;
        this.objects.set(object.id, node);
        this.scene.add(node);
        if (this.selected === object.id) this.gizmo.attach(node);
      }
      this.applyPose(node, object, geometry !== null);
      const color = new THREE.Color(colorOf(object));
      node.traverse((child) => {
        const material = (child as THREE.Mesh).material as THREE.MeshStandardMaterial | undefined;
        if (material && "color" in material) material.color.copy(color);
      });
    }
    this.invalidate();
  }

  private applyPose(node: THREE.Object3D, pose: Pose, isMesh: boolean): void {
    node.position.fromArray(pose.center);
    node.quaternion.copy(quaternionFromRows(pose.rotation));
    node.userData.isMesh = isMesh;
    // A mesh keeps its own metric size; a box is a unit cube scaled to its size.
    if (isMesh) node.scale.set(1, 1, 1);
    else node.scale.fromArray(pose.size.map((s) => Math.max(s, 1e-4)));
    node.updateMatrixWorld(true);
  }

  poseOf(objectId: number): Pose | null {
    const node = this.objects.get(objectId);
    if (!node) return null;
    const round = (v: number) => Math.round(v * 1e6) / 1e6;
    return {
      center: node.position.toArray().map(round),
      size: node.userData.isMesh ? node.userData.size ?? [1, 1, 1] : node.scale.toArray().map((s) => round(Math.abs(s))),
      rotation: rowsFromQuaternion(node.quaternion),
    };
  }

  select(objectId: number | null): void {
    this.selected = objectId;
    const node = objectId === null ? undefined : this.objects.get(objectId);
    if (node) {
      this.gizmo.attach(node);
      if (node.userData.isMesh && this.gizmo.getMode() === "scale") this.gizmo.setMode("translate");
    } else this.gizmo.detach();
    this.invalidate();
  }

  setMode(mode: GizmoMode): void {
    const node = this.selected === null ? undefined : this.objects.get(this.selected);
    if (mode === "scale" && node?.userData.isMesh) return;
    this.gizmo.setMode(mode);
    this.invalidate();
  }

  /** A point on the ground (z = 0) in front of the camera, where a new object goes. */
  groundPointAhead(): THREE.Vector3 {
    const ray = new THREE.Ray(this.camera.position.clone(), this.camera.getWorldDirection(new THREE.Vector3()));
    const hit = ray.intersectPlane(new THREE.Plane(new THREE.Vector3(0, 0, 1), 0), new THREE.Vector3());
    if (hit && hit.distanceTo(this.camera.position) < this.camera.far / 2) return hit;
    return new THREE.Vector3(this.controls.target.x, this.controls.target.y, 0);
  }

  /** The next click on the scene calls `onPlace` with the point it meets instead of picking (until stopped). */
  startPlacing(onPlace: PlaceHandler): void {
    this.placing = onPlace;
    this.renderer.domElement.style.cursor = "crosshair";
  }

  stopPlacing(): void {
    this.placing = null;
    this.renderer.domElement.style.cursor = "";
  }

  /** Where the ray under the pointer meets the reconstruction: the nearest preview point close to it, else the ground. */
  private surfaceAt(raycaster: THREE.Raycaster): THREE.Vector3 {
    if (this.points) {
      const distance = this.camera.position.distanceTo(this.controls.target);
      const metresPerPixel = (2 * distance * Math.tan(THREE.MathUtils.degToRad(this.camera.fov / 2))) / this.renderer.domElement.clientHeight;
      raycaster.params.Points = { threshold: PICK_POINT_PIXELS * metresPerPixel };
      const hit = raycaster.intersectObject(this.points, false)[0]; // nearest the camera first
      if (hit?.index !== undefined) return new THREE.Vector3().fromBufferAttribute(this.points.geometry.getAttribute("position") as THREE.BufferAttribute, hit.index);
    }
    return raycaster.ray.intersectPlane(new THREE.Plane(new THREE.Vector3(0, 0, 1), 0), new THREE.Vector3()) ?? this.groundPointAhead();
  }

  private ndc(event: MouseEvent): THREE.Vector2 {
    const rect = this.renderer.domElement.getBoundingClientRect();
    return new THREE.Vector2(((event.clientX - rect.left) / rect.width) * 2 - 1, -((event.clientY - rect.top) / rect.height) * 2 + 1);
  }

  private objectAt(event: MouseEvent): number | null {
    const raycaster = new THREE.Raycaster();
    raycaster.setFromCamera(this.ndc(event), this.camera);
    const hits = raycaster.intersectObjects([...this.objects.values()], true);
    let node: THREE.Object3D | null = hits[0]?.object ?? null;
    while (node && node.userData.objectId === undefined) node = node.parent;
    return node ? (node.userData.objectId as number) : null;
  }

  /** The drawn frame whose camera centre is nearest the pointer on screen, within a few pixels. */
  private frameAt(event: MouseEvent): number | null {
    const rect = this.renderer.domElement.getBoundingClientRect();
    const pointer = this.ndc(event);
    let best: number | null = null;
    let bestDistance = PICK_FRAME_PIXELS;
    const v = new THREE.Vector3();
    for (const f of this.shownFrames()) {
      v.copy(cameraCenter(f)).project(this.camera);
      if (v.z > 1 || v.z < -1) continue;
      const dx = ((v.x - pointer.x) / 2) * rect.width;
      const dy = ((v.y - pointer.y) / 2) * rect.height;
      const d = Math.hypot(dx, dy);
      if (d < bestDistance) [best, bestDistance] = [f.id, d];
    }
    return best;
  }

  private handleClick(event: PointerEvent): void {
    const down = this.pointerDown;
    this.pointerDown = null;
    if (!down || Math.hypot(event.clientX - down.x, event.clientY - down.y) > CLICK_PIXELS) return;
    if (this.gizmo.dragging || (this.gizmo as unknown as { axis: string | null }).axis) return;
    if (this.placing) {
      const place = this.placing;
      this.stopPlacing();
      const raycaster = new THREE.Raycaster();
      raycaster.setFromCamera(this.ndc(event), this.camera);
      return place(this.surfaceAt(raycaster), raycaster.ray.direction.clone());
    }
    const objectId = this.objectAt(event);
    if (objectId !== null) return this.events.onPickObject?.(objectId);
    const frameId = this.frameAt(event);
    if (frameId !== null) return this.events.onPickFrame?.(frameId);
    this.events.onPickObject?.(null);
  }

  /**
   * Render continuously while turning the camera about the target for `durationMs`; frames per second
   * as the browser delivered them (requestAnimationFrame, so capped at the display rate). The point
   * budget applies unless `fullDetail` is set.
   */
  async measureFps(durationMs: number): Promise<{ fps: number; frames: number; ms: number; pointsDrawn: number }> {
    const start = performance.now();
    const firstCount = this.frameCount;
    this.continuous = true;
    const spin = () => {
      if (!this.continuous) return;
      const offset = this.camera.position.clone().sub(this.controls.target);
      offset.applyAxisAngle(new THREE.Vector3(0, 0, 1), 0.01);
      this.camera.position.copy(this.controls.target).add(offset);
      this.camera.lookAt(this.controls.target);
      requestAnimationFrame(spin);
    };
    spin();
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    this.continuous = false;
    this.renderer.getContext().finish();
    const ms = performance.now() - start;
    const frames = this.frameCount - firstCount;
    const pointsDrawn = this.points ? Math.min(this.points.geometry.drawRange.count, this.budget!.total) : 0;
    this.invalidate();
    return { fps: (frames * 1000) / ms, frames, ms, pointsDrawn };
  }

  private disposeObject(node: THREE.Object3D): void {
    node.removeFromParent();
    node.traverse((child) => {
      const mesh = child as THREE.Mesh;
      mesh.geometry?.dispose();
      const material = mesh.material as THREE.Material | THREE.Material[] | undefined;
      if (Array.isArray(material)) material.forEach((m) => m.dispose());
      else material?.dispose();
    });
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    this.continuous = false;
    this.resizeObserver.disconnect();
    this.gizmo.detach();
    this.gizmo.dispose();
    this.controls.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}

const UNIT_BOX = new THREE.BoxGeometry(1, 1, 1);
const UNIT_EDGES = new THREE.EdgesGeometry(UNIT_BOX);

function makeObjectNode(geometry: THREE.BufferGeometry | null): THREE.Object3D {
  const group = new THREE.Group();
  if (geometry) {
    group.add(new THREE.Mesh(geometry, new THREE.MeshStandardMaterial({ roughness: 0.7 })));
    geometry.computeBoundingBox();
    group.userData.size = geometry.boundingBox!.getSize(new THREE.Vector3()).toArray();
    group.userData.geometryKey = geometry.uuid;
  } else {
    group.add(new THREE.Mesh(UNIT_BOX.clone(), new THREE.MeshStandardMaterial({ transparent: true, opacity: 0.35, depthWrite: false })));
    group.add(new THREE.LineSegments(UNIT_EDGES.clone(), new THREE.LineBasicMaterial({ color: 0xffffff })));
    group.userData.geometryKey = "box";
  }
  return group;
}
