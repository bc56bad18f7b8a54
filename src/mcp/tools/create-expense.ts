import { z } from "zod";
import {
  type CreateExpenseInput,
  createExpenseOperation,
  createExpenseResult,
  loadReceipt,
  MAX_RECEIPT_BYTES,
} from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { gatedOutput, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const createExpenseTool = defineTool({
  name: createExpenseOperation.tool,
  description:
    "Record an expense in Odoo for the employee linked to odoo-mcp's Odoo user, attach its receipt, and submit " +
    "it (Odoo 17/18: in an expense report). category is one of Odoo's expense categories (list_expense_categories: " +
    "its reference or name, e.g. meals, FOOD, office_supplies). receipt_path: a PDF, PNG, JPEG, HEIC/HEIF or WebP " +
    `file of at most ${MAX_RECEIPT_BYTES / (1024 * 1024)} MiB, judged by its content; ~ and relative paths are ` +
    "resolved on the server when the request is made. Expenses below the approval threshold (default 100 in the company currency) are " +
    "approved automatically; larger ones wait for a human. expense_id is the Odoo record id (Odoo numbers no " +
    "expenses). status is submitted, or draft with warnings when Odoo refused the submission.",
  input: z.strictObject({
    description: z.string().trim().min(1).max(512).describe("What the expense was for, e.g. Client lunch"),
    amount: z
      .number()
      .finite()
      .positive()
      .max(1e9)
      .describe("Total paid (> 0), in the company currency, with at most its decimals"),
    expense_date: isoDate("Date of the expense, not in the future"),
    category: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .describe("Expense category: its Odoo reference or name (office_supplies, travel, meals, FOOD...)"),
    vendor: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .optional()
      .describe("Who was paid; written into the description"),
    receipt_path: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        `Path of the receipt on the server's machine: PDF, PNG, JPEG, HEIC/HEIF or WebP, at most ${MAX_RECEIPT_BYTES / (1024 * 1024)} MiB`,
      ),
  }),
  output: gatedOutput(createExpenseResult, ["draft", "submitted"]),
  annotations: {
    title: "Create an expense (approval above the threshold)",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { amount: "INVALID_AMOUNT", expense_date: "EXPENSE_DATE_INVALID" },
  taskSupport: "optional",
  run: gated(createExpenseOperation, async (input) => {
    const args: CreateExpenseInput = { ...input };
    // The receipt's absolute path (resolved now, from this process's folder) and hash go with the stored
    // arguments: a person approving from another folder attaches the same file, and a changed file is refused.
    if (input.receipt_path !== undefined) {
      const receipt = await loadReceipt(input.receipt_path);
      args.receipt_path = receipt.path;
      args.receipt_sha256 = receipt.sha256;
    }
    return { ...args };
  }),
});
