import { describe, expect, it } from "vitest";
import { MIN_POINTS, PointBudget, shufflePoints } from "./pointBudget";

describe("PointBudget", () => {
  it("scales down by the missed frame time, at most 8x, to the floor; grows on fast frames to the total", () => {
    const budget = new PointBudget(1_000_000);
    expect(budget.update(66)).toBe(500_000);
    expect(budget.update(10_000)).toBe(62_500);
    for (let i = 0; i < 20; i++) budget.update(100);
    expect(budget.value).toBe(MIN_POINTS);
    for (let i = 0; i < 100; i++) budget.update(5);
    expect(budget.value).toBe(1_000_000);
  });

  it("does not grow on one fast frame among slow ones", () => {
    const budget = new PointBudget(1_000_000);
    budget.update(66);
    const slow = budget.update(60);
    expect(slow).toBe(275_000);
    expect(budget.update(1)).toBe(slow);
  });

  it("keeps the budget for frames near the target", () => {
    const budget = new PointBudget(400_000);
    budget.update(66);
    expect(budget.update(33)).toBe(200_000);
  });

  it("never asks for more points than there are, even below the floor", () => {
    expect(new PointBudget(500).update(1000)).toBe(500);
  });
});

describe("shufflePoints", () => {
  it("permutes points with their colours, the same way for the same seed", () => {
    const n = 1000;
    const positions = Float32Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3));
    const colors = Uint8Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3) % 256);
    shufflePoints(positions, colors, 7);
    const ids = Array.from({ length: n }, (_, i) => positions[i * 3]);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(ids.slice(0, 10)).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 0; i < n; i++) {
      expect(positions[i * 3 + 1]).toBe(ids[i]);
      expect(colors[i * 3 + 2]).toBe(ids[i] % 256);
    }
    const again = Float32Array.from({ length: n * 3 }, (_, i) => Math.floor(i / 3));
    shufflePoints(again, null, 7);
    expect(Array.from({ length: n }, (_, i) => again[i * 3])).toEqual(ids);
  });
});
