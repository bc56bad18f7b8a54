import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import type { Keychain } from "../credentials/keychain.js";
import type { Logger } from "../log.js";
import type { JournalAnchor } from "./journal.js";
import { type ApprovalKey, loadKeychainKey, makeKey } from "./keys.js";
import { type ApprovalStore, createApprovalStore, type StoreLimits } from "./store.js";

export const JOURNAL_HEAD_ACCOUNT = "approval-journal-head";

/** The journal's head in the OS keychain: what the agent's file tools cannot rewind. */
/** One head per data folder: two installations of one OS user do not break each other's journal. */
export function journalHeadAccount(dataDir: string): string {
  return `${JOURNAL_HEAD_ACCOUNT}:${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16)}`;
}

export function keychainJournalAnchor(keychain: Keychain, dataDir: string): JournalAnchor {
  const account = journalHeadAccount(dataDir);
  return {
    async load() {
      const text = await keychain.get(account);
      const match = text ? /^(\d+):(\S+)$/.exec(text) : null;
      return match ? { seq: Number(match[1]), mac: match[2]! } : null;
    },
    async save(head) {
      await keychain.set(account, `${head.seq}:${head.mac}`);
    },
  };
}

/**
 * The store as every process opens it. With a usable keychain: keychain mode (sealed records, signed decisions,
 * the journal's head in the keychain). Without: passphrase mode — this process signs its own decisions (the
 * client's prompt, automatic approvals) with a key that lives only in its memory, or with the person's
 * passphrase key when the CLI was given one.
 */
export async function openApprovalStore(options: {
  dataDir: string;
  keychain: Keychain | null | undefined;
  passphraseKey?: ApprovalKey;
  /** The keychain key when the caller loaded it already (`null`: no keychain); loaded here otherwise. */
  sealKey?: ApprovalKey | null;
  limits?: Partial<StoreLimits>;
  now?: () => Date;
  logger?: Logger;
  pollMs?: number;
}): Promise<ApprovalStore> {
  const sealKey =
    options.sealKey !== undefined ? options.sealKey : await loadKeychainKey(options.keychain, options.logger);
  const decisionKey = sealKey ??
    options.passphraseKey ?? { ...makeKey(randomBytes(32), "passphrase"), source: "process" as const };
  return createApprovalStore({
    dataDir: options.dataDir,
    sealKey,
    decisionKey,
    ...(sealKey && options.keychain
      ? { journalAnchor: keychainJournalAnchor(options.keychain, options.dataDir) }
      : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
}
