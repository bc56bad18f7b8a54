import { z } from "zod";
import { type ApprovalCard, approvalCard } from "../../shared/views.js";
import { defineTool } from "./definition.js";
import { findApproval } from "./get-approval.js";

/**
 * The approval card's read (src/apps/approval): the person's view of a request (`approvals.view`), looked up in
 * Odoo now, in the shape `approvalCard` (src/shared/views.ts). Listed for the app alone (src/mcp/apps: toolMeta).
 */
export const approvalViewTool = defineTool({
  name: "approval_view",
  toolsets: ["invoicing", "expenses", "read"],
  description: "For the approval card (MCP Apps): a request as the person reads it, looked up in Odoo now.",
  input: z.strictObject({ approval_id: z.string().trim().max(64) }),
  output: approvalCard,
  annotations: {
    title: "Approval card",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async run(input, ctx): Promise<ApprovalCard> {
    const record = await findApproval(ctx, input.approval_id);
    const view = await ctx.gate.view(record);
    const facts = view.facts ?? {};
    const recipient = facts.recipient as { kind?: unknown } | undefined;
    const receipt = facts.receipt as { name?: unknown; mimetype?: unknown; size?: unknown } | undefined;
    return {
      approval_id: view.approval_id,
      tool: view.tool,
      status: view.status,
      title: view.title,
      // The exact arguments as rows only when there is no document to read (Odoo could not be reached).
      details: view.document ? [] : view.details,
      ...(view.document ? { document: view.document } : {}),
      derived_from: view.derived_from,
      integrity: view.integrity,
      ...(view.refused ? { refused: view.refused } : {}),
      ...(view.requested_by ? { requested_by: view.requested_by } : {}),
      created_at: view.created_at,
      expires_at: view.expires_at,
      money_out: record.meta.direction === "out",
      ...(record.meta.personOnly ? { person_only: true } : {}),
      ...(typeof recipient?.kind === "string"
        ? { recipient_differs: recipient.kind !== "customer", new_contact: recipient.kind === "new_contact" }
        : {}),
      ...(typeof receipt?.name === "string" &&
      typeof receipt.mimetype === "string" &&
      typeof receipt.size === "number"
        ? { receipt: { name: receipt.name, mimetype: receipt.mimetype, size: receipt.size } }
        : {}),
    };
  },
});
