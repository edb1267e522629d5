import { afterEach, describe, expect, it, vi } from "vitest";
import type { SceneObject } from "../api/types";
import { ObjectStore } from "./objectStore";

const BASE: SceneObject = {
  id: 7, instance_id: 1, kind: "box", label_class: 1, center: [0, 0, 0.25], size: [0.5, 0.5, 0.5],
  rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], mesh_url: null, fit: null, version: 1,
  class_name: "mug", updated_by: null, updated_at: null,
};

/** A server holding one object with versions, listing it as a page and answering PATCH like the API (409 with `current`). */
function serve() {
  let stored = { ...BASE };
  const patches: any[] = [];
  vi.stubGlobal("document", { cookie: "csrftoken=abc" });
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (init.method === "GET") return json({ count: 1, next: null, previous: null, results: [stored] });
    const body = JSON.parse(String(init.body));
    patches.push(body);
    if (body.version !== stored.version) return json({ error: "changed", current: { object: stored } }, 409);
    const { version: _ignored, ...changes } = body;
    stored = { ...stored, ...changes, version: stored.version + 1 };
    return json(stored);
  });
  return { patches, server: () => stored, changeBehind: (c: Partial<SceneObject>) => (stored = { ...stored, ...c, version: stored.version + 1 }) };
}

afterEach(() => vi.unstubAllGlobals());

describe("ObjectStore", () => {
  it("saves an edit with the version it was based on and takes the new version", async () => {
    const { patches, server } = serve();
    const store = new ObjectStore(1);
    await store.load();
    store.edit(7, { size: [1, 1, 1] });
    await store.flush();
    expect(patches).toEqual([expect.objectContaining({ version: 1, size: [1, 1, 1] })]);
    expect(store.objects.get(7)!.version).toBe(2);
    expect(server().size).toEqual([1, 1, 1]);
  });

  it("keeps a 409 as a conflict naming the fields that differ, then keeps mine on the current version", async () => {
    const { patches, server, changeBehind } = serve();
    const store = new ObjectStore(1);
    await store.load();
    changeBehind({ center: [3, 3, 0.25] });
    store.edit(7, { size: [2, 2, 2] });
    await store.flush();
    const conflict = store.conflicts.get(7)!;
    expect(conflict.current.version).toBe(2);
    expect(conflict.fields.sort()).toEqual(["center", "size"]);
    store.keepMine(7);
    await store.flush();
    expect(patches.at(-1).version).toBe(2);
    expect(server()).toMatchObject({ version: 3, size: [2, 2, 2], center: [0, 0, 0.25] });
    expect(store.conflicts.size).toBe(0);
  });

  it("takes theirs without saving", async () => {
    const { patches, changeBehind } = serve();
    const store = new ObjectStore(1);
    await store.load();
    changeBehind({ center: [3, 3, 0.25] });
    store.edit(7, { size: [2, 2, 2] });
    await store.flush();
    store.takeTheirs(7);
    await store.flush();
    expect(patches.length).toBe(1);
    expect(store.objects.get(7)).toMatchObject({ center: [3, 3, 0.25], size: [0.5, 0.5, 0.5], version: 2 });
  });

  it("undoes and redoes an edit, saving each", async () => {
    const { server } = serve();
    const store = new ObjectStore(1);
    await store.load();
    store.edit(7, { center: [1, 0, 0.25] });
    await store.flush();
    await store.undo();
    await store.flush();
    expect(server().center).toEqual([0, 0, 0.25]);
    expect(store.canRedo).toBe(true);
    await store.redo();
    await store.flush();
    expect(server()).toMatchObject({ center: [1, 0, 0.25], version: 4 });
  });
});
