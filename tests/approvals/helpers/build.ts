import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * Compiles the modules under test to plain ESM JavaScript so that real child processes (plain `node`) can run
 * them. The output goes inside `node_modules/.cache` so that `zod` and the other dependencies resolve.
 */
export async function buildForChildren(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const cache = path.join(ROOT, "node_modules", ".cache");
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(path.join(cache, "odoo-mcp-child-"));
  const entries = [
    "src/mcp/approvals/executor.ts",
    "src/mcp/approvals/store.ts",
    "src/mcp/approvals/open.ts",
    "src/mcp/audit/audit-log.ts",
    "src/mcp/queue/offline-queue.ts",
    "src/mcp/fsutil/index.ts",
    "src/mcp/odoo/errors.ts",
    "src/mcp/credentials/keychain.ts",
  ];
  await run(
    process.execPath,
    [
      path.join(ROOT, "node_modules/typescript/bin/tsc"),
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--target",
      "ES2022",
      "--skipLibCheck",
      "--types",
      "node",
      "--rootDir",
      path.join(ROOT, "src"),
      "--outDir",
      dir,
      ...entries.map((entry) => path.join(ROOT, entry)),
    ],
    { cwd: ROOT },
  ).catch((error: { stdout?: string }) => {
    // Type errors elsewhere still emit JavaScript; only a missing output is fatal (checked below).
    if (!String(error.stdout ?? "").includes("error")) throw error;
  });
  await writeFile(path.join(dir, "package.json"), JSON.stringify({ type: "module" }));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `node script.mjs` and resolves with its exit code and output. */
export function runNode(
  script: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
