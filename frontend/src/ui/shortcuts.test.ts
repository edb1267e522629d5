import { describe, expect, it } from "vitest";
import { controlUsesKey, isTextEntry, keyLabel, keyMatches, type Shortcut, shortcutFor } from "./shortcuts";

const key = (k: string, mods: Partial<KeyboardEvent> = {}, target: object | null = { tagName: "BODY" }) =>
  ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods, target } as unknown as KeyboardEvent);

describe("keyboard shortcuts", () => {
  const ran: string[] = [];
  const table: Shortcut[] = [
    { keys: ["ArrowRight", "j"], label: "next", run: () => ran.push("next") },
    { keys: ["Mod+z"], label: "undo", run: () => ran.push("undo") },
    { keys: ["Mod+Shift+z"], label: "redo", run: () => ran.push("redo") },
    { keys: ["?"], label: "help", run: () => ran.push("help") },
    { keys: ["a"], label: "accept", run: () => ran.push("accept"), disabled: true },
  ];

  it("matches keys by name, letters in either case, modifiers exactly", () => {
    expect(keyMatches("j", key("J", { shiftKey: true }))).toBe(true);
    expect(keyMatches("j", key("j", { ctrlKey: true }))).toBe(false);
    expect(keyMatches("Mod+z", key("z", { metaKey: true }))).toBe(true);
    expect(keyMatches("Mod+z", key("Z", { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(keyMatches("Mod+Shift+z", key("Z", { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(keyMatches("?", key("?", { shiftKey: true }))).toBe(true);
    expect(keyMatches("+", key("+", { shiftKey: true }))).toBe(true);
    expect(keyMatches("ArrowRight", key("ArrowRight", { altKey: true }))).toBe(false);
  });

  it("leaves typed text alone: text inputs, textareas, selects, editable elements", () => {
    for (const target of [{ tagName: "INPUT", type: "text" }, { tagName: "INPUT", type: "number" }, { tagName: "INPUT" },
      { tagName: "TEXTAREA" }, { tagName: "SELECT" }, { tagName: "DIV", isContentEditable: true }]) {
      expect(isTextEntry(target)).toBe(true);
      expect(shortcutFor(key("j", {}, target), table)).toBeNull();
    }
  });

  it("keeps working after a slider or checkbox was touched, leaving them only the keys they use", () => {
    const slider = { tagName: "INPUT", type: "range" };
    const checkbox = { tagName: "INPUT", type: "checkbox" };
    expect(isTextEntry(slider)).toBe(false);
    expect(shortcutFor(key("j", {}, slider), table)?.label).toBe("next");
    expect(shortcutFor(key("ArrowRight", {}, slider), table)).toBeNull();
    expect(controlUsesKey(slider, "ArrowRight")).toBe(true);
    expect(shortcutFor(key("ArrowRight", {}, checkbox), table)?.label).toBe("next");
    expect(controlUsesKey(checkbox, " ")).toBe(true);
    expect(shortcutFor(key("?", { shiftKey: true }, checkbox), table)?.label).toBe("help");
  });

  it("skips disabled shortcuts and unknown keys", () => {
    expect(shortcutFor(key("a"), table)).toBeNull();
    expect(shortcutFor(key("x"), table)).toBeNull();
    expect(shortcutFor(key("Z", { ctrlKey: true, shiftKey: true }), table)?.label).toBe("redo");
  });

  it("writes keys as people read them", () => {
    expect(["ArrowRight", "Mod+Shift+z", "?", "+", "Escape", "j"].map(keyLabel)).toEqual(["→", "Ctrl+Shift+Z", "?", "+", "Esc", "J"]);
  });
});
