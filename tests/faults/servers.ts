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
      ODOO_MCP_LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  let exited = false;
  child.stdout?.resume();
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const gone = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
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
  };
}
