import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { defaultDataDir } from "../config/config.js";
import { withLock } from "../fsutil/lock.js";
import type { Keychain } from "./keychain.js";

/** The lock file under which this OS user's processes create a key in the keychain (see `keychainKey`). */
export const KEY_CREATION_LOCK = ".keychain-key.lock";

export interface KeychainKeyOptions {
  /** Default: `.keychain-key.lock` in the user's own data folder (`defaultDataDir`), whatever data folder is used. */
  lockFile?: string;
  /** The pauses before each read that must also find no key before one is created (default: the keychain's). */
  absentReadsMs?: readonly number[];
}

/**
 * A key the account holds after all, or null when every read (after its pause) found none. A write on one
 * "absent" answer of a busy keychain would replace the key every other process signs and seals with, and break
 * the audit chain.
 */
async function confirmedAbsent(
  keychain: Keychain,
  account: string,
  pauses: readonly number[],
): Promise<Buffer | null> {
  for (const ms of pauses) {
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    const found = decodeKey(await keychain.get(account));
    if (found) return found;
  }
  return null;
}

/**
 * A key of 32 random bytes kept in the OS keychain under `account` (base64), created there on first use.
 *
 * The keychain has no "create if absent": two processes that both find the account empty both write a key, and
 * the one that read its own back before the other wrote keeps a key the keychain no longer holds. It then signs
 * and seals with a key no other process has: a request it decided is left in the queue by every other process,
 * for good (the kill test's replay lanes, whose first two lanes start at once on a fresh keychain, under load).
 * So a key is created only under a lock file shared by every process of this OS user (the keychain is the
 * user's, the data folder need not be), and the account is read again under it before anything is written.
 * A key that exists is read without the lock.
 */
export async function keychainKey(
  keychain: Keychain,
  account: string,
  options: KeychainKeyOptions = {},
): Promise<Buffer> {
  const stored = decodeKey(await keychain.get(account));
  if (stored) return stored;
  const lockFile = options.lockFile ?? path.join(defaultDataDir(), KEY_CREATION_LOCK);
  const dir = path.dirname(lockFile);
  const create = async () => {
    const found = await confirmedAbsent(
      keychain,
      account,
      options.absentReadsMs ?? keychain.confirmAbsentMs ?? [0],
    );
    if (found) return found;
    await keychain.set(account, randomBytes(32).toString("base64"));
    const kept = decodeKey(await keychain.get(account));
    if (!kept) throw new Error(`the keychain did not keep the key ${account}`);
    return kept;
  };
  try {
    await mkdir(dir, { recursive: true });
  } catch {
    // No folder of the user's own to lock in (a read-only home): created as before, unserialised.
    return create();
  }
  // A busy Secret Service may take seconds per answer (three of them under the lock).
  return withLock(lockFile, create, { root: dir, timeoutMs: 30_000, owner: "keychain key" });
}

function decodeKey(text: string | null | undefined): Buffer | null {
  if (!text) return null;
  const key = Buffer.from(text.trim(), "base64");
  return key.length === 32 ? key : null;
}
