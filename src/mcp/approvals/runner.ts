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
 * The runner's time: when it is, and its timers. The product's is the real one (timers that never keep the process
 * alive); a test passes one it steps itself, so that a backoff or the fallback interval is checked step by step
 * instead of waited out (tests/faults/runner-backoff.test.ts).
 */
export interface RunnerClock {
  now(): number;
  /** Calls `fn` once after `ms`; the answer cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` every `ms`; the answer cancels it. */
  every(ms: number, fn: () => void): () => void;
}

const realClock: RunnerClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

export interface RunnerOptions {
  /** How often it looks without a file event, and the longest step of the backoff (default 30 s). */
  fallbackMs?: number;
  clock?: RunnerClock;
}

/**
 * A running runner. `settled` resolves once no round is running (one a file event or a timer started); `stop`
 * starts no new round and resolves once the one under way has ended, so that whoever closes the app after it
 * never closes the audit log or removes the data folder under an execution.
 */
export interface Runner {
  stop(): Promise<void>;
  settled(): Promise<void>;
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
export function runner(deps: RunnerDeps, options: RunnerOptions): Runner {
  const { approvals } = deps;
  if (deps.dryRun) return { stop: async () => {}, settled: async () => {} };
  let running = false;
  let round: Promise<void> = Promise.resolve();
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
  const clock = options.clock ?? realClock;
  // The replay's backoff: 0 while the last replay moved something (or the queue was empty).
  let replayDelayMs = 0;
  let replayAt = 0;
  let cancelReplay: (() => void) | null = null;
  const leftSaid = new Set<string>();
  const backOff = () => {
    replayDelayMs = Math.min(fallbackMs, replayDelayMs === 0 ? 1_000 : replayDelayMs * 2);
    replayAt = clock.now() + replayDelayMs;
    cancelReplay?.();
    cancelReplay = clock.after(replayDelayMs, () => {
      cancelReplay = null;
      tick();
    });
  };
  const replay = async (executor: ExecutorDeps) => {
    if ((await deps.queue.pending()).length === 0) {
      replayDelayMs = 0;
      return;
    }
    if (clock.now() < replayAt) return; // backing off: the timer wakes the runner when the step is over
    let moved = false;
    try {
      // What the replay leaves in the queue and why, once each: a request this process cannot run waits silently
      // otherwise (its decision made with a key this process does not hold, say), and the backoff hides it.
      const result = await drainQueue(executor, (message) => {
        if (!/left in the queue/.test(message) || leftSaid.has(message)) return;
        leftSaid.add(message);
        deps.logger.warn(`queue replay: ${message}`);
      });
      moved = result.remaining === 0 || result.executed + result.failed > 0;
    } finally {
      if (moved) replayDelayMs = 0;
      else backOff();
    }
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    round = work();
  };
  const work = async () => {
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
        tick();
      }
    }
  };
  const unwatch = approvals.watch(() => tick());
  const cancelFallback = clock.every(fallbackMs, () => tick());
  tick();
  return {
    async stop() {
      stopped = true;
      unwatch();
      cancelFallback();
      cancelReplay?.();
      await this.settled();
    },
    async settled() {
      // A round that ends with `again` starts the next one before its promise settles.
      while (running) await round;
    },
  };
}
