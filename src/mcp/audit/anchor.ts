import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import { withLock } from "../fsutil/lock.js";
import { sha256 } from "../hmac.js";
import type { Logger } from "../log.js";
import { AUDIT_HEAD_ACCOUNT, type AuditAnchor, keychainAuditAnchor } from "./head.js";

/** The keychain account of the audit chain's HMAC key (32 random bytes, base64). */
export const AUDIT_KEY_ACCOUNT = "audit-chain-key";

/**
 * The anchor of the audit chain: its HMAC key and its head, both in the OS keychain. The key is read from the
 * keychain account `audit-chain-key`, created there (random) when absent; it is never read from or written to a
 * file. (The approvals module will derive it later; this is the stand-in until then.)
 *
 * With `dataDir`, the head is kept per data folder (`audit-chain-head:<hash of the folder>`), so that two data
 * folders on one machine do not overwrite each other's head; without it, under `audit-chain-head`.
 * Resolves `undefined` when there is no keychain or it does not answer: the audit log then keeps its head in a
 * file of the data folder, which is not trustworthy (a warning says so, once, when a logger is given).
 */
export async function auditAnchorFor(
  keychain: Keychain | null,
  options: { dataDir?: string; logger?: Pick<Logger, "warn"> } = {},
): Promise<AuditAnchor | undefined> {
  const { dataDir, logger } = options;
  if (!keychain) {
    warnOnce(
      logger,
      "no OS keychain: the audit log is chained with plain SHA-256 and its head is kept in the data folder, so a rewritten tail cannot be detected",
    );
    return undefined;
  }
  try {
    const key = dataDir
      ? await (async () => {
          await mkdir(dataDir, { recursive: true });
          return withLock(path.join(dataDir, ".audit-key.lock"), () => keyFromKeychain(keychain), {
            root: dataDir,
          });
        })()
      : await keyFromKeychain(keychain);
    return keychainAuditAnchor(keychain, key, headAccount(dataDir));
  } catch (error) {
    warnOnce(
      logger,
      `the audit chain's key cannot be kept in the OS keychain (${error instanceof Error ? error.message : String(error)}): the audit log is chained with plain SHA-256 and its head is kept in the data folder`,
    );
    return undefined;
  }
}

/** The keychain account of the head for a data folder. */
export function headAccount(dataDir?: string): string {
  if (!dataDir) return AUDIT_HEAD_ACCOUNT;
  const id = sha256(path.resolve(dataDir), "hex").slice(0, 16);
  return `${AUDIT_HEAD_ACCOUNT}:${id}`;
}

async function keyFromKeychain(keychain: Keychain): Promise<Buffer> {
  const stored = decodeKey(await keychain.get(AUDIT_KEY_ACCOUNT));
  if (stored) return stored;
  await keychain.set(AUDIT_KEY_ACCOUNT, randomBytes(32).toString("base64"));
  // What the keychain kept is the key (another process may have set it at the same moment).
  const kept = decodeKey(await keychain.get(AUDIT_KEY_ACCOUNT));
  if (!kept) throw new Error("the keychain did not keep the audit chain's key");
  return kept;
}

function decodeKey(text: string | null): Buffer | null {
  if (!text) return null;
  const key = Buffer.from(text.trim(), "base64");
  return key.length === 32 ? key : null;
}

const warned = new WeakSet<object>();
function warnOnce(logger: Pick<Logger, "warn"> | undefined, message: string): void {
  if (!logger || warned.has(logger)) return;
  warned.add(logger);
  logger.warn(message);
}
