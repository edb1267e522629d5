/**
 * /app/bench/scene?points=1000000&frames=500&seconds=5: the scene viewer's frame rate on a synthetic scene.
 * The figures land in #bench-result as JSON for the e2e benchmark to read.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { encodePly, parsePly } from "../scene/ply";
import { SceneViewer } from "../scene/SceneViewer";
import { html } from "../ui/html";
import { orbitFrames, syntheticCloud } from "./syntheticScene";

export function BenchPage({ params }: { params: URLSearchParams }) {
  const container = useRef<HTMLDivElement>(null);
  const [result, setResult] = useState<Record<string, unknown> | null>(null);
  const points = Number(params.get("points") ?? 1_000_000);
  const frames = Number(params.get("frames") ?? 500);
  const seconds = Number(params.get("seconds") ?? 5);
  useEffect(() => {
    const viewer = new SceneViewer(container.current!);
    let alive = true;
    (async () => {
      const t0 = performance.now();
      const synthetic = syntheticCloud(points);
      const ply = encodePly(synthetic.positions, synthetic.colors!);
      const t1 = performance.now();
      const cloud = parsePly(ply);
      const t2 = performance.now();
      viewer.setPoints(cloud);
      viewer.setFrames(orbitFrames(frames));
      viewer.frameAll();
      await viewer.measureFps(2000); // warm-up: shader compile, buffer upload, the point budget settling
      const fps = await viewer.measureFps(seconds * 1000);
      viewer.fullDetail = true;
      const full = await viewer.measureFps(seconds * 1000);
      if (!alive) return;
      const gl = viewer.renderer.getContext();
      const debug = gl.getExtension("WEBGL_debug_renderer_info");
      setResult({
        points, frustums: frames, fps: fps.fps, rendered_frames: fps.frames, ms: fps.ms, points_drawn_moving: fps.pointsDrawn,
        fps_full_detail: full.fps, rendered_frames_full_detail: full.frames,
        ply_bytes: ply.byteLength, ply_parse_ms: t2 - t1, generate_ms: t1 - t0,
        draw_calls: viewer.renderer.info.render.calls,
        gl_renderer: debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
        canvas: [viewer.renderer.domElement.width, viewer.renderer.domElement.height],
      });
    })().catch((e) => setResult({ error: String(e) }));
    return () => { alive = false; viewer.dispose(); };
  }, []);
  return html`<section class="bench-page">
    <div class="bench-viewport viewport" ref=${container}></div>
    <pre id="bench-result">${result ? JSON.stringify(result, null, 2) : "measuring…"}</pre>
  </section>`;
}
