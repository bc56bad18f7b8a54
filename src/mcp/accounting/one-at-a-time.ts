import { createHash } from "node:crypto";
import path from "node:path";
import { ToolError } from "../errors.js";
import { acquireLock, type FileLock, type LockAuthority, NotRegularFileError } from "../fsutil/index.js";

/**
 * A duplicate check is a search followed by a create: two calls that search at the same moment both find nothing
 * and both create. An agent may call tools in parallel (or retry before the first call answers), so the tools that
 * refuse a duplicate (`create_vendor_bill`, `create_partner`, `import_bank_statement`) run their search and create
 * one call at a time per key (a vendor's reference, a VAT number, an email, a name, a bank journal): inside this
 * server process here, and among the server processes sharing a data folder (two MCP clients, the app and a
 * terminal) with the `across` the app gives the tools (`processLocks` below: a lock file per key).
 *
 * Not shared with Odoo: a person creating the same record in Odoo's own window meanwhile, or a server with another
 * data folder, can still both create. Odoo offers no lock a client can hold between calls.
 */
const tails = new Map<string, Promise<void>>();

/** Runs `run` holding `keys` among processes too; the default holds nothing beyond this process. */
export type AcrossProcesses = <T>(keys: readonly string[], run: () => Promise<T>) => Promise<T>;
const thisProcessOnly: AcrossProcesses = (_keys, run) => run();

/**
 * Runs `run` once every earlier call sharing any of `keys` has finished. The keys are all taken at once (nothing is
 * awaited in between), so two calls with overlapping keys never wait for each other.
 */
export async function oneAtATime<T>(
  keys: readonly string[],
  run: () => Promise<T>,
  across: AcrossProcesses = thisProcessOnly,
): Promise<T> {
  const mine = [...new Set(keys)];
  const earlier = mine.map((key) => tails.get(key));
  let done = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  for (const key of mine) tails.set(key, finished);
  try {
    await Promise.all(earlier);
    return await across(mine, run);
  } finally {
    done();
    for (const key of mine) if (tails.get(key) === finished) tails.delete(key);
  }
}

/**
 * How long a call waits for another process holding the same key: under the minute after which Claude Desktop
 * gives up on a tool call (a 5,000-line bank import holds its journal longer: measured in the README).
 */
const WAIT_MS = 45_000;

/**
 * The keys of `oneAtATime` (accounting/one-at-a-time.ts) held among the server processes sharing this data folder:
 * a lock file per key, `.one-at-a-time-<hash of the key>.lock` (a key may hold a VAT number or an email: only its
 * hash is written), taken in one order so two calls never wait for each other. A lock left by a process that died,
 * or planted naming a live process that did not take it, is taken over (fsutil/lock.ts); with the app's
 * `authority` (an HMAC keyed from the OS keychain) a lock it did not sign is too, whatever host it names. Deleting
 * a live one only loses this guard against a duplicate, never an approval.
 */
export function processLocks(dataDir: string, authority?: LockAuthority): AcrossProcesses {
  return async (keys, run) => {
    const held: FileLock[] = [];
    try {
      for (const key of [...keys].sort()) held.push(await take(dataDir, key, authority));
      return await run();
    } finally {
      for (const lock of held.reverse()) await lock.release();
    }
  };
}

async function take(dataDir: string, key: string, authority: LockAuthority | undefined): Promise<FileLock> {
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 24);
  try {
    return await acquireLock(path.join(dataDir, `.one-at-a-time-${hash}.lock`), {
      owner: key.split("|")[0] ?? "odoo-mcp",
      timeoutMs: WAIT_MS,
      maxHoldMs: WAIT_MS,
      root: dataDir,
      ...(authority ? { authority } : {}),
    });
  } catch (error) {
    if (error instanceof ToolError || error instanceof NotRegularFileError) throw error;
    throw new ToolError(
      "INVALID_STATUS",
      `Another odoo-mcp process is doing the same right now (${error instanceof Error ? error.message.replaceAll(`${dataDir}${path.sep}`, "") : "its lock is held"}): try again once it has finished. Nothing was written.`,
      undefined,
      { cause: error },
    );
  }
}
