/**
 * Parse the NeRF preview point cloud: a binary little-endian PLY with float32 x y z and uint8 red green blue
 * (any other vertex properties are skipped; ascii PLY is read too, for hand-made files).
 */

export interface PointCloud {
  /** (N*3,) float32, metres, the capture's world frame. */
  positions: Float32Array;
  /** (N*3,) uint8 RGB, or null when the file has no colours. */
  colors: Uint8Array | null;
  count: number;
}

const SIZES: Record<string, number> = {
  char: 1, int8: 1, uchar: 1, uint8: 1, short: 2, int16: 2, ushort: 2, uint16: 2,
  int: 4, int32: 4, uint: 4, uint32: 4, float: 4, float32: 4, double: 8, float64: 8,
};

interface Property {
  name: string;
  type: string;
  offset: number;
}

function readValue(view: DataView, at: number, type: string): number {
  switch (SIZES[type] === 1 ? (type.startsWith("u") ? "u8" : "i8") : type) {
    case "u8": return view.getUint8(at);
    case "i8": return view.getInt8(at);
    case "short": case "int16": return view.getInt16(at, true);
    case "ushort": case "uint16": return view.getUint16(at, true);
    case "int": case "int32": return view.getInt32(at, true);
    case "uint": case "uint32": return view.getUint32(at, true);
    case "float": case "float32": return view.getFloat32(at, true);
    case "double": case "float64": return view.getFloat64(at, true);
  }
  throw new Error(`PLY: unknown property type ${type}`);
}

export function parsePly(buffer: ArrayBuffer): PointCloud {
  const head = new TextDecoder("ascii").decode(new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 4096)));
  const end = head.indexOf("end_header");
  if (!head.startsWith("ply") || end < 0) throw new Error("Not a PLY file: the header is missing.");
  const bodyStart = head.indexOf("\n", end) + 1;
  const lines = head.slice(0, end).split(/\r?\n/).map((l) => l.trim().split(/\s+/));
  const format = lines.find((l) => l[0] === "format")?.[1];
  let count = 0;
  let inVertex = false;
  let stride = 0;
  const properties: Property[] = [];
  for (const line of lines) {
    if (line[0] === "element") {
      inVertex = line[1] === "vertex";
      if (inVertex) count = Number(line[2]);
    } else if (line[0] === "property" && inVertex) {
      if (line[1] === "list") throw new Error("PLY: list properties on vertices are not supported.");
      properties.push({ name: line[2], type: line[1], offset: stride });
      stride += SIZES[line[1]] ?? 0;
    }
  }
  const byName = new Map(properties.map((p) => [p.name, p]));
  const [x, y, z] = ["x", "y", "z"].map((n) => byName.get(n));
  if (!x || !y || !z) throw new Error("PLY: the vertices have no x, y, z.");
  const rgb = ["red", "green", "blue"].map((n) => byName.get(n));
  const hasColor = rgb.every(Boolean);
  const positions = new Float32Array(count * 3);
  const colors = hasColor ? new Uint8Array(count * 3) : null;
  if (format === "ascii") {
    const rows = new TextDecoder().decode(new Uint8Array(buffer, bodyStart)).trim().split(/\r?\n/);
    const index = (p: Property) => properties.indexOf(p);
    for (let i = 0; i < count; i++) {
      const v = rows[i].trim().split(/\s+/).map(Number);
      positions.set([v[index(x)], v[index(y)], v[index(z)]], i * 3);
      if (colors) colors.set(rgb.map((p) => v[index(p!)]), i * 3);
    }
    return { positions, colors, count };
  }
  if (format !== "binary_little_endian") throw new Error(`PLY: format ${format} is not supported.`);
  if (bodyStart + count * stride > buffer.byteLength) throw new Error("PLY: the file is shorter than its header says.");
  const view = new DataView(buffer, bodyStart);
  const fastFloats = [x, y, z].every((p) => p.type === "float" || p.type === "float32");
  for (let i = 0, at = 0; i < count; i++, at += stride) {
    if (fastFloats) {
      positions[i * 3] = view.getFloat32(at + x.offset, true);
      positions[i * 3 + 1] = view.getFloat32(at + y.offset, true);
      positions[i * 3 + 2] = view.getFloat32(at + z.offset, true);
    } else {
      positions[i * 3] = readValue(view, at + x.offset, x.type);
      positions[i * 3 + 1] = readValue(view, at + y.offset, y.type);
      positions[i * 3 + 2] = readValue(view, at + z.offset, z.type);
    }
    if (colors) {
      colors[i * 3] = view.getUint8(at + rgb[0]!.offset);
      colors[i * 3 + 1] = view.getUint8(at + rgb[1]!.offset);
      colors[i * 3 + 2] = view.getUint8(at + rgb[2]!.offset);
    }
  }
  return { positions, colors, count };
}

/** The binary PLY the server sends, for tests and the benchmark page. */
export function encodePly(positions: Float32Array, colors: Uint8Array): ArrayBuffer {
  const count = positions.length / 3;
  const header = new TextEncoder().encode(
    "ply\nformat binary_little_endian 1.0\n" +
      `element vertex ${count}\nproperty float x\nproperty float y\nproperty float z\n` +
      "property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n");
  const buffer = new ArrayBuffer(header.length + count * 15);
  new Uint8Array(buffer).set(header);
  const view = new DataView(buffer, header.length);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < 3; k++) view.setFloat32(i * 15 + k * 4, positions[i * 3 + k], true);
    for (let k = 0; k < 3; k++) view.setUint8(i * 15 + 12 + k, colors[i * 3 + k]);
  }
  return buffer;
}
