import { defineConfig } from "vitest/config";

/**
 * Tests that run many real processes at once (the built server, the CLI, the desktop core, on one data folder
 * and one keychain) and measure how the product holds under that load: they run after the rest, on their own,
 * so that their load is theirs and not that of ninety other test files at the same time.
 */
const ON_THEIR_OWN = ["tests/load/**/*.test.ts", "tests/faults/kill.test.ts"];

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
          exclude: ON_THEIR_OWN,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "processes", include: ON_THEIR_OWN, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
