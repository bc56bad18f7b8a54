import { z } from "zod";
import { expenseCategorySchema, listExpenseCategories } from "../accounting/index.js";
import { audited } from "./audited.js";
import { defineTool } from "./definition.js";

export const listExpenseCategoriesTool = defineTool({
  name: "list_expense_categories",
  toolsets: ["expenses", "read"],
  description: "create_expense's categories; one with a fixed_unit_cost (Mileage) cannot be used.",
  input: z.strictObject({}),
  output: z.object({ categories: z.array(expenseCategorySchema) }),
  annotations: {
    title: "Expense categories",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  run: (_input, ctx) =>
    audited(ctx, "list_expense_categories", "read", { target: "expense categories" }, async () => ({
      categories: await listExpenseCategories(ctx.odoo),
    })),
});
