#!/usr/bin/env node
// Refreshes the recordings of real Odoo that the tests replay (tests/fixtures/odoo-recordings/{17,18,19}/) from
// the lab's folders `odoo{17,18,19}-transcripts/` in ../shared (beside the checkout), and rewrites the manifest
// (every file with its SHA-256) that the tests check the copies against. Prints every added, changed and
// removed file. Not part of the test command: the tests read only the copies in the repository.
//
//   npm run refresh-recordings                      # from ../shared
//   npm run refresh-recordings -- --from DIR        # DIR holds odoo17-transcripts, odoo18-transcripts, ...
//   npm run refresh-recordings -- --check           # only tell what would change (exit 1 when anything would)
//
// Exit status: 0 done (or, with --check, nothing to change); 1 something would change (--check); 2 the source is
// absent or incomplete (nothing is written then).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const VERSIONS = [17, 18, 19];
/** What is copied from a version's folder: the recordings and the lab's notes about them. */
const COPIED = (name) => name.endsWith(".json") || name === "README.md";

function usage(message) {
  if (message) process.stderr.write(`refresh-recordings: ${message}\n`);
  process.stderr.write("usage: refresh-recordings [--from DIR] [--to DIR] [--check]\n");
  process.exit(2);
}

const args = process.argv.slice(2);
let from = path.resolve(repo, "../shared");
let to = path.join(repo, "tests/fixtures/odoo-recordings");
let check = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--check") check = true;
  else if (arg === "--from" || arg === "--to") {
    const value = args[++i];
    if (!value) usage(`${arg} needs a directory`);
    if (arg === "--from") from = path.resolve(value);
    else to = path.resolve(value);
  } else if (arg === "--help" || arg === "-h") usage();
  else usage(`unknown argument ${arg}`);
}

const sources = VERSIONS.map((v) => ({ version: v, dir: path.join(from, `odoo${v}-transcripts`) }));
const missing = sources.filter((s) => !fs.statSync(s.dir, { throwIfNoEntry: false })?.isDirectory());
if (missing.length > 0) {
  const what = fs.existsSync(from)
    ? `${from} has no ${missing.map((s) => path.basename(s.dir)).join(", ")}`
    : `${from} does not exist`;
  process.stderr.write(
    `refresh-recordings: nothing refreshed: ${what}.\n` +
      "The recordings of real Odoo come from the lab's odoo17/18/19-transcripts folders, which only the project's\n" +
      `CI has beside the checkout; the copies in ${path.relative(process.cwd(), to) || "."} are what the tests use.\n` +
      "Give another source with --from DIR.\n",
  );
  process.exit(2);
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const listed = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && COPIED(e.name))
        .map((e) => e.name)
        .sort()
    : [];

const added = [];
const changed = [];
const removed = [];
const files = {};
const writes = [];
for (const { version, dir } of sources) {
  const target = path.join(to, String(version));
  const wanted = listed(dir);
  if (!wanted.some((name) => name.endsWith(".json"))) {
    process.stderr.write(`refresh-recordings: nothing refreshed: ${dir} holds no recording (*.json).\n`);
    process.exit(2);
  }
  for (const name of wanted) {
    const bytes = fs.readFileSync(path.join(dir, name));
    if (name.endsWith(".json")) {
      try {
        JSON.parse(bytes.toString("utf8"));
      } catch (error) {
        process.stderr.write(`refresh-recordings: nothing refreshed: ${path.join(dir, name)}: ${error.message}\n`);
        process.exit(2);
      }
    }
    const rel = `${version}/${name}`;
    files[rel] = sha256(bytes);
    const existing = path.join(target, name);
    if (!fs.existsSync(existing)) added.push(rel);
    else if (!fs.readFileSync(existing).equals(bytes)) changed.push(rel);
    else continue;
    writes.push({ file: existing, bytes });
  }
  for (const name of listed(target)) if (!wanted.includes(name)) removed.push(`${version}/${name}`);
}

const manifestFile = path.join(to, "manifest.json");
const manifest = `${JSON.stringify({ source: "the lab's odoo{17,18,19}-transcripts folders, copied by scripts/refresh-recordings.mjs", files }, null, 2)}\n`;
const manifestChanged = !fs.existsSync(manifestFile) || fs.readFileSync(manifestFile, "utf8") !== manifest;

for (const [label, list] of [
  ["added", added],
  ["changed", changed],
  ["removed", removed],
]) {
  for (const rel of list) process.stdout.write(`${label.padEnd(8)} ${rel}\n`);
}
const total = Object.keys(files).length;
const summary = `${added.length} added, ${changed.length} changed, ${removed.length} removed, ${total - added.length - changed.length} unchanged`;
const fileChanges = added.length + changed.length + removed.length;
if (check) {
  process.stdout.write(`${summary}\n`);
  if (manifestChanged && fileChanges === 0) process.stdout.write("the manifest is out of date\n");
  process.exit(fileChanges > 0 || manifestChanged ? 1 : 0);
}

for (const { file, bytes } of writes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
}
for (const rel of removed) fs.rmSync(path.join(to, rel));
if (manifestChanged) {
  fs.mkdirSync(to, { recursive: true });
  fs.writeFileSync(manifestFile, manifest);
}
process.stdout.write(`${summary}\n`);
if (fileChanges > 0) {
  process.stdout.write(
    "The sandbox's seed data comes from these recordings: run `node tests/contract/generate-seed-data.mjs`, then\n" +
      "`node_modules/.bin/vitest run tests/contract` (UPDATE_KNOWN_DIFFERENCES=1 rewrites known-differences.json).\n",
  );
}
