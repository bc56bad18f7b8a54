import { readTextIfExists } from "../../fsutil/files.js";
import type { BudgetUse } from "../policy.js";
import { readShard } from "./checkpoint.js";
import type { Base, JournalContext, Scan } from "./context.js";
import { currentScan } from "./scan.js";
import { addTrail, addUse, NO_TRAIL, NO_USE, shardOf } from "./trails.js";
import type { JournalTrail } from "./types.js";

/** What the journal answers: a request's trail or budget counters, from a scan checked against the keychain's head. */

/** The link of line `seq`, reading the whole file (only when the keychain's head is older than the window). */
async function linkAt(ctx: JournalContext, seq: number): Promise<string | undefined> {
  for (const raw of (await readTextIfExists(ctx.file, ctx.where))?.split("\n") ?? []) {
    const link = ctx.chain.parse(raw);
    if (link?.seq === seq) return link.mac;
  }
  return undefined;
}

/** The scan, checked against the keychain's head: its problems (none when the journal is intact). */
async function verified(ctx: JournalContext, reset?: Base): Promise<{ seen: Scan; problems: string[] }> {
  const { anchor } = ctx;
  let seen = await currentScan(ctx, reset);
  if (!anchor || seen.problems.length > 0) return { seen, problems: seen.problems };
  const head = await anchor.load();
  // Another process may append (file, then head) between the scan and this read of the head: a head past the
  // scan is looked for in the file again, which holds every line before its head is saved.
  if (head !== null && head.seq > seen.seq) seen = await currentScan(ctx);
  if (seen.problems.length > 0) return { seen, problems: seen.problems };
  // Lines past the head are a crash between the append and saving the head: their links prove them ours.
  if (head === null || seen.recent.get(head.seq) === head.mac) return { seen, problems: [] };
  if (
    head.seq >= 1 &&
    head.seq <= seen.seq &&
    !seen.recent.has(head.seq) &&
    (await linkAt(ctx, head.seq)) === head.mac
  )
    return { seen, problems: [] };
  return {
    seen,
    problems: [
      `the approval journal ends before the last line the OS keychain remembers (line ${head.seq}): lines were removed or an older copy was put back`,
    ],
  };
}

/**
 * `find` over the verified scan; when the checkpoint it starts from no longer holds the shard it needs, once
 * more from the checkpoint in place, then from the journal's first line.
 */
export async function lookup<T>(
  ctx: JournalContext,
  find: (seen: Scan) => Promise<T | null>,
): Promise<{ problems: string[]; value: T }> {
  let reset: Base | undefined;
  for (let tries = 0; ; tries++) {
    const { seen, problems } = await verified(ctx, reset);
    const value = await find(seen);
    if (value !== null) return { problems, value };
    if (tries >= 1) ctx.useCheckpoint = false;
    reset = seen.base ?? undefined;
  }
}

export const trailOf =
  (ctx: JournalContext, id: string) =>
  async (seen: Scan): Promise<JournalTrail | null> => {
    if (!seen.base) return seen.trails.get(id) ?? NO_TRAIL;
    const shard = await readShard(ctx, seen.base, shardOf(id), true);
    return shard ? addTrail(shard.trails.get(id), seen.trails.get(id)) : null;
  };

export const budgetsOf =
  (ctx: JournalContext, keys: string[]) =>
  async (seen: Scan): Promise<((key: string) => BudgetUse) | null> => {
    const found = new Map<string, BudgetUse>();
    for (const key of keys) {
      if (!seen.base) {
        found.set(key, seen.budgets.get(key) ?? NO_USE);
        continue;
      }
      const shard = await readShard(ctx, seen.base, shardOf(key), true);
      if (!shard) return null;
      found.set(key, addUse(shard.budgets.get(key), seen.budgets.get(key)));
    }
    return (key: string) => found.get(key) ?? NO_USE;
  };
