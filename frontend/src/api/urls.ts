/**
 * Every path of the REST API, spelled once. Each is a template of the generated schema (schema.d.ts), so a
 * path the API no longer serves stops compiling once the types are regenerated (`make api-types`).
 */
import type { paths } from "./schema";

type Id = number | string;
type QueryParams = Record<string, string | number | undefined | null>;

/** Query string from the defined, non-empty values ("" when none). */
function query(params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** The template with its {placeholders} replaced by the values, in order, then the query. */
function path(template: keyof paths, values: Id[] = [], params?: QueryParams): string {
  let next = 0;
  return template.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(values[next++]))) + query(params);
}

export const urls = {
  me: () => path("/api/me/"),
  myTasks: (params?: QueryParams) => path("/api/me/tasks/", [], params),
  nerfBackends: () => path("/api/nerf-backends/"),
  exportFormats: () => path("/api/export-formats/"),
  acquisitionFunctions: () => path("/api/acquisition-functions/"),

  projects: (params?: QueryParams) => path("/api/projects/", [], params),
  project: (projectId: Id) => path("/api/projects/{project_id}/", [projectId]),
  projectCaptures: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/captures/", [projectId], params),
  projectMembers: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/members/", [projectId], params),
  projectMember: (projectId: Id, username: string) => path("/api/projects/{project_id}/members/{username}/", [projectId, username]),
  projectClasses: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/classes/", [projectId], params),
  projectClass: (projectId: Id, classId: Id) => path("/api/projects/{project_id}/classes/{class_pk}/", [projectId, classId]),
  projectJobs: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/jobs/", [projectId], params),
  projectRounds: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/al-rounds/", [projectId], params),
  projectBatches: (projectId: Id, params?: QueryParams) => path("/api/projects/{project_id}/batches/", [projectId], params),
  projectExports: (projectId: Id) => path("/api/projects/{project_id}/exports/", [projectId]),

  capture: (captureId: Id) => path("/api/captures/{capture_id}/", [captureId]),
  captureFrames: (captureId: Id, params?: QueryParams) => path("/api/captures/{capture_id}/frames/", [captureId], params),
  captureFields: (captureId: Id) => path("/api/captures/{capture_id}/fields/", [captureId]),
  captureObjects: (captureId: Id, params?: QueryParams) => path("/api/captures/{capture_id}/objects/", [captureId], params),
  captureTrain: (captureId: Id) => path("/api/captures/{capture_id}/train/", [captureId]),
  captureRender: (captureId: Id) => path("/api/captures/{capture_id}/render/", [captureId]),
  captureSparsePoints: (captureId: Id) => path("/api/captures/{capture_id}/sparse-points/", [captureId]),
  captureScale: (captureId: Id) => path("/api/captures/{capture_id}/scale/", [captureId]),

  frameLabels: (frameId: Id) => path("/api/frames/{frame_id}/labels/", [frameId]),
  frameOverlay: (frameId: Id, layer: string) => path("/api/frames/{frame_id}/overlay/{layer}/", [frameId, layer]),
  frameReview: (frameId: Id) => path("/api/frames/{frame_id}/review/", [frameId]),

  object: (objectId: Id, params?: QueryParams) => path("/api/objects/{object_id}/", [objectId], params),
  objectMesh: (objectId: Id) => path("/api/objects/{object_id}/mesh/", [objectId]),
  objectRefine: (objectId: Id) => path("/api/objects/{object_id}/refine/", [objectId]),

  batch: (batchId: Id) => path("/api/batches/{batch_id}/", [batchId]),
  batchAssign: (batchId: Id) => path("/api/batches/{batch_id}/assign/", [batchId]),
  batchNext: (batchId: Id) => path("/api/batches/{batch_id}/next/", [batchId]),

  job: (jobId: Id) => path("/api/jobs/{job_id}/", [jobId]),
  jobCancel: (jobId: Id) => path("/api/jobs/{job_id}/cancel/", [jobId]),
};
