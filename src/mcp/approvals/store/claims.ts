import type { AttemptMarker } from "../../accounting/operation.js";
import { ToolError } from "../../errors.js";
import { HOST, isHolderDead } from "../../fsutil/lock.js";
import { isApprovalId } from "../ids.js";
import { notFound, type StoreContext } from "./context.js";
import type { Records } from "./records.js";
import { type ApprovalRecord, COMPLETED } from "./schema.js";
import type { ApprovalStore } from "./types.js";

type Execution = NonNullable<ApprovalRecord["execution"]>;

/** The execution in `state` with no claim: nobody holds it any more. */
const released = (execution: Execution | undefined, state: Execution["state"]): Execution => ({
  state,
  attempts: execution?.attempts ?? [],
  ...(execution?.claims ? { claims: execution.claims } : {}),
});

/**
 * Running an approved request exactly once across processes: the right to execute (`claim`), each attempt on disk
 * before it is applied, and its release (queued, completed, or recovered from a dead holder).
 */
export function createClaims(
  ctx: StoreContext,
  records: Records,
): Pick<
  ApprovalStore,
  "verifyForExecution" | "claim" | "recordAttempt" | "markQueued" | "complete" | "recoverAbandoned"
> {
  const { mutate } = records;
  const { now, journal } = ctx;

  const heldByUs = (record: ApprovalRecord) =>
    record.execution?.claim?.pid === process.pid && record.execution.claim.host === HOST;

  const verifyForExecution = async (record: ApprovalRecord): Promise<string[]> => {
    const problems = ctx.integrity(record);
    const decision = record.decision;
    if (!decision) problems.push("no person's decision is recorded");
    else {
      if (decision.decision !== "approved") problems.push("the decision is not an approval");
      if (!ctx.decisionVerifies(record))
        problems.push(
          decision.key === ctx.decisionKey.source
            ? "the decision's signature is not valid"
            : `the decision was made with the ${decision.key} key, which this process does not hold`,
        );
      if (Date.parse(decision.at) > Date.parse(record.expiresAt))
        problems.push("the decision came after the request expired");
    }
    const seen = await journal.state(record.id);
    problems.push(...seen.problems);
    if (seen.completed) problems.push("it has already been executed");
    if (seen.attempts > (record.execution?.attempts.length ?? 0))
      problems.push("its record of earlier attempts was removed");
    if (seen.claims > (record.execution?.claims ?? 0))
      problems.push("its record of an earlier execution was removed (the file was put back)");
    if (ctx.sealed && !seen.decided) problems.push("the journal holds no decision for it");
    return problems;
  };

  return {
    verifyForExecution,

    async claim(id, owner) {
      if (!isApprovalId(id)) throw notFound(id);
      return mutate(id, async (current) => {
        if (!current) throw notFound(id);
        if (current.status === "executed" || current.status === "failed")
          return { record: null, result: null };
        if (current.status !== "approved")
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} is ${current.status}, not approved: it cannot run.`,
          );
        const problems = await verifyForExecution(current);
        if (problems.length > 0)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} was refused: ${problems.join("; ")}. Nothing was done in Odoo.`,
          );
        const claim = current.execution?.claim;
        if (claim && !isHolderDead(claim)) return { record: null, result: null };
        const claimed: ApprovalRecord = {
          ...current,
          execution: {
            state: "running",
            claim: { pid: process.pid, host: HOST, at: now().toISOString(), ...(owner ? { owner } : {}) },
            attempts: current.execution?.attempts ?? [],
            claims: (current.execution?.claims ?? 0) + 1,
          },
        };
        // Every claim is counted in the journal too: a file put back to before a claim is seen (claims removed).
        return { record: claimed, result: claimed, after: "claimed" };
      });
    },

    async recordAttempt(id, marker) {
      await mutate(id, async (current) => {
        if (current?.status !== "approved" || !current.execution || !heldByUs(current))
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id}: its file changed while it was running (its claim is gone: put back or edited outside odoo-mcp); nothing was applied.`,
          );
        const attempt = {
          at: now().toISOString(),
          marker: JSON.parse(JSON.stringify(marker)) as AttemptMarker,
        };
        const seen = await journal.state(id);
        if (
          seen.problems.length > 0 ||
          seen.attempts !== current.execution.attempts.length ||
          seen.claims !== (current.execution.claims ?? 0)
        )
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id}: its file no longer matches the journal (it was put back or changed outside odoo-mcp); nothing was applied.`,
          );
        const next: ApprovalRecord = {
          ...current,
          execution: { ...current.execution, attempts: [...current.execution.attempts, attempt] },
        };
        return { record: next, result: undefined, after: "attempt" };
      });
    },

    async markQueued(id) {
      await mutate(id, (current) => {
        if (current?.status !== "approved") return { record: null, result: undefined };
        const claim = current.execution?.claim;
        if (claim && !heldByUs(current) && !isHolderDead(claim)) return { record: null, result: undefined };
        return {
          record: { ...current, execution: released(current.execution, "queued") },
          result: undefined,
        };
      });
    },

    async complete(id, outcome) {
      return mutate(id, async (current) => {
        if (!current) throw notFound(id);
        if (COMPLETED.has(current.status)) {
          ctx.logger?.warn(`approval ${id} is already ${current.status}; its outcome is kept`);
          return { record: null, result: current };
        }
        const completed: ApprovalRecord = {
          ...current,
          status: outcome.ok ? "executed" : "failed",
          outcome: outcome.ok
            ? {
                ok: true,
                output:
                  outcome.output === undefined
                    ? null
                    : (JSON.parse(JSON.stringify(outcome.output)) as unknown),
              }
            : { ok: false, code: outcome.code, message: outcome.message },
          completedAt: now().toISOString(),
          ...(current.execution ? { execution: released(current.execution, current.execution.state) } : {}),
        };
        return {
          record: completed,
          result: completed,
          ...(current.status === "approved" ? { after: "completed" as const } : {}),
        };
      });
    },

    async recoverAbandoned(id) {
      return mutate(id, (current) => {
        const execution = current?.execution;
        if (current?.status !== "approved" || execution?.state !== "running")
          return { record: null, result: false };
        if (execution.claim && !isHolderDead(execution.claim)) return { record: null, result: false };
        return { record: { ...current, execution: released(execution, "queued") }, result: true };
      });
    },
  };
}
