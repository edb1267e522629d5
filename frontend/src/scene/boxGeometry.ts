/** Scene objects' pose math: 3x3 row-major rotations, Euler degrees for the numeric fields, ground snap. */
import * as THREE from "three";

export interface Pose {
  center: number[];
  size: number[];
  rotation: number[][];
}

export function quaternionFromRows(rotation: number[][]): THREE.Quaternion {
  const m = new THREE.Matrix4().set(
    rotation[0][0], rotation[0][1], rotation[0][2], 0,
    rotation[1][0], rotation[1][1], rotation[1][2], 0,
    rotation[2][0], rotation[2][1], rotation[2][2], 0,
    0, 0, 0, 1);
  return new THREE.Quaternion().setFromRotationMatrix(m);
}

export function rowsFromQuaternion(q: THREE.Quaternion): number[][] {
  const e = new THREE.Matrix4().makeRotationFromQuaternion(q).elements; // column-major
  const round = (v: number) => Math.round(v * 1e9) / 1e9;
  return [0, 1, 2].map((row) => [0, 1, 2].map((col) => round(e[col * 4 + row])));
}

/** Rotation as three.js "XYZ" Euler angles in degrees, for the numeric fields. */
export function eulerDegreesFromRows(rotation: number[][]): number[] {
  const e = new THREE.Euler().setFromQuaternion(quaternionFromRows(rotation), "XYZ");
  return [e.x, e.y, e.z].map((a) => Math.round(THREE.MathUtils.radToDeg(a) * 1000) / 1000);
}

export function rowsFromEulerDegrees(degrees: number[]): number[][] {
  const [x, y, z] = degrees.map(THREE.MathUtils.degToRad);
  return rowsFromQuaternion(new THREE.Quaternion().setFromEuler(new THREE.Euler(x, y, z, "XYZ")));
}

/**
 * The centre that puts the box's lowest corner on the ground plane z = 0 (world +Z up), keeping x, y.
 *
 * A box of half-extents h rotated by R reaches down to center.z - sum_j |R[2][j]| h_j.
 */
export function snapToGround(pose: Pose): number[] {
  const reach = [0, 1, 2].reduce((sum, j) => sum + Math.abs(pose.rotation[2][j]) * pose.size[j] / 2, 0);
  return [pose.center[0], pose.center[1], reach];
}

export const IDENTITY_ROWS = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];

/** A click on the ground nearer than this (metres above it) is a click on the ground itself. */
const ON_GROUND = 0.05;

/**
 * Where an upright box of `size` goes for a click that met the reconstruction at `hit`, looking along
 * `viewDirection`: standing on the ground under the click, and when the click met an object's surface
 * rather than the ground, pushed half the box's depth away from the camera, so the box holds the seen
 * surface instead of being centred on it.
 */
export function boxCenterForClick(hit: number[], viewDirection: number[], size: number[]): number[] {
  const [dx, dy] = viewDirection;
  const horizontal = Math.hypot(dx, dy);
  const push = hit[2] > ON_GROUND && horizontal > 1e-6 ? size[0] / 2 / horizontal : 0;
  return [hit[0] + dx * push, hit[1] + dy * push, size[2] / 2];
}
