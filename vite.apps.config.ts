import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";
import { viteSingleFile } from "vite-plugin-singlefile";

/**
 * The MCP Apps (src/apps), each built into one self-contained HTML file in dist/apps: a chat client shows it in a
 * sandboxed frame from the resource's text alone (src/mcp/apps), with nothing else to load. One app per build, the
 * app's folder as Vite's root (`vite build src/apps/approval --config vite.apps.config.ts`): a single-file build
 * inlines one entry. Its index.html is written as `<folder>.html` (dist/apps/approval.html).
 */
function namedAfterFolder(): Plugin {
  let name = "";
  return {
    name: "odoo-mcp:app-file-name",
    enforce: "post",
    configResolved(config) {
      name = `${path.basename(config.root)}.html`;
    },
    generateBundle(_options, bundle) {
      const page = bundle["index.html"];
      if (page) page.fileName = name;
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [react(), viteSingleFile(), namedAfterFolder()],
  build: {
    outDir: path.resolve(import.meta.dirname, "dist/apps"),
    emptyOutDir: false,
    modulePreload: { polyfill: false },
  },
});
