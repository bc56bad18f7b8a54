import { constants } from "node:fs";
import {
  type Chain,
  type ChainFormat,
  type ChainHead,
  type ChainLink,
  createChain,
} from "../../chain/chain.js";
import { isErrno } from "../../fsutil/files.js";
import type { LockAuthority } from "../../fsutil/lock.js";
import { openRegular } from "../../fsutil/regular.js";
import { canonicalJson } from "../ids.js";
import type { BudgetUse } from "../policy.js";
import type { Shard } from "./trails.js";
import type { JournalAnchor, JournalEntry, JournalLine, JournalTrail } from "./types.js";

/**
 * What the parts of one journal share: its file, key and anchor, its chain, and what this process has verified
 * of the file so far (`scan`, kept between calls).
 */

const GENESIS = "genesis";
/** How many of the last lines' links a scan keeps (the keychain's head is normally one of them). */
export const RECENT = 4096;

/**
 * A line as the journal writes it: its fields in this order, with `mac` last; the link covers the line without
 * `mac`, its keys sorted (`canonicalJson`).
 */
const JOURNAL_FORMAT: ChainFormat<JournalEntry> = {
  encode(entry, seq, prev) {
    const line = {
      seq,
      id: entry.id,
      event: entry.event,
      at: entry.at,
      ...(entry.keys !== undefined ? { keys: entry.keys } : {}),
      ...(entry.amount !== undefined ? { amount: entry.amount } : {}),
      prev,
    };
    return { body: canonicalJson(line), line: (mac) => JSON.stringify({ ...line, mac }) };
  },
  parse(raw) {
    try {
      return linkOfLine(JSON.parse(raw));
    } catch {
      return null; // torn or blank
    }
  },
};

/** The chain fields of a line already parsed; null when it is not an object at all. */
export function linkOfLine(line: unknown): ChainLink | null {
  if (typeof line !== "object" || line === null) return null;
  const { mac, ...rest } = line as JournalLine;
  return { seq: rest.seq, prev: rest.prev, mac, body: canonicalJson(rest) };
}

/**
 * The checkpoint a scan started from: where its shards are in the checkpoint file and their SHA-256 (sealed in
 * its header), and the shards read so far (each verified against its digest when read).
 */
export interface Base {
  shards: { offset: number; length: number; digest: string }[];
  loaded: Map<number, Shard>;
}

/**
 * What this process has verified of the file so far: the chain up to `offset` (complete lines only), its last
 * line (checked still in place before anything appended after it is read), and the links of the last lines (the
 * keychain's head is normally one of them). Only what was appended since is read and verified: the state is
 * kept incrementally, so a year of decisions costs nothing per call. A file that shrank, was replaced
 * (another inode) or whose last verified line moved is read again from its first line. The trails are those
 * of the lines read, on top of the checkpoint's (`base`) when the scan started from one.
 */
export interface Scan {
  ino: number;
  size: number;
  mtimeMs: number;
  offset: number;
  lastLine: string | null;
  lastStart: number;
  seq: number;
  prev: string;
  torn: number;
  altered: string | null;
  problems: string[];
  base: Base | null;
  trails: Map<string, JournalTrail>;
  budgets: Map<string, BudgetUse>;
  recent: Map<number, string>;
}

export const freshScan = (): Scan => ({
  ino: -1,
  size: -1,
  mtimeMs: -1,
  offset: 0,
  lastLine: null,
  lastStart: 0,
  seq: 0,
  prev: GENESIS,
  torn: 0,
  altered: null,
  problems: [],
  base: null,
  trails: new Map(),
  budgets: new Map(),
  recent: new Map(),
});

export interface JournalOptions {
  key?: Buffer;
  anchor?: JournalAnchor;
  lockAuthority?: LockAuthority;
  /** The data folder: errors name the journal relative to it. */
  root?: string;
}

export interface JournalContext {
  readonly file: string;
  readonly where: { root?: string };
  readonly lockOptions: { root?: string; authority?: LockAuthority };
  readonly key: Buffer | undefined;
  readonly anchor: JournalAnchor | undefined;
  readonly chain: Chain<JournalEntry>;
  /** The last scan this process verified; null before the first. */
  scan: Scan | null;
  /** The scan under way (one at a time, `scan.ts`). */
  scanning: Promise<Scan> | null;
  /** The line the last checkpoint written or read ends on. */
  checkpointSeq: number;
  /** False once a checkpoint failed this process twice: the whole file is read instead. */
  useCheckpoint: boolean;
}

export function createContext(file: string, options: JournalOptions): JournalContext {
  const where = options.root ? { root: options.root } : {};
  return {
    file,
    where,
    lockOptions: { ...where, ...(options.lockAuthority ? { authority: options.lockAuthority } : {}) },
    key: options.key,
    anchor: options.anchor,
    chain: createChain(JOURNAL_FORMAT, { key: options.key, encoding: "base64url", genesis: GENESIS }),
    scan: null,
    scanning: null,
    checkpointSeq: 0,
    useCheckpoint: true,
  };
}

/** Bytes `start` to `end` of a file (fewer when it is shorter); null when it does not exist. */
export async function readRange(
  ctx: JournalContext,
  name: string,
  start: number,
  end: number,
): Promise<Buffer | null> {
  let handle: Awaited<ReturnType<typeof openRegular>>;
  try {
    handle = await openRegular(name, constants.O_RDONLY, ctx.where);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
  try {
    const buffer = Buffer.alloc(Math.max(0, end - start));
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return buffer.subarray(0, read);
  } finally {
    await handle.close();
  }
}

/** Whether the last line a scan verified is still where it was (nothing before it was rewritten). */
export async function tailInPlace(ctx: JournalContext, from: Scan): Promise<boolean> {
  if (from.lastLine === null) return true;
  const expected = Buffer.from(`${from.lastLine}\n`, "utf8");
  const found = await readRange(ctx, ctx.file, from.lastStart, from.lastStart + expected.length);
  return found?.equals(expected) === true;
}

/** Where the chain ends on disk (its last complete line), reading only the file's end: what an append follows. */
export async function lastHead(ctx: JournalContext): Promise<ChainHead> {
  const start = { seq: 0, mac: GENESIS };
  let handle: Awaited<ReturnType<typeof openRegular>>;
  try {
    handle = await openRegular(ctx.file, constants.O_RDONLY, ctx.where);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return start;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    for (let window = 4096; ; window *= 4) {
      const from = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - from);
      await handle.read(buffer, 0, buffer.length, from);
      const lines = buffer
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim());
      for (let i = lines.length - 1; i >= (from === 0 ? 0 : 1); i--) {
        // a torn last line: the one before it is the last complete one
        const link = ctx.chain.parse(lines[i]!);
        if (link) return { seq: link.seq ?? 0, mac: link.mac ?? GENESIS };
      }
      if (from === 0) return start;
    }
  } finally {
    await handle.close();
  }
}
