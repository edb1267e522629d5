/**
 * Stepping through the review gallery's frames in its order (the filtered list the pager pages through):
 * the frame before or after the open one, and the next frame still pending, loading pages as needed.
 */
import type { Frame } from "../api/types";
import type { FramePager } from "../gallery/FramePager";

/** The gallery position of frame `frameId` among the pages held, or -1. */
export function indexOfFrame(pager: FramePager, frameId: number | null | undefined): number {
  if (frameId == null) return -1;
  for (let i = 0; i < (pager.count ?? 0); i++) if (pager.get(i)?.id === frameId) return i;
  return -1;
}

/** The frame at gallery position `index`, fetching its page if it is not held (undefined past the end). */
export async function frameAt(pager: FramePager, index: number): Promise<Frame | undefined> {
  if (index < 0 || (pager.count !== null && index >= pager.count)) return undefined;
  for (let attempt = 0; attempt < 3 && !pager.get(index); attempt++) {
    const page = Math.floor(index / pager.pageSize);
    // A page already on its way resolves fetchPage at once: wait for the pager to say it changed.
    const changed = new Promise<void>((resolve) => {
      const stop = pager.subscribe(() => { stop(); resolve(); });
    });
    await Promise.race([pager.fetchPage(page).then(() => changed), changed]);
    if (pager.error) return undefined;
  }
  return pager.get(index);
}

/** How many pages ahead the next pending frame is looked for. A mostly reviewed gallery of 10,000 frames
 * must not fetch every page after one decision, and the pages looked through must fit in the pager's
 * budget (8) beside the gallery's own, or it would drop the pages the gallery is showing. */
export const PENDING_LOOKAHEAD_PAGES = 4;

/** The first frame after position `from` whose review is pending, wrapping to the start; null if none is
 * within PENDING_LOOKAHEAD_PAGES pages. */
export async function nextPendingFrame(pager: FramePager, from: number): Promise<{ frame: Frame; index: number } | null> {
  const count = pager.count ?? 0;
  const lookahead = PENDING_LOOKAHEAD_PAGES * pager.pageSize;
  for (let step = 1; step < Math.min(count, lookahead + 1); step++) {
    const index = (from + step + count) % count;
    const frame = await frameAt(pager, index);
    if (frame?.review_status === "pending") return { frame, index };
  }
  return null;
}
