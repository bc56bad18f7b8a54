import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import path from "node:path";
import {
  appendLineDurable,
  appendLinesDurable,
  isErrno,
  readTextIfExists,
  writeFileAtomic,
} from "../fsutil/files.js";
import { type LockAuthority, withLock } from "../fsutil/lock.js";
import { NotRegularFileError, openRegular, statRegular } from "../fsutil/regular.js";
import { addDecimal } from "../money.js";
import { canonicalJson } from "./ids.js";
import type { BudgetUse } from "./policy.js";

/**
 * The approval journal: one line per decision, attempt and completion, append-only, each line chained to the one
 * before it. With a key (keychain mode) a link is an HMAC that only the key's holder can compute, and the chain's
 * head (sequence number and link) is kept in the OS keychain after every append: removing lines, truncating the
 * file or putting back an older copy is seen, because the head no longer matches. That is what stops an
 * executed request, rewound to "approved" in its file, from running again even when the Odoo-side check could
 * not tell (the executor also asks Odoo first). Without a key the links are plain SHA-256: edits in the middle
 * are seen, a rewritten tail is not (passphrase mode, where no process executes what it did not decide itself).
 *
 * A journal that is not a regular file (a FIFO, a link, a folder) is never read as if it were empty: its state
 * has that as its problem (nothing runs, no automatic approval is given), and an append throws a
 * `NotRegularFileError` naming it. Neither waits.
 */

/**
 * `reserved`: an approval through a limited channel (automatic, the MCP client's prompt) takes `amount` from each of
 * its `keys` (`approvals/policy.ts` `budgetKeys`: the channel's day, the partner's day, the invoice). `auto_reserved`
 * (a day's automatic approval, with `day`) is what earlier versions wrote; it is still read.
 */
export type JournalEvent = "decided" | "claimed" | "attempt" | "completed" | "reserved" | "auto_reserved";

export interface JournalLine {
  seq: number;
  id: string;
  event: JournalEvent;
  at: string;
  /** `reserved`: the budget counters it adds to, and the amount. */
  keys?: string[];
  amount?: string;
  /** `auto_reserved` (earlier versions): the local day of an automatic approval. */
  day?: string;
  prev: string;
  mac: string;
}

/** The key an `auto_reserved` line of an earlier version counts toward (`policy.ts` `budgetKeys`, channel `auto`). */
const legacyAutoKey = (day: string) => `auto|day:${day}`;

export interface JournalHead {
  seq: number;
  mac: string;
}

export interface JournalAnchor {
  load(): Promise<JournalHead | null>;
  save(head: JournalHead): Promise<void>;
}

/** What the journal holds of one request. */
export interface JournalTrail {
  decided: boolean;
  claims: number;
  attempts: number;
  completed: boolean;
}

/** One request's trail, and whether the journal is intact (`problems` empty). */
export interface JournalState extends JournalTrail {
  problems: string[];
}

export interface Journal {
  append(id: string, event: JournalEvent, at: string): Promise<void>;
  /**
   * Under the journal's lock: adds `amount` to each budget counter of `keys` for request `id`, if the journal is
   * intact and `allow` (judging what the counters hold so far) says nothing against it. Answers why not, or null.
   */
  reserve(
    id: string,
    keys: string[],
    amount: string,
    at: string,
    allow: (used: (key: string) => BudgetUse) => string | null,
  ): Promise<string | null>;
  /** What the budget counters of `keys` hold now (read-only); `problems` when the journal cannot be trusted. */
  usage(keys: string[]): Promise<{ problems: string[]; used: (key: string) => BudgetUse }>;
  /** What the journal holds of request `id`, with the journal's problems (none when it is intact). */
  state(id: string): Promise<JournalState>;
  /**
   * Many lines in one write and one fsync, under the journal's lock (the bench's seeding of a year of requests;
   * the lines are chained and anchored exactly as `append` does).
   */
  appendBatch(lines: { id: string; event: JournalEvent; at: string }[]): Promise<void>;
}

const GENESIS = "genesis";

const NO_TRAIL: JournalTrail = { decided: false, claims: 0, attempts: 0, completed: false };
const NO_USE: BudgetUse = { count: 0, total: "0" };

/** One trail on top of another (a checkpoint's, then the lines read after it). */
function addTrail(a: JournalTrail | undefined, b: JournalTrail | undefined): JournalTrail {
  if (!a) return b ?? NO_TRAIL;
  if (!b) return a;
  return {
    decided: a.decided || b.decided,
    claims: a.claims + b.claims,
    attempts: a.attempts + b.attempts,
    completed: a.completed || b.completed,
  };
}
function addUse(a: BudgetUse | undefined, b: BudgetUse | undefined): BudgetUse {
  if (!a) return b ?? NO_USE;
  if (!b) return a;
  return { count: a.count + b.count, total: addDecimal(a.total, b.total) };
}

/** The checkpoint's shards: a request's trail (or a budget counter) is in shard `shardOf(its id or key)`. */
const SHARDS = 256;
/** FNV-1a: which shard holds a key only needs to be the same in every process (a shard's content is sealed). */
const shardOf = (key: string) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
};
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("base64url");

/** One shard of a checkpoint, as written: `[id, decided, claims, attempts, completed]` and `[key, count, total]`. */
interface ShardText {
  r: [string, number, number, number, number][];
  a: [string, number, string][];
}
interface Shard {
  trails: Map<string, JournalTrail>;
  budgets: Map<string, BudgetUse>;
}

export function createJournal(
  file: string,
  options: {
    key?: Buffer;
    anchor?: JournalAnchor;
    lockAuthority?: LockAuthority;
    /** The data folder: errors name the journal relative to it. */
    root?: string;
  },
): Journal {
  const where = options.root ? { root: options.root } : {};
  const lockOptions = { ...where, ...(options.lockAuthority ? { authority: options.lockAuthority } : {}) };
  const { key, anchor } = options;
  const link = (line: Omit<JournalLine, "mac">) => {
    const text = canonicalJson(line);
    return key
      ? createHmac("sha256", key).update(text).digest("base64url")
      : createHash("sha256").update(text).digest("base64url");
  };

  /**
   * The checkpoint a scan started from: where its shards are in the checkpoint file and their SHA-256 (sealed in
   * its header), and the shards read so far (each verified against its digest when read).
   */
  interface Base {
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
  interface Scan {
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
  const RECENT = 4096;
  const freshScan = (): Scan => ({
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
  let scan: Scan | null = null;

  /**
   * The checkpoint (keychain mode only): the journal's state up to a line, so that a new process reads only what
   * was appended after it instead of verifying a year of lines. Its first line is a small header sealed with the
   * journal's key and bound to this file: where the chain stood (line, link, the last line's text and place) and
   * the length and SHA-256 of each of its `SHARDS` shards, which follow it. Every request's trail and every day's
   * budget is in one shard, chosen by a hash of its id or day: a new process reads the header and, for a request,
   * that one shard (a 256th of the history), so its first call does not grow with the year. It is a cache: used
   * only when the header's seal is valid and the line it ends on is still in place in the file, a shard only when
   * its digest matches; otherwise (removed, edited, an older or another folder's copy, a newer one written since)
   * it is read again or the whole file is read as before. The keychain's head is checked the same way after it.
   */
  const checkpointFile = `${file}.checkpoint`;
  const CHECKPOINT_EVERY = 5_000;
  /** 3: budget counters by key (2 kept automatic approvals by day alone; such a checkpoint is not used). */
  const CHECKPOINT_VERSION = 3;
  let checkpointSeq = 0;
  /** False once a checkpoint failed this process twice: the whole file is read instead. */
  let useCheckpoint = true;
  const checkpointMac = (body: unknown) =>
    createHmac("sha256", key!)
      .update(canonicalJson({ kind: "journal-checkpoint", body }))
      .digest("base64url");

  /** A shard of `base`, read and checked against its digest; null when the file no longer holds it. */
  const readShard = async (base: Base, index: number, keep: boolean): Promise<Shard | null> => {
    const cached = base.loaded.get(index);
    if (cached) return cached;
    const { offset, length, digest } = base.shards[index]!;
    const shard: Shard = { trails: new Map(), budgets: new Map() };
    if (length > 0) {
      // A cache: a checkpoint that is not a file any more is read again from the journal.
      const bytes = await readRange(checkpointFile, offset, offset + length).catch(() => null);
      if (!bytes || bytes.length !== length || sha256(bytes) !== digest) return null;
      try {
        const text = JSON.parse(bytes.toString("utf8")) as ShardText;
        for (const [id, decided, claims, attempts, completed] of text.r)
          shard.trails.set(id, { decided: decided === 1, claims, attempts, completed: completed === 1 });
        for (const [key, count, total] of text.a) shard.budgets.set(key, { count, total });
      } catch {
        return null;
      }
    }
    if (keep) base.loaded.set(index, shard);
    return shard;
  };

  const saveCheckpoint = (from: Scan) => {
    if (!key || from.altered || from.seq - checkpointSeq < CHECKPOINT_EVERY) return;
    checkpointSeq = from.seq;
    // What the checkpoint holds is taken now (the scan goes on with later lines); trails are never changed in
    // place, so copies of the maps are enough.
    const head = {
      v: CHECKPOINT_VERSION,
      file: path.resolve(file),
      offset: from.offset,
      lastLine: from.lastLine,
      lastStart: from.lastStart,
      seq: from.seq,
      prev: from.prev,
      torn: from.torn,
      recent: [...from.recent].slice(-64),
    };
    const { base } = from;
    const trails = new Map(from.trails);
    const budgets = new Map(from.budgets);
    // Built and written in the background: a cache, never waited for.
    void (async () => {
      const merged: Shard[] = [];
      for (let index = 0; index < SHARDS; index++) {
        const shard = base ? await readShard(base, index, false) : null;
        if (base && !shard) return; // its checkpoint was replaced meanwhile: the next one is written later
        merged.push({ trails: new Map(shard?.trails), budgets: new Map(shard?.budgets) });
      }
      for (const [id, trail] of trails) {
        const shard = merged[shardOf(id)]!;
        shard.trails.set(id, addTrail(shard.trails.get(id), trail));
      }
      for (const [key, use] of budgets) {
        const shard = merged[shardOf(key)]!;
        shard.budgets.set(key, addUse(shard.budgets.get(key), use));
      }
      const bytes = merged.map((shard) => {
        if (shard.trails.size + shard.budgets.size === 0) return Buffer.alloc(0);
        const text: ShardText = {
          r: [...shard.trails].map(([id, trail]) => [
            id,
            trail.decided ? 1 : 0,
            trail.claims,
            trail.attempts,
            trail.completed ? 1 : 0,
          ]),
          a: [...shard.budgets].map(([key, use]) => [key, use.count, use.total]),
        };
        return Buffer.from(JSON.stringify(text), "utf8");
      });
      const body = { ...head, shards: bytes.map((b) => [b.length, sha256(b)]) };
      const header = Buffer.from(`${JSON.stringify({ body, mac: checkpointMac(body) })}\n`, "utf8");
      await writeFileAtomic(checkpointFile, Buffer.concat([header, ...bytes]), where);
    })().catch(() => {});
  };
  /** The checkpoint's header, its seal checked, and the line it ends on still in place; null otherwise. */
  const loadCheckpoint = async (): Promise<Scan | null> => {
    if (!key || !useCheckpoint) return null;
    try {
      let header: Buffer | null = null;
      for (let window = 65_536; !header; window *= 4) {
        const bytes = await readRange(checkpointFile, 0, window);
        if (!bytes) return null;
        const nl = bytes.indexOf(10);
        if (nl >= 0) header = bytes.subarray(0, nl + 1);
        else if (bytes.length < window) return null;
      }
      const { body, mac } = JSON.parse(header.toString("utf8")) as {
        body: Record<string, unknown>;
        mac: string;
      };
      const expected = Buffer.from(checkpointMac(body));
      const given = Buffer.from(String(mac));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      if (body.v !== CHECKPOINT_VERSION || body.file !== path.resolve(file)) return null;
      const restored = freshScan();
      Object.assign(restored, {
        offset: body.offset as number,
        lastLine: body.lastLine as string | null,
        lastStart: body.lastStart as number,
        seq: body.seq as number,
        prev: body.prev as string,
        torn: body.torn as number,
        recent: new Map(body.recent as [number, string][]),
      });
      const shards = body.shards as [number, string][];
      if (shards.length !== SHARDS) return null;
      let offset = header.length;
      const base: Base = { shards: [], loaded: new Map() };
      for (const [length, digest] of shards) {
        base.shards.push({ offset, length, digest });
        offset += length;
      }
      restored.base = base;
      if (!(await tailInPlace(restored))) return null;
      checkpointSeq = restored.seq;
      return restored;
    } catch {
      return null;
    }
  };

  /** Verifies and counts the complete lines of `bytes`, which start at byte `base` of the file. */
  const consume = (into: Scan, bytes: Buffer, base: number) => {
    let pos = 0;
    for (;;) {
      const nl = bytes.indexOf(10, pos);
      if (nl < 0) break;
      const raw = bytes.toString("utf8", pos, nl);
      const start = base + pos;
      pos = nl + 1;
      into.offset = base + pos;
      if (!raw.trim()) continue;
      into.lastLine = raw;
      into.lastStart = start;
      let line: JournalLine;
      try {
        line = JSON.parse(raw) as JournalLine;
      } catch {
        into.torn++;
        continue;
      }
      if (into.altered) continue;
      const seq = into.seq + 1;
      const { mac, ...rest } = (line ?? {}) as JournalLine;
      if (
        typeof line !== "object" ||
        line === null ||
        line.seq !== seq ||
        line.prev !== into.prev ||
        link(rest) !== mac
      ) {
        into.altered = `the approval journal was altered at line ${seq} (a line was changed, removed or inserted)`;
        continue;
      }
      into.seq = seq;
      into.prev = mac;
      into.recent.set(seq, mac);
      into.recent.delete(seq - RECENT);
      if (line.event === "reserved" || line.event === "auto_reserved") {
        const keys =
          line.event === "reserved" ? (line.keys ?? []) : line.day ? [legacyAutoKey(line.day)] : [];
        if (line.amount)
          for (const key of keys)
            into.budgets.set(key, addUse(into.budgets.get(key), { count: 1, total: line.amount }));
        continue;
      }
      const trail = into.trails.get(line.id) ?? NO_TRAIL;
      // A new object each time: a checkpoint being written holds a copy of the map, not of the trails.
      if (line.event === "attempt") into.trails.set(line.id, { ...trail, attempts: trail.attempts + 1 });
      else if (line.event === "claimed") into.trails.set(line.id, { ...trail, claims: trail.claims + 1 });
      else if (line.event === "completed") into.trails.set(line.id, { ...trail, completed: true });
      else if (line.event === "decided") into.trails.set(line.id, { ...trail, decided: true });
    }
    into.problems = [
      ...(into.torn > 1 ? [`${into.torn} lines of the approval journal are not readable`] : []),
      ...(into.altered ? [into.altered] : []),
    ];
  };

  const readRange = async (name: string, start: number, end: number): Promise<Buffer | null> => {
    let handle: Awaited<ReturnType<typeof openRegular>>;
    try {
      handle = await openRegular(name, constants.O_RDONLY, where);
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
  };

  /** Whether the last line this process verified is still where it was (nothing before it was rewritten). */
  const tailInPlace = async (from: Scan): Promise<boolean> => {
    if (from.lastLine === null) return true;
    const expected = Buffer.from(`${from.lastLine}\n`, "utf8");
    const found = await readRange(file, from.lastStart, from.lastStart + expected.length);
    return found?.equals(expected) === true;
  };

  /**
   * The file's state, reading only what was appended since the last call when that is safe. `reset`: a
   * checkpoint whose shard could not be read any more (a newer one replaced it): the scan built on it is dropped
   * and started again from the checkpoint now in place if it is on the chain this process verified (it ends on a
   * line whose link the dropped scan holds, or after the dropped scan's last line, which is still in place), or
   * else from the first line: nothing this process verified is given up.
   */
  // One scan at a time: two concurrent calls would both extend the same cached scan with the same new bytes
  // (counting each claim and attempt twice, which then looks like a file put back).
  let scanning: Promise<Scan> | null = null;
  const current = (reset?: Base): Promise<Scan> => {
    const run = (scanning ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        let dropped: Scan | undefined;
        if (reset && scan?.base === reset) {
          dropped = scan;
          scan = null;
        }
        return scanNow(dropped);
      });
    scanning = run;
    return run;
  };
  const scanNow = async (dropped?: Scan): Promise<Scan> => {
    let info: { size: number; mtimeMs: number; ino: number } | null;
    try {
      info = await statRegular(file, where);
    } catch (error) {
      if (!(error instanceof NotRegularFileError)) throw error;
      // Not read as empty, and not kept: the journal cannot be trusted until a file of ours is back.
      return { ...freshScan(), problems: [error.message] };
    }
    if (!info) {
      scan = freshScan();
      return scan;
    }
    if (scan && scan.ino === info.ino && scan.size === info.size && scan.mtimeMs === info.mtimeMs)
      return scan;
    let next: Scan;
    if (scan && scan.ino === info.ino && info.size > scan.size && (await tailInPlace(scan))) next = scan;
    else {
      let restored = scan === null ? await loadCheckpoint() : null;
      const onOurChain = (from: Scan, ours: Scan) =>
        from.seq > ours.seq ? true : ours.recent.get(from.seq) === from.prev;
      if (restored && dropped && !(onOurChain(restored, dropped) && (await tailInPlace(dropped))))
        restored = null;
      next = restored && restored.offset <= info.size ? restored : freshScan();
    }
    const from = next.offset;
    const bytes = (await readRange(file, from, info.size)) ?? Buffer.alloc(0);
    consume(next, bytes, from);
    next.ino = info.ino;
    next.size = from + bytes.length;
    next.mtimeMs = info.mtimeMs;
    scan = next;
    saveCheckpoint(next);
    return next;
  };

  /** The link of line `seq`, reading the whole file (only when the keychain's head is older than the window). */
  const linkAt = async (seq: number): Promise<string | undefined> => {
    for (const raw of (await readTextIfExists(file, where))?.split("\n") ?? []) {
      try {
        const line = JSON.parse(raw) as JournalLine;
        if (line?.seq === seq) return line.mac;
      } catch {
        // torn or blank
      }
    }
    return undefined;
  };

  /** The scan, checked against the keychain's head: its problems (none when the journal is intact). */
  const verified = async (reset?: Base): Promise<{ seen: Scan; problems: string[] }> => {
    let seen = await current(reset);
    if (!anchor || seen.problems.length > 0) return { seen, problems: seen.problems };
    const head = await anchor.load();
    // Another process may append (file, then head) between the scan and this read of the head: a head past the
    // scan is looked for in the file again, which holds every line before its head is saved.
    if (head !== null && head.seq > seen.seq) seen = await current();
    if (seen.problems.length > 0) return { seen, problems: seen.problems };
    // Lines past the head are a crash between the append and saving the head: their links prove them ours.
    if (head === null || seen.recent.get(head.seq) === head.mac) return { seen, problems: [] };
    if (
      head.seq >= 1 &&
      head.seq <= seen.seq &&
      !seen.recent.has(head.seq) &&
      (await linkAt(head.seq)) === head.mac
    )
      return { seen, problems: [] };
    return {
      seen,
      problems: [
        `the approval journal ends before the last line the OS keychain remembers (line ${head.seq}): lines were removed or an older copy was put back`,
      ],
    };
  };

  /**
   * `find` over the verified scan; when the checkpoint it starts from no longer holds the shard it needs, once
   * more from the checkpoint in place, then from the journal's first line.
   */
  const lookup = async <T>(
    find: (seen: Scan) => Promise<T | null>,
  ): Promise<{ problems: string[]; value: T }> => {
    let reset: Base | undefined;
    for (let tries = 0; ; tries++) {
      const { seen, problems } = await verified(reset);
      const value = await find(seen);
      if (value !== null) return { problems, value };
      if (tries >= 1) useCheckpoint = false;
      reset = seen.base ?? undefined;
    }
  };
  const trailOf = (id: string) => async (seen: Scan) => {
    if (!seen.base) return seen.trails.get(id) ?? NO_TRAIL;
    const shard = await readShard(seen.base, shardOf(id), true);
    return shard ? addTrail(shard.trails.get(id), seen.trails.get(id)) : null;
  };
  const budgetsOf = (keys: string[]) => async (seen: Scan) => {
    const found = new Map<string, BudgetUse>();
    for (const key of keys) {
      if (!seen.base) {
        found.set(key, seen.budgets.get(key) ?? NO_USE);
        continue;
      }
      const shard = await readShard(seen.base, shardOf(key), true);
      if (!shard) return null;
      found.set(key, addUse(shard.budgets.get(key), seen.budgets.get(key)));
    }
    return (key: string) => found.get(key) ?? NO_USE;
  };

  /** Appends one line; the caller holds the journal's lock. */
  const appendLocked = async (line: Pick<JournalLine, "id" | "event" | "at" | "keys" | "amount">) => {
    const last = await readLastLine(file, where);
    const entry: Omit<JournalLine, "mac"> = {
      seq: (last?.seq ?? 0) + 1,
      id: line.id,
      event: line.event,
      at: line.at,
      ...(line.keys !== undefined ? { keys: line.keys } : {}),
      ...(line.amount !== undefined ? { amount: line.amount } : {}),
      prev: last?.mac ?? GENESIS,
    };
    const mac = link(entry);
    await appendLineDurable(file, JSON.stringify({ ...entry, mac }), where);
    await anchor?.save({ seq: entry.seq, mac });
  };

  const journal: Journal = {
    async appendBatch(lines) {
      if (lines.length === 0) return;
      await withLock(
        `${file}.lock`,
        async () => {
          const last = await readLastLine(file, where);
          let seq = last?.seq ?? 0;
          let prev = last?.mac ?? GENESIS;
          const out: string[] = [];
          for (const line of lines) {
            seq++;
            const entry: Omit<JournalLine, "mac"> = {
              seq,
              id: line.id,
              event: line.event,
              at: line.at,
              prev,
            };
            const mac = link(entry);
            out.push(JSON.stringify({ ...entry, mac }));
            prev = mac;
          }
          await appendLinesDurable(file, out, where);
          await anchor?.save({ seq, mac: prev });
        },
        lockOptions,
      );
    },
    async append(id, event, at) {
      await withLock(`${file}.lock`, () => appendLocked({ id, event, at }), lockOptions);
    },
    async reserve(id, keys, amount, at, allow) {
      return withLock(
        `${file}.lock`,
        async () => {
          const { problems, value: used } = await lookup(budgetsOf(keys));
          if (problems.length > 0) return `the approval journal cannot be trusted (${problems.join("; ")})`;
          const refusal = allow(used);
          if (refusal) return refusal;
          await appendLocked({ id, event: "reserved", at, keys, amount });
          return null;
        },
        lockOptions,
      );
    },
    async usage(keys) {
      const { problems, value: used } = await lookup(budgetsOf(keys));
      return { problems, used };
    },
    async state(id) {
      const { problems, value } = await lookup(trailOf(id));
      return { ...value, problems };
    },
  };
  return journal;
}

/** The last complete line of a JSON Lines file, reading only its end. */
async function readLastLine(file: string, where: { root?: string }): Promise<JournalLine | null> {
  let handle: Awaited<ReturnType<typeof openRegular>>;
  try {
    handle = await openRegular(file, constants.O_RDONLY, where);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let window = 4096;
    for (;;) {
      const start = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim());
      for (let i = lines.length - 1; i >= (start === 0 ? 0 : 1); i--) {
        try {
          return JSON.parse(lines[i]!) as JournalLine;
        } catch {
          // a torn last line: the one before it is the last complete one
        }
      }
      if (start === 0) return null;
      window *= 4;
    }
  } finally {
    await handle.close();
  }
}
