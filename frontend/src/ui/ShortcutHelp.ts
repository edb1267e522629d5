/**
 * The "?" overlay: every shortcut of the page with its keys. A modal dialog for assistive technology
 * (role=dialog, aria-modal, labelled by its heading): focus moves into it on open, Tab stays inside it,
 * Esc (or "?" again) closes it, and focus returns to where it was.
 */
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { html } from "./html";
import { keyLabel, type Shortcut } from "./shortcuts";

export function ShortcutHelp({ title, shortcuts, onClose }: { title: string; shortcuts: Shortcut[]; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Focus moves in before the next paint; the keys are heard on the window, so an Esc pressed at once
  // (or after a click on the backdrop moved focus out) still closes.
  useLayoutEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.querySelector<HTMLElement>("button")?.focus();
    return () => before?.focus?.();
  }, []);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        close.current();
      } else if (event.key === "Tab") {
        trapTab(event, dialog.current!);
      }
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, []);
  return html`<div class="modal-backdrop" onClick=${(e: MouseEvent) => e.target === e.currentTarget && onClose()}>
    <div class="modal shortcut-help" role="dialog" aria-modal="true" aria-labelledby="shortcut-help-title"
      ref=${dialog} data-testid="shortcut-help">
      <div class="title-row"><h2 id="shortcut-help-title">${title}</h2>
        <button class="small" onClick=${onClose} aria-label="Close keyboard shortcuts">Close</button></div>
      <table class="table shortcut-table">
        <tbody>${shortcuts.map((s) => html`<tr><td class="shortcut-keys">${s.keys.map((k) => html`<kbd>${keyLabel(k)}</kbd>`)}</td><td>${s.label}</td></tr>`)}
          <tr><td class="shortcut-keys"><kbd>Esc</kbd></td><td>Close this list</td></tr></tbody>
      </table>
    </div>
  </div>`;
}

/** Keep Tab and Shift+Tab cycling through the focusable elements inside `container`. */
function trapTab(event: KeyboardEvent, container: HTMLElement): void {
  const focusable = [...container.querySelectorAll<HTMLElement>("button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])")];
  if (!focusable.length) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!container.contains(document.activeElement)) {
    event.preventDefault();
    first.focus();
  } else if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
