import { lstat } from "node:fs/promises";
import { sleep } from "../../fsutil/lock.js";
import { statFolder } from "../../fsutil/regular.js";
import type { StoreContext } from "./context.js";
import type { Records } from "./records.js";
import type { ApprovalRecord } from "./schema.js";
import type { ApprovalStore } from "./types.js";

/** Telling a caller that requests changed: file events on `approvals/` (and a slow poll), or one request polled. */
export function createWatch(
  ctx: StoreContext,
  records: Records,
): Pick<ApprovalStore, "watch" | "waitForChange"> {
  const { dir, logger } = ctx;
  return {
    async waitForChange(id, { timeoutMs, signal }) {
      const first = await records.get(id);
      if (!first) return null;
      const fingerprint = (r: ApprovalRecord) =>
        JSON.stringify([r.status, r.execution?.state, r.execution?.claim, r.execution?.attempts.length]);
      const initial = fingerprint(first);
      const deadline = Date.now() + timeoutMs;
      let latest: ApprovalRecord = first;
      while (Date.now() < deadline && !signal?.aborted) {
        await sleep(Math.min(ctx.pollMs, Math.max(0, deadline - Date.now())), signal);
        const next = await records.get(id);
        if (!next) return null;
        latest = next;
        if (fingerprint(next) !== initial) return next;
      }
      return latest;
    },

    watch(listener) {
      let pending = new Set<string>();
      let timer: NodeJS.Timeout | null = null;
      const flush = () => {
        timer = null;
        const ids = [...pending];
        pending = new Set();
        listener(ids);
      };
      /** A request's file changed (`null`: something did, unnamed). */
      const note = (id: string | null) => {
        if (id) pending.add(id);
        timer ??= setTimeout(flush, 50);
      };
      let watcher: ReturnType<StoreContext["watchRequests"]> | null = null;
      try {
        watcher = ctx.watchRequests(note);
        watcher.on("error", () => {});
      } catch (error) {
        logger?.warn(
          `cannot watch ${dir} (${error instanceof Error ? error.message : String(error)}); changes are noticed every few seconds`,
        );
      }
      // A slow safety net where file events are lost (network folders): a readdir and a stat per file, and only
      // what changed since the last read is reported: a new request, a changed one, one gone. The first read, at
      // once, is the baseline. Only `approvals/` is read (the archive holds completed requests only), and only when
      // its mtime moved (every write lands by a rename) or every sixth round.
      const seen = new Map<string, number>();
      let dirMtime = -1;
      let round = 0;
      const read = async (report: boolean) => {
        const info = await statFolder(dir, ctx.where).catch(() => null);
        round = (round + 1) % 6;
        if (report && info && info.mtimeMs === dirMtime && round !== 0) return;
        dirMtime = info?.mtimeMs ?? -1;
        const present = new Set(await ctx.idsIn(dir, () => {}));
        for (const id of present) {
          // lstat: a link is not followed, and a stat never waits, not even on a FIFO.
          const mtime = await lstat(ctx.fileOf(id)).then(
            (info) => info.mtimeMs,
            () => -1,
          );
          if (seen.get(id) !== mtime) {
            if (report) note(id);
            seen.set(id, mtime);
          }
        }
        for (const id of seen.keys())
          if (!present.has(id)) {
            seen.delete(id);
            if (report) note(id);
          }
      };
      let reading = read(false).catch(() => {});
      const poll = setInterval(() => {
        reading = reading.then(() => read(true)).catch(() => {});
      }, ctx.safetyPollMs);
      poll.unref();
      return () => {
        watcher?.close();
        clearInterval(poll);
        if (timer) clearTimeout(timer);
      };
    },
  };
}
