import { z } from "zod";
import { bankBalances, bankBalancesSchema } from "../reports/bank-balances.js";
import { audited } from "./audited.js";
import { defineTool } from "./definition.js";

export const getBankBalancesTool = defineTool({
  name: "get_bank_balances",
  toolsets: ["bank"],
  description:
    "Per bank/cash journal: books, last statement, unreconciled lines, payments in transit; " +
    "after_clearing = books + incoming - outgoing. company: in its currency.",
  input: z.strictObject({}),
  output: bankBalancesSchema,
  annotations: {
    title: "Bank balances",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  run: (_input, ctx) =>
    audited(ctx, "get_bank_balances", "read", { target: "bank and cash journals" }, () =>
      bankBalances(ctx.odoo, ctx.signal),
    ),
});
