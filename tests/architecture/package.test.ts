import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");

/** What `npm pack` would publish (needs `npm run build` first, like every test of the built CLI). */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    env: { ...process.env, npm_config_loglevel: "silent" },
  });
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((file) => file.path);
}

describe("the published package", () => {
  it("ships the server and the sandbox the demo runs, never the bench, sources or tests", async () => {
    const files = await packedFiles();
    expect(files).toContain("dist/mcp/bin/odoo-mcp.js");
    expect(files).toContain("dist/mcp/cli/demo.js");
    expect(files).toContain("dist/sandbox/index.js");
    expect(files).toContain("dist/sandbox/connection.js");
    expect(files.filter((file) => file.startsWith("dist/bench"))).toEqual([]);
    expect(files.filter((file) => /^(src|tests)\//.test(file))).toEqual([]);
  });

  it("ships every module that a shipped module imports (nothing resolves outside the package)", async () => {
    const files = new Set(await packedFiles());
    const missing: string[] = [];
    for (const file of files) {
      if (!file.endsWith(".js")) continue;
      const text = await readFile(path.join(ROOT, file), "utf8");
      for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!));
        if (!files.has(target)) missing.push(`${file} → ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
