import { z } from "zod";
import { recordPaymentOperation } from "../accounting/index.js";
import { recordPaymentResult } from "../accounting/payments.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, invoiceRef, isoDate } from "./common.js";
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
  output: gatedOutput(recordPaymentResult, ["posted"]),
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
