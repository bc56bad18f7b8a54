import { z } from "zod";
import { moneyText } from "../../shared/money-text.js";
import type { ApprovalRecord } from "../approvals/store.js";
import { ToolError } from "../errors.js";
import { defineTool, type ToolCallContext } from "./definition.js";

const APPROVAL_ID = /^apr_[a-z2-7]{26}$/;

export const approvalView = z.object({
  approval_id: z.string(),
  tool: z.string(),
  status: z.enum(["pending", "approved", "rejected", "executed", "failed", "expired"]),
  summary: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  queued: z.boolean(),
  decided_by: z.string().optional(),
  channel: z.string().optional(),
  decided_at: z.string().optional(),
  reason: z.string().optional(),
  output: z.record(z.string(), z.unknown()).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** A request as list_approvals lists it: enough to choose one; get_approval tells its decision and outcome. */
export const approvalListItem = approvalView.pick({
  approval_id: true,
  tool: true,
  status: true,
  summary: true,
  created_at: true,
  expires_at: true,
  queued: true,
});

/** The request's name, with its amount when the name does not say it already ("Draft invoice for X, 1,719.25 USD, …"). */
function summaryOf(record: ApprovalRecord): string {
  const { target, amount, currency } = record.meta;
  if (amount === undefined) return target;
  const money = moneyText(amount, currency);
  return target.includes(money) ? target : `${target} — ${money}`;
}

export function toApprovalView(record: ApprovalRecord): z.infer<typeof approvalView> {
  const outcome = record.outcome;
  return {
    approval_id: record.id,
    tool: record.tool,
    status: record.status,
    summary: summaryOf(record),
    created_at: record.createdAt,
    expires_at: record.expiresAt,
    queued: record.execution?.state === "queued",
    ...(record.decision
      ? {
          decided_by: record.decision.actor,
          channel: record.decision.channel,
          decided_at: record.decision.at,
          ...(record.decision.reason ? { reason: record.decision.reason } : {}),
        }
      : {}),
    ...(outcome?.ok ? { output: outcome.output as Record<string, unknown> } : {}),
    ...(outcome && !outcome.ok ? { error: { code: outcome.code, message: outcome.message } } : {}),
  };
}

export const getApprovalTool = defineTool({
  name: "get_approval",
  toolsets: ["invoicing", "expenses", "read"],
  description: "Read an approval request: status, then the tool's output or error. Only a person decides.",
  input: z.strictObject({
    approval_id: z.string().trim().max(64),
  }),
  output: approvalView,
  annotations: {
    title: "Read approval",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(input, ctx) {
    return toApprovalView(await findApproval(ctx, input.approval_id));
  },
});

/** The request an approval id names, read through the gate; APPROVAL_NOT_FOUND for any other id. */
export async function findApproval(ctx: ToolCallContext, id: string): Promise<ApprovalRecord> {
  const record = APPROVAL_ID.test(id) ? await ctx.gate.get(id) : null;
  if (!record) throw new ToolError("APPROVAL_NOT_FOUND", `No approval request has the id "${id}".`);
  return record;
}

export const listApprovalsTool = defineTool({
  name: "list_approvals",
  toolsets: ["invoicing", "expenses", "read"],
  description: "List approval requests, newest first (get_approval: decision, outcome).",
  input: z.strictObject({
    status: z.enum(["pending", "approved", "rejected", "executed", "failed", "expired"]).optional(),
    limit: z.number().int().min(1).max(200).default(20),
  }),
  output: z.object({ approvals: z.array(approvalListItem) }),
  annotations: {
    title: "List approvals",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(input, ctx) {
    const records = await ctx.gate.list({
      ...(input.status ? { status: input.status } : {}),
      limit: input.limit,
    });
    return {
      approvals: records
        .slice(0, input.limit)
        .map((record) => approvalListItem.parse(toApprovalView(record))),
    };
  },
});
