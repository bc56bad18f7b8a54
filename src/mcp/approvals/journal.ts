import { createHash, createHmac } from "node:crypto";
import { open, stat } from "node:fs/promises";
import { appendLineDurable, isErrno, readTextIfExists } from "../fsutil/files.js";
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
  let cache: { size: number; mtimeMs: number; state: JournalState; macs: Map<number, string> } | null = null;

  const parse = (text: string | undefined): { lines: JournalLine[]; torn: number } => {
    const lines: JournalLine[] = [];
    let torn = 0;
    for (const raw of text?.split("\n") ?? []) {
      if (!raw.trim()) continue;
      try {
        lines.push(JSON.parse(raw) as JournalLine);
      } catch {
        torn++;
      }
    }
    return { lines, torn };
  };

  /** The chain's own checks and the index, from the file alone (cached while the file does not change). */
  const compute = async (): Promise<{ state: JournalState; macs: Map<number, string> }> => {
    const state: JournalState = {
      problems: [],
      attempts: new Map(),
      claims: new Map(),
      auto: new Map(),
      completed: new Set(),
      decided: new Set(),
    };
    const macs = new Map<number, string>();
    const { lines, torn } = parse(await readTextIfExists(file));
    if (torn > 1) state.problems.push(`${torn} lines of the approval journal are not readable`);
    let prev = GENESIS;
    let seq = 0;
    for (const line of lines) {
      seq++;
      const { mac, ...rest } = line;
      if (line.seq !== seq || line.prev !== prev || link(rest) !== mac) {
        state.problems.push(
          `the approval journal was altered at line ${seq} (a line was changed, removed or inserted)`,
        );
        break;
      }
      prev = mac;
      macs.set(seq, mac);
      if (line.event === "attempt") state.attempts.set(line.id, (state.attempts.get(line.id) ?? 0) + 1);
      else if (line.event === "claimed") state.claims.set(line.id, (state.claims.get(line.id) ?? 0) + 1);
      else if (line.event === "completed") state.completed.add(line.id);
      else if (line.event === "auto_reserved" && line.day && line.amount) {
        const used = state.auto.get(line.day) ?? { count: 0, total: "0" };
        state.auto.set(line.day, { count: used.count + 1, total: addDecimal(used.total, line.amount) });
      } else if (line.event === "decided") state.decided.add(line.id);
    }
    return { state, macs };
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
      let info: { size: number; mtimeMs: number } | null;
      try {
        info = await stat(file);
      } catch (error) {
        if (!isErrno(error, "ENOENT")) throw error;
        info = null;
      }
      const fresh = info && cache && cache.size === info.size && cache.mtimeMs === info.mtimeMs;
      if (!fresh) {
        const computed = await compute();
        cache = { size: info?.size ?? -1, mtimeMs: info?.mtimeMs ?? -1, ...computed };
      }
      const { state, macs } = cache!;
      if (!anchor || state.problems.length > 0) return state;
      const head = await anchor.load();
      // Lines past the head are a crash between the append and saving the head: their links prove them ours.
      if (head === null || macs.get(head.seq) === head.mac) return state;
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
