import { defineConfig } from "vitest/config";

/**
 * Tests that run many real processes at once (the built server, the CLI, the desktop core, on one data folder
 * and one keychain) and measure how the product holds under that load: they run after the rest, on their own,
 * one after the other, so that their load is theirs and not that of ninety other test files (or of each other: both
 * drive one GNOME Keyring daemon hard, and on two cores a starved Secret Service stops answering in time).
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
        },
      },
      { extends: true, test: { name: "killed", include: [KILL], sequence: { groupOrder: 1 } } },
      { extends: true, test: { name: "load", include: [LOAD], sequence: { groupOrder: 2 } } },
    ],
  },
});
