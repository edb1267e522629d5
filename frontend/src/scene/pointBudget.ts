/**
 * How many preview points to draw while the view moves: scale down by how far the last frame missed the
 * target time (at most 8× a frame), up by 1.25× while frames are fast on average; never below a floor. Points are shuffled once on load, so any prefix is a uniform sample;
 * a still view is always drawn in full.
 */

export const TARGET_FRAME_MS = 33; // ~30 frames per second while orbiting
export const MIN_POINTS = 20_000;

export class PointBudget {
  value: number;
  /** Moving average of frame times: growing waits until frames are fast on average, not just once. */
  private smoothedMs = TARGET_FRAME_MS;

  constructor(readonly total: number, readonly floor = MIN_POINTS) {
    this.value = total;
  }

  /** Adjust after a moving frame that took `frameMs` from the previous one. */
  update(frameMs: number): number {
    this.smoothedMs = 0.7 * this.smoothedMs + 0.3 * frameMs;
    if (frameMs > TARGET_FRAME_MS * 1.5) {
      const scaled = Math.floor(this.value * Math.max(1 / 8, TARGET_FRAME_MS / frameMs));
      this.value = Math.max(Math.min(this.floor, this.total), scaled);
    } else if (this.smoothedMs < TARGET_FRAME_MS * 0.6) this.value = Math.min(this.total, Math.ceil(this.value * 1.25));
    return this.value;
  }
}

/** Shuffle points and their colours together in place (seeded Fisher–Yates). */
export function shufflePoints(positions: Float32Array, colors: Uint8Array | null, seed = 1): void {
  let state = seed >>> 0 || 1;
  const count = positions.length / 3;
  for (let i = count - 1; i > 0; i--) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    const j = state % (i + 1);
    for (let k = 0; k < 3; k++) {
      const a = i * 3 + k;
      const b = j * 3 + k;
      [positions[a], positions[b]] = [positions[b], positions[a]];
      if (colors) [colors[a], colors[b]] = [colors[b], colors[a]];
    }
  }
}
