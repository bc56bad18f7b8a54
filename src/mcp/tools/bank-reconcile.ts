import { z } from "zod";
import {
  proposalsSchema,
  proposeMatches,
  reconcileBankLinesOperation,
  reconcileResult,
  unreconcileBankLineOperation,
  unreconcileResult,
} from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { audited } from "./audited.js";
import { gatedOutputs, invoiceRef, isoDate, recordId } from "./common.js";
import { defineTool } from "./definition.js";

export const proposeMatchesTool = defineTool({
  name: "propose_matches",
  toolsets: ["bank"],
  description:
    "Unreconciled bank lines with the open invoices, bills and payments they may pay, each with its reason.",
  input: z.strictObject({
    journal: z
      .union([z.string().trim().min(1).max(64), z.number().int()])
      .optional()
      .describe("Bank journal: id, code or name"),
    limit: z.number().int().min(1).max(100).default(20),
    date_from: isoDate("Lines on or after").optional(),
  }),
  output: proposalsSchema,
  annotations: {
    title: "Propose bank matches",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    audited(ctx, "propose_matches", "read", { target: String(input.journal ?? "bank") }, () =>
      proposeMatches(ctx.odoo, input),
    ),
});

export const reconcileBankLinesTool = defineTool({
  name: reconcileBankLinesOperation.tool,
  toolsets: ["bank"],
  description:
    "Reconcile bank lines with what each pays, in one request a person approves (some lines or all).",
  input: z.strictObject({
    matches: z
      .array(
        z.strictObject({
          statement_line_id: recordId,
          invoice_ids: z.array(invoiceRef).max(20).optional(),
          payment_ids: z.array(recordId).max(20).optional(),
        }),
      )
      .min(1)
      .max(50),
  }),
  ...gatedOutputs(reconcileResult, ["reconciled"]),
  annotations: {
    title: "Reconcile bank lines",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(reconcileBankLinesOperation),
});

export const unreconcileBankLineTool = defineTool({
  name: unreconcileBankLineOperation.tool,
  toolsets: ["bank"],
  description: "Undo a bank line's reconciliation (Odoo's own undo). Approval required.",
  input: z.strictObject({ statement_line_id: recordId }),
  ...gatedOutputs(unreconcileResult, ["unreconciled"]),
  annotations: {
    title: "Unreconcile bank line",
    readOnlyHint: false,
    // Odoo's own undo, which a new reconciliation reverses: nothing is deleted that cannot be made again.
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  taskSupport: "optional",
  run: gated(unreconcileBankLineOperation),
});
