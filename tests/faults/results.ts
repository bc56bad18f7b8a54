/**
 * The rows of docs/RELIABILITY.md: each fault test records what it saw (scenario, step cut, the tool's answer,
 * Odoo afterwards, the audit log, the queue, the verdict) into the JSON Lines file named by RELIABILITY_OUT, when
 * it is set (`npm run reliability` sets it, then writes the table with scripts/reliability.mjs).
 */
import { appendFileSync } from "node:fs";

/** Every scenario the fault tests define; docs/RELIABILITY.md must hold at least one row of each. */
export const SCENARIOS = {
  refused: "Odoo refusing connections",
  "stop-mid-write": "Odoo stopping in the middle of a multi-step write",
  slow: "Odoo answering after 35 s (timeout 30 s)",
  truncated: "Truncated answers",
  "non-json": "Non-JSON answers",
  "gateway-burst": "502/503 bursts",
  "kill-execution": "The server process killed at each step of an approved execution, then restarted",
  "kill-replay": "The server process killed at each step of a queue replay, then restarted",
  "runner-backoff": "Odoo down for a while: a running server's background replays of the queue",
} as const;

export type ScenarioId = keyof typeof SCENARIOS;

export interface ReliabilityRow {
  scenario: ScenarioId;
  /** The case within the scenario: tool, Odoo version, where it was cut. */
  case: string;
  /** e.g. "3/14 account.move.create (cut: applied, answer lost)". */
  step: string;
  answer: string;
  odoo: string;
  audit: string;
  queue: string;
  verdict: "pass" | "fail";
}

export function recordRow(row: ReliabilityRow): void {
  const out = process.env.RELIABILITY_OUT;
  if (!out) return;
  appendFileSync(out, `${JSON.stringify(row)}\n`);
}
