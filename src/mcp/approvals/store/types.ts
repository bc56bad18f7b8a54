import type { AttemptMarker, Binding } from "../../accounting/operation.js";
import type { NotRegularFileError } from "../../fsutil/regular.js";
import type { Logger } from "../../log.js";
import type { JournalAnchor } from "../journal.js";
import type { ApprovalKey } from "../keys.js";
import type { BudgetUse } from "../policy.js";
import type {
  ApprovalOutcome,
  ApprovalRecord,
  ApprovalStatus,
  DecisionChannel,
  DecisionKeySource,
} from "./schema.js";

// What the store offers its callers (`store.ts` builds it); the shape of a record is in `schema.ts`.

/** What `list` selects: statuses, and at most `limit` records (newest first). */
export interface ListFilter {
  status?: ApprovalStatus | ApprovalStatus[];
  limit?: number;
}
/**
 * What `list` left out: an entry that is not a file (or a folder that is not a folder), named relative to the
 * data folder. Without a report, the store's log says it, once per entry.
 */
export interface ListReport {
  refused(error: NotRegularFileError): void;
}
/** A completed request the bench writes in bulk (`seedCompletedForBench`). */
export interface SeedItem {
  tool: string;
  args: unknown;
  meta: ApprovalRecord["meta"];
  createdAt: Date;
  status: "executed" | "failed" | "rejected" | "expired";
}

export interface CreateApprovalInput {
  tool: string;
  args: unknown;
  /** What the request is about in Odoo, by id (`PreparedWrite.binding`). */
  binding?: Binding;
  meta: ApprovalRecord["meta"];
  ttlMs: number;
  requestedBy?: string;
  /**
   * Runs with the new record before its file is written (the request's audit line): once the file exists, another
   * process may decide it, so what must come before any decision comes here. A rejection writes nothing.
   */
  beforeWrite?: (record: ApprovalRecord) => Promise<void>;
}

export interface DecideInput {
  decision: "approved" | "rejected";
  channel: DecisionChannel;
  actor: string;
  reason?: string;
  /** The arguments' hash the person was shown: checked under the request's lock, so a swap is refused. */
  argsHash?: string;
  /** The request document the person was shown: kept with the decision, its digest signed with it. */
  document?: unknown;
  /** The items of a batch approved (indices in the document's `items`); absent: all. Signed with the decision. */
  keep?: readonly number[];
}

export interface StoreLimits {
  /** Undecided requests one MCP client may have at once. */
  maxPendingPerClient: number;
  /** Undecided requests in all. */
  maxPendingTotal: number;
  /** Canonical JSON size of a request's arguments. */
  maxRequestBytes: number;
}

export interface ApprovalStore {
  readonly dir: string;
  /** Which key this process signs its decisions with (`process`: an ephemeral one, only this process trusts it). */
  readonly decisionKey: DecisionKeySource;
  /** Whether records are sealed (keychain mode). */
  readonly sealed: boolean;
  create(input: CreateApprovalInput): Promise<ApprovalRecord>;
  /** A pending request past `expiresAt` is reported, and persisted, as `expired`. `null` for unknown or malformed ids. */
  get(id: string): Promise<ApprovalRecord | null>;
  /**
   * Newest first. Only files that changed since the last call are read again. Pending and approved requests come
   * from `approvals/` alone; completed ones from the archive, newest month first, stopping once `limit` are found.
   */
  list(filter?: ListFilter, report?: ListReport): Promise<ApprovalRecord[]>;
  /**
   * Why this record may not be trusted at all (broken seal, arguments that do not match their hash). Empty when
   * it is intact.
   */
  integrity(record: ApprovalRecord): string[];
  /**
   * A pending, unexpired, intact request — or an approved one whose decision this process cannot verify and that
   * never ran (passphrase mode: decided in a process that has ended). Among concurrent deciders exactly one wins.
   */
  decide(id: string, input: DecideInput): Promise<ApprovalRecord>;
  /**
   * Takes the right to execute, across processes. Throws when the request may not run; `null` when another live
   * process holds it or it is already completed.
   */
  claim(id: string, owner?: string): Promise<ApprovalRecord | null>;
  /** On disk (fsynced) before it resolves: call it before applying anything. Only the claimant may. */
  recordAttempt(id: string, marker: AttemptMarker): Promise<void>;
  /** Waiting in the offline queue; releases the claim. */
  markQueued(id: string): Promise<void>;
  /** executed or failed; releases the claim. An already completed (or rejected, expired) record is left as it is. */
  complete(id: string, outcome: ApprovalOutcome): Promise<ApprovalRecord>;
  /** An approved request left `running` by a dead process goes back to `queued`. Answers whether it did. */
  recoverAbandoned(id: string): Promise<boolean>;
  /** Resolves with the record as soon as its status or execution changes, or at the timeout (or abort) as it is. */
  waitForChange(
    id: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ApprovalRecord | null>;
  /**
   * Takes `amount` from the budget counters `keys` for an approval through a limited channel (counted in the
   * journal, under its lock, so that neither parallel calls nor a deleted audit log get past it); `allow` judges
   * what they hold so far. Answers why not, or null.
   */
  reserveBudget(
    id: string,
    keys: string[],
    amount: string,
    allow: (used: (key: string) => BudgetUse) => string | null,
  ): Promise<string | null>;
  /** What the budget counters `keys` hold now (read-only). */
  budgetUsage(keys: string[]): Promise<{ problems: string[]; used: (key: string) => BudgetUse }>;
  /** Whether this process holds the key its decision was signed with (and the signature is valid). */
  holdsDecisionKey(record: ApprovalRecord): boolean;
  /** The problems that stop this record from being executed by this process. Empty when it may run. */
  verifyForExecution(record: ApprovalRecord): Promise<string[]>;
  /** Calls `listener` (debounced) when request files appear or change; answers a function that stops it. */
  watch(listener: (ids: string[]) => void): () => void;
  /**
   * The bench's fixture only: writes completed requests (sealed, decided, journalled, archived) in one batch,
   * without an fsync per file. Completed requests never run; answers their ids.
   */
  seedCompletedForBench(items: SeedItem[]): Promise<string[]>;
}

export interface ApprovalStoreOptions {
  dataDir: string;
  /** The keychain key (seals records, signs decisions, keys the journal); `null` in passphrase mode. */
  sealKey: ApprovalKey | null;
  /** The key this process signs its decisions with: the keychain key, the person's passphrase key, or ephemeral. */
  decisionKey:
    | ApprovalKey
    | { source: "process"; sign(p: unknown): string; verify(p: unknown, s: unknown): boolean };
  /** Where the journal's head is kept (the keychain), in keychain mode. */
  journalAnchor?: JournalAnchor;
  limits?: Partial<StoreLimits>;
  now?: () => Date;
  logger?: Logger;
  /** Poll interval of `waitForChange` (ms). */
  pollMs?: number;
  /** How often `watch`'s safety net reads the folder where file events are lost (ms; 5,000). */
  safetyPollMs?: number;
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxPendingPerClient: 20,
  maxPendingTotal: 50,
  maxRequestBytes: 256 * 1024,
};
