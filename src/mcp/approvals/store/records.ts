import { rm } from "node:fs/promises";
import { writeFileAtomic } from "../../fsutil/files.js";
import { withLock } from "../../fsutil/lock.js";
import { isApprovalId } from "../ids.js";
import type { JournalEvent } from "../journal.js";
import type { StoreContext } from "./context.js";
import { type ApprovalRecord, COMPLETED } from "./schema.js";

/** The change `mutate` makes, what it answers, and the journal line that goes with it. */
export interface Change<T> {
  record: ApprovalRecord | null;
  result: T;
  /** Journal line to append once the record is on disk, still under the request's lock. */
  after?: JournalEvent;
}

/** What this process last read of a request's file. */
export interface CachedRecord {
  file: string;
  mtimeMs: number;
  size: number;
  record: ApprovalRecord | null;
  /** In `approvals/` (not the archive). */
  active: boolean;
  /** When a pending one expires (ms since the epoch). */
  expiresMs: number;
}

/** Reading and writing one request's file: where it lies (active, else archived), a read-modify-write under its lock. */
export interface Records {
  /** What this process last read of the request (undefined when it never did). */
  cached(id: string): CachedRecord | undefined;
  /** The record a file holds, read again only when its mtime or size changed. */
  load(id: string, file: string, info: { mtimeMs: number; size: number }): Promise<ApprovalRecord | null>;
  /** Whether the request was last found in `approvals/` rather than the archive. */
  inActiveDir(id: string): boolean;
  /** Seals and writes the record where its status puts it; answers it as written. */
  write(record: ApprovalRecord): Promise<ApprovalRecord>;
  /**
   * Read-modify-write under the request's lock. `change` returns the new record (or null to leave it) and the
   * journal event that goes with it: the record first, then the journal, so that a crash between the two leaves
   * the record ahead of the journal — never the journal ahead (which would refuse a genuine request for ever).
   */
  mutate<T>(
    id: string,
    change: (record: ApprovalRecord | null) => Promise<Change<T>> | Change<T>,
  ): Promise<T>;
  /** `ApprovalStore.get`. */
  get(id: string): Promise<ApprovalRecord | null>;
  /** A pending request past `expiresAt` becomes `expired` (persisted), unless it is not intact. */
  expireIfDue(record: ApprovalRecord): Promise<ApprovalRecord>;
  /** The record as `expired`, now. */
  expired(record: ApprovalRecord): ApprovalRecord;
}

/** `written` is told of every file this process writes (before and after), for the listing's snapshot. */
export function createRecords(ctx: StoreContext, written: (id: string) => void): Records {
  const { fileOf, statOrNull } = ctx;
  const cache = new Map<string, CachedRecord>();

  const load: Records["load"] = async (id, file, info) => {
    const cached = cache.get(id);
    if (cached && cached.file === file && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
      return cached.record;
    const record = await ctx.readRecord(id, file);
    cache.set(id, {
      file,
      mtimeMs: info.mtimeMs,
      size: info.size,
      record,
      active: file === fileOf(id),
      expiresMs: record ? Date.parse(record.expiresAt) : 0,
    });
    return record;
  };
  /** The archived copy of a request: where it was last found, else a stat per month. */
  const readArchived = async (id: string): Promise<ApprovalRecord | null> => {
    const cached = cache.get(id);
    const known = cached && cached.file !== fileOf(id) ? cached.file : null;
    if (known) {
      const info = await statOrNull(known);
      if (info) return load(id, known, info);
    }
    for (const month of await ctx.months()) {
      const file = ctx.archiveFileOf(id, month);
      if (file === known) continue;
      const info = await statOrNull(file);
      if (info) return load(id, file, info);
    }
    return null;
  };
  /** The request's active file when there is one (it takes precedence), else its archived copy. */
  const read = async (id: string): Promise<ApprovalRecord | null> => {
    const file = fileOf(id);
    const info = await statOrNull(file);
    if (info) {
      const record = await load(id, file, info);
      // Gone between the stat and the read: another process completed it meanwhile, and its archived copy
      // (written before the active file goes) is the request now.
      if (record || (await statOrNull(file))) return record;
    }
    const archived = await readArchived(id);
    if (!archived) cache.delete(id);
    return archived;
  };
  const inActiveDir = (id: string) => cache.get(id)?.active === true;

  const write = async (record: ApprovalRecord) => {
    const { sealed, text } = ctx.serialize(record);
    written(record.id);
    if (COMPLETED.has(sealed.status)) {
      // The archived copy first, then the active one goes: a crash between leaves both, and the completed copy
      // wins (see `mutate`).
      await writeFileAtomic(ctx.archiveFileOf(record.id, ctx.monthOf(record.createdAt)), text, ctx.where);
      await rm(fileOf(record.id), { force: true });
    } else await writeFileAtomic(fileOf(record.id), text, ctx.where);
    written(record.id);
    return sealed;
  };

  const mutate: Records["mutate"] = (id, change) => {
    const file = fileOf(id);
    return withLock(
      `${file}.lock`,
      async () => {
        let current = await read(id);
        if (current && !COMPLETED.has(current.status) && inActiveDir(id)) {
          // A sealed, intact completed copy in the archive is the request's final state: the active file beside
          // it is a crash's leftover or a copy put back, and goes.
          const archived = await readArchived(id);
          if (archived && COMPLETED.has(archived.status) && ctx.integrity(archived).length === 0) {
            await rm(file, { force: true });
            current = archived;
          }
        }
        const { record, result, after } = await change(current);
        // A change that answers the record it writes gets it as written, sealed anew (its old seal no longer
        // matches, and would read as tampering to whoever checks it next).
        const answer = record
          ? await write(record).then((sealed) => (result === record ? sealed : result))
          : result;
        if (after) await ctx.journalEvent(id, after);
        return answer as typeof result;
      },
      ctx.lockOptions,
    );
  };

  const expired = (record: ApprovalRecord): ApprovalRecord => ({
    ...record,
    status: "expired",
    completedAt: ctx.now().toISOString(),
  });
  const expireIfDue = async (record: ApprovalRecord): Promise<ApprovalRecord> => {
    if (!ctx.isExpired(record) || ctx.integrity(record).length > 0) return record;
    return mutate(record.id, (current) => {
      if (!current || !ctx.isExpired(current) || ctx.integrity(current).length > 0)
        return { record: null, result: current ?? record };
      const next = expired(current);
      return { record: next, result: next };
    });
  };

  return {
    cached: (id) => cache.get(id),
    load,
    inActiveDir,
    write,
    mutate,
    expireIfDue,
    expired,
    async get(id) {
      if (!isApprovalId(id)) return null;
      const record = await read(id);
      return record ? expireIfDue(record) : null;
    },
  };
}
