import path from "node:path";
import { writeFileAtomic } from "../../fsutil/files.js";
import { hmac, sameSignature, sha256 } from "../../hmac.js";
import { canonicalJson } from "../ids.js";
import { type Base, freshScan, type JournalContext, readRange, type Scan, tailInPlace } from "./context.js";
import { addTrail, addUse, SHARDS, type Shard, type ShardText, shardOf } from "./trails.js";

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

const CHECKPOINT_EVERY = 5_000;
/** 3: budget counters by key (2 kept automatic approvals by day alone; such a checkpoint is not used). */
const CHECKPOINT_VERSION = 3;

const checkpointFile = (ctx: JournalContext) => `${ctx.file}.checkpoint`;
const checkpointMac = (key: Buffer, body: unknown) =>
  hmac(key, canonicalJson({ kind: "journal-checkpoint", body }), "base64url");

/** A shard of `base`, read and checked against its digest; null when the file no longer holds it. */
export async function readShard(
  ctx: JournalContext,
  base: Base,
  index: number,
  keep: boolean,
): Promise<Shard | null> {
  const cached = base.loaded.get(index);
  if (cached) return cached;
  const { offset, length, digest } = base.shards[index]!;
  const shard: Shard = { trails: new Map(), budgets: new Map() };
  if (length > 0) {
    // A cache: a checkpoint that is not a file any more is read again from the journal.
    const bytes = await readRange(ctx, checkpointFile(ctx), offset, offset + length).catch(() => null);
    if (!bytes || bytes.length !== length || sha256(bytes, "base64url") !== digest) return null;
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
}

/** Writes a checkpoint of `from` in the background when enough lines were added since the last one. */
export function saveCheckpoint(ctx: JournalContext, from: Scan): void {
  const { key } = ctx;
  if (!key || from.altered || from.seq - ctx.checkpointSeq < CHECKPOINT_EVERY) return;
  ctx.checkpointSeq = from.seq;
  // What the checkpoint holds is taken now (the scan goes on with later lines); trails are never changed in
  // place, so copies of the maps are enough.
  const head = {
    v: CHECKPOINT_VERSION,
    file: path.resolve(ctx.file),
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
      const shard = base ? await readShard(ctx, base, index, false) : null;
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
    const body = { ...head, shards: bytes.map((b) => [b.length, sha256(b, "base64url")]) };
    const header = Buffer.from(`${JSON.stringify({ body, mac: checkpointMac(key, body) })}\n`, "utf8");
    await writeFileAtomic(checkpointFile(ctx), Buffer.concat([header, ...bytes]), ctx.where);
  })().catch(() => {});
}

/** The checkpoint's header, its seal checked, and the line it ends on still in place; null otherwise. */
export async function loadCheckpoint(ctx: JournalContext): Promise<Scan | null> {
  const { key } = ctx;
  if (!key || !ctx.useCheckpoint) return null;
  try {
    let header: Buffer | null = null;
    for (let window = 65_536; !header; window *= 4) {
      const bytes = await readRange(ctx, checkpointFile(ctx), 0, window);
      if (!bytes) return null;
      const nl = bytes.indexOf(10);
      if (nl >= 0) header = bytes.subarray(0, nl + 1);
      else if (bytes.length < window) return null;
    }
    const { body, mac } = JSON.parse(header.toString("utf8")) as {
      body: Record<string, unknown>;
      mac: string;
    };
    if (!sameSignature(checkpointMac(key, body), mac)) return null;
    if (body.v !== CHECKPOINT_VERSION || body.file !== path.resolve(ctx.file)) return null;
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
    if (!(await tailInPlace(ctx, restored))) return null;
    ctx.checkpointSeq = restored.seq;
    return restored;
  } catch {
    return null;
  }
}
