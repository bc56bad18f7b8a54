#!/usr/bin/env node
// Keeps mcpb/manifest.json in step with the server: its `version` from package.json, its `tools` from
// docs/tool-schemas.json (the snapshot of the server's real tools/list, itself checked by
// tests/tools/schemas.test.ts). Everything else in the manifest is written by hand.
//   npm run mcpb:manifest           rewrite mcpb/manifest.json
//   node scripts/mcpb-manifest.mjs --check   exit 1 if it is out of date
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const MANIFEST = path.join(ROOT, "mcpb/manifest.json");

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const tools = JSON.parse(readFileSync(path.join(ROOT, "docs/tool-schemas.json"), "utf8"));
const before = readFileSync(MANIFEST, "utf8");
const manifest = JSON.parse(before);

manifest.version = pkg.version;
manifest.tools = tools.map((tool) => ({ name: tool.name, description: tool.description }));
const after = `${JSON.stringify(manifest, null, 2)}\n`;

if (process.argv.includes("--check")) {
  if (after !== before) {
    process.stderr.write("mcpb/manifest.json is out of date: run npm run mcpb:manifest\n");
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(MANIFEST, after);
  process.stdout.write(`mcpb/manifest.json: version ${manifest.version}, ${manifest.tools.length} tools\n`);
}
