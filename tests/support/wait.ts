import { createExpenseOperation } from "../../src/mcp/accounting/expenses.js";
import type { App } from "../../src/mcp/app.js";
import { localDate } from "../../src/mcp/dates.js";
import type { Harness } from "./harness.js";

/**
 * Waits for a state, never for a time: polls `probe` until it gives something truthy (returned), failing with
 * `what` at the deadline. The deadline is generous (a busy machine is slow, not wrong); a passing test never
 * waits for it.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  what = "the condition",
  deadlineMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Until request `id` has run, to its last step: the execution's audit line (written after the record says
 * "executed"; the executor writes nothing more for it afterwards).
 */
export async function untilRan(app: Pick<App, "audit">, id: string, what = `${id} runs`): Promise<void> {
  const started = localDate(new Date()); // the line may land in that day's log, or (past midnight) the next's
  await until(async () => {
    for (const day of new Set([started, localDate(new Date())]))
      if (
        (await app.audit.read(day)).some(
          (e) => e.event === "execution" && e.result === "success" && e.approval_id === id,
        )
      )
        return true;
    return false;
  }, what);
}

/**
 * Proof that a started runner (`approvals.startRunner`) has gone over the whole store and the offline queue at least
 * once since this was called: what a test needs before it checks that the runner did NOT run something. Two
 * expenses a person approved without running them: the runner must run each. The second is approved only once the
 * first ran, so the runner's round that runs it began after the round that ran the first had ended, whole (its
 * rounds never overlap). A runner that does nothing fails here, by name, instead of passing the test.
 *
 * Each leaves an expense in Odoo (hr.expense); `ODOO_MCP_AUTO_APPROVAL_THRESHOLD` must stay below 150.
 */
export async function runnerWentRound(h: Harness): Promise<string[]> {
  const ids: string[] = [];
  for (const n of [1, 2]) {
    // Asked through the gate itself, not the MCP client: a client that approves in its prompt has no say here.
    const answer = await h.app.approvals.request(
      createExpenseOperation,
      {
        description: `Runner check ${n}`,
        amount: 150,
        expense_date: new Date(Date.now() - 86_400_000).toISOString().slice(0, 10),
        category: "travel",
      },
      { clientName: "runner check", signal: new AbortController().signal },
    );
    if (answer.status !== "pending_approval") throw new Error(`runner check: ${JSON.stringify(answer)}`);
    const id = answer.approval_id;
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "test" });
    await untilRan(h.app, id, `the runner runs an approved request (${id})`);
    ids.push(id);
  }
  return ids;
}
