import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ToolError } from "../../errors.js";
import { CorruptFileError, readJsonFile } from "../../fsutil/files.js";
import type { LockAuthority, LockOptions } from "../../fsutil/lock.js";
import { statFolder, statRegular } from "../../fsutil/regular.js";
import { hmac, sameSignature } from "../../hmac.js";
import type { Logger } from "../../log.js";
import { computeArgsHash, isApprovalId } from "../ids.js";
import { createJournal, type Journal, type JournalEvent } from "../journal.js";
import type { ApprovalKey } from "../keys.js";
import { createFolders, type Folders, MONTH } from "./folders.js";
import { type ApprovalDecision, type ApprovalRecord, recordSchema } from "./schema.js";
import { type ApprovalStoreOptions, DEFAULT_LIMITS, type StoreLimits } from "./types.js";

export const JOURNAL_FILE = "ledger.jsonl";
/** Where completed requests go, by the month they were made: `approvals/archive/YYYY-MM/<id>.json`. */
export const ARCHIVE_DIR = "archive";

type UnsignedDecision = Omit<ApprovalDecision, "signature">;

/**
 * What every part of the store shares: where a request's file lies, what its text is (sealed) and what it holds
 * (parsed), the decision's signature, the journal and the locks. It keeps no record; `records.ts` does.
 */
export interface StoreContext extends Folders {
  /** `<dataDir>/approvals`. */
  readonly dir: string;
  readonly archiveDir: string;
  /** Errors name files relative to the data folder. */
  readonly where: { root: string };
  readonly limits: StoreLimits;
  readonly now: () => Date;
  /** Poll interval of `waitForChange` (ms). */
  readonly pollMs: number;
  /** How often `watch`'s safety net reads the folder (ms). */
  readonly safetyPollMs: number;
  readonly logger: Logger | undefined;
  readonly decisionKey: ApprovalStoreOptions["decisionKey"];
  /** Whether records are sealed (keychain mode). */
  readonly sealed: boolean;
  readonly journal: Journal;
  /** A lock file the agent wrote (no valid signature) is not honoured: it cannot hold up a person's decision. */
  readonly lockOptions: LockOptions;
  fileOf(id: string): string;
  archiveFileOf(id: string, month: string): string;
  monthOf(createdAt: string): string;
  /** A request file's stats, null when there is none; `NotRegularFileError` when it is not a file. */
  statOrNull(file: string): ReturnType<typeof statRegular>;
  /** What a request's file holds; null (logged) when it is not a valid request of that id. */
  readRecord(id: string, file: string): Promise<ApprovalRecord | null>;
  /** The record sealed anew (keychain mode), and its file's text. */
  serialize(record: ApprovalRecord): { sealed: ApprovalRecord; text: string };
  /** Why this record may not be trusted at all; empty when it is intact (`ApprovalStore.integrity`). */
  integrity(record: ApprovalRecord): string[];
  /** The decision, signed with this process's decision key. */
  signDecision(record: ApprovalRecord, unsigned: UnsignedDecision): ApprovalDecision;
  /** Whether the record's decision was signed with this process's decision key, and validly. */
  decisionVerifies(record: ApprovalRecord): boolean;
  /** Pending and past `expiresAt`. */
  isExpired(record: ApprovalRecord): boolean;
  journalEvent(id: string, event: JournalEvent): Promise<void>;
}

export async function createStoreContext(options: ApprovalStoreOptions): Promise<StoreContext> {
  const { logger, sealKey, decisionKey } = options;
  const now = options.now ?? (() => new Date());
  const dir = path.join(options.dataDir, "approvals");
  const root = options.dataDir;
  const where = { root };
  // A FIFO or a file in the folder's place fails mkdir: said as what it is. A link to a folder elsewhere too.
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch(async (error: unknown) => {
    await statFolder(dir, where);
    throw error;
  });
  await statFolder(dir, where);
  const authority = sealKey ? lockSigner(sealKey) : undefined;
  const journal = createJournal(path.join(dir, JOURNAL_FILE), {
    root,
    ...(sealKey && authority ? { key: sealKey.derive("approval-journal"), lockAuthority: authority } : {}),
    ...(sealKey && options.journalAnchor ? { anchor: options.journalAnchor } : {}),
  });
  const archiveDir = path.join(dir, ARCHIVE_DIR);

  const sealOf = (record: ApprovalRecord) => {
    const { seal: _seal, ...rest } = record;
    return sealKey ? sealKey.sign({ kind: "approval-record", record: rest }) : undefined;
  };
  const decisionPayload = (
    r: Pick<ApprovalRecord, "id" | "tool" | "argsHash" | "expiresAt">,
    d: UnsignedDecision,
  ) => ({
    kind: "decision",
    id: r.id,
    tool: r.tool,
    argsHash: r.argsHash,
    expiresAt: r.expiresAt,
    decision: d.decision,
    channel: d.channel,
    actor: d.actor,
    at: d.at,
    key: d.key,
    // Only when there is one: decisions signed before documents were kept still verify.
    ...(d.documentSha256 ? { documentSha256: d.documentSha256 } : {}),
    ...(d.keep ? { keep: d.keep } : {}),
  });

  return {
    ...createFolders(dir, archiveDir, where, logger),
    dir,
    archiveDir,
    where,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    now,
    pollMs: options.pollMs ?? 100,
    safetyPollMs: options.safetyPollMs ?? 5_000,
    logger,
    decisionKey,
    sealed: sealKey !== null,
    journal,
    lockOptions: { root, ...(authority ? { authority } : {}) },

    fileOf(id) {
      // The only places a path is built from an id, and only from one that passed the strict pattern.
      if (!isApprovalId(id)) throw notFound(id);
      return path.join(dir, `${id}.json`);
    },
    archiveFileOf(id, month) {
      if (!isApprovalId(id) || !MONTH.test(month)) throw notFound(id);
      return path.join(archiveDir, month, `${id}.json`);
    },
    monthOf(createdAt) {
      const month = createdAt.slice(0, 7);
      return MONTH.test(month) ? month : "0000-00";
    },
    statOrNull: (file) => statRegular(file, where),

    async readRecord(id, file) {
      try {
        const raw = await readJsonFile(file, where);
        const parsed = tooDeep(raw) ? null : recordSchema.safeParse(raw);
        if (parsed?.success && parsed.data.id === id) return parsed.data;
        if (raw !== undefined)
          logger?.warn(`approval ${id}: its file does not hold a valid approval request; ignored`);
      } catch (error) {
        if (!(error instanceof CorruptFileError)) throw error;
        logger?.warn(`approval ${id}: its file is not valid JSON; ignored`);
      }
      return null;
    },
    serialize(record) {
      const sealed: ApprovalRecord = { ...record };
      delete sealed.seal;
      const seal = sealOf(sealed);
      if (seal) sealed.seal = seal;
      return { sealed, text: `${JSON.stringify(sealed, null, 2)}\n` };
    },
    integrity(record) {
      const problems: string[] = [];
      if (sealKey && !sameSignature(sealOf(record) ?? "", record.seal))
        problems.push("the request's file was changed outside odoo-mcp (its seal is broken)");
      if (computeArgsHash(record.tool, record.args, record.binding) !== record.argsHash)
        problems.push(
          "the stored arguments do not match the ones that were requested (nor the Odoo records they were bound to)",
        );
      return problems;
    },
    signDecision: (record, unsigned) => ({
      ...unsigned,
      signature: decisionKey.sign(decisionPayload(record, unsigned)),
    }),
    decisionVerifies(record) {
      const decision = record.decision;
      if (!decision || decision.key !== decisionKey.source) return false;
      const { signature, ...rest } = decision;
      return decisionKey.verify(decisionPayload(record, rest), signature);
    },
    isExpired: (record) => record.status === "pending" && Date.parse(record.expiresAt) <= now().getTime(),
    journalEvent: (id, event) => journal.append(id, event, now().toISOString()),
  };
}

/** Locks on approval files are signed when there is a key: a lock file the agent wrote is not honoured. */
export function lockSigner(key: ApprovalKey): LockAuthority {
  const lockKey = key.derive("locks");
  const sign = (text: string) => hmac(lockKey, text, "base64url");
  return {
    sign,
    verify: (text: string, signature: string) => sameSignature(sign(text), signature),
  };
}

/**
 * Nested deeper than this, a file is not a record odoo-mcp wrote (its arguments and documents nest a few levels).
 * The canonical JSON that seals and digests are computed over recurses: a value the agent nested a hundred
 * thousand levels deep would overflow the stack in every listing of requests, not only its own.
 */
const MAX_DEPTH = 64;
function tooDeep(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== "object") continue;
    if (depth >= MAX_DEPTH) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

export function notFound(id: string): ToolError {
  return isApprovalId(id)
    ? new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`)
    : new ToolError(
        "APPROVAL_NOT_FOUND",
        "That is not an approval id (they look like apr_ followed by 26 letters and digits).",
      );
}
