#!/usr/bin/env node
// Builds the MCP Bundle (.mcpb) of the headless server, for one-click install in Claude Desktop:
//   npm run pack:mcpb            (builds first; writes release/odoo-mcp-<version>-<platform>-<arch>.mcpb)
//   node scripts/pack-mcpb.mjs [--out FILE] [--keep-staging]
// It stages, in a fresh temporary directory: mcpb/manifest.json, the icon, dist/mcp, dist/shared and dist/apps (no source
// maps), a package.json trimmed to what runs, and the production node_modules the server really imports —
// found by scanning the staged JavaScript for bare imports and following package-lock.json from there (so
// neither React nor Electron nor any devDependency comes along). Then `mcpb pack` (the @anthropic-ai/mcpb API).
//
// The keychain library (@napi-rs/keyring) is native: the bundle carries the binary of the machine that packs
// it, so a bundle is per platform and architecture; its manifest's compatibility.platforms says which.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { packExtension } from "@anthropic-ai/mcpb";

const ROOT = path.resolve(import.meta.dirname, "..");
const SHIPPED_DIRS = ["dist/mcp", "dist/shared", "dist/apps"];
/** The temporary staging folder, removed on failure too. */
let stagingRoot = "";

const { values } = parseArgs({
  options: { out: { type: "string" }, "keep-staging": { type: "boolean" } },
});

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const manifest = JSON.parse(readFileSync(path.join(ROOT, "mcpb/manifest.json"), "utf8"));
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")).packages;

if (manifest.version !== pkg.version)
  fail(`mcpb/manifest.json has version ${manifest.version}, package.json ${pkg.version}: run npm run mcpb:manifest`);
const entry = path.join(ROOT, manifest.server.entry_point);
if (!existsSync(entry)) fail(`${manifest.server.entry_point} is missing: run npm run build first`);

stagingRoot = mkdtempSync(path.join(tmpdir(), "odoo-mcp-mcpb-"));
const staging = path.join(stagingRoot, "odoo-mcp");
mkdirSync(staging);

// 1. The server's own files.
for (const dir of SHIPPED_DIRS) {
  cpSync(path.join(ROOT, dir), path.join(staging, dir), {
    recursive: true,
    filter: (source) => !source.endsWith(".map"),
  });
}
cpSync(path.join(ROOT, "mcpb/icon.png"), path.join(staging, "icon.png"));
cpSync(path.join(ROOT, "README.md"), path.join(staging, "README.md"));

// 2. The bundle is for this platform (the keychain's native binary): say so in its manifest.
const staged = {
  ...manifest,
  compatibility: { ...manifest.compatibility, platforms: [process.platform] },
};
writeFileSync(path.join(staging, "manifest.json"), `${JSON.stringify(staged, null, 2)}\n`);

// 3. The packages the staged code imports, and theirs.
const builtins = new Set(builtinModules);
const roots = new Set();
for (const file of walk(staging)) {
  if (!file.endsWith(".js")) continue;
  const code = readFileSync(file, "utf8");
  const statics = code.matchAll(/^\s*(?:import\s*|(?:import|export)\s[^;'"]*?[\s}*]from\s*)["']([^"']+)["']/gm);
  const dynamics = code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g);
  for (const [, specifier] of [...statics, ...dynamics]) {
    if (specifier.startsWith(".") || specifier.startsWith("node:") || builtins.has(specifier)) continue;
    if (!/^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/.*)?$/.test(specifier)) fail(`odd import "${specifier}" in ${file}`);
    roots.add(packageName(specifier));
  }
}
for (const name of roots) {
  if (!pkg.dependencies?.[name]) fail(`the server imports ${name}, which is not in package.json's dependencies`);
}

/** lock key ("node_modules/a/node_modules/b") of every package to ship */
const keys = new Set();
const queue = [...roots].map((name) => ({ from: "", name, optional: false }));
while (queue.length > 0) {
  const { from, name, optional } = queue.shift();
  const key = resolveKey(from, name);
  if (!key || !existsSync(path.join(ROOT, key))) {
    if (optional) continue; // another platform's binary, or an optional peer
    fail(`${name} (needed by ${from || "the server"}) is not installed: run npm ci`);
  }
  if (keys.has(key)) continue;
  keys.add(key);
  const meta = lock[key] ?? {};
  for (const dep of Object.keys(meta.dependencies ?? {})) queue.push({ from: key, name: dep, optional: false });
  for (const dep of Object.keys(meta.optionalDependencies ?? {})) queue.push({ from: key, name: dep, optional: true });
  for (const dep of Object.keys(meta.peerDependencies ?? {}))
    queue.push({ from: key, name: dep, optional: Boolean(meta.peerDependenciesMeta?.[dep]?.optional) });
}
for (const key of keys) {
  const source = path.join(ROOT, key);
  cpSync(source, path.join(staging, key), {
    recursive: true,
    dereference: true,
    // Nested node_modules are packages of their own (shipped only when needed, by their own key).
    filter: (file) => !path.relative(source, file).split(path.sep).includes("node_modules"),
  });
}

// 4. A package.json for what runs: ESM, the version, the dependencies actually shipped.
const dependencies = Object.fromEntries([...roots].sort().map((name) => [name, pkg.dependencies[name]]));
writeFileSync(
  path.join(staging, "package.json"),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      type: "module",
      engines: pkg.engines,
      bin: pkg.bin,
      dependencies,
    },
    null,
    2,
  )}\n`,
);

// 5. Pack.
const out = path.resolve(
  values.out ?? path.join(ROOT, "release", `odoo-mcp-${pkg.version}-${process.platform}-${process.arch}.mcpb`),
);
mkdirSync(path.dirname(out), { recursive: true });
const ok = await packExtension({ extensionPath: staging, outputPath: out, silent: true });
if (!values["keep-staging"]) rmSync(stagingRoot, { recursive: true, force: true });
if (!ok) fail("mcpb pack failed (run npx mcpb validate mcpb/manifest.json for details)");
process.stdout.write(
  `${JSON.stringify({ bundle: out, bytes: statSync(out).size, packages: keys.size, staging: values["keep-staging"] ? staging : null })}\n`,
);

function resolveKey(from, name) {
  // Node's resolution over the lock's layout: the nearest node_modules/<name> up from the requiring package.
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (lock[key] || existsSync(path.join(ROOT, key))) return key;
    if (!base) return null;
    const at = base.lastIndexOf("/node_modules/");
    base = at === -1 ? "" : base.slice(0, at);
  }
}

function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) yield* walk(file);
    else yield file;
  }
}

function fail(message) {
  if (stagingRoot && !values["keep-staging"]) rmSync(stagingRoot, { recursive: true, force: true });
  process.stderr.write(`pack-mcpb: ${message}\n`);
  process.exit(1);
}
