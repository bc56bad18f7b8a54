import { z } from "zod";
import { bankBalances, bankBalancesSchema } from "../reports/bank-balances.js";
import { audited } from "./audited.js";
import { defineTool } from "./definition.js";

export const getBankBalancesTool = defineTool({
  name: "get_bank_balances",
  toolsets: ["bank"],
  description:
    "Bank/cash journals: books balance, last statement, unreconciled statement lines, payments in transit " +
    "(not yet matched with the bank); after_clearing = books + incoming - outgoing. company: in its currency.",
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
