import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { unpackExtension, validateManifest } from "@anthropic-ai/mcpb";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/mcp/app.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
/** The manifest's own placeholders, spelled as the manifest spells them. */
const DIRNAME = `\${__dirname}`;
const setting = (key: string) => `\${user_config.${key}}`;

interface Manifest {
  version: string;
  server: {
    type: string;
    entry_point: string;
    mcp_config: { command: string; args: string[]; env: Record<string, string> };
  };
  tools: { name: string; description: string }[];
  user_config: Record<string, { type: string; required?: boolean; sensitive?: boolean }>;
  compatibility: { platforms: string[]; runtimes: { node: string } };
}
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
const manifest = readJson(path.join(ROOT, "mcpb/manifest.json")) as Manifest;
const pkg = readJson(path.join(ROOT, "package.json"));

/** The server's real tools/list (no Odoo needed to list them). */
async function liveTools() {
  const { server } = createMcpServer({} as App);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "mcpb-test", version: "1" });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

/** @anthropic-ai/mcpb's validation; it reports on the console, which is kept for the failure message. */
function validate(file: string): { valid: boolean; output: string } {
  const lines: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args) => void lines.push(args.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...args) => void lines.push(args.join(" ")));
  try {
    return { valid: validateManifest(file), output: lines.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** What Claude Desktop does with mcp_config: ${__dirname} is the bundle's folder, ${user_config.x} the settings. */
function substitute(value: string, dir: string, settings: Record<string, string>): string {
  return value.replaceAll(DIRNAME, dir).replace(/\$\{user_config\.([a-z_]+)\}/g, (_, key: string) => {
    const given = settings[key];
    if (given === undefined) throw new Error(`no setting ${key}`);
    return given;
  });
}

describe("mcpb/manifest.json", () => {
  it("passes @anthropic-ai/mcpb's validation (schema and icon)", () => {
    const { valid, output } = validate(path.join(ROOT, "mcpb/manifest.json"));
    expect(valid, output).toBe(true);
  });

  it("validation does reject a broken manifest (the check can fail)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-mcpb-bad-"));
    try {
      const { writeFile } = await import("node:fs/promises");
      const { user_config, ...rest } = manifest;
      const broken = {
        ...rest,
        user_config: { ...user_config, odoo_api_key: { type: "secret", title: "k" } },
      };
      await writeFile(path.join(dir, "manifest.json"), JSON.stringify(broken));
      expect(validate(path.join(dir, "manifest.json")).valid).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lists exactly the server's real tools, with their descriptions, and carries package.json's version", async () => {
    const tools = await liveTools();
    expect(manifest.tools).toEqual(tools.map((tool) => ({ name: tool.name, description: tool.description })));
    expect(manifest.version).toBe(pkg.version);
    // The generator agrees (it is what `npm run mcpb:manifest` runs).
    await expect(
      run(process.execPath, [path.join(ROOT, "scripts/mcpb-manifest.mjs"), "--check"]),
    ).resolves.toBeDefined();
  });

  it("runs the built server with node, and maps the four settings to the server's variables; the key is sensitive", () => {
    expect(manifest.server.type).toBe("node");
    expect(manifest.server.entry_point).toBe("dist/mcp/bin/odoo-mcp.js");
    expect(manifest.server.mcp_config.command).toBe("node");
    expect(manifest.server.mcp_config.args).toEqual([
      `\${__dirname}/${manifest.server.entry_point}`,
      "serve",
    ]);
    expect(manifest.server.mcp_config.env).toEqual({
      ODOO_URL: setting("odoo_url"),
      ODOO_DATABASE: setting("odoo_database"),
      ODOO_USERNAME: setting("odoo_username"),
      ODOO_API_KEY: setting("odoo_api_key"),
    });
    expect(Object.keys(manifest.user_config).sort()).toEqual([
      "odoo_api_key",
      "odoo_database",
      "odoo_url",
      "odoo_username",
    ]);
    for (const [key, option] of Object.entries(manifest.user_config)) {
      expect(option.type, key).toBe("string");
      expect(option.required, key).toBe(true);
      expect(option.sensitive ?? false, key).toBe(key === "odoo_api_key");
    }
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
    expect(manifest.compatibility.platforms.sort()).toEqual(["darwin", "linux", "win32"]);
  });
});

describe("npm run pack:mcpb", () => {
  let work: string;
  let bundle: string;
  let unpacked: string;
  let packed: { bytes: number; packages: number };
  let sandbox: Sandbox;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, manifest.server.entry_point)))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    work = await mkdtemp(path.join(tmpdir(), "odoo-mcp-mcpb-"));
    bundle = path.join(work, "odoo-mcp.mcpb");
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, "scripts/pack-mcpb.mjs"), "--out", bundle],
      {
        cwd: ROOT,
      },
    );
    packed = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    unpacked = path.join(work, "unpacked");
    expect(await unpackExtension({ mcpbPath: bundle, outputDir: unpacked, silent: true })).toBe(true);
    sandbox = await startSandbox({ version: 19 });
  }, 120_000);
  afterAll(async () => {
    await sandbox?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("writes a bundle of reasonable size holding the manifest (for this platform), the entry and the icon", () => {
    const size = statSync(bundle).size;
    expect(packed.bytes).toBe(size);
    expect(size).toBeGreaterThan(1_000_000);
    expect(size).toBeLessThan(20_000_000);
    const inside = readJson(path.join(unpacked, "manifest.json")) as Manifest;
    expect(inside.tools).toEqual(manifest.tools);
    expect(inside.compatibility.platforms).toEqual([process.platform]);
    expect(validate(path.join(unpacked, "manifest.json")).valid).toBe(true);
    expect(existsSync(path.join(unpacked, manifest.server.entry_point))).toBe(true);
    expect(existsSync(path.join(unpacked, "icon.png"))).toBe(true);
    expect(readJson(path.join(unpacked, "package.json")).type).toBe("module");
  });

  it("holds the server's production dependencies only: no sandbox, no devDependency, no React or Electron", () => {
    expect(existsSync(path.join(unpacked, "dist/sandbox"))).toBe(false);
    const top = readdirSync(path.join(unpacked, "node_modules"));
    for (const name of ["@modelcontextprotocol", "@napi-rs", "zod", "pdfkit"]) expect(top).toContain(name);
    for (const name of ["electron", "react", "react-dom", "electron-store", "vitest", "typescript", "vite"])
      expect(top).not.toContain(name);
    const native = readdirSync(path.join(unpacked, "node_modules/@napi-rs")).filter((n) => n !== "keyring");
    expect(native.length).toBe(1); // this machine's keychain binary
    expect(packed.packages).toBeGreaterThan(10);
  });

  it("starts as Claude Desktop starts it, from the bundle alone, and serves the tools against Odoo", async () => {
    const reach = sandboxEnv(sandbox);
    const settings = {
      odoo_url: reach.ODOO_URL ?? "",
      odoo_database: reach.ODOO_DATABASE ?? "",
      odoo_username: reach.ODOO_USERNAME ?? "",
      odoo_api_key: reach.ODOO_API_KEY ?? "",
    };
    const config = manifest.server.mcp_config;
    const env = Object.fromEntries(
      Object.entries(config.env).map(([key, value]) => [key, substitute(value, unpacked, settings)]),
    );
    const transport = new StdioClientTransport({
      command: config.command === "node" ? process.execPath : config.command,
      args: config.args.map((arg) => substitute(arg, unpacked, settings)),
      cwd: work,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: work,
        ...(process.env.DBUS_SESSION_BUS_ADDRESS
          ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
          : {}),
        ...env,
        ODOO_MCP_ALLOW_SANDBOX: "true", // the test's Odoo is the sandbox; a user's is not
        ODOO_MCP_DATA_DIR: path.join(work, "data"),
      },
      stderr: "pipe",
    });
    const client = new Client({ name: "claude-desktop-like", version: "1" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(manifest.tools.map((tool) => tool.name));
      const result = await client.callTool({ name: "find_partners", arguments: { query: "a" } });
      expect(result.isError ?? false, JSON.stringify(result.content)).toBe(false);
      expect(result.structuredContent).toBeDefined();
    } finally {
      await client.close();
    }
  });
});
