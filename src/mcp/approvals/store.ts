import { watch as watchDir } from "node:fs";
import { lstat, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { AttemptMarker, Binding } from "../accounting/operation.js";
import { ERROR_CODES, type ErrorCode, ToolError } from "../errors.js";
import { CorruptFileError, readJsonFile, writeFileAtomic, writeNewFile } from "../fsutil/files.js";
import { HOST, isHolderDead, type LockAuthority, sleep, withLock } from "../fsutil/lock.js";
import { NotRegularFileError, statFolder, statRegular } from "../fsutil/regular.js";
import { hmac, sameSignature } from "../hmac.js";
import type { Logger } from "../log.js";
import { canonicalJson, computeArgsHash, isApprovalId, newApprovalId } from "./ids.js";
import { createJournal, type JournalAnchor, type JournalEvent } from "./journal.js";
import type { ApprovalKey, KeySource } from "./keys.js";
import type { BudgetUse } from "./policy.js";

/**
 * The approval store: `<dataDir>/approvals/<id>.json`, one file per request, shared by every process of the
 * installation (MCP servers, the CLI, the desktop app). Each change is a read-modify-write under a per-request
 * lock file and lands with an atomic rename.
 *
 * The files are within the agent's reach, so nothing in them is trusted for what it says:
 * - In keychain mode every record is **sealed** (HMAC over the whole record, key in the OS keychain): an edited
 *   status, decision, outcome or argument breaks the seal. An older sealed copy put back (a rewind) is caught by
 *   the **journal** (`journal.ts`), whose head the keychain remembers; and the executor asks Odoo for the
 *   approval's own effect before every write.
 * - A decision carries its own signature, made with the key of the process that took it (keychain, the person's
 *   passphrase, or this process's ephemeral key); only a holder of that key can run it.
 * - What a person reads is never stored text: `view.ts` derives it from the verified arguments and Odoo.
 *
 * Status: pending → approved | rejected | expired; approved → executed | failed.
 *
 * Layout (a year of requests): only undecided and approved-not-yet-completed requests live in `approvals/`; a
 * completed one (executed, failed, rejected, expired) is moved, still sealed, to
 * `approvals/archive/YYYY-MM/<id>.json` (the month it was made) when it completes. Listing the pending or approved
 * ones, the runner and the watch read only `approvals/`, whose size is bounded by the caps; `get` finds an
 * archived request by id (a stat per month). The directory a file lies in is never trusted for what the request
 * is: every record is read and verified as before, wherever it lies. A file moved between the two only changes
 * where it is looked for (a completed request put back among the active ones is archived again; an active copy
 * beside a sealed completed one in the archive is a leftover of a crash, or a rewind, and the completed one wins).
 *
 * Whatever is not a regular file where a request's file is (a FIFO, a socket, a folder, a symbolic link, even
 * to a genuine record elsewhere) is never opened in a way that could wait and never followed: reading that request
 * throws a `NotRegularFileError` naming it; a listing leaves it out and reports it (`ListReport`), so that every
 * other request is still listed, run and decided. A folder of the store replaced by a link or anything else is
 * left out of listings the same way.
 */

export const APPROVAL_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "executed",
  "failed",
  "expired",
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];
export const DECISION_CHANNELS = ["cli", "tray", "elicitation", "auto"] as const;
export type DecisionChannel = (typeof DECISION_CHANNELS)[number];

const markerValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const decisionSchema = z.object({
  decision: z.enum(["approved", "rejected"]),
  channel: z.enum(DECISION_CHANNELS),
  actor: z.string(),
  reason: z.string().optional(),
  at: z.string(),
  key: z.enum(["keychain", "passphrase", "process"]),
  signature: z.string(),
});
const claimSchema = z.object({
  pid: z.number(),
  host: z.string(),
  at: z.string(),
  owner: z.string().optional(),
});
const recordSchema = z.object({
  v: z.literal(2),
  id: z.string(),
  tool: z.string(),
  args: z.unknown(),
  /**
   * What the person approves about Odoo's records, by id (`PreparedWrite.binding`), as `prepare` found it when the
   * request was made. Covered by `argsHash` (so by the seal and by the decision's signature); absent on requests
   * made before bindings existed, which run unchecked.
   */
  binding: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
  argsHash: z.string(),
  requestedBy: z.string().optional(),
  /** For audit lines only (who/what/how much, as `prepare` found it when the request was made); never shown. */
  meta: z.object({
    target: z.string(),
    amount: z.string().optional(),
    currency: z.string().optional(),
    direction: z.enum(["in", "out", "none"]).optional(),
  }),
  status: z.enum(APPROVAL_STATUSES),
  createdAt: z.string(),
  expiresAt: z.string(),
  decision: decisionSchema.optional(),
  execution: z
    .object({
      state: z.enum(["running", "queued"]),
      claim: claimSchema.optional(),
      attempts: z.array(z.object({ at: z.string(), marker: z.record(z.string(), markerValue) })),
      /** How many times it was claimed (the journal counts them too). */
      claims: z.number().int().optional(),
    })
    .optional(),
  outcome: z
    .union([
      z.object({ ok: z.literal(true), output: z.unknown() }),
      z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES), message: z.string() }),
    ])
    .optional(),
  completedAt: z.string().optional(),
  seal: z.string().optional(),
});

export type ApprovalRecord = z.infer<typeof recordSchema>;
export type ApprovalDecision = NonNullable<ApprovalRecord["decision"]>;
export type ApprovalOutcome = { ok: true; output: unknown } | { ok: false; code: ErrorCode; message: string };
export type DecisionKeySource = ApprovalDecision["key"];
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
}

export const DEFAULT_LIMITS: StoreLimits = {
  maxPendingPerClient: 20,
  maxPendingTotal: 50,
  maxRequestBytes: 256 * 1024,
};
const COMPLETED: ReadonlySet<ApprovalStatus> = new Set(["executed", "failed", "rejected", "expired"]);
export const JOURNAL_FILE = "ledger.jsonl";
/** Where completed requests go, by the month they were made: `approvals/archive/YYYY-MM/<id>.json`. */
export const ARCHIVE_DIR = "archive";
const MONTH = /^\d{4}-\d{2}$/;

export async function createApprovalStore(options: ApprovalStoreOptions): Promise<ApprovalStore> {
  const { logger, sealKey, decisionKey } = options;
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? (() => new Date());
  const pollMs = options.pollMs ?? 100;
  const dir = path.join(options.dataDir, "approvals");
  /** Errors name files relative to the data folder. */
  const root = options.dataDir;
  const where = { root };
  // A FIFO or a file in the folder's place fails mkdir: said as what it is. A link to a folder elsewhere too.
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch(async (error: unknown) => {
    await statFolder(dir, where);
    throw error;
  });
  await statFolder(dir, where);
  const journal = createJournal(path.join(dir, JOURNAL_FILE), {
    root,
    ...(sealKey ? { key: sealKey.derive("approval-journal"), lockAuthority: lockSigner(sealKey) } : {}),
    ...(sealKey && options.journalAnchor ? { anchor: options.journalAnchor } : {}),
  });
  // A lock file the agent wrote (no valid signature) is not honoured: it cannot hold up a person's decision.
  const lockOptions = { root, ...(sealKey ? { authority: lockSigner(sealKey) } : {}) };

  const fileOf = (id: string) => {
    // The only places a path is built from an id, and only from one that passed the strict pattern.
    if (!isApprovalId(id)) throw notFound(id);
    return path.join(dir, `${id}.json`);
  };
  const archiveDir = path.join(dir, ARCHIVE_DIR);
  const archiveFileOf = (id: string, month: string) => {
    if (!isApprovalId(id) || !MONTH.test(month)) throw notFound(id);
    return path.join(archiveDir, month, `${id}.json`);
  };
  const monthOf = (createdAt: string) => {
    const month = createdAt.slice(0, 7);
    return MONTH.test(month) ? month : "0000-00";
  };
  /** A request file's stats, null when there is none; `NotRegularFileError` when it is not a file. */
  const statOrNull = (file: string) => statRegular(file, where);
  /** Logs an entry left out of a listing that nobody asked to be told about, once. */
  const warned = new Set<string>();
  const warnRefused = (error: NotRegularFileError) => {
    if (warned.has(error.message)) return;
    warned.add(error.message);
    logger?.warn(`${error.message}: ignored`);
  };
  /**
   * The active folder as this process last read it, kept fresh by file events: while a watcher runs on
   * `approvals/` (inotify, FSEvents, ReadDirectoryChangesW), a file nobody touched since it was read is not
   * stat-ed again, and the folder is not listed again until a name in it changes, so listing the undecided
   * requests (the caps of every gated call, list_approvals, the runner) costs the same with 4,000 of them as with
   * 20. Every file event marks its name (and the listing) stale; this process's own writes do too; and every 5 s
   * everything is read again anyway, for file systems whose events get lost. Without a watcher every read
   * stat-s, as before. `get`, `decide`, `claim` and the executor never use the snapshot: they always read the file.
   */
  const live = {
    watching: false,
    started: false,
    ids: new Set<string>(),
    stale: new Set<string>(),
    fullAt: 0,
  };
  const markStale = (name: string | null) => {
    const id = name?.endsWith(".json") ? name.slice(0, -".json".length) : null;
    if (id && isApprovalId(id)) live.stale.add(id);
    else if (name === null) live.fullAt = 0; // an event without a name: read everything next time
  };
  const startLive = () => {
    if (live.started) return;
    live.started = true;
    try {
      const watcher = watchDir(dir, { persistent: false }, (_event, name) =>
        markStale(name ? String(name) : null),
      );
      watcher.on("error", () => {
        live.watching = false;
      });
      live.watching = true;
    } catch {
      live.watching = false;
    }
  };
  /**
   * The active requests' ids, and for each whether its cached record may be used without reading its file: with a
   * watcher, only the names marked since the last call are looked at (a stat each); every 5 s, or without one,
   * the folder is listed and every file read.
   */
  const activeIds = async (
    refused: (error: NotRegularFileError) => void,
  ): Promise<{ ids: Iterable<string>; trusted: (id: string) => boolean }> => {
    startLive();
    // Marks are taken before reading: an event during the read marks its name again for the next call.
    const stale = new Set(live.stale);
    live.stale.clear();
    if (!live.watching || Date.now() - live.fullAt >= 5_000) {
      const ids = idsOf(await entriesOf(dir, refused));
      if (live.watching) {
        live.ids = new Set(ids);
        live.fullAt = Date.now();
      }
      return { ids, trusted: () => false };
    }
    for (const id of stale) {
      // A name that is not a file any more stays listed: reading it below names it (`refused`).
      const info = await statOrNull(fileOf(id)).catch((error: unknown) => {
        if (error instanceof NotRegularFileError) return true;
        throw error;
      });
      if (info) live.ids.add(id);
      else live.ids.delete(id);
    }
    return { ids: live.ids, trusted: (id) => !stale.has(id) && inActiveDir(id) };
  };
  /** A directory's entries, read again only when its mtime changes. */
  const listings = new Map<string, { mtimeMs: number; names: string[] }>();
  const entriesOf = async (
    folder: string,
    refused: (error: NotRegularFileError) => void = warnRefused,
  ): Promise<string[]> => {
    let info: Awaited<ReturnType<typeof statFolder>>;
    try {
      info = await statFolder(folder, where);
    } catch (error) {
      if (!(error instanceof NotRegularFileError)) throw error;
      refused(error);
      info = null;
    }
    if (!info) {
      listings.delete(folder);
      return [];
    }
    const known = listings.get(folder);
    if (known && known.mtimeMs === info.mtimeMs) return known.names;
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return [];
    }
    listings.set(folder, { mtimeMs: info.mtimeMs, names });
    return names;
  };
  /** The archive's months, newest first. */
  const months = async (refused?: (error: NotRegularFileError) => void) =>
    (await entriesOf(archiveDir, refused))
      .filter((name) => MONTH.test(name))
      .sort()
      .reverse();

  const sealOf = (record: ApprovalRecord) => {
    const { seal: _seal, ...rest } = record;
    return sealKey ? sealKey.sign({ kind: "approval-record", record: rest }) : undefined;
  };
  const decisionPayload = (
    r: Pick<ApprovalRecord, "id" | "tool" | "argsHash" | "expiresAt">,
    d: Omit<ApprovalDecision, "signature">,
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
  });

  const cache = new Map<
    string,
    {
      file: string;
      mtimeMs: number;
      size: number;
      record: ApprovalRecord | null;
      /** In `approvals/` (not the archive). */
      active: boolean;
      /** When a pending one expires (ms since the epoch). */
      expiresMs: number;
    }
  >();
  const load = async (
    id: string,
    file: string,
    info: { mtimeMs: number; size: number },
  ): Promise<ApprovalRecord | null> => {
    const cached = cache.get(id);
    if (cached && cached.file === file && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
      return cached.record;
    let record: ApprovalRecord | null = null;
    try {
      const raw = await readJsonFile(file, where);
      const parsed = recordSchema.safeParse(raw);
      if (parsed.success && parsed.data.id === id) record = parsed.data;
      else if (raw !== undefined)
        logger?.warn(`approval ${id}: its file does not hold a valid approval request; ignored`);
    } catch (error) {
      if (!(error instanceof CorruptFileError)) throw error;
      logger?.warn(`approval ${id}: its file is not valid JSON; ignored`);
    }
    cache.set(id, {
      file,
      mtimeMs: info.mtimeMs,
      size: info.size,
      record,
      active: file === fileOf(id),
      expiresMs: record ? Date.parse(record.expiresAt) : 0,
    });
    return record;
  };
  /** The archived copy of a request: where it was last found, else a stat per month. */
  const readArchived = async (id: string): Promise<ApprovalRecord | null> => {
    const cached = cache.get(id);
    const known = cached && cached.file !== fileOf(id) ? cached.file : null;
    if (known) {
      const info = await statOrNull(known);
      if (info) return load(id, known, info);
    }
    for (const month of await months()) {
      const file = archiveFileOf(id, month);
      if (file === known) continue;
      const info = await statOrNull(file);
      if (info) return load(id, file, info);
    }
    return null;
  };
  /** The request's active file when there is one (it takes precedence), else its archived copy. */
  const read = async (id: string): Promise<ApprovalRecord | null> => {
    const file = fileOf(id);
    const info = await statOrNull(file);
    if (info) return load(id, file, info);
    const archived = await readArchived(id);
    if (!archived) cache.delete(id);
    return archived;
  };
  const inActiveDir = (id: string) => cache.get(id)?.active === true;

  const write = async (record: ApprovalRecord) => {
    const sealed: ApprovalRecord = { ...record };
    delete sealed.seal;
    const seal = sealOf(sealed);
    if (seal) sealed.seal = seal;
    const text = `${JSON.stringify(sealed, null, 2)}\n`;
    markStale(`${record.id}.json`);
    if (COMPLETED.has(sealed.status)) {
      // The archived copy first, then the active one goes: a crash between leaves both, and the completed copy
      // wins (see `mutate`).
      await writeFileAtomic(archiveFileOf(record.id, monthOf(record.createdAt)), text, where);
      await rm(fileOf(record.id), { force: true });
    } else await writeFileAtomic(fileOf(record.id), text, where);
    markStale(`${record.id}.json`);
    return sealed;
  };

  type Change<T> = {
    record: ApprovalRecord | null;
    result: T;
    /** Journal line(s) to append once the record is on disk, still under the request's lock. */
    after?: JournalEvent;
  };
  /**
   * Read-modify-write under the request's lock. `change` returns the new record (or null to leave it) and the
   * journal event that goes with it: the record first, then the journal, so that a crash between the two leaves
   * the record ahead of the journal — never the journal ahead (which would refuse a genuine request for ever).
   */
  const mutate = async <T>(
    id: string,
    change: (record: ApprovalRecord | null) => Promise<Change<T>> | Change<T>,
  ): Promise<T> => {
    const file = fileOf(id);
    return withLock(
      `${file}.lock`,
      async () => {
        let current = await read(id);
        if (current && !COMPLETED.has(current.status) && inActiveDir(id)) {
          // A sealed, intact completed copy in the archive is the request's final state: the active file beside
          // it is a crash's leftover or a copy put back, and goes.
          const archived = await readArchived(id);
          if (archived && COMPLETED.has(archived.status) && integrity(archived).length === 0) {
            await rm(file, { force: true });
            current = archived;
          }
        }
        const { record, result, after } = await change(current);
        if (record) await write(record);
        if (after) await journalEvent(id, after);
        return result;
      },
      lockOptions,
    );
  };

  const integrity = (record: ApprovalRecord): string[] => {
    const problems: string[] = [];
    if (sealKey && (!record.seal || record.seal !== sealOf(record)))
      problems.push("the request's file was changed outside odoo-mcp (its seal is broken)");
    if (computeArgsHash(record.tool, record.args, record.binding) !== record.argsHash)
      problems.push(
        "the stored arguments do not match the ones that were requested (nor the Odoo records they were bound to)",
      );
    return problems;
  };

  const decisionVerifies = (record: ApprovalRecord): boolean => {
    const decision = record.decision;
    if (!decision || decision.key !== decisionKey.source) return false;
    const { signature, ...rest } = decision;
    return decisionKey.verify(decisionPayload(record, rest), signature);
  };

  const isExpired = (record: ApprovalRecord) =>
    record.status === "pending" && Date.parse(record.expiresAt) <= now().getTime();

  const expireIfDue = async (record: ApprovalRecord): Promise<ApprovalRecord> => {
    if (!isExpired(record) || integrity(record).length > 0) return record;
    return mutate(record.id, (current) => {
      if (!current || !isExpired(current) || integrity(current).length > 0)
        return { record: null, result: current ?? record };
      const expired: ApprovalRecord = { ...current, status: "expired", completedAt: now().toISOString() };
      return { record: expired, result: expired };
    });
  };

  const journalEvent = (id: string, event: JournalEvent) => journal.append(id, event, now().toISOString());

  const verifyForExecution = async (record: ApprovalRecord): Promise<string[]> => {
    const problems = integrity(record);
    const decision = record.decision;
    if (!decision) problems.push("no person's decision is recorded");
    else {
      if (decision.decision !== "approved") problems.push("the decision is not an approval");
      if (!decisionVerifies(record))
        problems.push(
          decision.key === decisionKey.source
            ? "the decision's signature is not valid"
            : `the decision was made with the ${decision.key} key, which this process does not hold`,
        );
      if (Date.parse(decision.at) > Date.parse(record.expiresAt))
        problems.push("the decision came after the request expired");
    }
    const seen = await journal.state(record.id);
    problems.push(...seen.problems);
    if (seen.completed) problems.push("it has already been executed");
    if (seen.attempts > (record.execution?.attempts.length ?? 0))
      problems.push("its record of earlier attempts was removed");
    if (seen.claims > (record.execution?.claims ?? 0))
      problems.push("its record of an earlier execution was removed (the file was put back)");
    if (sealKey && !seen.decided) problems.push("the journal holds no decision for it");
    return problems;
  };

  const heldByUs = (record: ApprovalRecord) =>
    record.execution?.claim?.pid === process.pid && record.execution.claim.host === HOST;

  const idsOf = (names: string[]): string[] => {
    const ids: string[] = [];
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const id = name.slice(0, -".json".length);
      if (isApprovalId(id)) ids.push(id);
    }
    return ids;
  };
  /** The active requests' ids (pending, approved; and what is left to archive). */
  const listIds = async (refused?: (error: NotRegularFileError) => void): Promise<string[]> =>
    idsOf(await entriesOf(dir, refused));

  /** The requests in `approvals/` (pending and approved), as `get` would answer each; completed leftovers archived. */
  const activeRecords = async (
    refused: (error: NotRegularFileError) => void = warnRefused,
  ): Promise<ApprovalRecord[]> => {
    const active = await activeIds(refused);
    const nowMs = now().getTime();
    const out: ApprovalRecord[] = [];
    for (const id of [...active.ids]) {
      const cached = active.trusted(id) ? cache.get(id) : undefined;
      let record = cached?.record ?? null;
      try {
        if (!record) record = await store.get(id);
        else if (record.status === "pending" && cached!.expiresMs <= nowMs)
          record = await expireIfDue(record);
      } catch (error) {
        // Its file (or its lock, to persist an expiry) is not a file: left out and named; the others go on.
        if (!(error instanceof NotRegularFileError)) throw error;
        refused(error);
        continue;
      }
      if (!record) continue;
      if (COMPLETED.has(record.status) && inActiveDir(id)) await archiveLeftover(id);
      else out.push(record);
    }
    return out;
  };

  /** A completed request still among the active ones (an older store, a copy put back) goes to the archive. */
  const archiveLeftover = (id: string) =>
    mutate(id, (current) =>
      current && COMPLETED.has(current.status) && inActiveDir(id) && integrity(current).length === 0
        ? { record: current, result: undefined }
        : { record: null, result: undefined },
    ).catch((error: unknown) =>
      logger?.debug(
        `approval ${id}: not archived yet (${error instanceof Error ? error.message : String(error)})`,
      ),
    );

  /** Completed requests of the archive, newest month first; stops after the month where `limit` are reached. */
  const listArchive = async (
    wanted: Set<ApprovalStatus> | null,
    limit: number | undefined,
    refused: (error: NotRegularFileError) => void,
  ) => {
    const out: ApprovalRecord[] = [];
    for (const month of await months(refused)) {
      for (const id of idsOf(await entriesOf(path.join(archiveDir, month), refused))) {
        const file = archiveFileOf(id, month);
        let record: ApprovalRecord | null = null;
        try {
          const info = await statOrNull(file);
          record = info ? await load(id, file, info) : null;
        } catch (error) {
          if (!(error instanceof NotRegularFileError)) throw error;
          refused(error);
        }
        if (record && (!wanted || wanted.has(record.status))) out.push(record);
      }
      if (limit !== undefined && out.length >= limit) break;
    }
    return out;
  };

  const store: ApprovalStore = {
    dir,
    decisionKey: decisionKey.source,
    sealed: sealKey !== null,
    integrity,
    verifyForExecution,
    holdsDecisionKey: decisionVerifies,
    reserveBudget: (id, keys, amount, allow) => journal.reserve(id, keys, amount, now().toISOString(), allow),
    budgetUsage: (keys) => journal.usage(keys),

    async create(input) {
      if (!input.tool) throw new ToolError("VALIDATION_ERROR", "An approval request needs a tool name.");
      if (!(input.ttlMs > 0))
        throw new ToolError("VALIDATION_ERROR", "An approval request needs a positive lifetime.");
      const args = input.args === undefined ? null : (JSON.parse(JSON.stringify(input.args)) as unknown);
      const size = Buffer.byteLength(canonicalJson(args));
      if (size > limits.maxRequestBytes)
        throw new ToolError(
          "VALIDATION_ERROR",
          `This request is too large to be reviewed (${Math.ceil(size / 1024)} KiB of arguments; at most ${Math.floor(limits.maxRequestBytes / 1024)} KiB). Split it into smaller ones.`,
        );
      const client = input.requestedBy ?? "";
      let everyone = 0;
      let waiting = 0;
      for (const record of await activeRecords())
        if (record.status === "pending") {
          everyone++;
          if ((record.requestedBy ?? "") === client) waiting++;
        }
      // A client name is the client's own word: fresh names get no fresh allowance beyond the total cap.
      if (everyone >= limits.maxPendingTotal)
        throw new ToolError(
          "TOO_MANY_PENDING",
          `${everyone} requests already wait for a person's decision (at most ${limits.maxPendingTotal} in all). Ask the person to decide them (odoo-mcp approvals list) before making new ones.`,
        );
      if (waiting >= limits.maxPendingPerClient)
        throw new ToolError(
          "TOO_MANY_PENDING",
          `${waiting} requests from this client already wait for a person's decision (at most ${limits.maxPendingPerClient}). Ask the person to decide them (odoo-mcp approvals list) before making new ones.`,
        );
      const binding =
        input.binding === undefined ? undefined : (JSON.parse(JSON.stringify(input.binding)) as Binding);
      const created = now();
      const record: ApprovalRecord = {
        v: 2,
        id: newApprovalId(),
        tool: input.tool,
        args,
        ...(binding ? { binding } : {}),
        argsHash: computeArgsHash(input.tool, args, binding),
        ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
        meta: JSON.parse(JSON.stringify(input.meta)) as ApprovalRecord["meta"],
        status: "pending",
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + input.ttlMs).toISOString(),
      };
      await input.beforeWrite?.(record);
      return write(record);
    },

    async get(id) {
      if (!isApprovalId(id)) return null;
      const record = await read(id);
      return record ? expireIfDue(record) : null;
    },

    async list(filter, report) {
      const wanted = filter?.status === undefined ? null : new Set([filter.status].flat());
      const limit = filter?.limit;
      const refused = report ? (error: NotRegularFileError) => report.refused(error) : warnRefused;
      const byId = new Map<string, ApprovalRecord>();
      for (const record of await activeRecords(refused))
        if (!wanted || wanted.has(record.status)) byId.set(record.id, record);
      if (!wanted || [...wanted].some((status) => COMPLETED.has(status)))
        for (const record of await listArchive(wanted, limit, refused))
          if (!byId.has(record.id)) byId.set(record.id, record);
      // ISO timestamps and ids compare as plain strings (localeCompare is far slower, and locale-dependent).
      const records = [...byId.values()].sort((a, b) =>
        a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1,
      );
      return limit === undefined ? records : records.slice(0, limit);
    },

    async decide(id, input) {
      if (!isApprovalId(id)) throw notFound(id);
      const outcome = await mutate<ApprovalRecord | "expired">(id, async (current) => {
        if (!current) throw notFound(id);
        const problems = integrity(current);
        if (problems.length > 0)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} failed its integrity check (${problems.join("; ")}); it cannot be decided. Nothing was done.`,
          );
        if (input.argsHash !== undefined && input.argsHash !== current.argsHash)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} changed after it was shown to you; nothing was decided. Look at it again.`,
          );
        if (isExpired(current)) {
          const expired: ApprovalRecord = { ...current, status: "expired", completedAt: now().toISOString() };
          return { record: expired, result: "expired" as const };
        }
        const redecidable =
          current.status === "approved" &&
          !decisionVerifies(current) &&
          !current.execution &&
          (await journal.state(id)).attempts === 0;
        if (current.status !== "pending" && !redecidable) {
          if (current.status === "expired")
            throw new ToolError(
              "APPROVAL_EXPIRED",
              `Approval ${id} expired at ${current.expiresAt}; nothing was done.`,
            );
          const by = current.decision
            ? ` by ${current.decision.actor} via ${current.decision.channel} at ${current.decision.at}`
            : "";
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} was already decided: it is ${current.status}${by}.`,
          );
        }
        const unsigned: Omit<ApprovalDecision, "signature"> = {
          decision: input.decision,
          channel: input.channel,
          actor: input.actor,
          ...(input.reason ? { reason: input.reason } : {}),
          at: now().toISOString(),
          key: decisionKey.source,
        };
        const decided: ApprovalRecord = {
          ...current,
          status: input.decision,
          decision: { ...unsigned, signature: decisionKey.sign(decisionPayload(current, unsigned)) },
          ...(input.decision === "rejected" ? { completedAt: unsigned.at } : {}),
        };
        // The journal first: a decision it does not hold never runs (keychain mode).
        await journalEvent(id, "decided");
        return { record: decided, result: decided };
      });
      if (outcome === "expired")
        throw new ToolError(
          "APPROVAL_EXPIRED",
          `Approval ${id} has expired; nobody decided in time. Nothing was done.`,
        );
      return outcome;
    },

    async claim(id, owner) {
      if (!isApprovalId(id)) throw notFound(id);
      return mutate(id, async (current) => {
        if (!current) throw notFound(id);
        if (current.status === "executed" || current.status === "failed")
          return { record: null, result: null };
        if (current.status !== "approved")
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} is ${current.status}, not approved: it cannot run.`,
          );
        const problems = await verifyForExecution(current);
        if (problems.length > 0)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} was refused: ${problems.join("; ")}. Nothing was done in Odoo.`,
          );
        const claim = current.execution?.claim;
        if (claim && !isHolderDead(claim)) return { record: null, result: null };
        const claimed: ApprovalRecord = {
          ...current,
          execution: {
            state: "running",
            claim: { pid: process.pid, host: HOST, at: now().toISOString(), ...(owner ? { owner } : {}) },
            attempts: current.execution?.attempts ?? [],
            claims: (current.execution?.claims ?? 0) + 1,
          },
        };
        // Every claim is counted in the journal too: a file put back to before a claim is seen (claims removed).
        return { record: claimed, result: claimed, after: "claimed" };
      });
    },

    async recordAttempt(id, marker) {
      await mutate(id, async (current) => {
        if (current?.status !== "approved" || !current.execution || !heldByUs(current))
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id}: its file changed while it was running (its claim is gone: put back or edited outside odoo-mcp); nothing was applied.`,
          );
        const attempt = {
          at: now().toISOString(),
          marker: JSON.parse(JSON.stringify(marker)) as AttemptMarker,
        };
        const seen = await journal.state(id);
        if (
          seen.problems.length > 0 ||
          seen.attempts !== current.execution.attempts.length ||
          seen.claims !== (current.execution.claims ?? 0)
        )
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id}: its file no longer matches the journal (it was put back or changed outside odoo-mcp); nothing was applied.`,
          );
        const next: ApprovalRecord = {
          ...current,
          execution: { ...current.execution, attempts: [...current.execution.attempts, attempt] },
        };
        return { record: next, result: undefined, after: "attempt" };
      });
    },

    async markQueued(id) {
      await mutate(id, (current) => {
        if (current?.status !== "approved") return { record: null, result: undefined };
        const claim = current.execution?.claim;
        if (claim && !heldByUs(current) && !isHolderDead(claim)) return { record: null, result: undefined };
        const next: ApprovalRecord = {
          ...current,
          execution: {
            state: "queued",
            attempts: current.execution?.attempts ?? [],
            ...(current.execution?.claims ? { claims: current.execution.claims } : {}),
          },
        };
        return { record: next, result: undefined };
      });
    },

    async complete(id, outcome) {
      return mutate(id, async (current) => {
        if (!current) throw notFound(id);
        if (COMPLETED.has(current.status)) {
          logger?.warn(`approval ${id} is already ${current.status}; its outcome is kept`);
          return { record: null, result: current };
        }
        const completed: ApprovalRecord = {
          ...current,
          status: outcome.ok ? "executed" : "failed",
          outcome: outcome.ok
            ? {
                ok: true,
                output:
                  outcome.output === undefined
                    ? null
                    : (JSON.parse(JSON.stringify(outcome.output)) as unknown),
              }
            : { ok: false, code: outcome.code, message: outcome.message },
          completedAt: now().toISOString(),
          ...(current.execution
            ? {
                execution: {
                  state: current.execution.state,
                  attempts: current.execution.attempts,
                  ...(current.execution.claims ? { claims: current.execution.claims } : {}),
                },
              }
            : {}),
        };
        return {
          record: completed,
          result: completed,
          ...(current.status === "approved" ? { after: "completed" as const } : {}),
        };
      });
    },

    async recoverAbandoned(id) {
      return mutate(id, (current) => {
        const execution = current?.execution;
        if (current?.status !== "approved" || execution?.state !== "running")
          return { record: null, result: false };
        if (execution.claim && !isHolderDead(execution.claim)) return { record: null, result: false };
        const next: ApprovalRecord = {
          ...current,
          execution: {
            state: "queued",
            attempts: execution.attempts,
            ...(execution.claims ? { claims: execution.claims } : {}),
          },
        };
        return { record: next, result: true };
      });
    },

    async waitForChange(id, { timeoutMs, signal }) {
      const first = await store.get(id);
      if (!first) return null;
      const fingerprint = (r: ApprovalRecord) =>
        JSON.stringify([r.status, r.execution?.state, r.execution?.claim, r.execution?.attempts.length]);
      const initial = fingerprint(first);
      const deadline = Date.now() + timeoutMs;
      let latest: ApprovalRecord = first;
      while (Date.now() < deadline && !signal?.aborted) {
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
        const next = await store.get(id);
        if (!next) return null;
        latest = next;
        if (fingerprint(next) !== initial) return next;
      }
      return latest;
    },

    watch(listener) {
      let pending = new Set<string>();
      let timer: NodeJS.Timeout | null = null;
      const flush = () => {
        timer = null;
        const ids = [...pending];
        pending = new Set();
        listener(ids);
      };
      const note = (name: string | null) => {
        const id = name?.endsWith(".json") ? name.slice(0, -".json".length) : null;
        if (id && isApprovalId(id)) pending.add(id);
        else if (name !== null) return;
        timer ??= setTimeout(flush, 50);
      };
      let watcher: ReturnType<typeof watchDir> | null = null;
      try {
        watcher = watchDir(dir, { persistent: false }, (_event, name) => note(name ? String(name) : null));
        watcher.on("error", () => {});
      } catch (error) {
        logger?.warn(
          `cannot watch ${dir} (${error instanceof Error ? error.message : String(error)}); changes are noticed every few seconds`,
        );
      }
      // A slow safety net where file events are lost (network folders): a readdir and a stat per file, and only
      // what changed is reported.
      // Only `approvals/` is watched (the archive holds completed requests only), and only when its mtime moved
      // (every write lands by a rename) or every sixth round.
      const seen = new Map<string, number>();
      let dirMtime = -1;
      let round = 0;
      const poll = setInterval(() => {
        void (async () => {
          const info = await statFolder(dir, where).catch(() => null);
          round = (round + 1) % 6;
          if (info && info.mtimeMs === dirMtime && round !== 0) return;
          dirMtime = info?.mtimeMs ?? -1;
          for (const id of await listIds(() => {})) {
            // lstat: a link is not followed, and a stat never waits, not even on a FIFO.
            const mtime = await lstat(fileOf(id)).then(
              (info) => info.mtimeMs,
              () => -1,
            );
            if (seen.get(id) !== mtime) {
              if (seen.has(id)) note(`${id}.json`);
              seen.set(id, mtime);
            }
          }
        })().catch(() => {});
      }, 5_000);
      poll.unref();
      return () => {
        watcher?.close();
        clearInterval(poll);
        if (timer) clearTimeout(timer);
      };
    },
    async seedCompletedForBench(items) {
      const ids: string[] = [];
      const lines: { id: string; event: JournalEvent; at: string }[] = [];
      const files: { file: string; text: string }[] = [];
      for (const item of items) {
        const args = JSON.parse(JSON.stringify(item.args ?? null)) as unknown;
        const created = item.createdAt;
        const at = new Date(created.getTime() + 60_000).toISOString();
        const base: ApprovalRecord = {
          v: 2,
          id: newApprovalId(),
          tool: item.tool,
          args,
          argsHash: computeArgsHash(item.tool, args),
          meta: item.meta,
          status: item.status,
          createdAt: created.toISOString(),
          expiresAt: new Date(created.getTime() + 86_400_000).toISOString(),
          completedAt: at,
        };
        let record = base;
        if (item.status !== "expired") {
          const unsigned: Omit<ApprovalDecision, "signature"> = {
            decision: item.status === "rejected" ? "rejected" : "approved",
            channel: "cli",
            actor: "bench",
            at,
            key: decisionKey.source,
          };
          record = {
            ...base,
            decision: { ...unsigned, signature: decisionKey.sign(decisionPayload(base, unsigned)) },
          };
          lines.push({ id: record.id, event: "decided", at });
        }
        if (item.status === "executed" || item.status === "failed") {
          record = {
            ...record,
            execution: { state: "running", attempts: [{ at, marker: { bench: true } }], claims: 1 },
            outcome:
              item.status === "executed"
                ? { ok: true, output: { bench: true } }
                : { ok: false, code: "ODOO_ERROR", message: "bench" },
          };
          lines.push(
            { id: record.id, event: "claimed", at },
            { id: record.id, event: "attempt", at },
            { id: record.id, event: "completed", at },
          );
        }
        const seal = sealOf(record);
        if (seal) record.seal = seal;
        ids.push(record.id);
        files.push({
          file: archiveFileOf(record.id, monthOf(record.createdAt)),
          text: `${JSON.stringify(record, null, 2)}\n`,
        });
      }
      for (const folder of new Set(files.map((entry) => path.dirname(entry.file))))
        await mkdir(folder, { recursive: true, mode: 0o700 });
      for (let i = 0; i < files.length; i += 64)
        await Promise.all(files.slice(i, i + 64).map((entry) => writeNewFile(entry.file, entry.text, where)));
      await journal.appendBatch(lines);
      return ids;
    },
  };
  return store;
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

export function notFound(id: string): ToolError {
  return isApprovalId(id)
    ? new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`)
    : new ToolError(
        "APPROVAL_NOT_FOUND",
        "That is not an approval id (they look like apr_ followed by 26 letters and digits).",
      );
}

export type { KeySource };
