/**
 * Train a radiance field for the capture: preset, progress with the PSNR curve, cancel; optionally the label
 * render that follows it (its own progress, or why there is none); the fields so far.
 */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import type { Field, FieldQuality, Job, NerfBackends } from "../api/types";
import { urls } from "../api/urls";
import { ErrorMessage } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { LineChart } from "../ui/LineChart";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";
import { qualitySummary, verdictBadge } from "./fieldQuality";

type CurvePoint = [iteration: number, loss: number, psnr: number | null];

/** job.result.curve as chart points: column 1 is the loss, column 2 the held-out PSNR (dB) or null. */
export function curvePoints(job: Job, column: 1 | 2): [number, number | null][] {
  const curve = (job.result?.curve ?? []) as CurvePoint[];
  return curve.map((row) => [row[0], row[column]]);
}

export function TrainingPanel({ captureId, projectId, fields, onTrained }: {
  captureId: number; projectId: number | undefined; fields: Field[] | undefined; onTrained: () => void;
}) {
  const presets = useResource(() => api.get<NerfBackends>(urls.nerfBackends()), []);
  const running = useResource(async () => {
    if (!projectId) return null;
    const jobs = items(await api.get<Page<Job>>(urls.projectJobs(projectId, { kind: "train", limit: 20 })));
    return jobs.find((j) => j.target === `capture:${captureId}` && ["queued", "running"].includes(j.status)) ?? null;
  }, [projectId, captureId]);
  const [preset, setPreset] = useState("");
  const [renderAfter, setRenderAfter] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const shownJob = jobId ?? running.data?.id ?? null;
  const [train, starting] = useSubmit(() => {
    setError(null);
    return api.post<Job>(urls.captureTrain(captureId), { preset: preset || presets.data?.default, render_after: renderAfter })
      .then((job) => setJobId(job.id), setError);
  });
  return html`<div class="panel training">
    <h3>Radiance field</h3>
    <${ErrorMessage} error=${presets.error} what="Presets" />
    <div class="inline-form">
      <select value=${preset || presets.data?.default} onChange=${(e: any) => setPreset(e.target.value)} aria-label="Preset">
        ${Object.entries(presets.data?.presets ?? {}).map(([name, p]) =>
          html`<option value=${name} title=${p.description}>${name} (${p.backend})</option>`)}
      </select>
      <button onClick=${() => train()} disabled=${!presets.data || starting}>Train</button>
    </div>
    <label class="check small-text"><input type="checkbox" checked=${renderAfter}
      onChange=${(e: any) => setRenderAfter(e.target.checked)} /> Render labels when it finishes</label>
    <${ErrorMessage} error=${error} what="Train" />
    <${JobPanel} jobId=${shownJob} title="Training" onEnd=${onTrained}>
      ${(job: Job) => html`<div class="psnr-chart"><${LineChart} points=${curvePoints(job, 2)} xLabel="iteration" yLabel="held-out PSNR dB" width=${250} height=${120} /></div>
        <div class="loss-chart"><${LineChart} points=${curvePoints(job, 1)} xLabel="iteration" yLabel="loss" width=${250} height=${100} /></div>
        ${job.result?.quality ? html`<${FieldVerdict} quality=${job.result.quality as FieldQuality} />` : null}
        <${RenderAfterTraining} job=${job} />`}
    <//>
    ${fields?.length ? html`<div class="muted small-text">Latest field: ${fields[0].preset}
      ${Object.entries(fields[0].metrics ?? {}).slice(0, 3).map(([k, v]) => html` · ${k} ${typeof v === "number" ? v.toFixed(2) : String(v)}`)}</div>
      <${FieldVerdict} quality=${fields[0].quality as FieldQuality} />` : null}
  </div>`;
}

/** The field's verdict as a badge, its figures, and why it is not good; labels from a poor one need an override. */
function FieldVerdict({ quality }: { quality: FieldQuality | undefined }) {
  const badge = verdictBadge(quality?.verdict);
  return html`<div class="field-verdict small-text" data-testid="field-verdict" data-verdict=${quality?.verdict ?? ""}>
    <span class=${badge.className}>${badge.text}</span> <span class="muted">${qualitySummary(quality)}</span>
    ${quality?.reasons?.length ? html`<ul class="verdict-reasons">${quality.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : null}
  </div>`;
}

/** The label render a training job queued when it finished: its progress, or the reason none was queued. */
function RenderAfterTraining({ job }: { job: Job }) {
  const render = job.result?.render as { job: number | null; reason?: string } | undefined;
  if (!render) return null;
  if (render.job === null) return html`<div class="muted small-text render-after" role="status">${render.reason}</div>`;
  return html`<div class="render-after"><${JobPanel} jobId=${render.job} title="Label rendering (after training)" /></div>`;
}
