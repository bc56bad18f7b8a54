import type { RunnerClock } from "../../src/mcp/approvals/runner.js";

/** A runner's clock that a test moves on by hand: no timer fires, and `now()` does not move, until `advance`. */
export interface ManualClock extends RunnerClock {
  /** Moves time on by `ms`, firing what falls due on the way, in order. */
  advance(ms: number): void;
  /** In how many ms the next one-shot timer (the backoff's step) fires; undefined when none is set. */
  nextOnce(): number | undefined;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  const timers = new Set<{ at: number; every?: number; fn: () => void }>();
  const add = (timer: { at: number; every?: number; fn: () => void }) => {
    timers.add(timer);
    return () => void timers.delete(timer);
  };
  return {
    now: () => now,
    after: (ms, fn) => add({ at: now + ms, fn }),
    every: (ms, fn) => add({ at: now + ms, every: ms, fn }),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers].filter((t) => t.at <= end).sort((x, y) => x.at - y.at)[0];
        if (!due) break;
        now = due.at;
        if (due.every) due.at += due.every;
        else timers.delete(due);
        due.fn();
      }
      now = end;
    },
    nextOnce() {
      const once = [...timers].filter((t) => t.every === undefined).map((t) => t.at - now);
      return once.length > 0 ? Math.min(...once) : undefined;
    },
  };
}
