/**
 * The BUILT server (`dist/mcp/bin/odoo-mcp.js serve`) as a child process, for the kill tests: its ODOO_URL is the
 * fault proxy, its data folder and OS keychain (scripts/with-keyring.sh: the children inherit the D-Bus session)
 * are the test's. It runs approved requests with its own background runner (what a server does when a person
 * approves in the CLI or the app), and replays the offline queue when it starts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

export interface ServerChild {
  readonly pid: number;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
  /** Closes its stdin (what an MCP client does on exit), resolved once it exited. */
  stop(): Promise<void>;
  readonly exited: boolean;
  stderr(): string;
  /** One line for a failure message: pid, when it started, how it ended. */
  describe(): string;
}

export function startServerChild(env: Record<string, string>): ServerChild {
  if (!existsSync(BIN))
    throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
  const child: ChildProcess = spawn(process.execPath, [BIN, "serve"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...(process.env.DBUS_SESSION_BUS_ADDRESS
        ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
        : {}),
      // The runner says at debug why a round of background work failed: a failure's message shows it.
      ODOO_MCP_LOG_LEVEL: "debug",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const startedAt = new Date().toISOString();
  let stderr = "";
  let exited = false;
  let ended = "";
  child.stdout?.resume();
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-200_000);
  });
  const gone = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = true;
      ended = `exited ${new Date().toISOString()} (${signal ?? `code ${code}`})`;
      resolve();
    });
  });
  return {
    pid: child.pid ?? -1,
    async kill() {
      if (!exited) child.kill("SIGKILL");
      await gone;
    },
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await gone;
      clearTimeout(timer);
    },
    get exited() {
      return exited;
    },
    stderr: () => stderr,
    describe: () => `pid ${child.pid ?? "?"} started ${startedAt}, ${ended || "running"}`,
  };
}
