import { randomBytes } from "node:crypto";
import { closeSync, constants, linkSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { lstat, rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { sleep } from "../sleep.js";
import { isErrno, readTextIfExists } from "./files.js";
import { readRegularTextSync } from "./regular.js";

/**
 * A cross-process lock: a file that exactly one process can create. It holds `{pid, host, start, createdAt,
 * token}` so that a lock left by a process that died on this machine can be taken over. A lock from another host
 * is never taken over (its pid means nothing here), unless an authority is given and its signature is invalid.
 *
 * The data folder is writable by the AI agent's file tools, so a lock file may be planted. A planted lock names
 * a live pid (say 1) to block everyone; it is recognised as stale because:
 * - it records the holder's START TIME (Linux: field 22 of `/proc/<pid>/stat`, clock ticks since boot), and a
 *   lock whose start time differs from the live process's real one is stale (pid reuse, or planted). Where the
 *   start time of a foreign pid cannot be read (macOS, Windows, a `/proc` mounted with hidepid), the lock falls
 *   back to its age: stale once older than `maxHoldMs`;
 * - a lock naming this very process but with a token this process does not hold is stale;
 * - with an `authority` (an HMAC keyed from the keychain), a lock whose signature is missing or invalid is stale.
 * What remains possible: replaying the exact content of a genuine lock of a process that is still running.
 *
 * A lock file is created with its content in one step (a temp file hard-linked to the lock name, which fails if
 * it exists), so a genuine lock is never seen empty; on a file system without hard links it falls back to
 * `open(path, "wx")` then write. Takeover is itself serialised by a second, short-lived lock
 * (`<path>.takeover`) so that two processes which both saw the same stale holder cannot delete each other's
 * fresh lock.
 *
 * A lock path holding anything but a file (a FIFO, a link, a folder: never made by a genuine holder) is refused
 * at once with a `NotRegularFileError` naming it: it is never opened in a way that could wait, and never taken
 * for a holder to wait for.
 */

export interface LockInfo {
  pid: number;
  host: string;
  /** The holder's process start time (see `processStartTime`); absent in locks written before it was recorded. */
  start?: string;
  createdAt: string;
  /** Random per acquisition, so a holder only ever releases its own lock. */
  token: string;
  owner?: string;
  /** The authority's signature of `lockSigningText(info)`, when an authority was given. */
  sig?: string;
}

export interface FileLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

/** Signs lock files and checks their signatures (the approvals module passes an HMAC keyed from the keychain). */
export interface LockAuthority {
  sign(text: string): string;
  verify(text: string, sig: string): boolean;
}

export interface LockOptions {
  owner?: string;
  /** How long `acquireLock`/`withLock` wait before they throw (default 10 s). */
  timeoutMs?: number;
  authority?: LockAuthority;
  /**
   * How long a holder may keep this lock (default 30 s: a short lock). A live holder past it is named in the
   * timeout error; where a holder's start time cannot be checked, its lock is stale past it.
   */
  maxHoldMs?: number;
  /** The data folder: an error names the lock file relative to it. */
  root?: string;
}

/** A lock file with no readable content is a process that died between create and write, if it is this old. */
const UNREADABLE_LOCK_STALE_MS = 10_000;
const TAKEOVER_STALE_MS = 10_000;
const DEFAULT_MAX_HOLD_MS = 30_000;

export const HOST = hostname();

/** Tokens of the locks this process holds right now: a lock naming our pid with another token is not ours. */
const heldTokens = new Set<string>();

/** Whether a process with this pid exists on this machine. EPERM means it exists but belongs to someone else. */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}

let ownStart: string | undefined;

/**
 * An opaque identifier of when a process started, equal for the same process and different after pid reuse;
 * null when it cannot be read. Linux: `linux:<starttime ticks>` from `/proc/<pid>/stat`. Elsewhere only this
 * process's own is known (`t:<time origin in ms>`).
 */
export function processStartTime(pid: number): string | null {
  if (pid === process.pid && ownStart !== undefined) return ownStart;
  let value: string | null = null;
  if (process.platform === "linux") {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) is in parentheses and may contain spaces or ')': fields resume after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = fields[19]; // field 22; fields[0] is field 3
      if (ticks && /^\d+$/.test(ticks)) value = `linux:${ticks}`;
    } catch {
      value = null;
    }
  } else if (pid === process.pid) {
    value = `t:${Math.round(performance.timeOrigin)}`;
  }
  if (pid === process.pid && value !== null) ownStart = value;
  return value;
}

/**
 * Whether a holder recorded as `{pid, host, start?}` is certainly gone: same host, and its process is not
 * running, or a process runs under that pid with another start time (when `start` is given and readable).
 */
export function isHolderDead(holder: { pid: number; host: string; start?: string }): boolean {
  if (holder.host !== HOST) return false;
  if (!isProcessAlive(holder.pid)) return true;
  if (holder.start === undefined) return false;
  const real = processStartTime(holder.pid);
  return real !== null && real !== holder.start;
}

/** The text an authority signs for a lock: every field but the signature, in a fixed order. */
export function lockSigningText(info: LockInfo): string {
  return JSON.stringify([
    "odoo-mcp-lock/1",
    info.pid,
    info.host,
    info.start ?? null,
    info.createdAt,
    info.token,
    info.owner ?? null,
  ]);
}

type TryOptions = Pick<LockOptions, "owner" | "authority" | "maxHoldMs" | "root">;

/**
 * Try once (plus one stale takeover). Resolves `null` when a live process holds the lock. The second argument
 * is the options, or (as before) just the owner.
 */
export async function tryAcquireLock(
  lockPath: string,
  options: string | TryOptions = {},
): Promise<FileLock | null> {
  const opts: TryOptions = typeof options === "string" ? { owner: options } : options;
  for (let round = 0; round < 2; round++) {
    const lock = await createLockFile(lockPath, opts);
    if (lock) return lock;
    if (!(await takeOverIfStale(lockPath, opts))) return null;
  }
  return null;
}

/** Waits (polling) until the lock is acquired; throws after `timeoutMs`. */
export async function acquireLock(
  lockPath: string,
  options: LockOptions & { retryMs?: number } = {},
): Promise<FileLock> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let delay = options.retryMs ?? 5;
  for (;;) {
    const lock = await tryAcquireLock(lockPath, options);
    if (lock) return lock;
    if (Date.now() >= deadline) throw await timeoutError(lockPath, options);
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `fn` while holding the lock, waiting for it if needed. */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const lock = await acquireLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function readLockInfo(
  lockPath: string,
  options: Pick<LockOptions, "root"> = {},
): Promise<LockInfo | null> {
  const text = await readTextIfExists(lockPath, options);
  return text === undefined ? null : parseLockInfo(text);
}

function parseLockInfo(text: string): LockInfo | null {
  try {
    const value = JSON.parse(text) as Partial<LockInfo> | null;
    if (
      value &&
      typeof value.pid === "number" &&
      typeof value.host === "string" &&
      typeof value.token === "string" &&
      (value.start === undefined || typeof value.start === "string") &&
      (value.sig === undefined || typeof value.sig === "string")
    )
      return value as LockInfo;
  } catch {
    // an empty or half-written lock file: judged by its age
  }
  return null;
}

async function timeoutError(lockPath: string, options: LockOptions): Promise<Error> {
  const holder = await readLockInfo(lockPath, options).catch(() => null);
  if (!holder) return new Error(`timed out waiting for the lock ${lockPath}`);
  const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
  const since = Date.parse(holder.createdAt);
  const heldMs = Number.isNaN(since) ? null : Date.now() - since;
  const who = `pid ${holder.pid}${holder.owner ? ` (${holder.owner})` : ""} on ${holder.host} since ${holder.createdAt}`;
  const overdue =
    heldMs !== null && heldMs > maxHoldMs
      ? `; it has held it for ${duration(heldMs)}, longer than the ${duration(maxHoldMs)} allowed: that process may be stuck`
      : "";
  return new Error(`timed out waiting for the lock ${lockPath} (held by ${who}${overdue})`);
}

function duration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

async function createLockFile(lockPath: string, options: TryOptions): Promise<FileLock | null> {
  const base: LockInfo = {
    pid: process.pid,
    host: HOST,
    ...(processStartTime(process.pid) !== null ? { start: processStartTime(process.pid) as string } : {}),
    createdAt: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
    ...(options.owner ? { owner: options.owner } : {}),
  };
  const info: LockInfo = options.authority
    ? { ...base, sig: options.authority.sign(lockSigningText(base)) }
    : base;
  // The token is ours before the file exists, so that a concurrent check in this process never sees our own
  // fresh lock as "names our pid, token not held".
  heldTokens.add(info.token);
  let created: boolean;
  try {
    created = createExclusive(lockPath, JSON.stringify(info));
  } catch (error) {
    heldTokens.delete(info.token);
    throw error;
  }
  if (!created) {
    heldTokens.delete(info.token);
    return null;
  }
  let released = false;
  return {
    path: lockPath,
    info,
    async release() {
      if (released) return;
      released = true;
      try {
        // Synchronous, as `createExclusive` is (why there); the lock is read with O_NONBLOCK, never waited on.
        let current: LockInfo | null = null;
        try {
          current = parseLockInfo(readRegularTextSync(lockPath, options));
        } catch {
          current = null; // gone, or not a lock of ours any more: nothing of ours to remove
        }
        if (current?.token === info.token) rmSync(lockPath, { force: true });
      } finally {
        heldTokens.delete(info.token);
      }
    },
  };
}

/**
 * Creates `file` with `text`, failing (false) if it exists. Not fsynced: a lock does not outlive its holder's
 * process, and one left empty by a power loss is judged by its age. Synchronous: a few system calls on a small
 * file of the data folder take microseconds, where each asynchronous one waits for a worker thread and then the
 * event loop (on a busy machine up to a millisecond each: taking and releasing the lock was most of an audit
 * line's time). None of them can wait: the files are created with O_EXCL, never opened if they exist.
 */
function createExclusive(file: string, text: string): boolean {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  writeNewFileSync(temp, text);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV", "EINVAL"].some((c) => isErrno(error, c)))
      throw error;
  } finally {
    try {
      rmSync(temp, { force: true });
    } catch {
      // a temp file left behind is harmless; it never holds the lock
    }
  }
  // No hard links here: create, then write (a reader may briefly see it empty).
  try {
    writeNewFileSync(file, text);
  } catch (error) {
    if (isErrno(error, "EEXIST")) return false;
    throw error;
  }
  return true;
}

function writeNewFileSync(file: string, text: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeFileSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** Removes the lock if it is stale. Answers whether it did (or the lock vanished meanwhile). */
async function takeOverIfStale(lockPath: string, options: TryOptions): Promise<boolean> {
  const seen = await readLockState(lockPath, options);
  if (seen === "gone") return true;
  if (!seen.stale) return false;
  const guardPath = `${lockPath}.takeover`;
  const guardOptions = { authority: options.authority, ...(options.root ? { root: options.root } : {}) };
  let guard = await createLockFile(guardPath, guardOptions);
  if (!guard) {
    // A guard is held for a few milliseconds; one that is older, or stale by the same rules, is removed.
    const state = await readLockState(guardPath, { ...guardOptions, maxHoldMs: TAKEOVER_STALE_MS });
    const age = await ageMs(guardPath);
    if (state !== "gone" && (state.stale || (age !== null && age > TAKEOVER_STALE_MS))) {
      // Only if it is still the guard judged (narrows the window in which a fresh guard could be removed).
      const again = await readTextIfExists(guardPath, guardOptions).catch(() => null);
      if (again === state.text) await rm(guardPath, { force: true });
    }
    guard = await createLockFile(guardPath, guardOptions);
    if (!guard) return false;
  }
  try {
    // Under the guard, nobody else removes the lock; re-check that it is still the same stale holder's.
    const now = await readLockState(lockPath, options);
    if (now === "gone") return true;
    if (!now.stale || now.text !== seen.text) return false;
    await rm(lockPath, { force: true });
    return true;
  } finally {
    await guard.release();
  }
}

async function readLockState(
  lockPath: string,
  options: TryOptions,
): Promise<"gone" | { stale: boolean; text: string }> {
  // Not a file (a FIFO, a link, a folder): a `NotRegularFileError`, at once. No genuine holder made it.
  const text = await readTextIfExists(lockPath, options.root ? { root: options.root } : {});
  if (text === undefined) return "gone";
  const info = parseLockInfo(text);
  if (!info) {
    // Genuine locks are created with their content in one step: with an authority, no valid lock is unreadable.
    if (options.authority) return { stale: true, text };
    const age = await ageMs(lockPath);
    return { stale: age !== null && age > UNREADABLE_LOCK_STALE_MS, text };
  }
  return { stale: await isStale(lockPath, info, options), text };
}

async function isStale(lockPath: string, info: LockInfo, options: TryOptions): Promise<boolean> {
  if (options.authority) {
    let valid = false;
    try {
      valid = info.sig !== undefined && options.authority.verify(lockSigningText(info), info.sig);
    } catch {
      valid = false;
    }
    if (!valid) return true;
  }
  if (info.host !== HOST) return false;
  if (!isProcessAlive(info.pid)) return true;
  if (info.pid === process.pid) return !heldTokens.has(info.token);
  const real = processStartTime(info.pid);
  if (real !== null) return info.start !== real;
  // The start time of that pid cannot be read here: fall back to the lock's age.
  const age = await ageMs(lockPath);
  return age !== null && age > (options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS);
}

async function ageMs(file: string): Promise<number | null> {
  try {
    return Date.now() - (await lstat(file)).mtimeMs;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
}

export { sleep };
