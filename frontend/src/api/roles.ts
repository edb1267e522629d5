/** The signed-in user's role in a project, from `GET /api/me/` (`projects: {project_id: role}`), and
 * which controls it unlocks; docs/API.md ("Who may do what") is the policy the server enforces. */
import { createContext } from "preact";
import type { Job, Me, Role } from "./types";

/** The signed-in user, for controls deep inside a page (a job's Cancel); the shell provides it. */
export const MeContext = createContext<Me | undefined>(undefined);

export function roleIn(me: Me | undefined, projectId: number): Role | null {
  return me?.projects?.[String(projectId)] ?? null;
}

/** Whether to show manager-only controls; false until /api/me/ has answered, so nobody sees them flash. */
export function isManager(me: Me | undefined, projectId: number): boolean {
  return roleIn(me, projectId) === "manager";
}

/** Whether to offer Cancel on a job: whoever started it may cancel it, a manager any job of the project. */
export function mayCancel(me: Me | undefined, job: Pick<Job, "created_by" | "project">): boolean {
  if (!me) return false;
  return job.created_by === me.username || (job.project !== undefined && isManager(me, job.project));
}
