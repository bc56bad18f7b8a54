import { z } from "zod";
import { recordPaymentOperation } from "../accounting/index.js";
import { recordPaymentResult } from "../accounting/payments.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const recordPaymentTool = defineTool({
  name: recordPaymentOperation.tool,
  toolsets: ["invoicing"],
  description:
    "Pay a posted invoice or bill through Odoo's payment wizard, reconciled with it. Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef,
    amount: z.number().finite().positive().max(1e12).describe("At most the amount due"),
    payment_date: isoDate("Not in the future"),
    payment_method: z
      .enum(["bank_transfer", "credit_card", "cash", "check"])
      .describe("cash needs a cash journal, the others a bank journal (list_journals)"),
    reference: z.string().trim().max(256).optional().describe("Memo"),
  }),
  ...gatedOutputs(recordPaymentResult, ["posted"]),
  annotations: {
    title: "Record payment",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { amount: "INVALID_AMOUNT", payment_date: "PAYMENT_DATE_INVALID" },
  taskSupport: "optional",
  run: gated(recordPaymentOperation),
});
