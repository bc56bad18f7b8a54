import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { appendLineDurable, isErrno, readTextIfExists, writeFileAtomic } from "../fsutil/files.js";
import { type LockAuthority, withLock } from "../fsutil/lock.js";
import { canonicalJson } from "./ids.js";
import { addDecimal } from "./policy.js";

/**
 * The approval journal: one line per decision, attempt and completion, append-only, each line chained to the one
 * before it. With a key (keychain mode) a link is an HMAC that only the key's holder can compute, and the chain's
 * head (sequence number and link) is kept in the OS keychain after every append: removing lines, truncating the
 * file or putting back an older copy is seen, because the head no longer matches. That is what stops an
 * executed request, rewound to "approved" in its file, from running again even when the Odoo-side check could
 * not tell (the executor also asks Odoo first). Without a key the links are plain SHA-256: edits in the middle
 * are seen, a rewritten tail is not (passphrase mode, where no process executes what it did not decide itself).
 */

export type JournalEvent = "decided" | "claimed" | "attempt" | "completed" | "auto_reserved";

export interface JournalLine {
  seq: number;
  id: string;
  event: JournalEvent;
  at: string;
  /** `auto_reserved`: the local day and the amount an automatic approval takes from that day's budget. */
  day?: string;
  amount?: string;
  prev: string;
  mac: string;
}

/** Today's automatic approvals, as the journal counts them. */
export interface AutoBudgetUse {
  count: number;
  total: string;
}

export interface JournalHead {
  seq: number;
  mac: string;
}

export interface JournalAnchor {
  load(): Promise<JournalHead | null>;
  save(head: JournalHead): Promise<void>;
}

export interface JournalState {
  /** Empty when the journal is intact. */
  problems: string[];
  attempts: Map<string, number>;
  claims: Map<string, number>;
  /** Automatic approvals per local day: count and total. */
  auto: Map<string, AutoBudgetUse>;
  completed: Set<string>;
  decided: Set<string>;
}

export interface Journal {
  append(id: string, event: JournalEvent, at: string): Promise<void>;
  /**
   * Under the journal's lock: takes `amount` from `day`'s budget of automatic approvals for request `id`, if the
   * journal is intact and the budget allows it (`allow` judges today's use so far). Answers why not, or null.
   */
  reserveAuto(
    id: string,
    day: string,
    amount: string,
    at: string,
    allow: (used: AutoBudgetUse) => string | null,
  ): Promise<string | null>;
  state(): Promise<JournalState>;
  /**
   * Many lines in one write and one fsync, under the journal's lock (the bench's seeding of a year of requests;
   * the lines are chained and anchored exactly as `append` does).
   */
  appendBatch(lines: { id: string; event: JournalEvent; at: string }[]): Promise<void>;
}

const GENESIS = "genesis";

export function createJournal(
  file: string,
  options: { key?: Buffer; anchor?: JournalAnchor; lockAuthority?: LockAuthority },
): Journal {
  const lockOptions = options.lockAuthority ? { authority: options.lockAuthority } : {};
  const { key, anchor } = options;
  const link = (line: Omit<JournalLine, "mac">) => {
    const text = canonicalJson(line);
    return key
      ? createHmac("sha256", key).update(text).digest("base64url")
      : createHash("sha256").update(text).digest("base64url");
  };
  /**
   * What this process has verified of the file so far: the chain up to `offset` (complete lines only), its last
   * line (checked still in place before anything appended after it is read), and the links of the last lines (the
   * keychain's head is normally one of them). Only what was appended since is read and verified: the state is
   * kept incrementally, so a year of decisions costs nothing per call. A file that shrank, was replaced
   * (another inode) or whose last verified line moved is read again from its first line.
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
    state: JournalState;
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
    state: {
      problems: [],
      attempts: new Map(),
      claims: new Map(),
      auto: new Map(),
      completed: new Set(),
      decided: new Set(),
    },
    recent: new Map(),
  });
  let scan: Scan | null = null;

  /**
   * The checkpoint (keychain mode only): this state up to a line, sealed with the journal's key and bound to this
   * file, so that a new process reads only what was appended after it instead of verifying a year of lines. It is
   * a cache: used only when its seal is valid and the line it ends on is still in place in the file; otherwise
   * (removed, edited, an older or another folder's copy) the whole file is read as before. The keychain's head is
   * checked the same way after it.
   */
  const checkpointFile = `${file}.checkpoint`;
  const CHECKPOINT_EVERY = 5_000;
  let checkpointSeq = 0;
  const encodeCounts = (counts: Map<string, number>) => [...counts].map(([id, n]) => `${id}:${n}`).join(",");
  const decodeCounts = (text: string) => {
    const counts = new Map<string, number>();
    for (const item of text ? text.split(",") : []) {
      const at = item.lastIndexOf(":");
      counts.set(item.slice(0, at), Number(item.slice(at + 1)));
    }
    return counts;
  };
  const checkpointMac = (body: unknown) =>
    createHmac("sha256", key!)
      .update(canonicalJson({ kind: "journal-checkpoint", body }))
      .digest("base64url");
  const saveCheckpoint = (from: Scan) => {
    if (!key || from.altered || from.seq - checkpointSeq < CHECKPOINT_EVERY) return;
    checkpointSeq = from.seq;
    const body = {
      v: 1,
      file: path.resolve(file),
      offset: from.offset,
      lastLine: from.lastLine,
      lastStart: from.lastStart,
      seq: from.seq,
      prev: from.prev,
      torn: from.torn,
      attempts: encodeCounts(from.state.attempts),
      claims: encodeCounts(from.state.claims),
      completed: [...from.state.completed].join(","),
      decided: [...from.state.decided].join(","),
      auto: [...from.state.auto].map(([day, use]) => [day, use.count, use.total]),
      recent: [...from.recent].slice(-64),
    };
    // Written in the background: a cache, never waited for.
    void writeFileAtomic(checkpointFile, JSON.stringify({ body, mac: checkpointMac(body) })).catch(() => {});
  };
  const loadCheckpoint = async (): Promise<Scan | null> => {
    if (!key) return null;
    try {
      const text = await readTextIfExists(checkpointFile);
      if (!text) return null;
      const { body, mac } = JSON.parse(text) as { body: Record<string, unknown>; mac: string };
      const expected = Buffer.from(checkpointMac(body));
      const given = Buffer.from(String(mac));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      if (body.v !== 1 || body.file !== path.resolve(file)) return null;
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
      restored.state.attempts = decodeCounts(body.attempts as string);
      restored.state.claims = decodeCounts(body.claims as string);
      const ids = (list: string) => new Set(list ? list.split(",") : []);
      restored.state.completed = ids(body.completed as string);
      restored.state.decided = ids(body.decided as string);
      for (const [day, count, total] of body.auto as [string, number, string][])
        restored.state.auto.set(day, { count, total });
      if (!(await tailInPlace(restored))) return null;
      checkpointSeq = restored.seq;
      return restored;
    } catch {
      return null;
    }
  };

  /** Verifies and counts the complete lines of `bytes`, which start at byte `base` of the file. */
  const consume = (into: Scan, bytes: Buffer, base: number) => {
    const { state } = into;
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
      if (line.event === "attempt") state.attempts.set(line.id, (state.attempts.get(line.id) ?? 0) + 1);
      else if (line.event === "claimed") state.claims.set(line.id, (state.claims.get(line.id) ?? 0) + 1);
      else if (line.event === "completed") state.completed.add(line.id);
      else if (line.event === "auto_reserved" && line.day && line.amount) {
        const used = state.auto.get(line.day) ?? { count: 0, total: "0" };
        state.auto.set(line.day, { count: used.count + 1, total: addDecimal(used.total, line.amount) });
      } else if (line.event === "decided") state.decided.add(line.id);
    }
    state.problems = [
      ...(into.torn > 1 ? [`${into.torn} lines of the approval journal are not readable`] : []),
      ...(into.altered ? [into.altered] : []),
    ];
  };

  const readRange = async (start: number, end: number): Promise<Buffer | null> => {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, "r");
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
    const found = await readRange(from.lastStart, from.lastStart + expected.length);
    return found !== null && found.equals(expected);
  };

  /** The file's state, reading only what was appended since the last call when that is safe. */
  // One scan at a time: two concurrent calls would both extend the same cached scan with the same new bytes
  // (counting each claim and attempt twice, which then looks like a file put back).
  let scanning: Promise<Scan> | null = null;
  const current = (): Promise<Scan> => {
    const run = (scanning ?? Promise.resolve()).catch(() => {}).then(scanNow);
    scanning = run;
    return run;
  };
  const scanNow = async (): Promise<Scan> => {
    let info: { size: number; mtimeMs: number; ino: number } | null;
    try {
      info = await stat(file);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
      info = null;
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
      const restored = scan === null ? await loadCheckpoint() : null;
      next = restored && restored.offset <= info.size ? restored : freshScan();
    }
    const from = next.offset;
    const bytes = (await readRange(from, info.size)) ?? Buffer.alloc(0);
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
    for (const raw of (await readTextIfExists(file))?.split("\n") ?? []) {
      try {
        const line = JSON.parse(raw) as JournalLine;
        if (line?.seq === seq) return line.mac;
      } catch {
        // torn or blank
      }
    }
    return undefined;
  };

  /** Appends one line; the caller holds the journal's lock. */
  const appendLocked = async (line: Pick<JournalLine, "id" | "event" | "at" | "day" | "amount">) => {
    const last = await readLastLine(file);
    const entry: Omit<JournalLine, "mac"> = {
      seq: (last?.seq ?? 0) + 1,
      id: line.id,
      event: line.event,
      at: line.at,
      ...(line.day !== undefined ? { day: line.day } : {}),
      ...(line.amount !== undefined ? { amount: line.amount } : {}),
      prev: last?.mac ?? GENESIS,
    };
    const mac = link(entry);
    await appendLineDurable(file, JSON.stringify({ ...entry, mac }));
    await anchor?.save({ seq: entry.seq, mac });
  };

  const journal: Journal = {
    async appendBatch(lines) {
      if (lines.length === 0) return;
      await withLock(
        `${file}.lock`,
        async () => {
          const last = await readLastLine(file);
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
          const handle = await open(file, "a", 0o600);
          try {
            await handle.write(`${out.join("\n")}\n`);
            await handle.sync();
          } finally {
            await handle.close();
          }
          await anchor?.save({ seq, mac: prev });
        },
        lockOptions,
      );
    },
    async append(id, event, at) {
      await withLock(`${file}.lock`, () => appendLocked({ id, event, at }), lockOptions);
    },
    async reserveAuto(id, day, amount, at, allow) {
      return withLock(
        `${file}.lock`,
        async () => {
          const state = await journal.state();
          if (state.problems.length > 0)
            return `the approval journal cannot be trusted (${state.problems.join("; ")})`;
          const refusal = allow(state.auto.get(day) ?? { count: 0, total: "0" });
          if (refusal) return refusal;
          await appendLocked({ id, event: "auto_reserved", at, day, amount });
          return null;
        },
        lockOptions,
      );
    },
    async state() {
      let seen = await current();
      if (!anchor || seen.state.problems.length > 0) return seen.state;
      const head = await anchor.load();
      // Another process may append (file, then head) between the scan and this read of the head: a head past the
      // scan is looked for in the file again, which holds every line before its head is saved.
      if (head !== null && head.seq > seen.seq) seen = await current();
      const { state } = seen;
      if (state.problems.length > 0) return state;
      // Lines past the head are a crash between the append and saving the head: their links prove them ours.
      if (head === null || seen.recent.get(head.seq) === head.mac) return state;
      if (
        head.seq >= 1 &&
        head.seq <= seen.seq &&
        !seen.recent.has(head.seq) &&
        (await linkAt(head.seq)) === head.mac
      )
        return state;
      return {
        ...state,
        problems: [
          `the approval journal ends before the last line the OS keychain remembers (line ${head.seq}): lines were removed or an older copy was put back`,
        ],
      };
    },
  };
  return journal;
}

/** The last complete line of a JSON Lines file, reading only its end. */
async function readLastLine(file: string): Promise<JournalLine | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
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
