import { createHash } from "node:crypto";
import path from "node:path";
import type { AcrossProcesses } from "../accounting/one-at-a-time.js";
import { ToolError } from "../errors.js";
import { acquireLock, type FileLock, NotRegularFileError } from "../fsutil/index.js";

/**
 * How long a call waits for another process holding the same key: under the minute after which Claude Desktop
 * gives up on a tool call (a 5,000-line bank import holds its journal longer: measured in the README).
 */
const WAIT_MS = 45_000;

/**
 * The keys of `oneAtATime` (accounting/one-at-a-time.ts) held among the server processes sharing this data folder:
 * a lock file per key, `.one-at-a-time-<hash of the key>.lock` (a key may hold a VAT number or an email: only its
 * hash is written), taken in one order so two calls never wait for each other. A lock left by a process that died,
 * or planted naming a live process that did not take it, is taken over (fsutil/lock.ts); deleting a live one only
 * loses this guard against a duplicate, never an approval.
 */
export function processLocks(dataDir: string): AcrossProcesses {
  return async (keys, run) => {
    const held: FileLock[] = [];
    try {
      for (const key of [...keys].sort()) held.push(await take(dataDir, key));
      return await run();
    } finally {
      for (const lock of held.reverse()) await lock.release();
    }
  };
}

async function take(dataDir: string, key: string): Promise<FileLock> {
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 24);
  try {
    return await acquireLock(path.join(dataDir, `.one-at-a-time-${hash}.lock`), {
      owner: key.split("|")[0] ?? "odoo-mcp",
      timeoutMs: WAIT_MS,
      maxHoldMs: WAIT_MS,
      root: dataDir,
    });
  } catch (error) {
    if (error instanceof ToolError || error instanceof NotRegularFileError) throw error;
    throw new ToolError(
      "INVALID_STATUS",
      `Another odoo-mcp process is doing the same right now (${error instanceof Error ? error.message.replaceAll(dataDir, "the data folder") : "its lock is held"}): try again once it has finished. Nothing was written.`,
      undefined,
      { cause: error },
    );
  }
}
