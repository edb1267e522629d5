/** The signed-in user's role in a project, from `GET /api/me/` (`projects: {project_id: role}`). */
import type { Me, Role } from "./types";

export function roleIn(me: Me | undefined, projectId: number): Role | null {
  return me?.projects?.[String(projectId)] ?? null;
}

/** Whether to show manager-only controls; false until /api/me/ has answered, so nobody sees them flash. */
export function isManager(me: Me | undefined, projectId: number): boolean {
  return roleIn(me, projectId) === "manager";
}
