import { describe, expect, it } from "vitest";
// The server's palette, read as text: the two lists must not drift apart.
import python from "../../../annotate/overlays.py?raw";
import { CLASS_PALETTE, classColor, UNSET_CLASS_COLOR } from "./classPalette";

describe("class colours", () => {
  it("gives each of 20 classes its own colour, and wraps after", () => {
    const colours = Array.from({ length: 20 }, (_, i) => classColor(i + 1));
    expect(new Set(colours).size).toBe(20);
    expect(classColor(21)).toBe(classColor(1));
    expect(classColor(2)).not.toBe(classColor(1));
  });

  it("uses the project's colour where one was set, not the unset default", () => {
    expect(classColor(3, "#123456")).toBe("#123456");
    expect(classColor(3, UNSET_CLASS_COLOR)).toBe(CLASS_PALETTE[2]);
    expect(classColor(3, "red")).toBe(CLASS_PALETTE[2]);
  });

  it("is the same list the server colours the instance overlay with", () => {
    const block = python.match(/CLASS_PALETTE = \(([\s\S]*?)\n\)/)![1];
    expect([...block.matchAll(/"(#[0-9a-f]{6})"/g)].map((m) => m[1])).toEqual([...CLASS_PALETTE]);
    expect(python).toContain(`UNSET_CLASS_COLOR = "${UNSET_CLASS_COLOR}"`);
  });
});
