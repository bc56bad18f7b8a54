import { z } from "zod";
import { DEFAULT_REMINDER_DAYS, sendReminderOperation, sendReminderResult } from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, invoiceRef, recordId } from "./common.js";
import { defineTool } from "./definition.js";

export const sendReminderTool = defineTool({
  name: sendReminderOperation.tool,
  toolsets: ["bank"],
  description:
    "Email a payment reminder with the PDFs: one overdue invoice, or all of a customer's (partner_id). Approval required.",
  input: z.strictObject({
    invoice_id: invoiceRef.optional(),
    partner_id: recordId.optional(),
    email_subject: z.string().trim().min(1).max(998).optional(),
    email_body: z.string().max(5000).optional().describe("Plain text"),
    again: z.boolean().optional().describe("Though reminded recently"),
  }),
  ...gatedOutputs(sendReminderResult, ["sent"]),
  annotations: {
    title: "Send reminder",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  taskSupport: "optional",
  // The reminder interval in force is stored with the request: the person's view and the run judge by it.
  run: gated(sendReminderOperation, async (input, ctx) => ({
    ...input,
    reminder_days: ctx.reminderDays ?? DEFAULT_REMINDER_DAYS,
  })),
});
