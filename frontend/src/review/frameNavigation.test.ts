import { afterEach, describe, expect, it, vi } from "vitest";
import { urls } from "../api/urls";
import { FramePager } from "../gallery/FramePager";
import { frameAt, indexOfFrame, nextPendingFrame, PENDING_LOOKAHEAD_PAGES } from "./frameNavigation";

/** A frame list of `total` frames where `pending(i)` says which are still to review; counts the page requests. */
function serveFrames(total: number, pending: (index: number) => boolean) {
  const calls: string[] = [];
  vi.stubGlobal("fetch", async (url: string) => {
    calls.push(url);
    const parsed = new URL(url, "http://test");
    const offset = Number(parsed.searchParams.get("offset"));
    const limit = Number(parsed.searchParams.get("limit"));
    const results = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) =>
      ({ id: 1000 + offset + i, index: offset + i, review_status: pending(offset + i) ? "pending" : "accepted" }));
    return new Response(JSON.stringify({ count: total, next: null, previous: null, results }), { headers: { "content-type": "application/json" } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("stepping through the review gallery", () => {
  it("finds a frame's position and loads the page of a frame not held yet", async () => {
    serveFrames(200, () => true);
    const pager = new FramePager(urls.captureFrames(1), {}, 60, 8);
    await pager.fetchPage(0);
    expect(indexOfFrame(pager, 1005)).toBe(5);
    expect(indexOfFrame(pager, 1150)).toBe(-1); // its page is not held
    expect((await frameAt(pager, 150))?.id).toBe(1150);
    expect(await frameAt(pager, 200)).toBeUndefined();
    expect(await frameAt(pager, -1)).toBeUndefined();
  });

  it("opens the next pending frame in gallery order, wrapping to the start", async () => {
    serveFrames(130, (i) => i === 3 || i === 125);
    const pager = new FramePager(urls.captureFrames(1), {}, 60, 8);
    await pager.fetchPage(0);
    expect((await nextPendingFrame(pager, 3))?.index).toBe(125); // across two pages not held yet
    expect((await nextPendingFrame(pager, 125))?.index).toBe(3);
  });

  it("gives up after the look-ahead instead of fetching every page", async () => {
    const calls = serveFrames(10_000, () => false);
    const pager = new FramePager(urls.captureFrames(1), {}, 60, 8);
    await pager.fetchPage(0);
    pager.ensure(0, 59); // the gallery shows the first page
    expect(await nextPendingFrame(pager, 30)).toBeNull();
    expect(calls.length).toBe(1 + PENDING_LOOKAHEAD_PAGES); // each page looked through once
    expect(pager.get(0)).toBeDefined(); // and the gallery's page is still held
  });
});
