import { randomBytes } from "node:crypto";
import { open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { isErrno } from "./files.js";

/**
 * A cross-process lock: a file created with `open(path, "wx")`, which exactly one process can create. It holds
 * `{pid, host, createdAt}` so that a lock left by a process that died on this machine can be taken over. A lock
 * from another host is never taken over (its pid means nothing here).
 *
 * Takeover is itself serialised by a second, short-lived lock (`<path>.takeover`) so that two processes which
 * both saw the same dead holder cannot delete each other's fresh lock.
 */

export interface LockInfo {
  pid: number;
  host: string;
  createdAt: string;
  /** Random per acquisition, so a holder only ever releases its own lock. */
  token: string;
  owner?: string;
}

export interface FileLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

/** A lock file with no readable content is a process that died between create and write, if it is this old. */
const UNREADABLE_LOCK_STALE_MS = 10_000;
const TAKEOVER_STALE_MS = 10_000;

export const HOST = hostname();

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

/** Whether a holder recorded as `{pid, host}` is certainly gone: same host, process not running. */
export function isHolderDead(holder: { pid: number; host: string }): boolean {
  return holder.host === HOST && !isProcessAlive(holder.pid);
}

/** Try once (plus one stale takeover). Resolves `null` when a live process holds the lock. */
export async function tryAcquireLock(lockPath: string, owner?: string): Promise<FileLock | null> {
  for (let round = 0; round < 2; round++) {
    const lock = await createLockFile(lockPath, owner);
    if (lock) return lock;
    if (!(await takeOverIfStale(lockPath))) return null;
  }
  return null;
}

/** Waits (polling) until the lock is acquired; throws after `timeoutMs`. */
export async function acquireLock(
  lockPath: string,
  options: { owner?: string; timeoutMs?: number; retryMs?: number } = {},
): Promise<FileLock> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let delay = options.retryMs ?? 5;
  for (;;) {
    const lock = await tryAcquireLock(lockPath, options.owner);
    if (lock) return lock;
    if (Date.now() >= deadline) {
      const holder = await readLockInfo(lockPath);
      throw new Error(
        `timed out waiting for the lock ${lockPath}${holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${holder.createdAt})` : ""}`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `fn` while holding the lock, waiting for it if needed. */
export async function withLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: { owner?: string; timeoutMs?: number } = {},
): Promise<T> {
  const lock = await acquireLock(lockPath, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

export async function readLockInfo(lockPath: string): Promise<LockInfo | null> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockInfo>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.token === "string")
      return value as LockInfo;
  } catch {
    // an empty or half-written lock file: judged by its age below
  }
  return null;
}

async function createLockFile(lockPath: string, owner?: string): Promise<FileLock | null> {
  const info: LockInfo = {
    pid: process.pid,
    host: HOST,
    createdAt: new Date().toISOString(),
    token: randomBytes(12).toString("hex"),
    ...(owner ? { owner } : {}),
  };
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, "wx", 0o600);
  } catch (error) {
    if (isErrno(error, "EEXIST")) return null;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(info));
    await handle.sync();
  } finally {
    await handle.close();
  }
  let released = false;
  return {
    path: lockPath,
    info,
    async release() {
      if (released) return;
      released = true;
      const current = await readLockInfo(lockPath).catch(() => null);
      if (current?.token === info.token) await rm(lockPath, { force: true });
    },
  };
}

/** Removes the lock if its holder is dead on this host. Answers whether it did (or the lock vanished meanwhile). */
async function takeOverIfStale(lockPath: string): Promise<boolean> {
  const seen = await readLockState(lockPath);
  if (seen === "gone") return true;
  if (!seen.stale) return false;
  const guardPath = `${lockPath}.takeover`;
  let guard = await createLockFile(guardPath);
  if (!guard) {
    const age = await ageMs(guardPath);
    if (age !== null && age > TAKEOVER_STALE_MS) {
      await rm(guardPath, { force: true });
      guard = await createLockFile(guardPath);
    }
    if (!guard) return false;
  }
  try {
    // Under the guard, nobody else removes the lock; re-check that it is still the same dead holder's.
    const now = await readLockState(lockPath);
    if (now === "gone") return true;
    if (!now.stale || now.text !== seen.text) return false;
    await rm(lockPath, { force: true });
    return true;
  } finally {
    await guard.release();
  }
}

async function readLockState(lockPath: string): Promise<"gone" | { stale: boolean; text: string }> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return "gone";
    throw error;
  }
  const info = await readLockInfo(lockPath).catch(() => null);
  if (info) return { stale: isHolderDead(info), text };
  const age = await ageMs(lockPath);
  return { stale: age !== null && age > UNREADABLE_LOCK_STALE_MS, text };
}

async function ageMs(file: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
}

import { sleep } from "../sleep.js";

export { sleep };
