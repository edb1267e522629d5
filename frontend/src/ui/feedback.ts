/** Readable states for every panel: errors, loading, empty lists, progress bars. */
import { html } from "./html";

export function ErrorMessage({ error, what }: { error: Error | string | null | undefined; what?: string }) {
  if (!error) return null;
  const text = typeof error === "string" ? error : error.message;
  const status = typeof error === "object" && "status" in error ? (error as { status: number }).status : null;
  const hint = status === 404 ? " (not available on this server yet, or it does not exist)" : "";
  return html`<div class="error" role="alert">${what ? html`<strong>${what}: </strong>` : null}${text}${hint}</div>`;
}

export function Loading({ what }: { what: string }) {
  return html`<div class="muted loading">Loading ${what}…</div>`;
}

export function Empty({ children }: { children: unknown }) {
  return html`<div class="muted empty">${children}</div>`;
}

export function ProgressBar({ fraction, label }: { fraction: number; label?: string }) {
  const percent = Math.max(0, Math.min(100, Math.round(fraction * 1000) / 10));
  return html`<div class="progress" role="progressbar" aria-label=${label ?? "Progress"} aria-valuenow=${percent} aria-valuemin="0" aria-valuemax="100">
    <div class="progress-fill" style=${{ width: `${percent}%` }}></div>
    <span class="progress-label">${label ? `${label} · ` : ""}${percent}%</span>
  </div>`;
}
