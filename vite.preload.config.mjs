// The preload for Electron's sandboxed renderers: one CommonJS file, `electron` its only require.
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  logLevel: "warn",
  build: {
    outDir: process.env.PRELOAD_OUT_DIR ?? path.join(root, "dist", "preload"),
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    target: "node20",
    lib: {
      entry: path.join(root, "src", "main", "preload.ts"),
      formats: ["cjs"],
      fileName: () => "preload.cjs",
    },
    rolldownOptions: {
      external: ["electron", ...builtinModules, ...builtinModules.map((name) => `node:${name}`)],
    },
  },
});
