import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { viteSingleFile } from "vite-plugin-singlefile";

const root = path.resolve(import.meta.dirname, "src/apps");
const APPS = ["approval", "report"];

/**
 * The MCP Apps (src/apps), each built into one self-contained HTML file in dist/apps: a chat client shows it in a
 * sandboxed frame from the resource's text alone (src/mcp/apps), with no file or address to load anything else
 * from. One app per build (`--mode approval`, `--mode report`): a single-file build inlines one entry.
 */
export default defineConfig(({ mode }) => {
  if (!APPS.includes(mode)) throw new Error(`vite.apps.config.ts: --mode is one of ${APPS.join(", ")}`);
  return {
    root,
    base: "./",
    plugins: [react(), viteSingleFile()],
    build: {
      outDir: path.resolve(import.meta.dirname, "dist/apps"),
      emptyOutDir: false,
      rolldownOptions: { input: path.join(root, `${mode}.html`) },
    },
  };
});
