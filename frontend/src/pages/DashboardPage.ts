/** Active-learning dashboard: rounds (method or auto with its reason, and the scoring model that ranked), picks, batches and progress; managers start rounds and make and assign batches, annotators only look. */
import { useState } from "preact/hooks";
import { api, items, type Page } from "../api/client";
import { isManager } from "../api/roles";
import type { AlRound, Batch, Job, Me, Member, Project } from "../api/types";
import { urls } from "../api/urls";
import { Empty, ErrorMessage, ProgressBar } from "../ui/feedback";
import { html } from "../ui/html";
import { JobPanel } from "../ui/JobPanel";
import { ConfirmDelete } from "../ui/ConfirmDelete";
import { LineChart } from "../ui/LineChart";
import { useSubmit } from "../ui/submit";
import { useResource } from "../ui/useResource";

/** What a round may use: auto, then every acquisition function registered in the library (from the API),
 * each with the scoring models it can rank frames with. */
interface RoundMethods {
  default: string;
  methods: { name: string; label: string; description: string; needs_trained_model: boolean; scoring_models: string[] }[];
}

export type ScoringModel = AlRound["scoring_model"];
/** The scoring models a round can rank frames with, as people read them. */
export const SCORING_MODELS: { value: ScoringModel; label: string }[] = [
  { value: "segmentation", label: "Segmentation" },
  { value: "detection3d", label: "3D detection" },
];

/** The methods that can rank frames with ``scoringModel`` (the API refuses any other pair). */
export function methodsFor(methods: RoundMethods["methods"], scoringModel: ScoringModel): RoundMethods["methods"] {
  return methods.filter((m) => m.scoring_models.includes(scoringModel));
}

/** What ranked a round's frames, in plain words ("3D detector (small) version 2"). */
export function scoringModelName(round: AlRound): string {
  const size = (round.metrics as Record<string, unknown> | null)?.detector_size;
  const name = round.scoring_model === "detection3d" ? `3D detector${typeof size === "string" ? ` (${size})` : ""}` : "segmentation model";
  return round.model_version != null ? `${name} version ${round.model_version}` : `${name}, untrained`;
}

const QUALITY = /miou|map|acc|auc|f1|quality/i;
/** The figure rounds report about their scoring model (active/metrics mean_iou on the labelled frames). */
const DEFAULT_METRIC = "train_miou";

/** The model-quality figures that rounds report (e.g. train_miou), not their bookkeeping numbers. */
export function metricKeys(rounds: AlRound[]): string[] {
  const keys = new Set<string>();
  for (const r of rounds) for (const [k, v] of Object.entries(r.metrics ?? {})) if (typeof v === "number" && QUALITY.test(k)) keys.add(k);
  return [...keys].sort((a, b) => Number(b === DEFAULT_METRIC) - Number(a === DEFAULT_METRIC) || a.localeCompare(b));
}

/** One point per round, oldest first, numbered from 1 (null where the round has no such figure), and a note
 * with the labelled frames each round's model was trained on. */
export function qualityPoints(rounds: AlRound[], key: string): { points: [number, number | null][]; notes: string[] } {
  const points = rounds.map((r, i): [number, number | null] => {
    const value = r.metrics?.[key];
    return [i + 1, typeof value === "number" ? value : null];
  });
  const notes = rounds.map((r) => (typeof r.metrics?.labelled_frames === "number" ? `${r.metrics.labelled_frames} fr` : ""));
  return { points, notes };
}

/** Plain names for the figures a round reports; others are shown with their words spaced out. */
const FIGURE_NAMES: Record<string, string> = {
  train_miou: "model accuracy on the labelled frames (mean IoU)",
  labelled_frames: "labelled frames",
  labelled_boxes: "labelled boxes",
  final_loss: "final training loss",
  train_seconds: "training seconds",
};

export function figureName(key: string): string {
  return FIGURE_NAMES[key] ?? key.replace(/_/g, " ");
}

/** A round's figures in plain words: how alike its frames are, the scoring model that ranked them and its
 * version, what it learnt from and the model-quality figures (bookkeeping such as thresholds stays out). */
export function roundFacts(round: AlRound): string[] {
  const facts: string[] = [];
  if (typeof round.redundancy === "number") facts.push(`${Math.round(round.redundancy * 100)}% of frames look alike`);
  facts.push(`ranked by the ${scoringModelName(round)}`);
  const metrics = round.metrics ?? {};
  for (const key of ["labelled_frames", "labelled_boxes", ...metricKeys([round]), "final_loss", "train_seconds"]) {
    const value = metrics[key];
    if (typeof value !== "number") continue;
    facts.push(`${figureName(key)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
  }
  return facts;
}

export function DashboardPage({ projectId, me }: { projectId: number; me?: Me }) {
  const project = useResource(() => api.get<Project>(urls.project(projectId)), [projectId]);
  const rounds = useResource(() => api.get<Page<AlRound>>(urls.projectRounds(projectId, { limit: 1000 })).then(items), [projectId]);
  const batches = useResource(() => api.get<Page<Batch>>(urls.projectBatches(projectId, { limit: 1000 })).then(items), [projectId]);
  const members = useResource(() => api.get<Page<Member>>(urls.projectMembers(projectId, { limit: 1000 })).then(items), [projectId]);
  const methods = useResource(() => api.get<RoundMethods>(urls.acquisitionFunctions()), []);
  const [scoringModel, setScoringModel] = useState<ScoringModel>("segmentation");
  const [detectorSize, setDetectorSize] = useState<"small" | "base">("small");
  const [method, setMethod] = useState("auto");
  const [batchSize, setBatchSize] = useState(10);
  const [semiSupervised, setSemiSupervised] = useState<"" | "yes" | "no">("");
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [roundId, setRoundId] = useState<number | null>(null);
  const [metric, setMetric] = useState("");
  const [start, starting] = useSubmit(() => {
    setError(null);
    const detection = scoringModel === "detection3d";
    return api.post<Job>(urls.projectRounds(projectId), {
      method, batch_size: batchSize, scoring_model: scoringModel, detector_size: detectorSize,
      semi_supervised: semiSupervised && !detection ? semiSupervised === "yes" : null,
    }).then((j) => setJobId(j.id), setError);
  });
  const usable = methodsFor(methods.data?.methods ?? [], scoringModel);
  const pickScoringModel = (value: ScoringModel) => {
    setScoringModel(value);
    if (!methodsFor(methods.data?.methods ?? [], value).some((m) => m.name === method)) setMethod("auto");
  };
  const list = [...(rounds.data ?? [])].sort((a, b) => a.id - b.id);
  const round = list.find((r) => r.id === roundId) ?? list[list.length - 1];
  const keys = metricKeys(list);
  const shownMetric = metric || keys[0];
  const annotators = (members.data ?? []).map((m) => m.username);
  const manager = isManager(me, projectId);
  return html`<section class="page dashboard">
    <div class="crumbs"><a href="/app/">Projects</a> › <a href=${`/app/projects/${projectId}`} class="ellipsis">${project.data?.name ?? projectId}</a> › Dashboard</div>
    <h1>Active learning</h1>
    <div class="columns">
      <div class="column wide">
        ${manager ? html`<div class="panel start-round">
          <h2>Start a round</h2>
          <div class="inline-form">
            <label>Scoring model <select value=${scoringModel} onChange=${(e: any) => pickScoringModel(e.target.value)} aria-label="Scoring model">
              ${SCORING_MODELS.map((k) => html`<option value=${k.value}>${k.label}</option>`)}</select></label>
            <label>Method <select value=${method} onChange=${(e: any) => setMethod(e.target.value)} aria-label="Method">
              ${usable.map((m) => html`<option value=${m.name}>${m.label}: ${m.description}</option>`)}</select></label>
            <label>Batch size <input type="number" min="1" value=${batchSize} onInput=${(e: any) => setBatchSize(Number(e.target.value))} /></label>
            ${scoringModel === "detection3d" ? html`<label>Detector size <select value=${detectorSize} onChange=${(e: any) => setDetectorSize(e.target.value)} aria-label="Detector size">
              <option value="small">small (a CPU worker)</option><option value="base">base (a GPU worker)</option></select></label>`
            : html`<label>Learn from unlabelled frames <select value=${semiSupervised} onChange=${(e: any) => setSemiSupervised(e.target.value)} aria-label="Learn from unlabelled frames">
              <option value="">as the method suggests</option><option value="yes">yes</option><option value="no">no</option></select></label>`}
            <button onClick=${() => start()} disabled=${starting}>Start round</button>
          </div>
          <${ErrorMessage} error=${methods.error} what="Round methods" />
          <${ErrorMessage} error=${error} what="Start round" />
          <${JobPanel} jobId=${jobId} title="Active-learning round" onEnd=${() => { rounds.reload(); setRoundId(null); }} />
        </div>` : null}
        <${ErrorMessage} error=${rounds.error} what="Rounds" />
        ${round ? html`<${RoundView} round=${round} rounds=${list} onPick=${setRoundId} projectId=${projectId}
          annotators=${annotators} onBatch=${batches.reload} manager=${manager} />` : rounds.data ? html`<${Empty}>No rounds yet.<//>` : null}
      </div>
      <div class="column">
        <div class="panel">
          <h2>Model quality per round</h2>
          ${keys.length > 1 ? html`<select value=${shownMetric} onChange=${(e: any) => setMetric(e.target.value)} aria-label="Metric">
            ${keys.map((k) => html`<option value=${k}>${figureName(k)}</option>`)}</select>` : null}
          ${shownMetric ? html`<${QualityChart} rounds=${list} metric=${shownMetric} />`
            : html`<${Empty}>No quality figures yet: a round reports the model's quality once accepted frames have labels.<//>`}
        </div>
        <${Batches} batches=${batches.data} error=${batches.error} annotators=${annotators} reload=${batches.reload} manager=${manager} />
      </div>
    </div>
  </section>`;
}

function QualityChart({ rounds, metric }: { rounds: AlRound[]; metric: string }) {
  const { points, notes } = qualityPoints(rounds, metric);
  return html`<div class="quality" data-metric=${metric}>
    <${LineChart} points=${points} notes=${notes} xLabel="round" yLabel=${figureName(metric)} yRange=${[0, 1]} width=${330} />
    <table class="table quality-table small-text">
      <thead><tr><th>round</th><th>${figureName(metric)}</th><th>labelled frames</th></tr></thead>
      <tbody>${rounds.map((r, i) => html`<tr data-round=${r.id}><td>${i + 1} <span class="muted">(#${r.id})</span></td>
        <td class="value">${points[i][1]?.toFixed(3) ?? "–"}</td><td class="labelled">${r.metrics?.labelled_frames ?? "–"}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

function RoundView({ round, rounds, onPick, projectId, annotators, onBatch, manager }: {
  round: AlRound; rounds: AlRound[]; onPick: (id: number) => void; projectId: number; annotators: string[]; onBatch: () => void;
  manager: boolean;
}) {
  const [size, setSize] = useState(Math.min(10, round.picks?.length || 10));
  const [name, setName] = useState("");
  const [assignees, setAssignees] = useState<string[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [made, setMade] = useState<string | null>(null);
  const [make, making] = useSubmit(() => {
    setError(null);
    return api.post<Batch>(urls.projectBatches(projectId), { name: name || `Round ${round.id} top ${size}`, al_round: round.id, size, assignees })
      .then((b) => { setMade(`Batch "${b.name}" made with ${b.progress?.total ?? size} frames.`); onBatch(); }, setError);
  });
  return html`<div class="panel round" data-round=${round.id}>
    <div class="title-row"><h2>Round ${round.id}</h2>
      <select value=${round.id} onChange=${(e: any) => onPick(Number(e.target.value))} aria-label="Round">
        ${rounds.map((r) => html`<option value=${r.id}>round ${r.id} · ${r.method}</option>`)}</select></div>
    <div class="policy">${round.requested_method === "auto" ? "auto → " : ""}<strong>${round.method}</strong>${round.reason ? html` — <span class="reason">${round.reason}</span>` : null}</div>
    <div class="muted small-text round-facts">${roundFacts(round).join(" · ")}</div>
    <div class="picks">${(round.picks ?? []).map((p) => html`<div class=${`pick ${p.rank <= size ? "in-batch" : ""}`} title=${p.reason ?? ""}>
      <img src=${p.thumbnail_url} alt=${`frame ${p.index}`} loading="lazy" />
      <div class="small-text">#${p.rank} · frame ${p.index}</div>
      <div class="small-text ellipsis pick-capture" title=${`from capture ${p.capture_name}`}>${p.capture_name}</div>
      <div class="small-text mono" title="How much reviewing this frame should teach the model (higher first)">${p.score.toFixed(4)}</div>
    </div>`)}</div>
    ${manager ? html`<div class="inline-form make-batch">
      <input placeholder="Batch name" aria-label="Batch name" value=${name} onInput=${(e: any) => setName(e.target.value)} />
      <label>Top N <input type="number" min="1" max=${round.picks?.length || undefined} value=${size} onInput=${(e: any) => setSize(Number(e.target.value))} /></label>
      <${AssigneePicker} annotators=${annotators} value=${assignees} onChange=${setAssignees} />
      <button onClick=${() => make()} disabled=${making}>Make batch</button>
    </div>` : null}
    ${made ? html`<div class="ok">${made}</div>` : null}
    <${ErrorMessage} error=${error} what="Make batch" />
  </div>`;
}

function AssigneePicker({ annotators, value, onChange }: { annotators: string[]; value: string[]; onChange: (v: string[]) => void }) {
  return html`<span class="assignees">${annotators.map((u) => html`<label class="ellipsis"><input type="checkbox" checked=${value.includes(u)}
    onChange=${(e: any) => onChange(e.target.checked ? [...value, u] : value.filter((x) => x !== u))} /> ${u}</label>`)}</span>`;
}

function Batches({ batches, error, annotators, reload, manager }: {
  batches?: Batch[]; error: Error | null; annotators: string[]; reload: () => void; manager: boolean;
}) {
  const [assigning, setAssigning] = useState<Record<number, string[]>>({});
  const [actionError, setActionError] = useState<Error | null>(null);
  const [assign, assigningNow] = useSubmit((b: Batch) =>
    api.post(urls.batchAssign(b.id), { assignees: assigning[b.id] ?? [] }).then(reload, setActionError));
  return html`<div class="panel batches">
    <h2>Batches</h2>
    <${ErrorMessage} error=${error} what="Batches" />
    <${ErrorMessage} error=${actionError} what="Assign" />
    ${batches?.length === 0 ? html`<${Empty}>No batches yet.<//>` : null}
    ${batches?.map((b) => html`<div class="batch" data-batch=${b.id}>
      <div class="title-row"><strong class="ellipsis" title=${b.name}>${b.name}</strong>
        <span class="muted">${b.progress?.done ?? 0}/${b.progress?.total ?? 0} done</span></div>
      <${ProgressBar} fraction=${b.progress?.total ? b.progress.done / b.progress.total : 0} label="all annotators" />
      ${Object.entries(b.progress?.by_annotator ?? {}).map(([user, p]) => html`<div class="annotator-progress" data-annotator=${user}>
        <span class="ellipsis" title=${user}>${user}</span>
        <${ProgressBar} fraction=${b.progress.total ? p.reviewed / b.progress.total : 0}
          label=${`${p.reviewed} reviewed${p.holding ? `, ${p.holding} open` : ""}`} /></div>`)}
      ${manager ? html`<${ConfirmDelete} what=${`batch "${b.name}"`} onConfirm=${() => api.delete(urls.batch(b.id))}
        onDeleted=${reload} consequences=${`Its list of ${b.progress?.total ?? 0} frames and who is assigned to it go with it; the frames themselves, their reviews and labels stay.`} />` : null}
      ${manager ? html`<div class="inline-form assign">
        <${AssigneePicker} annotators=${annotators} value=${assigning[b.id] ?? b.assignees ?? []}
          onChange=${(v: string[]) => setAssigning({ ...assigning, [b.id]: v })} />
        <button class="small" onClick=${() => assign(b)} disabled=${assigningNow}>Assign</button>
      </div>` : html`<div class="muted small-text">assigned: ${b.assignees?.join(", ") || "nobody"}</div>`}
    </div>`)}
  </div>`;
}
