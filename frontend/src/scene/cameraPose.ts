/**
 * Frames' cameras in three.js. A frame's camera_to_world is 4x4 with OpenGL camera axes (+X right, +Y up,
 * looking down -Z), which are three.js's own camera axes, so the matrix is used as it is: no axis flips here.
 */
import * as THREE from "three";
import type { Frame } from "../api/types";

/** (4, 4) row-major nested list → THREE.Matrix4 (whose set() takes row-major arguments). */
export function matrixFromRows(rows: number[][]): THREE.Matrix4 {
  if (rows.length !== 4 || rows.some((r) => r.length !== 4)) throw new Error("camera_to_world must be 4x4");
  const m = new THREE.Matrix4();
  m.set(...(rows.flat() as [number, number, number, number, number, number, number, number,
    number, number, number, number, number, number, number, number]));
  return m;
}

/** Vertical field of view in degrees from the focal length fy and the image height, both in pixels. */
export function verticalFovDegrees(fy: number, height: number): number {
  return THREE.MathUtils.radToDeg(2 * Math.atan(height / (2 * fy)));
}

/** Place a perspective camera exactly at a frame's viewpoint with the frame's vertical fov. */
export function applyFrameToCamera(camera: THREE.PerspectiveCamera, frame: Frame): void {
  const c2w = matrixFromRows(frame.camera_to_world);
  const scale = new THREE.Vector3();
  c2w.decompose(camera.position, camera.quaternion, scale);
  camera.fov = verticalFovDegrees(frame.fy, frame.height);
  camera.updateProjectionMatrix();
  camera.updateMatrixWorld(true);
}

/**
 * The four corners of a frame's image plane at z-depth `depth` (metres), in camera coordinates.
 *
 * Pixel (u, v) with v down maps to x = (u - cx) / fx * d, y = -(v - cy) / fy * d, z = -d; corners at
 * pixel edges 0 and width/height. Order: top-left, top-right, bottom-right, bottom-left.
 */
export function imageCornersInCamera(frame: Frame, depth: number): THREE.Vector3[] {
  const at = (u: number, v: number) =>
    new THREE.Vector3(((u - frame.cx) / frame.fx) * depth, (-(v - frame.cy) / frame.fy) * depth, -depth);
  return [at(0, 0), at(frame.width, 0), at(frame.width, frame.height), at(0, frame.height)];
}

/** Camera centre in world coordinates (the translation column of c2w). */
export function cameraCenter(frame: Frame): THREE.Vector3 {
  const r = frame.camera_to_world;
  return new THREE.Vector3(r[0][3], r[1][3], r[2][3]);
}

/** Viewing direction in world coordinates: -Z of the camera. */
export function cameraForward(frame: Frame): THREE.Vector3 {
  const r = frame.camera_to_world;
  return new THREE.Vector3(-r[0][2], -r[1][2], -r[2][2]).normalize();
}
