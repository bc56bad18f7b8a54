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

/**
 * Where the keychain notes that the journal was started over (its file deleted or cut, then appended to again):
 * the journal numbers its lines from its file, so after the next line the head alone no longer shows the loss.
 * Read by `checkHistory` (doctor, the tray, the approval window).
 */
export function journalLostAccount(dataDir: string): string {
  return `${JOURNAL_LOST_ACCOUNT}:${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16)}`;
}
export const JOURNAL_LOST_ACCOUNT = "approval-journal-lost";

export function keychainJournalAnchor(keychain: Keychain, dataDir: string): JournalAnchor {
  const account = journalHeadAccount(dataDir);
  const parse = (text: string | null) => {
    const match = text ? /^(\d+):(\S+)$/.exec(text) : null;
    return match ? { seq: Number(match[1]), mac: match[2]! } : null;
  };
  /** The highest line this process knows the journal reached (0: none yet, the keychain is asked once). */
  let known = 0;
  const noteLoss = async (head: { seq: number; mac: string }) => {
    const before = parse(await keychain.get(account));
    if (!before || before.seq < head.seq || before.mac === head.mac) return;
    // The latest loss: a person who accepted an earlier one (odoo-mcp audit accept-loss) hears of this one.
    await keychain.set(
      journalLostAccount(dataDir),
      JSON.stringify({ seq: before.seq, at: new Date().toISOString() }),
    );
  };
  return {
    async load() {
      const head = parse(await keychain.get(account));
      if (head) known = Math.max(known, head.seq);
      return head;
    },
    async save(head) {
      // A head that does not move forward means the file got shorter since: note what the keychain remembered
      // before it is overwritten. Costs a keychain read only for this process's first line, or after a loss.
      if (known === 0 || head.seq <= known) await noteLoss(head).catch(() => {}); // a note: never fails the append
      await keychain.set(account, `${head.seq}:${head.mac}`);
      known = head.seq;
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
  safetyPollMs?: number;
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
    ...(options.safetyPollMs !== undefined ? { safetyPollMs: options.safetyPollMs } : {}),
  });
}
