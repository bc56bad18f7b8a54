import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import { type KeychainKeyOptions, keychainKey } from "../credentials/keychain-key.js";
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
  options: { dataDir?: string; logger?: Pick<Logger, "warn"> } & KeychainKeyOptions = {},
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
    // Created by one process of this OS user at a time, whatever their data folders (the key is the user's).
    const key = await keychainKey(keychain, AUDIT_KEY_ACCOUNT, options);
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

const warned = new WeakSet<object>();
function warnOnce(logger: Pick<Logger, "warn"> | undefined, message: string): void {
  if (!logger || warned.has(logger)) return;
  warned.add(logger);
  logger.warn(message);
}
