import { constants } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { type Chain, type ChainFormat, type ChainHead, type ChainLink, createChain } from "../chain/chain.js";
import {
  type ChainEntry,
  type ChainProblem,
  type ChainProblemKind,
  diagnoseChain,
  placeOf,
} from "../chain/verify.js";
import type { Keychain } from "../credentials/keychain.js";
import { localDate } from "../dates.js";
import {
  appendLineDurable,
  appendLinesDurable,
  isErrno,
  readTextIfExists,
  writeFileAtomic,
} from "../fsutil/files.js";
import { type LockAuthority, withLock } from "../fsutil/lock.js";
import { NotRegularFileError, openRegular, statFolder, statRegular } from "../fsutil/regular.js";
import { hmac, sameSignature } from "../hmac.js";
import { redact } from "../log.js";

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
 * lines at the end or deleting the last day file is detected too. Without an anchor (passphrase mode, no
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

export type AuditProblemKind = ChainProblemKind;
/** `file` is the day file (full path). */
export type AuditProblem = ChainProblem;

export interface AuditVerifyReport {
  /** No problem found. */
  ok: boolean;
  /** Non-empty lines read. */
  lines: number;
  /** The day files read, in chain order. */
  files: string[];
  /** In the order found: the first is where the chain first breaks. */
  problems: AuditProblem[];
  /** Lines written before the chain began (unchained, at the start of the log): not tampering. */
  unchained: number;
  /** Whether MACs were checked with a key. */
  keyed: boolean;
  /** Whether the head came from an anchor (true) or from the untrustworthy cache file in the data folder. */
  anchored: boolean;
  /** The head the chain was checked against, if any. */
  head: AuditHead | null;
}

export interface AuditLog {
  /** Resolves once the line is on disk; rejects (and nothing may proceed) when it cannot be written. */
  append(event: AuditEventInput): Promise<void>;
  /** The events of one local day (`YYYY-MM-DD`), in the order written; [] when there are none. */
  read(date: string): Promise<AuditEvent[]>;
  /** The file for a local day. */
  fileFor(date: string): string;
}

/** The audit log as `createAuditLog` makes it: it can also check its chain. */
export interface ChainedAuditLog extends AuditLog {
  /** Checks the whole chain, every day file, against the anchored head. */
  verify(): Promise<AuditVerifyReport>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;
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
const CHAIN_FIELDS = ["seq", "prev", "mac"] as const;
const GENESIS = "0".repeat(64);
const CHAIN_TAIL = /,"seq":(\d+),"prev":"([0-9a-f]{64})","mac":"([0-9a-f]{64})"\}$/;
const TAIL_CHUNK = 16 * 1024;
export const AUDIT_HEAD_ACCOUNT = "audit-chain-head";
export const AUDIT_HEAD_FILE = ".audit-head.json";
const AUDIT_LOCK_FILE = ".audit.lock";

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
   * Appends of this process waiting for the lock. They are written together (group commit): one lock, one
   * write, one fsync and one head saved for all the lines that queued up meanwhile, in the order they were
   * appended. Under load from several processes this is what keeps the lock's hand-offs (and the keychain's
   * head writes) few; one append per lock starved a busy process past the lock's timeout.
   */
  let waiting: { input: AuditEventInput; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;

  async function appendLocked(inputs: AuditEventInput[]): Promise<void> {
    const at = now();
    const events = inputs.map((input) =>
      JSON.stringify(redact(normalise({ ...input, timestamp: input.timestamp ?? at.toISOString() }))),
    );
    let file = fileFor(localDate(at));
    let info = await statRegular(file, where);
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
        info = await statRegular(file, where);
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
    await anchor.saveHead(next);
    const after = await statRegular(file, where);
    if (after) cache = { file, size: after.size, mtimeMs: after.mtimeMs, tail: last, head: next };
  }

  async function writeWaiting(): Promise<void> {
    writing = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting;
        waiting = [];
        try {
          await mkdir(logsDir, { recursive: true });
          await withLock(lockPath, () => appendLocked(batch.map((entry) => entry.input)), {
            owner: "audit",
            // The lock is polled, not queued: under load from several processes a waiter can lose many
            // hand-offs in a row. A dead holder is taken over at once; this only bounds a live, stuck one.
            timeoutMs: 30_000,
            ...where,
            ...(lockAuthority ? { authority: lockAuthority } : {}),
          });
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    fileFor,
    append(input) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ input, resolve, reject });
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
    async verify() {
      const files = await dayFiles(logsDir, where);
      const head = await anchor.loadHead();
      return verifyChain(files, head, chain, anchored, where);
    },
  };
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
function fileHeadCache(file: string, where: { root: string }): AuditAnchor {
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

/** The day files, oldest first (full paths). `Logs` replaced by a link or a FIFO: a `NotRegularFileError`. */
async function dayFiles(logsDir: string, where: { root: string }): Promise<string[]> {
  if (!(await statFolder(logsDir, where))) return [];
  let names: string[];
  try {
    names = await readdir(logsDir);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return [];
    throw error;
  }
  return names
    .filter((name) => DAY_FILE.test(name))
    .sort()
    .map((name) => path.join(logsDir, name));
}

/**
 * A line as the audit log writes it: the event's JSON with `,"seq":N,"prev":"…"` before its closing brace (the
 * text the link covers), then `,"mac":"…"`.
 */
const AUDIT_FORMAT: ChainFormat<string> = {
  encode(eventJson, seq, prev) {
    const body = `${eventJson.slice(0, -1)},"seq":${seq},"prev":"${prev}"}`;
    return { body, line: (mac) => `${body.slice(0, -1)},"mac":"${mac}"}` };
  },
  parse: parseChained,
};

/** The chain fields of a line; null for a line without them (written before the chain began). */
function parseChained(line: string): ChainLink | null {
  const match = CHAIN_TAIL.exec(line);
  if (!match) return null;
  return {
    seq: Number(match[1]),
    prev: match[2]!,
    mac: match[3]!,
    body: `${line.slice(0, match.index)},"seq":${match[1]},"prev":"${match[2]}"}`,
  };
}

/**
 * The last chained line of the newest file that has one: only the end of the newest file is read, unless it
 * holds no chained line there (the first append after the chain began, or a damaged tail).
 */
async function findTail(
  days: string[],
  where: { root: string },
): Promise<{ tail: ChainHead | null; torn: boolean; file?: string }> {
  const newest = days.at(-1);
  if (!newest) return { tail: null, torn: false };
  let torn = false;
  const handle = await openRegular(newest, constants.O_RDONLY, where);
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      torn = last[0] !== 0x0a;
      for (let chunk = TAIL_CHUNK; ; chunk *= 4) {
        const start = Math.max(0, size - chunk);
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        const text = buffer.toString("utf8");
        const lines = text.split("\n");
        if (start > 0) lines.shift(); // maybe cut in the middle
        for (let i = lines.length - 1; i >= 0; i--) {
          const chained = parseChained(lines[i]!);
          if (chained) return { tail: { seq: chained.seq, mac: chained.mac }, torn, file: newest };
        }
        if (start === 0) break;
        if (lines.some((line) => line.trim())) break; // whole lines, none chained: look no further back here
      }
      // No chained line at the end: scan the whole file from the end.
      const lines = ((await readTextIfExists(newest, where)) ?? "").split("\n");
      for (let i = lines.length - 1; i >= 0; i--) {
        const chained = parseChained(lines[i]!);
        if (chained) return { tail: { seq: chained.seq, mac: chained.mac }, torn, file: newest };
      }
    }
  } finally {
    await handle.close();
  }
  const earlier = await findTail(days.slice(0, -1), where);
  return { ...earlier, torn, file: newest };
}

/** Reads every day file and checks the chain across them against `head` (`chain/verify.ts` says what broke). */
async function verifyChain(
  files: string[],
  head: AuditHead | null,
  chain: Chain<string>,
  anchored: boolean,
  root: { root: string },
): Promise<AuditVerifyReport> {
  const problems: AuditProblem[] = [];
  const entries: ChainEntry[] = [];
  // Lines hashed without a key before the key existed are accepted only before the first keyed line.
  const unkeyed = createChain(AUDIT_FORMAT, { encoding: "hex", genesis: GENESIS });
  let lines = 0;
  let unchained = 0;
  let keyedSeen = false;

  for (const file of files) {
    let text: string;
    try {
      text = (await readTextIfExists(file, root)) ?? "";
    } catch (error) {
      problems.push({
        file,
        line: 0,
        kind: "unreadable",
        message: `${path.basename(file)} cannot be read (${error instanceof NotRegularFileError ? `it is ${error.kind}, not a file` : error instanceof Error ? error.message : String(error)})`,
      });
      continue;
    }
    const rows = text.split("\n");
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!row.trim()) continue;
      lines++;
      const lineNo = i + 1;
      let value: unknown;
      try {
        value = JSON.parse(row);
      } catch {
        problems.push({
          file,
          line: lineNo,
          kind: "unreadable",
          message: `${placeOf(file, lineNo)} is not a JSON object (a torn write after a crash, or an alteration)`,
        });
        continue;
      }
      const chained = chain.parse(row);
      if (!chained) {
        const hasChainField =
          typeof value === "object" && value !== null && CHAIN_FIELDS.some((field) => field in value);
        if (!hasChainField && entries.length === 0) {
          unchained++;
          continue;
        }
        problems.push({
          file,
          line: lineNo,
          kind: hasChainField ? "edited" : "inserted",
          message: hasChainField
            ? `${placeOf(file, lineNo)}: its chain fields (seq, prev, mac) were altered`
            : `${placeOf(file, lineNo)} has no chain link but comes after the chain began: it was added by hand`,
        });
        continue;
      }
      let sealed = chain.sealed(chained);
      if (chain.keyed && sealed) keyedSeen = true;
      else if (!sealed && chain.keyed && !keyedSeen) sealed = unkeyed.sealed(chained);
      entries.push({ ...chained, file, line: lineNo, sealed });
    }
  }

  problems.push(
    ...diagnoseChain(entries, {
      genesis: GENESIS,
      head: head && { seq: head.seq, mac: head.hash },
      keyed: chain.keyed,
      files,
      words: { file: "day file", head: anchored ? "anchored head" : "cached head" },
    }),
  );
  return { ok: problems.length === 0, lines, files, problems, unchained, keyed: chain.keyed, anchored, head };
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
