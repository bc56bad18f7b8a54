import { NotRegularFileError, statRegular } from "../../fsutil/regular.js";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
import {
  type Base,
  freshScan,
  type JournalContext,
  linkOfLine,
  RECENT,
  readRange,
  type Scan,
  tailInPlace,
} from "./context.js";
import { addUse, legacyAutoKey, NO_TRAIL } from "./trails.js";
import type { JournalLine } from "./types.js";

/** Reading the journal: each line checked against the chain once, as it is appended, and counted. */

/** Verifies and counts the complete lines of `bytes`, which start at byte `base` of the file. */
function consume(ctx: JournalContext, into: Scan, bytes: Buffer, base: number): void {
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
    const link = linkOfLine(line);
    if (!link || !ctx.chain.follows({ seq: into.seq, mac: into.prev }, link)) {
      into.altered = `the approval journal was altered at line ${seq} (a line was changed, removed or inserted)`;
      continue;
    }
    into.seq = seq;
    into.prev = link.mac;
    into.recent.set(seq, link.mac);
    into.recent.delete(seq - RECENT);
    if (line.event === "reserved" || line.event === "auto_reserved") {
      const keys = line.event === "reserved" ? (line.keys ?? []) : line.day ? [legacyAutoKey(line.day)] : [];
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
}

/**
 * The file's state, reading only what was appended since the last call when that is safe. `reset`: a
 * checkpoint whose shard could not be read any more (a newer one replaced it): the scan built on it is dropped
 * and started again from the checkpoint now in place if it is on the chain this process verified (it ends on a
 * line whose link the dropped scan holds, or after the dropped scan's last line, which is still in place), or
 * else from the first line: nothing this process verified is given up.
 */
export function currentScan(ctx: JournalContext, reset?: Base): Promise<Scan> {
  // One scan at a time: two concurrent calls would both extend the same cached scan with the same new bytes
  // (counting each claim and attempt twice, which then looks like a file put back).
  const run = (ctx.scanning ?? Promise.resolve())
    .catch(() => {})
    .then(() => {
      let dropped: Scan | undefined;
      if (reset && ctx.scan?.base === reset) {
        dropped = ctx.scan;
        ctx.scan = null;
      }
      return scanNow(ctx, dropped);
    });
  ctx.scanning = run;
  return run;
}

async function scanNow(ctx: JournalContext, dropped?: Scan): Promise<Scan> {
  let info: { size: number; mtimeMs: number; ino: number } | null;
  try {
    info = await statRegular(ctx.file, ctx.where);
  } catch (error) {
    if (!(error instanceof NotRegularFileError)) throw error;
    // Not read as empty, and not kept: the journal cannot be trusted until a file of ours is back.
    return { ...freshScan(), problems: [error.message] };
  }
  if (!info) {
    ctx.scan = freshScan();
    return ctx.scan;
  }
  const { scan } = ctx;
  if (scan && scan.ino === info.ino && scan.size === info.size && scan.mtimeMs === info.mtimeMs) return scan;
  let next: Scan;
  if (scan && scan.ino === info.ino && info.size > scan.size && (await tailInPlace(ctx, scan))) next = scan;
  else {
    let restored = scan === null ? await loadCheckpoint(ctx) : null;
    const onOurChain = (from: Scan, ours: Scan) =>
      from.seq > ours.seq ? true : ours.recent.get(from.seq) === from.prev;
    if (restored && dropped && !(onOurChain(restored, dropped) && (await tailInPlace(ctx, dropped))))
      restored = null;
    next = restored && restored.offset <= info.size ? restored : freshScan();
  }
  const from = next.offset;
  const bytes = (await readRange(ctx, ctx.file, from, info.size)) ?? Buffer.alloc(0);
  consume(ctx, next, bytes, from);
  next.ino = info.ino;
  next.size = from + bytes.length;
  next.mtimeMs = info.mtimeMs;
  ctx.scan = next;
  saveCheckpoint(ctx, next);
  return next;
}
