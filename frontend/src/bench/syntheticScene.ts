/** Synthetic scenes for the benchmark page: a coloured point cloud and an orbit of cameras, seeded. */
import type { Frame } from "../api/types";
import type { PointCloud } from "../scene/ply";

/** mulberry32: a small seeded generator, so every run draws the same scene. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticCloud(count: number, seed = 0): PointCloud {
  const random = seededRandom(seed);
  const positions = new Float32Array(count * 3);
  const colors = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const [x, y, z] = [random() * 4 - 2, random() * 4 - 2, random() * random()];
    positions.set([x, y, z], i * 3);
    colors.set([(x + 2) * 60, (y + 2) * 60, 80 + z * 170], i * 3);
  }
  return { positions, colors, count };
}

/** Cameras on rings around the origin looking at it (c2w, OpenGL axes, world +Z up). */
export function orbitFrames(count: number, width = 640, height = 480): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const angle = (i / count) * Math.PI * 2 * 5;
    const eye = [4 * Math.cos(angle), 4 * Math.sin(angle), 1 + (i % 7) * 0.2];
    const back = normalize(eye); // camera +Z points away from the target
    const right = normalize(cross([0, 0, 1], back));
    const up = cross(back, right);
    frames.push({
      id: i + 1, capture: 0, index: i, width, height, fx: 500, fy: 500, cx: width / 2, cy: height / 2,
      camera_to_world: [0, 1, 2].map((r) => [right[r], up[r], back[r], eye[r]]).concat([[0, 0, 0, 1]]),
      review_status: "pending", image_url: "", thumbnail_url: "", labels_url: "", file_name: `${i}.png`,
      distortion: [], confidence: null, latest_review: null,
    });
  }
  return frames;
}

function normalize(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
