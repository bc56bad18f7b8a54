import { NotRegularFileError } from "../../fsutil/regular.js";
import type { Archive } from "./archive.js";
import type { StoreContext } from "./context.js";
import type { Refused } from "./folders.js";
import type { Records } from "./records.js";
import { type ApprovalRecord, COMPLETED } from "./schema.js";
import type { ApprovalStore } from "./types.js";

/**
 * The active folder as this process last read it, kept fresh by file events: while a watcher runs on
 * `approvals/` (inotify, FSEvents, ReadDirectoryChangesW), a file nobody touched since it was read is not
 * stat-ed again, and the folder is not listed again until a name in it changes, so listing the undecided
 * requests (the caps of every gated call, list_approvals, the runner) costs the same with 4,000 of them as with
 * 20. Every file event marks its name (and the listing) stale; this process's own writes do too; and every 5 s
 * everything is read again anyway, for file systems whose events get lost. Without a watcher every read
 * stat-s, as before. `get`, `decide`, `claim` and the executor never use the snapshot: they always read the file.
 */
export interface LiveSnapshot {
  /** This process wrote the request's file: read it again next time. */
  mark(id: string): void;
  /**
   * The active requests' ids, and for each whether what was last read of its file may be used without reading it
   * again: with a watcher, only the names marked since the last call are looked at (a stat each); every 5 s, or
   * without one, the folder is listed and every file read.
   */
  activeIds(refused: Refused): Promise<{ ids: Iterable<string>; trusted: (id: string) => boolean }>;
}

export function createLiveSnapshot(ctx: StoreContext): LiveSnapshot {
  let watching = false;
  let started = false;
  let ids = new Set<string>();
  let marked = new Set<string>();
  let fullAt = 0;
  const start = () => {
    if (started) return;
    started = true;
    try {
      const watcher = ctx.watchRequests((id) => {
        if (id) marked.add(id);
        else fullAt = 0; // an event without a name: read everything next time
      });
      watcher.on("error", () => {
        watching = false;
      });
      watching = true;
    } catch {
      watching = false;
    }
  };
  return {
    mark: (id) => marked.add(id),
    async activeIds(refused) {
      start();
      // Marks are taken before reading: an event during the read marks its name again for the next call.
      const stale = marked;
      marked = new Set();
      if (!watching || Date.now() - fullAt >= 5_000) {
        const listed = await ctx.idsIn(ctx.dir, refused);
        if (watching) {
          ids = new Set(listed);
          fullAt = Date.now();
        }
        return { ids: listed, trusted: () => false };
      }
      for (const id of stale) {
        // A name that is not a file any more stays listed: reading it below names it (`refused`).
        const info = await ctx.statOrNull(ctx.fileOf(id)).catch((error: unknown) => {
          if (error instanceof NotRegularFileError) return true;
          throw error;
        });
        if (info) ids.add(id);
        else ids.delete(id);
      }
      return { ids, trusted: (id) => !stale.has(id) };
    },
  };
}

export interface Listing {
  /** The requests in `approvals/` (pending and approved), as `get` would answer each; completed leftovers archived. */
  activeRecords(refused?: Refused): Promise<ApprovalRecord[]>;
  list: ApprovalStore["list"];
}

export function createListing(
  ctx: StoreContext,
  records: Records,
  archive: Archive,
  live: LiveSnapshot,
): Listing {
  const activeRecords = async (refused: Refused = ctx.warnRefused): Promise<ApprovalRecord[]> => {
    const active = await live.activeIds(refused);
    const nowMs = ctx.now().getTime();
    const out: ApprovalRecord[] = [];
    for (const id of [...active.ids]) {
      const known = active.trusted(id) ? records.cached(id) : undefined;
      const cached = known?.active ? known : undefined;
      let record = cached?.record ?? null;
      try {
        if (!record) record = await records.get(id);
        else if (record.status === "pending" && cached!.expiresMs <= nowMs)
          record = await records.expireIfDue(record);
      } catch (error) {
        // Its file (or its lock, to persist an expiry) is not a file: left out and named; the others go on.
        if (!(error instanceof NotRegularFileError)) throw error;
        refused(error);
        continue;
      }
      if (!record) continue;
      if (COMPLETED.has(record.status) && records.inActiveDir(id)) await archive.archiveLeftover(id);
      else out.push(record);
    }
    return out;
  };

  return {
    activeRecords,
    async list(filter, report) {
      const wanted = filter?.status === undefined ? null : new Set([filter.status].flat());
      const limit = filter?.limit;
      const refused: Refused = report ? (error) => report.refused(error) : ctx.warnRefused;
      const byId = new Map<string, ApprovalRecord>();
      for (const record of await activeRecords(refused))
        if (!wanted || wanted.has(record.status)) byId.set(record.id, record);
      if (!wanted || [...wanted].some((status) => COMPLETED.has(status)))
        for (const record of await archive.list(wanted, limit, refused))
          if (!byId.has(record.id)) byId.set(record.id, record);
      // ISO timestamps and ids compare as plain strings (localeCompare is far slower, and locale-dependent).
      const newestFirst = [...byId.values()].sort((a, b) =>
        a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1,
      );
      return limit === undefined ? newestFirst : newestFirst.slice(0, limit);
    },
  };
}
