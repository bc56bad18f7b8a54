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
  activeIds(refused: Refused): Promise<ActiveIds>;
}

export interface ActiveIds {
  ids: ReadonlySet<string>;
  trusted: (id: string) => boolean;
  /** The ids to look at again since the last call: every one (`"all"`) after a full read. */
  changed: Iterable<string> | "all";
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
        const listed = new Set(await ctx.idsIn(ctx.dir, refused));
        if (watching) {
          ids = listed;
          fullAt = Date.now();
        }
        return { ids: listed, trusted: () => false, changed: "all" };
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
      return { ids, trusted: (id) => !stale.has(id), changed: stale };
    },
  };
}

export interface Listing {
  /** The requests in `approvals/` (pending and approved), as `get` would answer each; completed leftovers archived. */
  activeRecords(refused?: Refused): Promise<ApprovalRecord[]>;
  /** How many requests are undecided, in all and from `client` (the caps of a new request). */
  pendingCounts(client: string): Promise<{ everyone: number; waiting: number }>;
  list: ApprovalStore["list"];
}

export function createListing(
  ctx: StoreContext,
  records: Records,
  archive: Archive,
  live: LiveSnapshot,
): Listing {
  /** One active request as `get` would answer it (expired if due), or null when it is gone or refused. */
  const current = async (
    id: string,
    active: ActiveIds,
    nowMs: number,
    refused: Refused,
  ): Promise<ApprovalRecord | null> => {
    const known = active.trusted(id) ? records.cached(id) : undefined;
    const cached = known?.active ? known : undefined;
    const record = cached?.record ?? null;
    try {
      if (!record) return await records.get(id);
      if (record.status === "pending" && cached!.expiresMs <= nowMs) return await records.expireIfDue(record);
      return record;
    } catch (error) {
      // Its file (or its lock, to persist an expiry) is not a file: left out and named; the others go on.
      if (!(error instanceof NotRegularFileError)) throw error;
      refused(error);
      return null;
    }
  };
  const recordsOf = async (active: ActiveIds, nowMs: number, refused: Refused): Promise<ApprovalRecord[]> => {
    const out: ApprovalRecord[] = [];
    for (const id of [...active.ids]) {
      const record = await current(id, active, nowMs, refused);
      if (!record) continue;
      if (COMPLETED.has(record.status) && records.inActiveDir(id)) await archive.archiveLeftover(id);
      else out.push(record);
    }
    return out;
  };

  /**
   * The undecided requests, kept counted between calls so that a new request's caps cost the same with 4,000
   * of them as with none. Every read of the snapshot (`read`, whoever asks) updates the count with the requests
   * it marks as changed; the count is made anew after a full read of the folder, and once the first undecided
   * request is due to expire.
   */
  const pending = new Map<string, { client: string; expiresMs: number }>();
  const perClient = new Map<string, number>();
  let counted = false;
  let firstExpiry = Number.POSITIVE_INFINITY;
  const tally = (id: string, record: ApprovalRecord | null) => {
    const was = pending.get(id);
    if (was) {
      pending.delete(id);
      perClient.set(was.client, (perClient.get(was.client) ?? 1) - 1);
    }
    if (record?.status !== "pending") return;
    const entry = { client: record.requestedBy ?? "", expiresMs: Date.parse(record.expiresAt) };
    pending.set(id, entry);
    perClient.set(entry.client, (perClient.get(entry.client) ?? 0) + 1);
    firstExpiry = Math.min(firstExpiry, entry.expiresMs);
  };
  const recount = (all: ApprovalRecord[]) => {
    pending.clear();
    perClient.clear();
    firstExpiry = Number.POSITIVE_INFINITY;
    for (const record of all) tally(record.id, record);
    counted = true;
  };
  /** The snapshot, the count brought up to date with it; `whole`: the count must be made anew from every record. */
  const read = async (refused: Refused) => {
    const active = await live.activeIds(refused);
    const nowMs = ctx.now().getTime();
    const whole = !counted || active.changed === "all" || nowMs >= firstExpiry;
    if (!whole)
      for (const id of active.changed)
        tally(id, active.ids.has(id) ? await current(id, active, nowMs, refused) : null);
    return { active, nowMs, whole };
  };

  const activeRecords = async (refused: Refused = ctx.warnRefused): Promise<ApprovalRecord[]> => {
    const { active, nowMs, whole } = await read(refused);
    const all = await recordsOf(active, nowMs, refused);
    if (whole) recount(all);
    return all;
  };
  const pendingCounts = async (client: string) => {
    const { active, nowMs, whole } = await read(ctx.warnRefused);
    if (whole) recount(await recordsOf(active, nowMs, ctx.warnRefused));
    return { everyone: pending.size, waiting: perClient.get(client) ?? 0 };
  };

  return {
    activeRecords,
    pendingCounts,
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
