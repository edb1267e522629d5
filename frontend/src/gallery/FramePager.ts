/**
 * Frames of a capture by index in the filtered list, fetched a page at a time (limit/offset) as the gallery
 * scrolls to them; pages far from the view are dropped, so 10,000 frames never sit in memory at once.
 */
import { api, type Page } from "../api/client";
import type { Frame } from "../api/types";

export interface PagerStats {
  requests: number;
  pagesHeld: number;
  framesHeld: number;
}

export class FramePager {
  count: number | null = null;
  error: Error | null = null;
  requests = 0;
  private pages = new Map<number, Frame[]>();
  private loading = new Set<number>();
  /** The pages the view wants now; others may be dropped. */
  private wanted: [number, number] = [0, 0];
  private listeners = new Set<() => void>();

  constructor(
    private baseUrl: string,
    private filters: Record<string, string>,
    readonly pageSize = 60,
    private maxPages = 8,
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    this.listeners.forEach((l) => l());
  }

  get(index: number): Frame | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  stats(): PagerStats {
    let frames = 0;
    this.pages.forEach((p) => (frames += p.length));
    return { requests: this.requests, pagesHeld: this.pages.size, framesHeld: frames };
  }

  /** Make sure the frames [first, last] are loaded or loading; forget pages far from them. */
  ensure(first: number, last: number): void {
    const from = Math.floor(Math.max(0, first) / this.pageSize);
    const to = Math.floor(Math.max(0, last) / this.pageSize);
    this.wanted = [from, to];
    for (let page = from; page <= to; page++) this.fetchPage(page);
    this.evict();
  }

  /** Drop pages away from the wanted ones, farthest first, while more than maxPages are held. */
  private evict(): void {
    const [from, to] = this.wanted;
    const distance = (page: number) => (page < from ? from - page : page > to ? page - to : 0);
    const byDistance = [...this.pages.keys()].sort((a, b) => distance(b) - distance(a));
    for (const page of byDistance) {
      if (this.pages.size <= this.maxPages || distance(page) === 0) break;
      this.pages.delete(page);
    }
  }

  async fetchPage(page: number): Promise<void> {
    if (this.pages.has(page) || this.loading.has(page)) return;
    if (this.count !== null && page * this.pageSize >= this.count && page > 0) return;
    this.loading.add(page);
    const params = new URLSearchParams({ ...this.filters, limit: String(this.pageSize), offset: String(page * this.pageSize) });
    for (const [k, v] of [...params]) if (!v) params.delete(k);
    try {
      this.requests++;
      const answer = await api.get<Page<Frame>>(`${this.baseUrl}?${params}`);
      this.count = answer.count;
      this.pages.set(page, answer.results);
      this.evict();
      this.error = null;
    } catch (error) {
      this.error = error as Error;
    } finally {
      this.loading.delete(page);
      this.emit();
    }
  }

  /** Replace one frame in place (after a review), if its page is held. */
  update(frame: Frame): void {
    for (const list of this.pages.values()) {
      const at = list.findIndex((f) => f.id === frame.id);
      if (at >= 0) list[at] = { ...list[at], ...frame };
    }
    this.emit();
  }
}
