import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * The web dashboard (Preact + TypeScript), built into dist/dashboard and served at `/` by
 * `tenantry serve` (src/http/dashboard.ts). `npm run dev:dashboard` serves it with hot
 * reload on http://localhost:5173, proxying the API to the Tenantry at TENANTRY_URL
 * (default http://localhost:8080).
 */
const api = process.env.TENANTRY_URL ?? "http://localhost:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  // Every asset is bundled: nothing is fetched from a CDN (the dashboard works offline).
  build: {
    outDir: fileURLToPath(new URL("../dist/dashboard", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  server: { proxy: { "/v1": { target: api, changeOrigin: false }, "/health": api } },
});
