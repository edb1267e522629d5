import * as THREE from "three";
import { describe, expect, it } from "vitest";
import type { Frame } from "../api/types";
import { boxCenterForClick, eulerDegreesFromRows, rowsFromEulerDegrees, snapToGround } from "./boxGeometry";
import { applyFrameToCamera, imageCornersInCamera, verticalFovDegrees } from "./cameraPose";

function frame(c2w: number[][]): Frame {
  return { id: 1, capture: 1, index: 0, width: 640, height: 480, fx: 500, fy: 400, cx: 320, cy: 240,
    camera_to_world: c2w, review_status: "pending", image_url: "", thumbnail_url: "", labels_url: "",
    file_name: "0.png", distortion: [], confidence: null, latest_review: null };
}

// A camera 2 m up at x = -3 looking along +X with +Z up: camera -Z = world +X, camera +Y = world +Z.
const LOOK_ALONG_X = [[0, 0, -1, -3], [-1, 0, 0, 0], [0, 1, 0, 2], [0, 0, 0, 1]];

describe("frame cameras in three.js", () => {
  it("puts the camera at the frame's pose with its vertical field of view", () => {
    const camera = new THREE.PerspectiveCamera();
    applyFrameToCamera(camera, frame(LOOK_ALONG_X));
    expect(camera.position.toArray()).toEqual([-3, 0, 2]);
    const forward = camera.getWorldDirection(new THREE.Vector3());
    expect(forward.x).toBeCloseTo(1, 12);
    expect(forward.z).toBeCloseTo(0, 12);
    expect(new THREE.Vector3(0, 1, 0).applyQuaternion(camera.quaternion).z).toBeCloseTo(1, 12);
    expect(camera.fov).toBeCloseTo((2 * Math.atan(240 / 400) * 180) / Math.PI, 10);
  });

  it("projects a world point on the optical axis to the image centre and up in the world to up on screen", () => {
    const camera = new THREE.PerspectiveCamera(50, 640 / 480, 0.1, 100);
    applyFrameToCamera(camera, frame(LOOK_ALONG_X));
    const ahead = new THREE.Vector3(5, 0, 2).project(camera);
    expect(ahead.x).toBeCloseTo(0, 12);
    expect(ahead.y).toBeCloseTo(0, 12);
    expect(new THREE.Vector3(5, 0, 3).project(camera).y).toBeGreaterThan(0);
  });

  it("gives the image corners at a depth from the intrinsics, top-left first", () => {
    const [tl, tr, br, bl] = imageCornersInCamera(frame(LOOK_ALONG_X), 2);
    expect(tl.toArray()).toEqual([(-320 / 500) * 2, (240 / 400) * 2, -2]);
    expect(br.toArray()).toEqual([(320 / 500) * 2, (-240 / 400) * 2, -2]);
    expect(tr.x).toBe(br.x);
    expect(bl.y).toBe(br.y);
    expect(verticalFovDegrees(400, 480)).toBeCloseTo(61.9275, 3);
  });
});

describe("box pose", () => {
  it("snaps an upright box so its bottom face rests on z = 0", () => {
    const pose = { center: [1, 2, 5], size: [0.4, 0.6, 0.8], rotation: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
    expect(snapToGround(pose)).toEqual([1, 2, 0.4]);
  });

  it("snaps a tilted box by its lowest corner", () => {
    const rotation = rowsFromEulerDegrees([90, 0, 0]); // the box's y axis now points up
    const center = snapToGround({ center: [0, 0, 3], size: [1, 2, 4], rotation });
    expect(center[2]).toBeCloseTo(1, 9);
  });

  it("round-trips Euler degrees through the row-major rotation", () => {
    const degrees = [10, -20, 135];
    const back = eulerDegreesFromRows(rowsFromEulerDegrees(degrees));
    back.forEach((v, i) => expect(v).toBeCloseTo(degrees[i], 3));
  });
});

describe("placing a box where the user clicks", () => {
  const size = [0.5, 0.5, 0.4];

  it("stands the box on the ground under a click on the ground", () => {
    expect(boxCenterForClick([1.2, -0.7, 0.01], [0.6, 0, -0.8], size)).toEqual([1.2, -0.7, 0.2]);
  });

  it("pushes the box half its depth behind a surface seen from the side", () => {
    const center = boxCenterForClick([2, 1, 0.3], [0.6, 0, -0.8], size);
    expect(center[0]).toBeCloseTo(2.25, 12);
    expect(center[1]).toBeCloseTo(1, 12);
    expect(center[2]).toBeCloseTo(0.2, 12);
  });

  it("keeps a click straight down on top of an object where it is", () => {
    expect(boxCenterForClick([0.4, 0.5, 0.4], [0, 0, -1], size)).toEqual([0.4, 0.5, 0.2]);
  });
});
