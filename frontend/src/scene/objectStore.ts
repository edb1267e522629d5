/**
 * The scene objects of one capture as the annotator edits them: local state first, autosave by PATCH with
 * the version the edit was based on, a 409 kept as a conflict (the server's `current` vs ours), undo/redo.
 */
import { api, ApiError, items, type Page } from "../api/client";
import type { SceneObject } from "../api/types";
import { urls } from "../api/urls";

export type Editable = Pick<SceneObject, "center" | "size" | "rotation" | "label_class">;
export const EDITABLE_FIELDS: (keyof Editable)[] = ["center", "size", "rotation", "label_class"];

type Step =
  | { kind: "edit"; id: number; before: Editable; after: Editable }
  | { kind: "create"; id: number; object: SceneObject }
  | { kind: "delete"; id: number; object: SceneObject };

export interface Conflict {
  mine: SceneObject;
  current: SceneObject;
  fields: (keyof Editable)[];
}

export const SAVE_DELAY_MS = 500;

function pick(object: SceneObject): Editable {
  return { center: object.center, size: object.size, rotation: object.rotation, label_class: object.label_class };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function changedFields(a: Editable, b: Editable): (keyof Editable)[] {
  return EDITABLE_FIELDS.filter((field) => !same(a[field], b[field]));
}

export class ObjectStore {
  objects = new Map<number, SceneObject>();
  conflicts = new Map<number, Conflict>();
  errors: string[] = [];
  private dirty = new Set<number>();
  private inFlight = new Set<number>();
  private timers = new Map<number, number>();
  private undoStack: Step[] = [];
  private redoStack: Step[] = [];
  private listeners = new Set<() => void>();

  constructor(readonly captureId: number) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    this.listeners.forEach((l) => l());
  }

  get saving(): boolean {
    return this.dirty.size + this.inFlight.size > 0;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  list(): SceneObject[] {
    return [...this.objects.values()].sort((a, b) => a.instance_id - b.instance_id);
  }

  async load(): Promise<void> {
    const list = items(await api.get<Page<SceneObject>>(urls.captureObjects(this.captureId, { limit: 1000 })));
    this.objects = new Map(list.map((o) => [o.id, o]));
    this.emit();
  }

  private report(error: unknown, what: string): void {
    this.errors = [...this.errors.slice(-4), `${what}: ${(error as Error).message}`];
    this.emit();
  }

  dismissErrors(): void {
    this.errors = [];
    this.emit();
  }

  async create(kind: "box" | "mesh", values: Editable): Promise<SceneObject | null> {
    try {
      const object = await api.post<SceneObject>(urls.captureObjects(this.captureId), { kind, ...values });
      this.objects.set(object.id, object);
      this.record({ kind: "create", id: object.id, object });
      this.emit();
      return object;
    } catch (error) {
      this.report(error, "Could not add the object");
      return null;
    }
  }

  /** Change fields locally now; save shortly after. `record` false for live drags (one step per drag). */
  edit(id: number, changes: Partial<Editable>, record = true, before?: Editable): void {
    const object = this.objects.get(id);
    if (!object) return;
    const start = before ?? pick(object);
    const next = { ...object, ...changes };
    this.objects.set(id, next);
    if (record && changedFields(start, pick(next)).length) this.record({ kind: "edit", id, before: start, after: pick(next) });
    if (record) this.scheduleSave(id);
    this.emit();
  }

  /** Swap in a server copy (e.g. after a mesh upload or a refine) without a history step. */
  replace(object: SceneObject): void {
    this.objects.set(object.id, object);
    this.emit();
  }

  async remove(id: number, record = true): Promise<void> {
    const object = this.objects.get(id);
    if (!object) return;
    try {
      await api.delete(urls.object(id, { version: object.version }));
      this.objects.delete(id);
      this.conflicts.delete(id);
      if (record) this.record({ kind: "delete", id, object });
      this.emit();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) this.keepConflict(id, error);
      else this.report(error, "Could not delete the object");
    }
  }

  private record(step: Step): void {
    this.undoStack.push(step);
    this.redoStack = [];
  }

  async undo(): Promise<void> {
    const step = this.undoStack.pop();
    if (step) this.redoStack.push(await this.apply(step, true));
    this.emit();
  }

  async redo(): Promise<void> {
    const step = this.redoStack.pop();
    if (step) this.undoStack.push(await this.apply(step, false));
    this.emit();
  }

  /** Play a step backwards or forwards; answers the step as it stands now (ids change on re-create). */
  private async apply(step: Step, backwards: boolean): Promise<Step> {
    if (step.kind === "edit") {
      this.edit(step.id, backwards ? step.before : step.after, false);
      this.scheduleSave(step.id);
      return step;
    }
    const removing = (step.kind === "create") === backwards;
    if (removing) {
      const current = this.objects.get(step.id) ?? step.object;
      await this.remove(step.id, false);
      return { ...step, object: current };
    }
    try {
      const again = await api.post<SceneObject>(urls.captureObjects(this.captureId), {
        kind: step.object.kind, ...pick(step.object) });
      this.objects.set(again.id, again);
      this.renumber(step.id, again.id);
      return { ...step, id: again.id, object: again };
    } catch (error) {
      this.report(error, "Could not restore the object");
      return step;
    }
  }

  private renumber(oldId: number, newId: number): void {
    for (const stack of [this.undoStack, this.redoStack]) {
      for (const step of stack) if (step.id === oldId) step.id = newId;
    }
  }

  scheduleSave(id: number): void {
    this.dirty.add(id);
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => this.save(id), SAVE_DELAY_MS) as unknown as number);
  }

  /** Save now whatever waits (before leaving the page, or in tests). */
  async flush(): Promise<void> {
    await Promise.all([...this.dirty].map((id) => this.save(id)));
  }

  private async save(id: number): Promise<void> {
    clearTimeout(this.timers.get(id));
    if (this.inFlight.has(id) || this.conflicts.has(id)) return;
    const object = this.objects.get(id);
    this.dirty.delete(id);
    if (!object) return;
    this.inFlight.add(id);
    this.emit();
    try {
      const saved = await api.patch<SceneObject>(urls.object(id), { version: object.version, ...pick(object) });
      const now = this.objects.get(id);
      // Keep edits made while the request was out; take the server's version and derived fields.
      this.objects.set(id, now && this.dirty.has(id) ? { ...saved, ...pick(now) } : saved);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) this.keepConflict(id, error);
      else this.report(error, `Could not save object ${object.instance_id}`);
    } finally {
      this.inFlight.delete(id);
      if (this.dirty.has(id)) this.scheduleSave(id);
      this.emit();
    }
  }

  private keepConflict(id: number, error: ApiError): void {
    const mine = this.objects.get(id)!;
    // The server sends the object as it is now, as `current` or wrapped in `current.object`.
    const sent = error.body.current as { object?: SceneObject } | SceneObject | undefined;
    const current = sent && "object" in sent ? sent.object : (sent as SceneObject | undefined);
    if (!current) {
      this.report(error, "Conflict");
      return;
    }
    this.conflicts.set(id, { mine, current, fields: changedFields(pick(mine), pick(current)) });
    this.emit();
  }

  /** Overwrite the server's copy with ours, based on the version it has now. */
  keepMine(id: number): void {
    const conflict = this.conflicts.get(id);
    if (!conflict) return;
    this.conflicts.delete(id);
    this.objects.set(id, { ...conflict.mine, version: conflict.current.version });
    this.scheduleSave(id);
    this.emit();
  }

  takeTheirs(id: number): void {
    const conflict = this.conflicts.get(id);
    if (!conflict) return;
    this.conflicts.delete(id);
    this.dirty.delete(id);
    this.objects.set(id, conflict.current);
    this.emit();
  }
}
