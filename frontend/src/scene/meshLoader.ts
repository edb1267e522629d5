/** Load an object's mesh file (OBJ, PLY, STL or GLB, told apart by their first bytes) as one geometry. */
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OBJLoader } from "three/addons/loaders/OBJLoader.js";
import { PLYLoader } from "three/addons/loaders/PLYLoader.js";
import { STLLoader } from "three/addons/loaders/STLLoader.js";
import { mergeGeometries } from "three/addons/utils/BufferGeometryUtils.js";
import { errorFrom } from "../api/client";

function geometryOf(root: THREE.Object3D): THREE.BufferGeometry {
  const parts: THREE.BufferGeometry[] = [];
  root.updateMatrixWorld(true);
  root.traverse((child) => {
    const mesh = child as THREE.Mesh;
    if (!mesh.isMesh) return;
    const g = mesh.geometry.clone().applyMatrix4(mesh.matrixWorld);
    for (const name of Object.keys(g.attributes)) if (name !== "position" && name !== "normal") g.deleteAttribute(name);
    parts.push(g.index ? g.toNonIndexed() : g);
  });
  if (!parts.length) throw new Error("The mesh file holds no triangles.");
  return mergeGeometries(parts) ?? parts[0];
}

export async function parseMesh(buffer: ArrayBuffer): Promise<THREE.BufferGeometry> {
  const head = new TextDecoder("ascii").decode(new Uint8Array(buffer, 0, Math.min(80, buffer.byteLength)));
  let geometry: THREE.BufferGeometry;
  if (head.startsWith("ply")) geometry = new PLYLoader().parse(buffer);
  else if (head.startsWith("glTF")) {
    const gltf = await new GLTFLoader().parseAsync(buffer, "");
    geometry = geometryOf(gltf.scene);
  } else if (head.startsWith("solid") || isBinaryStl(buffer)) geometry = new STLLoader().parse(buffer);
  else geometry = geometryOf(new OBJLoader().parse(new TextDecoder().decode(buffer)));
  if (!geometry.getAttribute("normal")) geometry.computeVertexNormals();
  return geometry;
}

function isBinaryStl(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength < 84) return false;
  const triangles = new DataView(buffer).getUint32(80, true);
  return 84 + triangles * 50 === buffer.byteLength;
}

export async function loadMesh(url: string): Promise<THREE.BufferGeometry> {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw errorFrom(response.status, response.statusText, await response.json().catch(() => null));
  return parseMesh(await response.arrayBuffer());
}
