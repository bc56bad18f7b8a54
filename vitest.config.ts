import { defineConfig } from "vitest/config";

/**
 * Tests that run many real processes at once (the built server, the CLI, the desktop core, on one data folder
 * and one keychain) and measure how the product holds under that load: they run after the rest, on their own,
 * one after the other, so that their load is theirs and not that of ninety other test files (or of each other: both
 * drive one GNOME Keyring daemon hard, and on two cores a starved Secret Service stops answering in time). The
 * kill test runs two of its lanes at a time: each waits on its own processes most of the time.
 *
 * The rest runs two files at a time even on two cores (vitest's default there is one): most of them wait on a
 * child process, a socket or the disk, not on the CPU.
 */
const LOAD = "tests/load/**/*.test.ts";
const KILL = "tests/faults/kill.test.ts";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: ["default", "./tests/support/summary-reporter.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["tests/**/*.test.ts"],
          exclude: [LOAD, KILL],
          sequence: { groupOrder: 0 },
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: { name: "killed", include: [KILL], sequence: { groupOrder: 1 }, maxConcurrency: 2 },
      },
      { extends: true, test: { name: "load", include: [LOAD], sequence: { groupOrder: 2 } } },
    ],
  },
});
