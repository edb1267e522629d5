/** All frames' camera frustums as ONE LineSegments (one draw call for thousands of cameras). */
import * as THREE from "three";
import type { Frame } from "../api/types";
import { imageCornersInCamera, matrixFromRows } from "./cameraPose";

/** Segments per frustum: 4 from the centre to the corners, 4 around the image, 2 for the "up" tick. */
const SEGMENTS = 10;

export function frustumLines(frames: Frame[], depth: number, color = 0x3b82f6): THREE.LineSegments {
  const positions = new Float32Array(frames.length * SEGMENTS * 2 * 3);
  let at = 0;
  const push = (v: THREE.Vector3) => {
    positions[at++] = v.x;
    positions[at++] = v.y;
    positions[at++] = v.z;
  };
  for (const frame of frames) {
    const c2w = matrixFromRows(frame.camera_to_world);
    const origin = new THREE.Vector3().applyMatrix4(c2w);
    const corners = imageCornersInCamera(frame, depth).map((c) => c.applyMatrix4(c2w));
    for (let i = 0; i < 4; i++) {
      push(origin); push(corners[i]);
      push(corners[i]); push(corners[(i + 1) % 4]);
    }
    // A small triangle above the top edge shows which way is up in the image.
    const topMid = corners[0].clone().lerp(corners[1], 0.5);
    const apex = topMid.clone().add(corners[0].clone().sub(corners[3]).multiplyScalar(0.25));
    push(corners[0].clone().lerp(corners[1], 0.35)); push(apex);
    push(apex); push(corners[0].clone().lerp(corners[1], 0.65));
  }
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute("position", new THREE.BufferAttribute(positions, 3));
  geometry.computeBoundingSphere();
  return new THREE.LineSegments(geometry, new THREE.LineBasicMaterial({ color }));
}

/** A frustum depth that reads well at the scene's scale: a tenth of the cameras' spread. */
export function frustumDepth(frames: Frame[]): number {
  if (frames.length < 2) return 0.2;
  const box = new THREE.Box3();
  for (const f of frames) box.expandByPoint(new THREE.Vector3(f.camera_to_world[0][3], f.camera_to_world[1][3], f.camera_to_world[2][3]));
  return Math.max(0.02, box.getSize(new THREE.Vector3()).length() * 0.04);
}
