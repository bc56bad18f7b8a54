import type { AcrossProcesses } from "../accounting/one-at-a-time.js";
import type { AttemptMarker, WriteOperation } from "../accounting/operation.js";
import { type AuditEventInput, type AuditLog, auditUnavailableReason } from "../audit/audit-log.js";
import { toToolError } from "../error-map.js";
import { type ErrorCode, ToolError } from "../errors.js";
import { isHolderDead } from "../fsutil/lock.js";
import { NotRegularFileError } from "../fsutil/regular.js";
import type { Logger } from "../log.js";
import { OdooConnectionError, OdooProtocolError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";
import type { OfflineQueue } from "../queue/offline-queue.js";
import type { ApprovalRecord, ApprovalStore } from "./store.js";

/**
 * Runs approved requests exactly once, with their stored arguments:
 *
 *   claim (one process only) → findApplied(approval id, each earlier marker if any) → mark → recordAttempt
 *   (fsynced) → audit line (on disk, or nothing runs) → apply(approval id, marker, binding) → complete → audit line
 *
 * `apply` gets the request's stored binding (what the person approved about Odoo's records, by id) and refuses,
 * before its first write, when Odoo no longer matches it (`APPROVAL_INVALID`: the request's outcome, `failed`);
 * with a batch approved in part, `apply` and `findApplied` get the items kept (`keep`, from the signed decision).
 *
 * Odoo unreachable → the request waits in the offline queue; a later replay first asks `findApplied`, which
 * finds the approval's effect in Odoo by the approval id its records carry, so an attempt whose answer was lost
 * is never applied twice, even when the local attempts were lost. Any other error is the
 * request's outcome (`failed`).
 */

export interface ExecutorDeps {
  store: ApprovalStore;
  queue: OfflineQueue;
  audit: AuditLog;
  odoo: Odoo;
  operations: ReadonlyMap<string, WriteOperation<unknown, unknown>>;
  logger?: Logger;
  dryRun?: boolean;
  /** How long to wait for another process that is running the same request (ms). Default 120 000. */
  claimWaitMs?: number;
  /** Given to apply (ApplyRef.across): keys held among the processes sharing the data folder. */
  across?: AcrossProcesses;
}

export type ExecutionOutcome =
  | { status: "executed"; output: unknown }
  | { status: "failed"; code: ErrorCode; message: string }
  | { status: "queued" }
  | { status: "rejected" | "expired" | "pending" };

export async function executeApproval(deps: ExecutorDeps, id: string): Promise<ExecutionOutcome> {
  const record = await deps.store.get(id);
  if (!record) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
  if (record.status !== "approved") return outcomeOf(record);
  const problems = deps.store.integrity(record);
  if (problems.length > 0) {
    const message = `Approval ${id} was refused: ${problems.join("; ")}. Nothing was done in Odoo.`;
    await auditQuietly(deps, {
      ...base(record),
      event: "execution",
      actor: "system",
      result: "failed",
      error_code: "APPROVAL_INVALID",
      message,
    });
    return { status: "failed", code: "APPROVAL_INVALID", message };
  }
  // Only a holder of the decision's key runs it (passphrase mode: the process the person typed it into).
  if (!deps.store.holdsDecisionKey(record))
    return waitForOther(deps, id, Math.min(30_000, deps.claimWaitMs ?? 30_000));
  if (deps.dryRun)
    return {
      status: "failed",
      code: "VALIDATION_ERROR",
      message:
        "DRY_RUN is on: nothing is written to Odoo. The approved request stays approved and runs once DRY_RUN is off.",
    };

  const claim = record.execution?.state === "running" ? record.execution.claim : undefined;
  if (claim && !isHolderDead(claim)) return waitForOther(deps, id);
  // Queued operations run in the order they were approved: this one goes behind them.
  const pending = await deps.queue.pending();
  if (pending.length > 0 || record.execution?.state === "queued") {
    if (!pending.some((entry) => entry.approvalId === id)) {
      await deps.queue.enqueue(id, record.tool);
      await deps.store.markQueued(id);
    }
    await drainQueue(deps);
    const after = await deps.store.get(id);
    if (!after) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
    return after.status === "approved" ? { status: "queued" } : outcomeOf(after);
  }
  return runClaimed(deps, record);
}

export async function drainQueue(
  deps: ExecutorDeps,
  onProgress?: (message: string) => void,
): Promise<{ executed: number; failed: number; remaining: number }> {
  let executed = 0;
  let failed = 0;
  const drained = await deps.queue.withDrainLock(async () => {
    for (const entry of await deps.queue.pending()) {
      let record: ApprovalRecord | null;
      try {
        record = await deps.store.get(entry.approvalId);
      } catch (error) {
        // Its file is not a file (a FIFO, a link): not run, and left in the queue for when it is put right.
        if (error instanceof NotRegularFileError) {
          onProgress?.(`${entry.approvalId} (${entry.tool}): ${error.message}; left in the queue`);
          continue;
        }
        record = null;
      }
      if (!record) {
        await deps.queue.markDone(entry.approvalId, "failed");
        onProgress?.(`${entry.approvalId}: the approval request is gone; dropped from the queue`);
        failed++;
        continue;
      }
      if (record.status === "approved" && !deps.store.holdsDecisionKey(record)) {
        // Decided with a key this process does not hold (passphrase mode): its holder replays it.
        onProgress?.(
          record.decision?.key === "keychain" && deps.store.decisionKey === "keychain"
            ? `${entry.approvalId} (${entry.tool}): its decision does not verify with the keychain's approval key (decided with another key); left in the queue`
            : `${entry.approvalId} (${entry.tool}): needs the approval passphrase; left in the queue`,
        );
        continue;
      }
      if (record.status !== "approved") {
        // Completed meanwhile by another process, or not something that may run at all.
        await deps.queue.markDone(entry.approvalId, record.status === "executed" ? "executed" : "failed");
        continue;
      }
      const outcome = await runClaimed(deps, record);
      if (outcome.status === "queued") {
        onProgress?.(
          `${entry.approvalId} (${entry.tool}): Odoo is still unreachable; stopping here to keep the order`,
        );
        break;
      }
      if (outcome.status === "executed") {
        executed++;
        await deps.queue.markDone(entry.approvalId, "executed");
        onProgress?.(`${entry.approvalId} (${entry.tool}): executed`);
      } else {
        failed++;
        await deps.queue.markDone(entry.approvalId, "failed");
        onProgress?.(
          `${entry.approvalId} (${entry.tool}): ${outcome.status === "failed" ? `failed: ${outcome.code}: ${outcome.message}` : outcome.status}`,
        );
      }
    }
    const remaining = (await deps.queue.pending()).length;
    if (remaining === 0) await deps.queue.compact();
    return remaining;
  });
  const remaining = drained ?? (await deps.queue.pending()).length;
  return { executed, failed, remaining };
}

/** Approved requests left `running` by a process that died go back to the offline queue. Answers how many. */
export async function recoverInterrupted(deps: ExecutorDeps): Promise<number> {
  let recovered = 0;
  const pending = new Set((await deps.queue.pending()).map((entry) => entry.approvalId));
  for (const record of await deps.store.list({ status: "approved" })) {
    const execution = record.execution;
    if (!execution) continue;
    if (execution.state === "running" && (!execution.claim || isHolderDead(execution.claim))) {
      if (!(await deps.store.recoverAbandoned(record.id))) continue;
      recovered++;
      // The audit log tells it too: without this line an interrupted attempt looks like one still running.
      await auditQuietly(deps, {
        ...base(record),
        event: "queue",
        actor: "system",
        result: "queued",
        message: `the process running it (${execution.claim ? `pid ${execution.claim.pid}` : "unknown"}) stopped before it finished: kept in the offline queue (the replay checks Odoo first)`,
      });
      deps.logger?.warn(
        `approval ${record.id} (${record.tool}) was interrupted; it goes back to the offline queue`,
      );
    } else if (execution.state !== "queued") continue;
    if (!pending.has(record.id)) {
      await deps.queue.enqueue(record.id, record.tool);
      pending.add(record.id);
    }
  }
  return recovered;
}

async function runClaimed(deps: ExecutorDeps, record: ApprovalRecord): Promise<ExecutionOutcome> {
  const { store, audit } = deps;
  const id = record.id;
  let claimed: ApprovalRecord | null;
  try {
    claimed = await store.claim(id, `pid ${process.pid}`);
  } catch (error) {
    const refused = toToolError(error);
    await auditQuietly(deps, {
      ...base(record),
      event: "execution",
      actor: "system",
      result: "failed",
      error_code: refused.code,
      message: refused.message,
    });
    // Not completed: a refused record is left as it is (it may be another key's to run, or evidence to look at).
    return { status: "failed", code: refused.code, message: refused.message };
  }
  if (!claimed) return waitForOther(deps, id);

  const operation = deps.operations.get(claimed.tool);
  if (!operation) {
    const message = `No operation is registered for the tool "${claimed.tool}"; nothing was done.`;
    await store.complete(id, { ok: false, code: "INTERNAL_ERROR", message });
    return { status: "failed", code: "INTERNAL_ERROR", message };
  }
  const args = claimed.args; // always the stored, signed arguments
  // What the person approved about Odoo's records (by id): apply checks it before its first write.
  const bound = claimed.binding;
  // A batch approved in part: the items the person kept (signed with the decision, verified before the claim).
  const keep = claimed.decision?.keep;
  const approved = { bound, ...(keep ? { keep } : {}) };
  let settled = false;
  try {
    // Odoo is asked before every apply, even when no earlier attempt is recorded: the local record of attempts
    // may have been rewound or erased, the approval id the Odoo records carry cannot.
    const earlier = claimed.execution?.attempts ?? [];
    const refs =
      earlier.length > 0
        ? [...earlier].reverse().map((a) => ({ approvalId: id, marker: a.marker, ...approved }))
        : [{ approvalId: id, ...approved }];
    for (const ref of refs) {
      const found = await operation.findApplied(deps.odoo, args, ref);
      if (found !== null && found !== undefined) {
        settled = true;
        return await finish(deps, claimed, found, "an earlier attempt had already taken effect in Odoo");
      }
    }
    const marker: AttemptMarker = await operation.mark(deps.odoo, args);
    await store.recordAttempt(id, marker);
    try {
      await audit.append({ ...base(claimed), event: "execution", actor: "system", result: "pending" });
    } catch (error) {
      const message = `The audit log cannot be written, so the approved operation was not run: ${auditUnavailableReason(error)}.`;
      await store.complete(id, { ok: false, code: "AUDIT_LOG_UNAVAILABLE", message });
      settled = true;
      return { status: "failed", code: "AUDIT_LOG_UNAVAILABLE", message };
    }
    const output = await operation.apply(deps.odoo, args, {
      approvalId: id,
      marker,
      ...approved,
      ...(deps.across ? { across: deps.across } : {}),
    });
    settled = true;
    return await finish(deps, claimed, output);
  } catch (error) {
    if (settled) throw error;
    // An answer that is not Odoo's (cut short, an HTML page with HTTP 200) says nothing about whether the write
    // was applied: like a lost answer, the request waits in the queue and the replay asks findApplied first.
    if (error instanceof OdooConnectionError || error instanceof OdooProtocolError) {
      settled = true;
      await queueIt(
        deps,
        claimed,
        error instanceof OdooConnectionError ? error : new OdooConnectionError(error.message, true),
      );
      return { status: "queued" };
    }
    const mapped = toToolError(error);
    await store.complete(id, { ok: false, code: mapped.code, message: mapped.message });
    settled = true;
    await auditQuietly(deps, {
      ...base(claimed),
      event: "execution",
      actor: "system",
      result: "failed",
      error_code: mapped.code,
      message: mapped.message,
    });
    return { status: "failed", code: mapped.code, message: mapped.message };
  } finally {
    if (!settled) {
      // The store itself failed (disk): let a later replay pick it up, after findApplied.
      await store.markQueued(id).catch(() => {});
      await deps.queue.enqueue(id, claimed.tool).catch(() => {});
    }
  }
}

async function finish(
  deps: ExecutorDeps,
  record: ApprovalRecord,
  output: unknown,
  note?: string,
): Promise<ExecutionOutcome> {
  const completed = await deps.store.complete(record.id, { ok: true, output });
  await auditQuietly(deps, {
    ...base(record),
    event: "execution",
    actor: "system",
    approval_status: "executed",
    result: "success",
    ...recordIdOf(output),
    ...(note ? { message: note } : {}),
  });
  return outcomeOf(completed);
}

async function queueIt(
  deps: ExecutorDeps,
  record: ApprovalRecord,
  error: OdooConnectionError,
): Promise<void> {
  const pending = await deps.queue.pending();
  if (!pending.some((entry) => entry.approvalId === record.id))
    await deps.queue.enqueue(record.id, record.tool);
  await deps.store.markQueued(record.id);
  await auditQuietly(deps, {
    ...base(record),
    event: "queue",
    actor: "system",
    result: "queued",
    message: `Odoo cannot be reached${error.maybeApplied ? " (the last attempt may have reached it; the replay checks first)" : ""}: kept in the offline queue`,
  });
}

/** Another process holds the claim (or the decision's key): wait for it to finish (or to die, then take over). */
async function waitForOther(deps: ExecutorDeps, id: string, waitMs?: number): Promise<ExecutionOutcome> {
  const deadline = Date.now() + (waitMs ?? deps.claimWaitMs ?? 120_000);
  for (;;) {
    const current = await deps.store.get(id);
    if (!current) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
    if (current.status !== "approved") return outcomeOf(current);
    if (current.execution?.state === "queued") return { status: "queued" };
    const claim = current.execution?.claim;
    const ours = deps.store.holdsDecisionKey(current);
    if (ours && (!claim || isHolderDead(claim))) return runClaimed(deps, current);
    if (Date.now() >= deadline) return ours ? { status: "queued" } : { status: "pending" };
    await deps.store.waitForChange(id, { timeoutMs: Math.min(1_000, deadline - Date.now()) });
  }
}

function outcomeOf(record: ApprovalRecord): ExecutionOutcome {
  switch (record.status) {
    case "executed":
      return { status: "executed", output: record.outcome?.ok ? record.outcome.output : null };
    case "failed":
      return record.outcome && !record.outcome.ok
        ? { status: "failed", code: record.outcome.code, message: record.outcome.message }
        : { status: "failed", code: "INTERNAL_ERROR", message: "The operation failed." };
    case "approved":
      return record.execution?.state === "queued" ? { status: "queued" } : { status: "pending" };
    default:
      return { status: record.status };
  }
}

function base(record: ApprovalRecord): Omit<AuditEventInput, "event" | "result"> {
  return {
    action: record.tool,
    target: record.meta.target,
    approval_status: record.status,
    approval_id: record.id,
    ...(record.meta.amount !== undefined ? { amount: record.meta.amount } : {}),
    ...(record.meta.currency ? { currency: record.meta.currency } : {}),
    ...(record.decision ? { channel: record.decision.channel } : {}),
  };
}

function recordIdOf(output: unknown): { odoo_record_id?: number | string } {
  if (!output || typeof output !== "object") return {};
  const o = output as Record<string, unknown>;
  for (const key of ["odoo_id", "id", "record_id", "payment_id", "expense_id", "invoice_id"]) {
    const value = o[key];
    if (typeof value === "number" || typeof value === "string") return { odoo_record_id: value };
  }
  return {};
}

async function auditQuietly(deps: ExecutorDeps, event: AuditEventInput): Promise<void> {
  try {
    await deps.audit.append(event);
  } catch (error) {
    deps.logger?.error(
      `audit log write failed after the fact (${event.event} ${event.action} ${event.approval_id ?? ""}): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
