import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = path.resolve(import.meta.dirname, "src/renderer");

/**
 * The app's two windows, built into dist/renderer with relative asset paths (loaded from the app's files) and
 * no inline script or style: the pages' CSP is `script-src 'self'; style-src 'self'`.
 */
export default defineConfig({
  root,
  base: "./",
  plugins: [react()],
  build: {
    outDir: path.resolve(import.meta.dirname, "dist/renderer"),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    rolldownOptions: {
      input: { approvals: path.join(root, "approvals.html"), settings: path.join(root, "settings.html") },
    },
  },
});
