import { defineConfig } from "vitest/config";

// Django serves index.html at /app/ and the built assets from frontend/dist under /static/app/.
export default defineConfig({
  base: "/static/app/",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  server: { proxy: { "/api": "http://127.0.0.1:8100", "/login": "http://127.0.0.1:8100" } },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
