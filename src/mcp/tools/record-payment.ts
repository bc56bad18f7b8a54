import { z } from "zod";
import { recordPaymentOperation } from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { approvalFields, invoiceRef, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const recordPaymentTool = defineTool({
  name: recordPaymentOperation.tool,
  description:
    "Record a payment received for a posted customer invoice (or paid for a bill) with Odoo's payment-register " +
    "wizard, reconciled with the invoice. Partial payments leave invoice_status partial. Needs a human's approval.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    amount: z.number().finite().positive().max(1e12).describe("Payment amount (> 0), at most the amount due"),
    payment_date: isoDate("Payment date, not in the future"),
    payment_method: z
      .enum(["bank_transfer", "credit_card", "cash", "check"])
      .describe(
        "bank_transfer, credit_card and check use a bank journal; cash a cash journal (list_journals)",
      ),
    reference: z.string().trim().max(256).optional().describe("Payment reference / memo"),
  }),
  output: z.object({
    payment_id: z.string().optional().describe("Odoo payment number, e.g. PBNK1/2026/00001"),
    invoice_id: z.string().optional(),
    status: z.enum(["posted", "pending_approval", "queued", "dry_run"]),
    reconciled: z.boolean().optional(),
    invoice_status: z.enum(["paid", "partial"]).optional(),
    created_at: z.string().optional(),
    record_id: z.number().int().optional(),
    ...approvalFields,
  }),
  annotations: {
    title: "Record a payment (approval required)",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { amount: "INVALID_AMOUNT", payment_date: "PAYMENT_DATE_INVALID" },
  taskSupport: "optional",
  run: gated(recordPaymentOperation),
});
