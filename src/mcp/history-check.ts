import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, readdir } from "node:fs/promises";
import path from "node:path";
import { journalHeadAccount, journalLostAccount } from "./approvals/open.js";
import { JOURNAL_FILE } from "./approvals/store.js";
import { headAccount } from "./audit/anchor.js";
import type { Keychain } from "./credentials/keychain.js";
import { isErrno } from "./fsutil/files.js";

/**
 * Has a history vanished? The audit log (`Logs/`) and the approval journal (`approvals/ledger.jsonl`) are chains
 * whose heads (the last line's number and link) the OS keychain remembers, out of reach of the agent's file tools.
 * When the files are gone, cut short, started over, or lines are missing from them, while the keychain remembers
 * them longer, something removed the history: `doctor` fails naming it, the tray warns, the approval window shows
 * a banner. This is the one answer all three use (`checkHistory`).
 *
 * It finds vanished lines, not edited ones (`odoo-mcp audit verify` checks every link with the key; the executor
 * checks the journal before every run). A brand-new installation (no head in the keychain) has nothing to lose;
 * without a keychain (passphrase mode) nothing outside the data folder remembers how long the logs were, so a
 * deleted folder cannot be told from a new one. A loss the person has looked at can be accepted at a terminal
 * (`odoo-mcp audit accept-loss`): it is then not reported again, until something else vanishes.
 */

export type HistoryLog = "audit" | "journal";

export interface VanishedHistory {
  log: HistoryLog;
  /** "the audit log", "the approval journal". */
  name: string;
  /** The file or folder concerned. */
  where: string;
  /** The last line the OS keychain remembers (0 when it only remembers that the journal was started over). */
  remembered: number;
  /** What is on disk, in words ("no line", "lines 1 to 12", "lines 58 to 60"). */
  found: string;
  /** One sentence: which log, what the keychain remembers, what is on disk. */
  message: string;
  /** Stable name of this loss, for `accept-loss` ("audit 1-57"). */
  fingerprint: string;
}

export type HistoryCheck =
  /** Keychain heads found, and the files hold every line up to them. */
  | { state: "intact"; logs: { log: HistoryLog; lines: number; remembered: number }[] }
  /** No head in the keychain: nothing was recorded yet for this data folder (a new installation). */
  | { state: "fresh" }
  /** No OS keychain (passphrase mode): nothing to compare the files against. */
  | { state: "no_keychain" }
  /** The keychain did not answer: it could not be checked now. */
  | { state: "unknown"; reason: string }
  | { state: "vanished"; vanished: VanishedHistory[]; advice: string };

/** The keychain account of the losses the person accepted, per data folder. */
export const HISTORY_ACCEPTED_ACCOUNT = "history-accepted";
export function historyAcceptedAccount(dataDir: string): string {
  return `${HISTORY_ACCEPTED_ACCOUNT}:${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 16)}`;
}

export const AUDIT_DIR = "Logs";
const DAY_FILE = /^\d{4}-\d{2}-\d{2}\.json$/;

export async function checkHistory(options: {
  dataDir: string;
  /** The OS keychain in keychain mode; `null` in passphrase mode. */
  keychain: Keychain | null | undefined;
}): Promise<HistoryCheck> {
  const { dataDir, keychain } = options;
  if (!keychain) return { state: "no_keychain" };
  let auditHead: Head | null;
  let journalHead: Head | null;
  let lost: { seq: number; at?: string } | null;
  let accepted: Set<string>;
  try {
    auditHead = parseAuditHead(await keychain.get(headAccount(dataDir)));
    journalHead = parseJournalHead(await keychain.get(journalHeadAccount(dataDir)));
    lost = parseLost(await keychain.get(journalLostAccount(dataDir)));
    accepted = parseAccepted(await keychain.get(historyAcceptedAccount(dataDir)));
  } catch (error) {
    return { state: "unknown", reason: error instanceof Error ? error.message : String(error) };
  }
  if (!auditHead && !journalHead && !lost) return { state: "fresh" };
  try {
    return await compare(dataDir, { audit: auditHead, journal: journalHead, lost }, accepted);
  } catch (error) {
    return {
      state: "unknown",
      reason: `the data folder cannot be read (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}

async function compare(
  dataDir: string,
  heads: { audit: Head | null; journal: Head | null; lost: { seq: number; at?: string } | null },
  accepted: Set<string>,
): Promise<HistoryCheck> {
  const { audit: auditHead, journal: journalHead, lost } = heads;

  const vanished: VanishedHistory[] = [];
  const logs: { log: HistoryLog; lines: number; remembered: number }[] = [];
  if (auditHead) {
    const dir = path.join(dataDir, AUDIT_DIR);
    const files = await dayFiles(dir);
    const summaries: Summary[] = [];
    for (const file of files) summaries.push(await summarise(file));
    const found = judge("audit", dir, auditHead, summaries, files);
    vanished.push(...found);
    logs.push({ log: "audit", lines: count(summaries), remembered: auditHead.seq });
  }
  const journalFile = path.join(dataDir, "approvals", JOURNAL_FILE);
  if (journalHead) {
    const summary = await summarise(journalFile);
    vanished.push(...judge("journal", journalFile, journalHead, [summary], [journalFile]));
    logs.push({ log: "journal", lines: summary.count, remembered: journalHead.seq });
  }
  if (lost) {
    const now = journalHead?.seq;
    vanished.push({
      log: "journal",
      name: NAMES.journal,
      where: journalFile,
      remembered: lost.seq,
      found: now !== undefined ? `lines up to ${now}, counted again` : "a new journal",
      message: `The approval journal was started over${lost.at ? ` (${lost.at})` : ""}: the OS keychain remembered ${lines(lost.seq)} of it, and it was counted again from a shorter file (its lines had been deleted or cut).`,
      fingerprint: `journal restarted ${lost.seq}${lost.at ? ` ${lost.at}` : ""}`,
    });
  }
  const left = vanished.filter((v) => !accepted.has(v.fingerprint));
  if (left.length === 0) return { state: "intact", logs };
  return { state: "vanished", vanished: left, advice: adviceFor(dataDir) };
}

/** What the person should do, once, after the list of what vanished. */
export function adviceFor(dataDir: string): string {
  return `If you did not remove these files yourself, something with access to the data folder did (an agent's file tools, say): keep the agent's file tools out of ${dataDir}, restore the folder from a backup if you have one, run \`odoo-mcp audit verify\` for the details, and check in Odoo what was done meanwhile. Once you have looked, \`odoo-mcp audit accept-loss\` at a terminal stops this warning (until something else vanishes).`;
}

/** One line for the tray and the window: "History vanished: <first message> (+N more)". */
export function historyHeadline(check: HistoryCheck): string | null {
  if (check.state !== "vanished") return null;
  const [first, ...rest] = check.vanished;
  return `History vanished: ${first!.message}${rest.length > 0 ? ` (and ${rest.length} more)` : ""}`;
}

const NAMES: Record<HistoryLog, string> = { audit: "the audit log", journal: "the approval journal" };
const Cap = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const lines = (seq: number) => `line ${seq}`;
const range = (from: number, to: number) => (from === to ? `line ${from}` : `lines ${from} to ${to}`);

interface Head {
  seq: number;
  mac: string;
}

/** Compares what the files hold with the keychain's head; every missing range is one finding. */
function judge(
  log: HistoryLog,
  where: string,
  head: Head,
  summaries: Summary[],
  files: string[],
): VanishedHistory[] {
  const name = NAMES[log];
  const out: VanishedHistory[] = [];
  const chained = summaries.filter((s) => s.first !== null);
  const total = count(chained);
  const onDisk =
    chained.length === 0
      ? "no line"
      : `${total} line(s), ${range(chained[0]!.first!.seq, chained.at(-1)!.last!.seq)}`;
  const missing = (from: number, to: number, message: string) =>
    out.push({
      log,
      name,
      where,
      remembered: head.seq,
      found: onDisk,
      message,
      fingerprint: `${log} ${from}-${to}`,
    });
  const unreadable = summaries.filter((s) => s.problem);
  for (const s of unreadable)
    out.push({
      log,
      name,
      where: s.file,
      remembered: head.seq,
      found: s.problem!,
      message: `${Cap(name)}: ${path.basename(s.file)} ${s.problem} (the OS keychain remembers ${lines(head.seq)}).`,
      fingerprint: `${log} unreadable ${path.basename(s.file)}`,
    });
  if (chained.length === 0) {
    if (unreadable.length === 0)
      missing(
        1,
        head.seq,
        `${Cap(name)} is gone: the OS keychain remembers ${lines(head.seq)}, and ${files.length === 0 ? `${where} holds no file` : `${where} holds no line of it`}.`,
      );
    return out;
  }
  // Lines missing at the start (older day files deleted, or the log deleted and gone on since), between files,
  // and inside them.
  const first = chained[0]!.first!.seq;
  if (first > 1)
    missing(
      1,
      first - 1,
      `${Cap(name)} starts at line ${first}: ${range(1, first - 1)} are gone (deleted${log === "audit" ? ", with their day files" : ""}); the OS keychain remembers ${lines(head.seq)}.`,
    );
  let before: Summary | null = null;
  for (const s of chained) {
    if (before && s.first!.seq > before.last!.seq + 1)
      missing(
        before.last!.seq + 1,
        s.first!.seq - 1,
        `${Cap(name)}: ${range(before.last!.seq + 1, s.first!.seq - 1)} are gone (between ${path.basename(before.file)} and ${path.basename(s.file)}).`,
      );
    for (const [from, to] of s.gaps)
      missing(from, to, `${Cap(name)}: ${range(from, to)} are gone from ${path.basename(s.file)}.`);
    before = s;
  }
  const last = chained.at(-1)!.last!;
  if (last.seq < head.seq)
    missing(
      last.seq + 1,
      head.seq,
      `${Cap(name)} ends at line ${last.seq}, but the OS keychain remembers ${lines(head.seq)}: ${range(last.seq + 1, head.seq)} are gone (deleted, cut short, or the file was started over).`,
    );
  else {
    // The keychain's line is normally the last one (or a few before it, after a crash): is it the same line?
    const mac = chained.map((s) => s.recent.get(head.seq)).find((m) => m !== undefined);
    if (mac !== undefined && mac !== head.mac)
      out.push({
        log,
        name,
        where,
        remembered: head.seq,
        found: onDisk,
        message: `${Cap(name)}'s line ${head.seq} is not the line the OS keychain remembers: the file was replaced or started over.`,
        fingerprint: `${log} replaced ${head.seq} ${head.mac.slice(0, 16)}`,
      });
  }
  return out;
}

const count = (summaries: Summary[]) => summaries.reduce((n, s) => n + s.count, 0);

async function dayFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isErrno(error, "ENOENT") || isErrno(error, "ENOTDIR")) return [];
    throw error;
  }
  return names
    .filter((name) => DAY_FILE.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * What one chained JSON Lines file holds: how many chained lines, the first and the last (seq and link), the
 * ranges of numbers missing inside it, and the links of its last lines. Cached per file: an unchanged file is not
 * read again, and one that only grew is read from where it was left (its last line checked still in place).
 */
interface Summary {
  file: string;
  count: number;
  first: Head | null;
  last: Head | null;
  gaps: [number, number][];
  recent: Map<number, string>;
  /** Not a regular file, or not readable: said instead of its lines. */
  problem?: string;
}
interface Cached extends Summary {
  ino: number;
  size: number;
  mtimeMs: number;
  offset: number;
  lastLine: Buffer | null;
  lastStart: number;
}
const cache = new Map<string, Cached>();
const RECENT = 64;
const MAX_GAPS = 20;
const CHUNK = 1 << 20;

async function summarise(file: string): Promise<Summary> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // Never follow a link, never wait on a FIFO the agent put there.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    cache.delete(file);
    if (isErrno(error, "ENOENT")) return empty(file);
    if (isErrno(error, "ELOOP")) return { ...empty(file), problem: "is a link, not a file" };
    return { ...empty(file), problem: `cannot be read (${(error as { code?: string }).code ?? "error"})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      cache.delete(file);
      return { ...empty(file), problem: "is not a regular file" };
    }
    const known = cache.get(file);
    if (known && known.ino === info.ino && known.size === info.size && known.mtimeMs === info.mtimeMs)
      return known;
    let state: Cached =
      known && known.ino === info.ino && info.size >= known.offset && (await inPlace(handle, known))
        ? { ...known, gaps: [...known.gaps], recent: new Map(known.recent) }
        : fresh(file);
    state = await consume(handle, state, info.size);
    state.ino = info.ino;
    state.size = info.size;
    state.mtimeMs = info.mtimeMs;
    cache.set(file, state);
    return state;
  } finally {
    await handle.close();
  }
}

const empty = (file: string): Summary => ({
  file,
  count: 0,
  first: null,
  last: null,
  gaps: [],
  recent: new Map(),
});
const fresh = (file: string): Cached => ({
  ...empty(file),
  ino: -1,
  size: -1,
  mtimeMs: -1,
  offset: 0,
  lastLine: null,
  lastStart: 0,
});

async function inPlace(handle: Awaited<ReturnType<typeof open>>, known: Cached): Promise<boolean> {
  if (!known.lastLine) return known.offset === 0;
  const buffer = Buffer.alloc(known.lastLine.length);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, known.lastStart);
  return bytesRead === buffer.length && buffer.equals(known.lastLine);
}

/** Reads the complete lines from `state.offset` to `size` and counts the chained ones. */
async function consume(
  handle: Awaited<ReturnType<typeof open>>,
  state: Cached,
  size: number,
): Promise<Cached> {
  let carry = Buffer.alloc(0);
  let position = state.offset;
  let carryStart = position;
  while (position < size) {
    const chunk = Buffer.alloc(Math.min(CHUNK, size - position));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let bytes = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
    let start = carryStart;
    for (;;) {
      const nl = bytes.indexOf(10);
      if (nl < 0) break;
      const line = bytes.subarray(0, nl + 1);
      take(state, line, start);
      start += nl + 1;
      bytes = bytes.subarray(nl + 1);
      state.offset = start;
    }
    carry = Buffer.from(bytes);
    carryStart = start;
  }
  return state;
}

function take(state: Cached, line: Buffer, start: number): void {
  const text = line.toString("utf8").trim();
  if (!text) return;
  state.lastLine = Buffer.from(line);
  state.lastStart = start;
  let value: { seq?: unknown; mac?: unknown };
  try {
    value = JSON.parse(text) as typeof value;
  } catch {
    return; // a torn line after a crash
  }
  if (typeof value?.seq !== "number" || !Number.isSafeInteger(value.seq) || typeof value.mac !== "string")
    return; // written before the chain began
  const seq = value.seq;
  const here = { seq, mac: value.mac };
  state.count++;
  if (!state.first) state.first = here;
  if (state.last && seq > state.last.seq + 1 && state.gaps.length < MAX_GAPS)
    state.gaps.push([state.last.seq + 1, seq - 1]);
  if (!state.last || seq > state.last.seq) state.last = here;
  state.recent.set(seq, here.mac);
  if (state.recent.size > RECENT) state.recent.delete(state.recent.keys().next().value!);
}

function parseAuditHead(text: string | null): Head | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (typeof value.seq === "number" && value.seq > 0 && typeof value.hash === "string")
      return { seq: value.seq, mac: value.hash };
  } catch {
    // not one odoo-mcp wrote: as if there were none
  }
  return null;
}

function parseJournalHead(text: string | null): Head | null {
  const match = text ? /^(\d+):(\S+)$/.exec(text) : null;
  return match && Number(match[1]) > 0 ? { seq: Number(match[1]), mac: match[2]! } : null;
}

function parseLost(text: string | null): { seq: number; at?: string } | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as { seq?: unknown; at?: unknown };
    if (typeof value.seq === "number" && value.seq > 0)
      return { seq: value.seq, ...(typeof value.at === "string" ? { at: value.at } : {}) };
  } catch {
    // unreadable: ignored
  }
  return null;
}

function parseAccepted(text: string | null): Set<string> {
  if (!text) return new Set();
  try {
    const value = JSON.parse(text) as { accepted?: unknown };
    if (Array.isArray(value.accepted))
      return new Set(value.accepted.filter((v): v is string => typeof v === "string"));
  } catch {
    // unreadable: nothing accepted
  }
  return new Set();
}

/**
 * The person, at a terminal, has looked at what vanished: those losses (by fingerprint) are not reported again.
 * Kept in the OS keychain, out of the agent's reach; a later loss has another fingerprint and is reported.
 */
export async function acceptHistoryLoss(options: {
  dataDir: string;
  keychain: Keychain;
  check: HistoryCheck;
  by: string;
  now?: () => Date;
}): Promise<string[]> {
  const { dataDir, keychain, check } = options;
  if (check.state !== "vanished") return [];
  const account = historyAcceptedAccount(dataDir);
  const before = parseAccepted(await keychain.get(account));
  const fingerprints = check.vanished.map((v) => v.fingerprint);
  for (const fingerprint of fingerprints) before.add(fingerprint);
  await keychain.set(
    account,
    JSON.stringify({
      accepted: [...before].slice(-200),
      by: options.by,
      at: (options.now?.() ?? new Date()).toISOString(),
    }),
  );
  return fingerprints;
}
