import { describe, expect, it } from "vitest";
import { sceneShortcuts } from "../scene/sceneShortcuts";
import { type FrameCommands, reviewShortcuts } from "./reviewShortcuts";

const noop = () => {};

describe("the pages' key tables", () => {
  it("give every review action a key, each key to one action", () => {
    const ran: string[] = [];
    const frame: FrameCommands = { accept: () => ran.push("accept"), startReject: () => ran.push("reject"), fix: () => ran.push("fix"),
      toggleLayer: (i) => ran.push(`layer ${i}`), zoom: (f) => ran.push(`zoom ${f}`), resetZoom: () => ran.push("fit") };
    const table = reviewShortcuts({ next: noop, previous: noop, help: noop, frame: { current: frame }, frameOpen: true });
    const keys = table.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of ["ArrowRight", "ArrowLeft", "j", "k", "a", "r", "f", "1", "2", "3", "4", "+", "-", "0", "?"]) expect(keys).toContain(key);
    const byKey = (key: string) => table.find((s) => s.keys.includes(key))!;
    ["a", "r", "f", "4", "0"].forEach((k) => byKey(k).run({} as KeyboardEvent));
    expect(ran).toEqual(["accept", "reject", "fix", "layer 3", "fit"]);
  });

  it("lists the frame's keys but runs none while no frame is open", () => {
    const table = reviewShortcuts({ next: noop, previous: noop, help: noop, frame: { current: null }, frameOpen: false });
    expect(table.find((s) => s.keys.includes("a"))?.disabled).toBe(true);
    expect(table.find((s) => s.keys.includes("ArrowRight"))?.disabled).toBeFalsy();
  });

  it("keeps the scene's keys, each to one action", () => {
    const table = sceneShortcuts({ undo: noop, redo: noop, setMode: noop, addBox: noop, selected: null, deselect: noop,
      lookThroughFrame: noop, step: noop, help: noop });
    const keys = table.flatMap((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(["Mod+z", "Mod+Shift+z", "Mod+y", "w", "e", "r", "b", "g", "Delete", "Escape", "f", "[", "]", "?"]));
    expect(table.find((s) => s.keys.includes("Delete"))?.disabled).toBe(true);
  });
});
