import { z } from "zod";
import { DEFAULT_REMINDER_DAYS } from "../accounting/index.js";
import { listOverdue, overdueListSchema } from "../reports/overdue.js";
import { audited } from "./audited.js";
import { recordId } from "./common.js";
import { defineTool } from "./definition.js";

export const listOverdueTool = defineTool({
  name: "list_overdue",
  toolsets: ["bank"],
  description: "Overdue invoices per customer (aged receivables): totals, days late, last reminder.",
  input: z.strictObject({ partner_id: recordId.optional() }),
  output: overdueListSchema,
  annotations: {
    title: "List overdue",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    audited(ctx, "list_overdue", "read", { target: String(input.partner_id ?? "all") }, () =>
      listOverdue(ctx.odoo, {
        partner_id: input.partner_id,
        reminderDays: ctx.reminderDays ?? DEFAULT_REMINDER_DAYS,
      }),
    ),
});
