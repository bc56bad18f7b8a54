import { randomBytes } from "node:crypto";
import type { Keychain } from "../credentials/keychain.js";
import type { Logger } from "../log.js";
import type { JournalAnchor } from "./journal.js";
import { type ApprovalKey, loadKeychainKey, makeKey } from "./keys.js";
import { type ApprovalStore, createApprovalStore, type StoreLimits } from "./store.js";

export const JOURNAL_HEAD_ACCOUNT = "approval-journal-head";

/** The journal's head in the OS keychain: what the agent's file tools cannot rewind. */
export function keychainJournalAnchor(keychain: Keychain): JournalAnchor {
  return {
    async load() {
      const text = await keychain.get(JOURNAL_HEAD_ACCOUNT);
      const match = text ? /^(\d+):(\S+)$/.exec(text) : null;
      return match ? { seq: Number(match[1]), mac: match[2]! } : null;
    },
    async save(head) {
      await keychain.set(JOURNAL_HEAD_ACCOUNT, `${head.seq}:${head.mac}`);
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
  limits?: Partial<StoreLimits>;
  now?: () => Date;
  logger?: Logger;
  pollMs?: number;
}): Promise<ApprovalStore> {
  const sealKey = await loadKeychainKey(options.keychain, options.logger);
  const decisionKey = sealKey ??
    options.passphraseKey ?? { ...makeKey(randomBytes(32), "passphrase"), source: "process" as const };
  return createApprovalStore({
    dataDir: options.dataDir,
    sealKey,
    decisionKey,
    ...(sealKey && options.keychain ? { journalAnchor: keychainJournalAnchor(options.keychain) } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
  });
}
