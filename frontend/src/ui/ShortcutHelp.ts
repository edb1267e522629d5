/**
 * The "?" overlay: every shortcut of the page with its keys. A modal dialog for assistive technology
 * (role=dialog, aria-modal, labelled by its heading): focus moves into it on open, Tab stays inside it,
 * Esc (or "?" again) closes it, and focus returns to where it was.
 */
import { useRef } from "preact/hooks";
import { html } from "./html";
import { useModalFocus } from "./modalFocus";
import { keyLabel, type Shortcut } from "./shortcuts";

export function ShortcutHelp({ title, shortcuts, onClose }: { title: string; shortcuts: Shortcut[]; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useModalFocus(dialog, onClose, { closeKeys: ["Escape", "?"] });
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
