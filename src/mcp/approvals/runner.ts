import { NotRegularFileError } from "../fsutil/regular.js";
import type { Logger } from "../log.js";
import type { OfflineQueue } from "../queue/offline-queue.js";
import type { Approvals } from "./core.js";
import {
  drainQueue,
  type ExecutionOutcome,
  type ExecutorDeps,
  executeApproval,
  recoverInterrupted,
} from "./executor.js";
import type { ApprovalStore } from "./store.js";

/** What the runner works with: the core's front door, and the store's key and the executor behind it. */
export interface RunnerDeps {
  approvals: Pick<Approvals, "list" | "watch">;
  store: Pick<ApprovalStore, "decisionKey">;
  queue: OfflineQueue;
  executorDeps(): ExecutorDeps;
  logger: Logger;
  dryRun: boolean;
}

/**
 * Work a running server does between tool calls: put back in the queue what a crashed process left running,
 * replay the offline queue when Odoo answers again, and run requests a person approved elsewhere (the app, the
 * CLI) while nobody ran them. It wakes on changes to the store (file events) and otherwise only every
 * `fallbackMs`; it reads only files that changed. Requests this process cannot verify (another key) or that were
 * refused are not tried again until their file changes.
 *
 * A replay of the queue that moves nothing (Odoo still down, often failing at once: refused, an HTML page, a 503)
 * writes to the store itself (claim, queued state), which wakes the runner again: so the runner backs off, 1 s,
 * 2 s, 4 s ... up to `fallbackMs`, and replays the queue only when that step is over (a timer wakes it then),
 * whatever woke it meanwhile. A request a person approves meanwhile still runs at once (the executor puts it
 * behind the queue and replays it); a replay that moves something, or an empty queue, ends the backoff.
 */
export function runner(deps: RunnerDeps, options: { fallbackMs?: number }): { stop(): void } {
  const { approvals } = deps;
  if (deps.dryRun) return { stop() {} };
  let running = false;
  let again = false;
  let stopped = false;
  /**
   * What held the last round up in the data folder (entries that are not files): each logged as a warning once,
   * until a round goes through.
   */
  let blockedBy = new Set<string>();
  let seenNow = new Set<string>();
  const note = (error: NotRegularFileError) => {
    seenNow.add(error.message);
    if (!blockedBy.has(error.message))
      deps.logger.warn(`background work: ${error.message}; nothing that needs it runs until it is removed`);
  };
  const refused = new Map<string, string>();
  const fallbackMs = options.fallbackMs ?? 30_000;
  // The replay's backoff: 0 while the last replay moved something (or the queue was empty).
  let replayDelayMs = 0;
  let replayAt = 0;
  let replayTimer: NodeJS.Timeout | null = null;
  const backOff = () => {
    replayDelayMs = Math.min(fallbackMs, replayDelayMs === 0 ? 1_000 : replayDelayMs * 2);
    replayAt = Date.now() + replayDelayMs;
    if (replayTimer) clearTimeout(replayTimer);
    replayTimer = setTimeout(() => {
      replayTimer = null;
      void tick();
    }, replayDelayMs);
    replayTimer.unref();
  };
  const replay = async (executor: ExecutorDeps) => {
    if ((await deps.queue.pending()).length === 0) {
      replayDelayMs = 0;
      return;
    }
    if (Date.now() < replayAt) return; // backing off: the timer wakes the runner when the step is over
    let moved = false;
    try {
      const result = await drainQueue(executor);
      moved = result.remaining === 0 || result.executed + result.failed > 0;
    } finally {
      if (moved) replayDelayMs = 0;
      else backOff();
    }
  };
  const tick = async () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    seenNow = new Set();
    try {
      const executor = deps.executorDeps();
      await recoverInterrupted(executor);
      await replay(executor);
      for (const record of await approvals.list({ status: "approved" })) {
        if (stopped) break;
        if (record.execution) continue;
        const fingerprint = `${record.seal ?? ""}${record.decision?.signature ?? ""}`;
        if (refused.get(record.id) === fingerprint) continue;
        if (record.decision?.key !== deps.store.decisionKey) continue; // another process's to run
        let outcome: ExecutionOutcome;
        try {
          outcome = await executeApproval(executor, record.id);
        } catch (error) {
          // Its lock (say) is not a file: said, and the requests behind it still run.
          if (!(error instanceof NotRegularFileError)) throw error;
          note(error);
          continue;
        }
        if (outcome.status === "failed" && outcome.code === "APPROVAL_INVALID")
          refused.set(record.id, fingerprint);
      }
    } catch (error) {
      // Something in the data folder that is not a file (the queue, say): said once, as a warning.
      if (error instanceof NotRegularFileError) note(error);
      else deps.logger.debug(`background work: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      blockedBy = seenNow;
      running = false;
      if (again && !stopped) {
        again = false;
        void tick();
      }
    }
  };
  const unwatch = approvals.watch(() => void tick());
  const timer = setInterval(() => void tick(), fallbackMs);
  timer.unref();
  void tick();
  return {
    stop() {
      stopped = true;
      unwatch();
      clearInterval(timer);
      if (replayTimer) clearTimeout(replayTimer);
    },
  };
}
