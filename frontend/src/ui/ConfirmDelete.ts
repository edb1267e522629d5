/**
 * A Delete button that asks first: a dialog names what will be deleted and what goes with it (a
 * capture's frames, labels and reviews...), with Cancel (the default, also Esc) and Delete. The request
 * runs once per confirmation; its refusal (e.g. a 409 with the server's message) shows beside the button.
 */
import { useRef, useState } from "preact/hooks";
import { ErrorMessage } from "./feedback";
import { html } from "./html";
import { useModalFocus } from "./modalFocus";
import { useSubmit } from "./submit";

export function ConfirmDelete({ what, consequences, onConfirm, onDeleted, label = "Delete" }: {
  /** What is deleted, e.g. `capture "kitchen"`. */
  what: string;
  /** What goes with it, in plain words (one sentence). */
  consequences: string;
  onConfirm: () => Promise<unknown>;
  onDeleted?: () => void;
  label?: string;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [remove, removing] = useSubmit(() => {
    setError(null);
    setOpen(false);
    return onConfirm().then(() => onDeleted?.(), setError);
  });
  return html`<span class="confirm-delete">
    <button class="small danger" onClick=${() => setOpen(true)} disabled=${removing} aria-haspopup="dialog"
      aria-label=${`${label} ${what}`}>${label}</button>
    ${open ? html`<${ConfirmDialog} what=${what} consequences=${consequences} onCancel=${() => setOpen(false)}
      onConfirm=${() => remove()} />` : null}
    <${ErrorMessage} error=${error} what=${`Could not delete ${what}`} />
  </span>`;
}

function ConfirmDialog({ what, consequences, onCancel, onConfirm }: {
  what: string; consequences: string; onCancel: () => void; onConfirm: () => void;
}) {
  const dialog = useRef<HTMLDivElement>(null);
  useModalFocus(dialog, onCancel, { initialFocus: "button.cancel" });
  return html`<div class="modal-backdrop" onClick=${(e: MouseEvent) => e.target === e.currentTarget && onCancel()}>
    <div class="modal confirm-dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-delete-title"
      aria-describedby="confirm-delete-text" ref=${dialog} data-testid="confirm-delete">
      <h2 id="confirm-delete-title">Delete ${what}?</h2>
      <p id="confirm-delete-text">${consequences} This cannot be undone.</p>
      <div class="inline-form">
        <button class="cancel" onClick=${onCancel}>Cancel</button>
        <button class="danger confirm" onClick=${onConfirm}>Delete</button>
      </div>
    </div>
  </div>`;
}
