/**
 * Keyboard shortcuts for the pages that are worked at keyboard speed (review, scene): one table of
 * shortcuts per page, matched against window keydown events, and the same table listed by the help overlay.
 *
 * A key typed into a text field is text, not a command: text inputs, textareas, selects and editable
 * elements keep their keys. A slider or checkbox the user touched keeps focus too, but it is not a text
 * field: shortcuts go on working after it, and only the keys the control itself uses (arrows on a
 * slider, Space on a checkbox or button) stay with it.
 */
import { useEffect, useRef } from "preact/hooks";

export interface Shortcut {
  /** Key specs: a key name as `KeyboardEvent.key` spells it ("ArrowRight", "j", "?", "+"), optionally
   * after "Mod+" (Ctrl or ⌘) and "Shift+"; letters match either case. */
  keys: string[];
  /** What the key does, as the help overlay lists it. */
  label: string;
  run: (event: KeyboardEvent) => void;
  /** Listed in help, but not run (e.g. "Accept" while no frame is open). */
  disabled?: boolean;
  /** Run again while the key is held (stepping, zooming); a decision is not, so it cannot run on into the next frame. */
  repeats?: boolean;
}

/** Input types whose keys are typed text; every other input (range, checkbox, radio, button, colour…) is not. */
const TEXT_INPUT_TYPES = new Set(["text", "search", "email", "url", "tel", "password", "number", "date",
  "datetime-local", "month", "time", "week"]);

/** The keys a focused non-text control uses itself, by the kind of control. */
const CONTROL_KEYS: Record<string, Set<string>> = {
  range: new Set(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"]),
  toggle: new Set([" ", "Enter"]),
};

interface TargetLike {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
}

/** Whether keys pressed in `target` are typed text (so no shortcut may take them). */
export function isTextEntry(target: TargetLike | null): boolean {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return true;
  return tag === "INPUT" && TEXT_INPUT_TYPES.has((target.type || "text").toLowerCase());
}

/** Whether the focused control `target` uses `key` itself (a slider's arrows, a checkbox's Space). */
export function controlUsesKey(target: TargetLike | null, key: string): boolean {
  if (!target || !target.tagName) return false;
  const tag = target.tagName.toUpperCase();
  const type = (target.type || "").toLowerCase();
  if (tag === "INPUT" && type === "range") return CONTROL_KEYS.range.has(key);
  const toggles = tag === "BUTTON" || tag === "A" || tag === "SUMMARY" || (tag === "INPUT" && ["checkbox", "radio", "button", "submit", "reset"].includes(type));
  return toggles && CONTROL_KEYS.toggle.has(key);
}

type KeyEventLike = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

/** Whether `event` is the key `spec` ("Mod+Shift+z", "ArrowRight", "?"). Without "Mod+" no Ctrl/⌘/Alt may be
 * held; Shift counts only where the spec names a modifier, since "?" and "+" need Shift on most layouts. */
export function keyMatches(spec: string, event: KeyEventLike): boolean {
  const parts = spec.split("+");
  const key = parts.pop() || "+"; // "+" itself splits into two empty parts
  const mod = parts.includes("Mod");
  if (mod !== (event.ctrlKey || event.metaKey) || event.altKey) return false;
  if (mod && parts.includes("Shift") !== event.shiftKey) return false;
  return key.length === 1 ? event.key.toLowerCase() === key.toLowerCase() : event.key === key;
}

/** The shortcut `event` asks for, or null: none matches, it is typed text, or the focused control uses it. */
export function shortcutFor(event: KeyEventLike & { target: EventTarget | null }, shortcuts: Shortcut[]): Shortcut | null {
  const target = event.target as TargetLike | null;
  if (isTextEntry(target) || controlUsesKey(target, event.key)) return null;
  return shortcuts.find((s) => !s.disabled && s.keys.some((k) => keyMatches(k, event))) ?? null;
}

/** Run the page's shortcuts on window keydown; the latest table is used, so it may be rebuilt each render. */
export function useShortcuts(shortcuts: Shortcut[], enabled = true): void {
  const latest = useRef(shortcuts);
  latest.current = shortcuts;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const shortcut = shortcutFor(event, latest.current);
      if (!shortcut) return;
      event.preventDefault();
      if (event.repeat && !shortcut.repeats) return;
      shortcut.run(event);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [enabled]);
}

/** A key spec as people read it: "Mod+Shift+z" → "Ctrl+Shift+Z", "ArrowRight" → "→". */
export function keyLabel(spec: string): string {
  const names: Record<string, string> = { ArrowRight: "→", ArrowLeft: "←", ArrowUp: "↑", ArrowDown: "↓", Escape: "Esc", " ": "Space", Mod: "Ctrl" };
  if (spec === "+") return "+";
  return spec.split("+").map((p) => names[p] ?? (p.length === 1 ? p.toUpperCase() : p)).join("+");
}
