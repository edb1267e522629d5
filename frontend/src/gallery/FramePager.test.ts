import { afterEach, describe, expect, it, vi } from "vitest";
import { urls } from "../api/urls";
import { FramePager } from "./FramePager";

const TOTAL = 10_000;

function serveFrames() {
  const calls: URL[] = [];
  vi.stubGlobal("fetch", async (url: string) => {
    const parsed = new URL(url, "http://test");
    calls.push(parsed);
    const offset = Number(parsed.searchParams.get("offset"));
    const limit = Number(parsed.searchParams.get("limit"));
    const results = Array.from({ length: Math.max(0, Math.min(limit, TOTAL - offset)) }, (_, i) => ({ id: offset + i + 1, index: offset + i }));
    return new Response(JSON.stringify({ count: TOTAL, next: null, previous: null, results }),
      { headers: { "content-type": "application/json" } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("FramePager", () => {
  it("pages through 10,000 frames holding only the pages near the view", async () => {
    const calls = serveFrames();
    const pager = new FramePager(urls.captureFrames(1), { review_status: "pending", batch: "" }, 60, 8);
    await pager.fetchPage(0);
    expect(pager.count).toBe(TOTAL);
    let mostHeld = 0;
    for (let first = 0; first < TOTAL; first += 40) {
      pager.ensure(first, first + 39);
      await new Promise((r) => setTimeout(r, 0));
      mostHeld = Math.max(mostHeld, pager.stats().framesHeld);
    }
    expect(pager.get(TOTAL - 1)?.index).toBe(TOTAL - 1);
    expect(pager.stats().pagesHeld).toBeLessThanOrEqual(8);
    expect(mostHeld).toBeLessThanOrEqual(8 * 60);
    expect(calls.length).toBe(Math.ceil(TOTAL / 60)); // each page once while scrolling straight through
    expect(calls[0].searchParams.get("review_status")).toBe("pending");
    expect(calls[0].searchParams.has("batch")).toBe(false);
  });

  it("jumps to the end with one request and does not ask past the last frame", async () => {
    const calls = serveFrames();
    const pager = new FramePager("/f/", {}, 100);
    await pager.fetchPage(0);
    pager.ensure(9_950, 10_049);
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.map((c) => c.searchParams.get("offset"))).toEqual(["0", "9900"]);
    expect(pager.get(9_999)?.id).toBe(10_000);
  });
});
