import { describe, expect, it } from "vitest";
import { encodePly, parsePly } from "./ply";

describe("parsePly", () => {
  it("reads back the binary little-endian float32 xyz + uint8 rgb layout the server sends", () => {
    const positions = new Float32Array([0, 1, 2, -1.5, 0.25, 3e3]);
    const colors = new Uint8Array([255, 0, 7, 1, 2, 3]);
    const cloud = parsePly(encodePly(positions, colors));
    expect(cloud.count).toBe(2);
    expect([...cloud.positions]).toEqual([...positions]);
    expect([...cloud.colors!]).toEqual([...colors]);
  });

  it("skips extra vertex properties and reads them in any order", () => {
    const header = "ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty uchar red\nproperty double nx\n" +
      "property float x\nproperty float y\nproperty float z\nproperty uchar green\nproperty uchar blue\nend_header\n";
    const head = new TextEncoder().encode(header);
    const buffer = new ArrayBuffer(head.length + 1 + 8 + 12 + 2);
    new Uint8Array(buffer).set(head);
    const view = new DataView(buffer, head.length);
    view.setUint8(0, 10);
    view.setFloat64(1, 9.5, true);
    [4, 5, 6].forEach((v, i) => view.setFloat32(9 + i * 4, v, true));
    view.setUint8(21, 20);
    view.setUint8(22, 30);
    const cloud = parsePly(buffer);
    expect([...cloud.positions]).toEqual([4, 5, 6]);
    expect([...cloud.colors!]).toEqual([10, 20, 30]);
  });

  it("reads ascii files and files without colours", () => {
    const text = "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\n4 5 6\n";
    const cloud = parsePly(new TextEncoder().encode(text).buffer as ArrayBuffer);
    expect([...cloud.positions]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(cloud.colors).toBeNull();
  });

  it("refuses a truncated file and a file that is not a PLY", () => {
    const full = encodePly(new Float32Array([1, 2, 3]), new Uint8Array([1, 2, 3]));
    expect(() => parsePly(full.slice(0, full.byteLength - 1))).toThrow(/shorter/);
    expect(() => parsePly(new TextEncoder().encode("solid x").buffer as ArrayBuffer)).toThrow(/Not a PLY/);
  });
});
