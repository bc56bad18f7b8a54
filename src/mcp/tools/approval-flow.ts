import type { PreparedWrite } from "../accounting/operation.js";
import { executeApproval } from "../approvals/executor.js";
import type { ApprovalRecord } from "../approvals/store.js";
import { ToolError } from "../errors.js";
import type { ToolCallContext } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

/** What an approval-gated tool answers when it did not (yet) run: pending, queued or a dry run. */
export interface GatedAnswer {
  status: "pending_approval" | "queued" | "dry_run";
  approval_id?: string;
  summary?: string;
  expires_at?: string;
  result?: "queued";
  dry_run?: boolean;
  message: string;
  [key: string]: unknown;
}

export interface GateOptions {
  /** Decided by policy without a human (e.g. an expense below the threshold). */
  autoApprove?: (prepared: PreparedWrite) => boolean;
}

/**
 * The one path every money-moving tool takes: validate and look up (prepare), store a signed pending request,
 * let a human decide (elicitation, or a short wait for the tray/CLI), and run the stored arguments exactly once
 * through the executor. Nothing in `input` can approve anything: the decision only ever comes from the store.
 */
export async function runGatedWrite<O>(
  tool: string,
  input: Record<string, unknown>,
  ctx: ToolCallContext,
  options: GateOptions = {},
): Promise<O | GatedAnswer> {
  const { app } = ctx;
  const operation = app.operations.get(tool);
  if (!operation) throw new ToolError("INTERNAL_ERROR", `No operation is registered for ${tool}.`);

  if (app.config.dryRun) return dryRunAnswer(operation, app.odoo, input, app.audit);

  const prepared = await operation.prepare(app.odoo, input);
  const record = await app.store.create({
    tool,
    args: input,
    summary: prepared.summary,
    facts: prepared.facts,
    target: prepared.target,
    amount: prepared.amount,
    currency: prepared.currency,
    ttlMs: app.config.approval.ttlMs,
    requestedBy: ctx.clientName,
  });
  await auditOrAbandon(ctx, record, {
    event: "approval_requested",
    action: tool,
    actor: "agent",
    target: prepared.target,
    approval_status: "pending",
    result: "pending",
    amount: prepared.amount,
    currency: prepared.currency,
    approval_id: record.id,
    channel: "mcp",
  });

  if (options.autoApprove?.(prepared)) {
    await app.store.decide(record.id, {
      decision: "approved",
      channel: "auto",
      actor: "policy",
      reason: "below the approval threshold",
    });
    await app.audit.append({
      event: "approval_decided",
      action: tool,
      actor: "system",
      target: prepared.target,
      approval_status: "approved",
      result: "success",
      approval_id: record.id,
      channel: "auto",
      message: "approved automatically: below the approval threshold",
    });
  } else {
    await awaitHumanDecision(ctx, record);
  }
  return settle<O>(ctx, record.id);
}

/** Runs the request if it is approved now, and turns its state into the tool's answer. */
export async function settle<O>(ctx: ToolCallContext, approvalId: string): Promise<O | GatedAnswer> {
  const { app } = ctx;
  const current = await app.store.get(approvalId);
  if (!current) throw new ToolError("APPROVAL_NOT_FOUND", `Approval ${approvalId} does not exist.`);
  if (current.status === "pending") return pendingAnswer(current);
  if (current.status === "rejected")
    throw new ToolError(
      "APPROVAL_REJECTED",
      `A human rejected this request${current.decision?.reason ? `: ${current.decision.reason}` : "."}`,
      { approval_id: current.id },
    );
  if (current.status === "expired")
    throw new ToolError(
      "APPROVAL_EXPIRED",
      "Nobody approved this request in time; ask again if it is still needed.",
      {
        approval_id: current.id,
      },
    );
  const outcome = await executeApproval(app.executorDeps(), approvalId);
  switch (outcome.status) {
    case "executed":
      return { ...(outcome.output as O & object), approval_id: approvalId } as O;
    case "failed":
      throw new ToolError(outcome.code, outcome.message, { approval_id: approvalId });
    case "queued":
      return {
        status: "queued",
        result: "queued",
        approval_id: approvalId,
        summary: current.summary,
        message:
          "Approved, but Odoo cannot be reached right now. The operation is kept in the offline queue and runs once, in order, when Odoo answers again. Follow it with get_approval.",
      };
    default:
      return pendingAnswer(current);
  }
}

function pendingAnswer(record: ApprovalRecord): GatedAnswer {
  return {
    status: "pending_approval",
    approval_id: record.id,
    summary: record.summary,
    expires_at: record.expiresAt,
    message:
      "A human must approve this before it runs (odoo-mcp tray app, or `odoo-mcp approvals approve " +
      `${record.id}\` in a terminal). Check the outcome later with get_approval; do not ask again.`,
  };
}

async function awaitHumanDecision(ctx: ToolCallContext, record: ApprovalRecord): Promise<void> {
  const { app } = ctx;
  if (ctx.elicit && app.config.approval.elicitation) {
    const answer = await ctx
      .elicit(`Approve this action in Odoo?\n\n${record.summary}`)
      .catch(() => "dismissed" as const);
    if (answer === "approve" || answer === "reject") {
      const decided = await app.store
        .decide(record.id, {
          decision: answer === "approve" ? "approved" : "rejected",
          channel: "elicitation",
          actor: ctx.clientName ? `user via ${ctx.clientName}` : "user via MCP client",
        })
        .catch(() => null); // decided elsewhere meanwhile (CLI, tray): the store holds the truth
      if (decided) await auditDecision(ctx, decided);
      return;
    }
  }
  if (ctx.waitUntilDecided) {
    ctx.onPending?.(record.id);
    let current: ApprovalRecord | null = record;
    while (current?.status === "pending" && !ctx.signal.aborted) {
      const left = Date.parse(current.expiresAt) - Date.now();
      if (left <= 0) break;
      current = await app.store.waitForChange(record.id, {
        timeoutMs: Math.min(left, 60_000),
        signal: ctx.signal,
      });
      current = current ?? (await app.store.get(record.id));
    }
    return;
  }
  const waitMs = app.config.approval.waitMs;
  if (waitMs > 0) {
    const deadline = Date.now() + waitMs;
    let current: ApprovalRecord | null = record;
    while (current?.status === "pending" && Date.now() < deadline && !ctx.signal.aborted) {
      current = await app.store.waitForChange(record.id, {
        timeoutMs: deadline - Date.now(),
        signal: ctx.signal,
      });
    }
  }
}

async function auditDecision(ctx: ToolCallContext, record: ApprovalRecord): Promise<void> {
  await ctx.app.audit.append({
    event: "approval_decided",
    action: record.tool,
    actor: "user",
    target: record.target,
    approval_status: record.status,
    result: record.status === "approved" ? "success" : "rejected",
    approval_id: record.id,
    channel: record.decision?.channel ?? "elicitation",
    amount: record.amount,
    currency: record.currency,
  });
}

async function auditOrAbandon(
  ctx: ToolCallContext,
  record: ApprovalRecord,
  event: Parameters<ToolCallContext["app"]["audit"]["append"]>[0],
): Promise<void> {
  try {
    await ctx.app.audit.append(event);
  } catch {
    const error = new ToolError(
      "AUDIT_LOG_UNAVAILABLE",
      "The audit log cannot be written, so nothing was requested or run. Check the data folder's disk space and permissions.",
    );
    await ctx.app.store
      .complete(record.id, { ok: false, code: error.code, message: error.message })
      .catch(() => {});
    throw error;
  }
}
