import type { Keychain } from "../credentials/keychain.js";
import { readTextIfExists, writeFileAtomic } from "../fsutil/files.js";

/**
 * Where the audit chain's head is kept: in the OS keychain (`keychainAuditAnchor`), out of reach of anything that
 * can only edit files, or, without a keychain, in a cache file of the data folder that proves nothing.
 */

export const AUDIT_HEAD_ACCOUNT = "audit-chain-head";
export const AUDIT_HEAD_FILE = ".audit-head.json";

/** The last line of the chain: its sequence number and its `mac`. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Where the chain's head is kept out of reach of the data folder (the OS keychain), and the HMAC key. */
export interface AuditAnchor {
  /** HMAC key for the links; absent: plain SHA-256 links. */
  readonly key?: Buffer;
  loadHead(): Promise<AuditHead | null>;
  saveHead(head: AuditHead): Promise<void>;
}

/**
 * The head kept in the OS keychain (account `audit-chain-head` by default), with the HMAC key for the links.
 * Nothing that can only edit files can change it.
 */
export function keychainAuditAnchor(
  keychain: Keychain,
  key: Buffer,
  account: string = AUDIT_HEAD_ACCOUNT,
): AuditAnchor {
  return {
    key,
    async loadHead() {
      return parseHead(await keychain.get(account));
    },
    async saveHead(head) {
      await keychain.set(account, JSON.stringify({ seq: head.seq, hash: head.hash }));
    },
  };
}

/** The head in a file of the data folder: a cache only, as editable as the log itself. Not fsynced. */
export function fileHeadCache(file: string, where: { root: string }): AuditAnchor {
  return {
    async loadHead() {
      return parseHead((await readTextIfExists(file, where)) ?? null);
    },
    async saveHead(head) {
      await writeFileAtomic(file, JSON.stringify(head), { mode: 0o600, durable: false, ...where });
    },
  };
}

function parseHead(text: string | null): AuditHead | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<AuditHead>;
    if (
      typeof value.seq === "number" &&
      Number.isInteger(value.seq) &&
      value.seq > 0 &&
      typeof value.hash === "string" &&
      /^[0-9a-f]{64}$/.test(value.hash)
    )
      return { seq: value.seq, hash: value.hash };
  } catch {
    // unreadable: as if there were none
  }
  return null;
}
