import type { BudgetUse } from "../policy.js";

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

/** What an append writes of a line; the chain adds `seq`, `prev` and `mac`. */
export type JournalEntry = Pick<JournalLine, "id" | "event" | "at" | "keys" | "amount">;

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
