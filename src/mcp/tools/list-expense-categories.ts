import { z } from "zod";
import { expenseCategorySchema, listExpenseCategories } from "../accounting/index.js";
import { audited } from "./audited.js";
import { defineTool } from "./definition.js";

export const listExpenseCategoriesTool = defineTool({
  name: "list_expense_categories",
  description:
    "List Odoo's expense categories (products that can be expensed). Pass `category` (or the reference, or the " +
    "name) as create_expense's category. Categories with a fixed_unit_cost (Mileage) compute their total from a " +
    "quantity in Odoo and cannot be recorded with create_expense.",
  input: z.strictObject({}),
  output: z.object({ categories: z.array(expenseCategorySchema) }),
  annotations: {
    title: "List expense categories",
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
