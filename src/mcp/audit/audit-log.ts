import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type ChainHead, createChain } from "../chain/chain.js";
import { localDate } from "../dates.js";
import { appendLineDurable, appendLinesDurable, readTextIfExists } from "../fsutil/files.js";
import { type LockAuthority, withLock } from "../fsutil/lock.js";
import { NotRegularFileError, statRegularSync } from "../fsutil/regular.js";
import { hmac, sameSignature } from "../hmac.js";
import { redact } from "../log.js";
import { AUDIT_FORMAT, CHAIN_FIELDS, dayFiles, findTail, GENESIS } from "./day-files.js";
import { AUDIT_HEAD_FILE, type AuditAnchor, type AuditHead, fileHeadCache } from "./head.js";
import { type AuditVerifyReport, verifyChain } from "./verify.js";

/**
 * The audit log: `Logs/YYYY-MM-DD.json` (local date) under the data folder, one JSON object per line. A line is
 * on disk (fsynced) before `append` resolves; when it cannot be written `append` rejects, and the caller must
 * not go on with the operation. Every event passes through `redact`, so no registered secret reaches the file.
 *
 * The log is a hash chain, tamper-evident against anything that can only edit files (such as an AI agent with
 * file-system tools). After the event's own fields, each line carries `"seq"` (1, 2, 3, ... across all day
 * files), `"prev"` (the `mac` of the line before; for the first line of a day, the last line of the previous
 * file) and `"mac"`: HMAC-SHA256 of the line up to and including `prev`, keyed by `anchor.key` (kept in the OS
 * keychain). An edited line no longer matches its MAC, and nobody without the key can compute a new one.
 * WITHOUT a key, `mac` is a plain SHA-256: an edit in the middle is still detected (the next line's `prev` no
 * longer matches), but whoever rewrites every line from the edit to the end, recomputing the hashes, is not.
 *
 * The chain's head (seq and mac of the last line) is saved in the anchor after every append, so that removing
 * lines at the end or deleting the last day file is detected too. An append resolves once the head is saved,
 * or, with `{ untilOnDisk: true }` (the read tools' lines), once its line is on disk: the head, computed in
 * memory, is then saved within HEAD_DELAY_MS (one keychain write for the reads of that time, never between
 * Odoo's answer and the tool's: it was most of a read's own time), or at once by the next line that waits for
 * its head, or by `flush`. Until then the head is behind the file, as after a crash between a line and its
 * head, which `verify` accepts; a truncation is still detected once the head is saved. Without an anchor (passphrase mode, no
 * keychain), the head is only kept in `.audit-head.json` in the data folder: a cache that anyone who can edit
 * the log can edit as well, so it is not trustworthy. A crash between writing a line and saving the head leaves
 * lines past the anchored head; those are accepted when they chain correctly (with a valid MAC when keyed), and
 * the next append moves the head forward.
 *
 * Appends from several processes are serialised by a lock file (`.audit.lock` in the data folder) around
 * "find the head, write the line, save the head". The head is found from the tail of the newest day file only
 * (or from memory, when that file's size and mtime are what this process left).
 *
 * A day file, the head cache, the lock or the `Logs` folder replaced by something else (a FIFO, a link, a folder)
 * is refused at once with a `NotRegularFileError` naming it: the line is not written, and the caller does not go
 * on (`AUDIT_LOG_UNAVAILABLE`); `verify` reports such a day file as unreadable.
 *
 * The chain itself is `chain/chain.ts`; here are the events and the appends. `day-files.ts` holds how a line is
 * spelt and where the chain ends, `head.ts` where its head is kept, `verify.ts` the check of every day file.
 */

export type AuditEventKind =
  | "tool_call"
  | "approval_requested"
  | "approval_decided"
  | "execution"
  | "queue"
  | "policy_changed";
export type AuditActor = "agent" | "user" | "system";
export type AuditResult = "success" | "failed" | "queued" | "pending" | "rejected" | "expired" | "dry_run";
export type AuditChannel = "cli" | "tray" | "elicitation" | "auto" | "mcp";

export interface AuditEvent {
  /** ISO 8601; set by `append` when absent. */
  timestamp: string;
  event: AuditEventKind;
  /** The tool (or command) name. */
  action: string;
  actor?: AuditActor;
  target?: string;
  /** `pending`, `approved`, `rejected`, `executed`, `failed`, `expired`, or `not_required`. */
  approval_status?: string;
  result: AuditResult;
  odoo_record_id?: number | string;
  /** Decimal string. */
  amount?: string;
  currency?: string;
  approval_id?: string;
  channel?: AuditChannel;
  error_code?: string;
  message?: string;
}

export type AuditEventInput = Omit<AuditEvent, "timestamp"> & { timestamp?: string };

export interface AppendOptions {
  /** Resolve once the line is on disk, before the chain's head is saved (see `createAuditLog`). */
  untilOnDisk?: boolean;
}

export {
  AUDIT_HEAD_ACCOUNT,
  AUDIT_HEAD_FILE,
  type AuditAnchor,
  type AuditHead,
  keychainAuditAnchor,
} from "./head.js";
export type { AuditProblem, AuditProblemKind, AuditVerifyReport } from "./verify.js";

export interface AuditLog {
  /**
   * Resolves once the line is on disk and the chain's head saved (`untilOnDisk`: once the line is on disk);
   * rejects (and nothing may proceed) when it cannot be written.
   */
  append(event: AuditEventInput, options?: AppendOptions): Promise<void>;
  /** The events of one local day (`YYYY-MM-DD`), in the order written; [] when there are none. */
  read(date: string): Promise<AuditEvent[]>;
  /** The file for a local day. */
  fileFor(date: string): string;
}

/** The audit log as `createAuditLog` makes it: it can also check its chain. */
export interface ChainedAuditLog extends AuditLog {
  /** Checks the whole chain, every day file, against the anchored head. */
  verify(): Promise<AuditVerifyReport>;
  /** Saves a head that waits (after `untilOnDisk` appends) now: before the process ends. */
  flush(): Promise<void>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const FIELDS: (keyof AuditEvent)[] = [
  "timestamp",
  "event",
  "action",
  "actor",
  "target",
  "approval_status",
  "result",
  "odoo_record_id",
  "amount",
  "currency",
  "approval_id",
  "channel",
  "error_code",
  "message",
];
const AUDIT_LOCK_FILE = ".audit.lock";
/** Batches written in one hold of the lock at most (see `writeHold`). */
const HOLD_BATCHES = 8;
/** How long the head of `untilOnDisk` lines may wait before it is saved (see `createAuditLog`). */
const HEAD_DELAY_MS = 1_000;

interface Waiting {
  input: AuditEventInput;
  resolve: () => void;
  reject: (error: unknown) => void;
  untilOnDisk: boolean;
}

export function createAuditLog(
  dataDir: string,
  options: { now?: () => Date; anchor?: AuditAnchor } = {},
): ChainedAuditLog {
  const now = options.now ?? (() => new Date());
  const logsDir = path.join(dataDir, "Logs");
  const where = { root: dataDir };
  const anchor = options.anchor ?? fileHeadCache(path.join(dataDir, AUDIT_HEAD_FILE), where);
  const anchored = options.anchor !== undefined;
  const key = options.anchor?.key;
  const lockPath = path.join(dataDir, AUDIT_LOCK_FILE);
  const fileFor = (date: string) => {
    if (!DATE.test(date)) throw new Error(`audit log: "${date}" is not a YYYY-MM-DD date`);
    return path.join(logsDir, `${date}.json`);
  };
  const chain = createChain(AUDIT_FORMAT, { key, encoding: "hex", genesis: GENESIS });

  // With a key, the lock file is signed too: a planted lock is taken over at once.
  const lockAuthority: LockAuthority | undefined = key
    ? {
        sign: (text) => hmac(key, `audit-lock\n${text}`, "hex"),
        verify: (text, sig) => sameSignature(hmac(key, `audit-lock\n${text}`, "hex"), sig),
      }
    : undefined;
  /** What this process last wrote: reused while the file's size and mtime show nobody wrote after it. */
  let cache: { file: string; size: number; mtimeMs: number; tail: ChainHead; head: AuditHead | null } | null =
    null;
  /**
   * Appends of this process waiting for the lock (or for the head being saved). They are written together
   * (group commit): one write, one fsync and one head saved for all the lines that queued up meanwhile, in the
   * order they were appended. Under load from several processes this is what keeps the lock's hand-offs (and the
   * keychain's head writes) few; one append per lock starved a busy process past the lock's timeout.
   */
  let waiting: Waiting[] = [];
  let writing = false;

  /** Resolves when an append is made (to the hold that is saving a head meanwhile). */
  let arrived: (() => void) | null = null;

  /** Writes the lines (on disk when it resolves) and answers the chain's new head, for the caller to save. */
  async function writeLines(inputs: AuditEventInput[]): Promise<AuditHead> {
    const at = now();
    const events = inputs.map((input) =>
      JSON.stringify(redact(normalise({ ...input, timestamp: input.timestamp ?? at.toISOString() }))),
    );
    let file = fileFor(localDate(at));
    let info = statRegularSync(file, where);
    let tail: ChainHead | null;
    let torn = false;
    let head: AuditHead | null;
    if (cache && cache.file === file && info && info.size === cache.size && info.mtimeMs === cache.mtimeMs) {
      tail = cache.tail;
      head = cache.head;
    } else {
      // The newest day file holds the tail (if the clock went back a day, keep appending to the newest file,
      // so that the order of the files stays the order of the chain).
      const days = await dayFiles(logsDir, where);
      const newest = days.at(-1);
      if (newest && newest > file) {
        file = newest;
        info = statRegularSync(file, where);
      }
      const found = await findTail(
        days.filter((day) => day <= file),
        where,
      );
      tail = found.tail;
      torn = found.torn && days.includes(file) && found.file === file;
      head = await anchor.loadHead();
    }
    // After a truncation the head is ahead of the file: keep counting from the head, so that the gap shows.
    const { lines, head: last } = chain.extend(
      { seq: Math.max(tail?.seq ?? 0, head?.seq ?? 0), mac: tail?.mac ?? GENESIS },
      events,
    );
    cache = null;
    // A torn last line (a crash in the middle of a write) is closed first, so that ours stays whole.
    if (torn) await appendLineDurable(file, "", where);
    await appendLinesDurable(file, lines, where);
    const next: AuditHead = { seq: last.seq, hash: last.mac };
    const after = statRegularSync(file, where);
    if (after) cache = { file, size: after.size, mtimeMs: after.mtimeMs, tail: last, head: next };
    return next;
  }

  /** The head of lines no append waits for (`untilOnDisk`), saved by the next hold or the timer. */
  let deferred: AuditHead | null = null;
  let deferTimer: ReturnType<typeof setTimeout> | null = null;
  /** Callers of `flush` (and the timer) waiting for a hold that saves `deferred`. */
  let flushing: (() => void)[] = [];

  /**
   * One hold of the lock: a batch's lines, then their head saved. The appends that queue up while a head is
   * being saved (a keychain write takes milliseconds) are written meanwhile, in the same hold, and the newest
   * head saved once that save is done: a line waits for the disk, never for the head of the lines before it.
   * Lines that nobody waits a head for leave theirs `deferred`. Heads are saved one at a time, in order, and
   * before the lock is released, so no process ever saves an older head over a newer one. At most
   * HOLD_BATCHES batches per hold, so that another process gets its turn. Every append taken settles here.
   */
  async function writeHold(first: Waiting[], flush: boolean): Promise<void> {
    let batch = first;
    let batches = 0;
    /** The appends on disk whose head is not being saved yet, and the head that covers them. */
    let unsaved: Waiting[] = [];
    let unsavedHead: AuditHead | null = flush ? await deferredStillNewest() : null;
    let saving: Promise<void> | null = null;
    for (;;) {
      if (batch.length > 0) {
        batches += 1;
        try {
          unsavedHead = await writeLines(batch.map((entry) => entry.input));
          for (const entry of batch) if (entry.untilOnDisk) entry.resolve();
          unsaved = [...unsaved, ...batch];
        } catch (error) {
          for (const entry of batch) entry.reject(error);
          batches = HOLD_BATCHES;
        }
      }
      if (!saving && unsavedHead && !flush && unsaved.every((entry) => entry.untilOnDisk)) {
        deferred = unsavedHead;
        unsaved = [];
        unsavedHead = null;
        deferTimer ??= setTimeout(() => void flushDeferred(), HEAD_DELAY_MS);
        deferTimer.unref?.();
      }
      if (!saving && unsavedHead) {
        const entries = unsaved;
        deferred = null;
        saving = anchor.saveHead(unsavedHead).then(
          () => {
            for (const entry of entries) entry.resolve();
            saving = null;
          },
          (error: unknown) => {
            // (an entry resolved once on disk stays resolved: its line is written, only the head is behind)
            for (const entry of entries) entry.reject(error);
            saving = null;
          },
        );
        unsaved = [];
        unsavedHead = null;
      }
      if (!saving) return;
      const more = batches < HOLD_BATCHES;
      if (!more || waiting.length === 0)
        await Promise.race([saving, ...(more ? [new Promise<void>((resolve) => (arrived = resolve))] : [])]);
      arrived = null;
      batch = more ? waiting : [];
      if (more) waiting = [];
    }
  }

  /**
   * The deferred head, if the log still ends where this process left it (under the lock: nobody wrote after);
   * otherwise null: whoever wrote after saves a head that covers it.
   */
  async function deferredStillNewest(): Promise<AuditHead | null> {
    const head = deferred;
    deferred = null;
    if (!head || !cache || cache.head !== head) return null;
    const info = statRegularSync(cache.file, where);
    return info && info.size === cache.size && info.mtimeMs === cache.mtimeMs ? head : null;
  }

  function flushDeferred(): Promise<void> {
    if (deferTimer) clearTimeout(deferTimer);
    deferTimer = null;
    // (a hold under way may be about to defer a head: wait for it too)
    if (!deferred && !writing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      flushing.push(resolve);
      if (!writing) void writeWaiting();
    });
  }

  async function writeWaiting(): Promise<void> {
    writing = true;
    try {
      while (waiting.length > 0 || flushing.length > 0) {
        const first = waiting;
        waiting = [];
        const flushed = flushing;
        flushing = [];
        try {
          // (the folders exist while the log ends where this process left it)
          if (!cache) await mkdir(logsDir, { recursive: true });
          await withLock(lockPath, () => writeHold(first, flushed.length > 0), {
            owner: "audit",
            // The lock is polled, not queued: under load from several processes a waiter can lose many
            // hand-offs in a row. A dead holder is taken over at once; this only bounds a live, stuck one.
            timeoutMs: 30_000,
            ...where,
            ...(lockAuthority ? { authority: lockAuthority } : {}),
          });
        } catch (error) {
          // The lock could not be taken: nothing was written (what a hold took, it settled). A deferred head
          // stays behind the file, as after a crash; the next head saved covers it.
          cache = null;
          for (const entry of first) entry.reject(error);
        }
        for (const done of flushed) done();
      }
    } finally {
      writing = false;
    }
  }

  return {
    fileFor,
    append(input, options = {}) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ input, resolve, reject, untilOnDisk: options.untilOnDisk === true });
        arrived?.();
        if (!writing) void writeWaiting();
      });
    },
    async read(date) {
      const text = await readTextIfExists(fileFor(date), where);
      if (text === undefined) return [];
      const events: AuditEvent[] = [];
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        try {
          const value = JSON.parse(line) as Record<string, unknown>;
          for (const field of CHAIN_FIELDS) delete value[field];
          events.push(value as unknown as AuditEvent);
        } catch {
          // a torn last line after a crash: every complete line is still read
        }
      }
      return events;
    },
    flush: flushDeferred,
    async verify() {
      const files = await dayFiles(logsDir, where);
      const head = await anchor.loadHead();
      return verifyChain(files, head, chain, anchored, where);
    },
  };
}

/** Known fields only, in a stable order; amounts as decimal strings; absent values left out. */
function normalise(event: AuditEvent): AuditEvent {
  const out: Record<string, unknown> = {};
  for (const key of FIELDS) {
    const value = event[key];
    if (value === undefined || value === null) continue;
    out[key] = key === "amount" && typeof value === "number" ? String(value) : value;
  }
  return out as unknown as AuditEvent;
}

/**
 * Why an audit line could not be written, said to the person with what to do (the answers of the tools, the app
 * and the CLI that refuse to act without their audit line). Never a secret: the message is redacted.
 */
export function auditUnavailableReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "the disk is full: free some space";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS")
    return "the data folder cannot be written: check its permissions";
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("timed out waiting for the lock"))
    return "another odoo-mcp process held the audit log's lock too long (a very busy or stuck machine): ask again";
  if (error instanceof NotRegularFileError)
    return `${error.message}, and odoo-mcp writes its audit log to no other kind of entry: remove it`;
  if (error instanceof Error && error.name === "KeychainUnavailableError")
    return "the OS keychain, which keeps the audit chain's head, did not answer: ask again, and check the keychain if it lasts";
  return `${redact(message).slice(0, 200)}: check the data folder's disk space and permissions`;
}
