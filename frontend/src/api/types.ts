/** Shapes of the API's answers (docs/API.md; the OpenAPI schema at /api/schema/ is the authority). */

export type Role = "manager" | "annotator";
export type Matrix4Rows = number[][];

export interface Me {
  id: number;
  username: string;
  projects: Record<string, Role>;
}

export interface Project {
  id: number;
  name: string;
  description: string;
  role: Role | null;
  capture_count: number;
}

export interface Member {
  username: string;
  role: Role;
  joined_at?: string;
}

export interface LabelClass {
  id: number;
  name: string;
  class_id: number;
  color: string;
  kitti_type: string;
}

export interface Capture {
  id: number;
  project: number;
  name: string;
  status: string;
  error: string;
  frame_count: number | null;
  created_at?: string;
}

export type JobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled";

export interface Job {
  id: number;
  kind: string;
  project?: number;
  status: JobStatus;
  progress: number;
  message: string;
  error: string;
  result: Record<string, any> | null;
  artifact_url: string | null;
  created_at?: string;
  created_by?: string | null;
  params?: Record<string, unknown>;
}

export interface Frame {
  id: number;
  capture: number;
  index: number;
  file_name?: string;
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  camera_to_world: Matrix4Rows;
  review_status: string;
  image_url: string;
  thumbnail_url: string;
  labels_url?: string;
  /** Lowest mean label confidence of the visible objects; null before labels are rendered. */
  confidence?: number | null;
  review_note?: string;
  /** The last review of the frame: a rejection's note stays visible when the frame is reopened. */
  latest_review?: LatestReview | null;
}

export interface LatestReview {
  decision: string;
  note: string;
  reviewer: string | null;
  created_at: string;
}

export interface Field {
  id: number;
  backend: string;
  preset: string;
  metrics: Record<string, number>;
  /** The field's measured quality (empty for fields trained before verdicts existed). */
  quality: FieldQuality | Record<string, never>;
  /** good / usable / poor by the documented thresholds; "" when never assessed. */
  verdict: FieldVerdict;
  created_at: string;
  preview_url: string | null;
  cameras_url: string | null;
}

export type FieldVerdict = "good" | "usable" | "poor" | "";

/** nerf_labeling.fields.quality.FieldQuality.as_dict(): overall measures, per-frame ones, the verdict and why. */
export interface FieldQuality {
  verdict: FieldVerdict;
  /** One sentence per measure short of a good field (empty when good). */
  reasons: string[];
  /** dB, mean over the held-out frames; null without any. */
  held_out_psnr: number | null;
  /** Median relative z-depth disagreement between neighbouring views (0.01 = 1 %). */
  depth_disagreement: number | null;
  /** Share of surface pixels whose surface is crisp. */
  crisp_fraction: number | null;
  frames: { index: number; held_out_psnr: number | null; depth_disagreement: number | null;
    neighbour: number | null; crisp_fraction: number | null }[];
  thresholds?: Record<string, { good: number; usable: number }>;
}

export interface SceneObject {
  id: number;
  instance_id: number;
  kind: "box" | "mesh";
  label_class: number | null;
  class_name?: string;
  center: number[];
  size: number[];
  rotation: number[][];
  mesh_url: string | null;
  fit: Record<string, number> | null;
  version: number;
  updated_by?: string | null;
  updated_at?: string;
}

export interface ObjectLabel {
  instance_id: number;
  class_id: number;
  class_name: string;
  modal_box: number[] | null;
  amodal_box: number[] | null;
  visible_fraction: number;
  truncation?: number;
  confidence?: number | null;
}

export interface FrameLabels {
  objects: ObjectLabel[];
  stale: boolean;
  /** The verdict of the field these labels were rendered from, as it was then ("" when never assessed). */
  field_verdict: FieldVerdict;
}

export interface Pick {
  frame: number;
  /** The capture the frame comes from. */
  capture: number;
  capture_name: string;
  index: number;
  thumbnail_url: string;
  score: number;
  rank: number;
  reason?: string;
}

export interface AlRound {
  id: number;
  requested_method?: string;
  batch_size?: number;
  method: string;
  reason: string;
  redundancy: number | null;
  model_version: number | null;
  metrics: Record<string, number> | null;
  picks: Pick[];
  job?: number | Job | null;
  created_at?: string;
}

export interface BatchProgress {
  total: number;
  done: number;
  by_annotator: Record<string, { reviewed: number; holding: number }>;
}

export interface Batch {
  id: number;
  name: string;
  assignees: string[];
  progress: BatchProgress;
  al_round?: number | null;
}

export interface ExportFormat {
  name: string;
  description: string;
}
