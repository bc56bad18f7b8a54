import { addDecimal } from "../../money.js";
import type { BudgetUse } from "../policy.js";
import type { JournalTrail } from "./types.js";

/** What the journal's lines add up to: requests' trails and budget counters, and the checkpoint's shards of them. */

export const NO_TRAIL: JournalTrail = { decided: false, claims: 0, attempts: 0, completed: false };
export const NO_USE: BudgetUse = { count: 0, total: "0" };

/** The key an `auto_reserved` line of an earlier version counts toward (`policy.ts` `budgetKeys`, channel `auto`). */
export const legacyAutoKey = (day: string) => `auto|day:${day}`;

/** One trail on top of another (a checkpoint's, then the lines read after it). */
export function addTrail(a: JournalTrail | undefined, b: JournalTrail | undefined): JournalTrail {
  if (!a) return b ?? NO_TRAIL;
  if (!b) return a;
  return {
    decided: a.decided || b.decided,
    claims: a.claims + b.claims,
    attempts: a.attempts + b.attempts,
    completed: a.completed || b.completed,
  };
}
export function addUse(a: BudgetUse | undefined, b: BudgetUse | undefined): BudgetUse {
  if (!a) return b ?? NO_USE;
  if (!b) return a;
  return { count: a.count + b.count, total: addDecimal(a.total, b.total) };
}

/** The checkpoint's shards: a request's trail (or a budget counter) is in shard `shardOf(its id or key)`. */
export const SHARDS = 256;
/** FNV-1a: which shard holds a key only needs to be the same in every process (a shard's content is sealed). */
export const shardOf = (key: string) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
};

/** One shard of a checkpoint, as written: `[id, decided, claims, attempts, completed]` and `[key, count, total]`. */
export interface ShardText {
  r: [string, number, number, number, number][];
  a: [string, number, string][];
}
export interface Shard {
  trails: Map<string, JournalTrail>;
  budgets: Map<string, BudgetUse>;
}
