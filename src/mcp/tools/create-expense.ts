import { z } from "zod";
import {
  type CreateExpenseInput,
  createExpenseOperation,
  createExpenseResult,
  loadReceipt,
  MAX_RECEIPT_BYTES,
} from "../accounting/index.js";
import { gated } from "./approval-flow.js";
import { gatedOutputs, isoDate } from "./common.js";
import { defineTool } from "./definition.js";

export const createExpenseTool = defineTool({
  name: createExpenseOperation.tool,
  toolsets: ["expenses"],
  description:
    "Record and submit the user's expense with its receipt. Approval required above a threshold (default 100). " +
    "status draft: Odoo refused to submit it.",
  input: z.strictObject({
    description: z.string().trim().min(1).max(512),
    amount: z.number().finite().positive().max(1e9).describe("Total paid"),
    expense_date: isoDate("Not in the future"),
    category: z
      .string()
      .trim()
      .min(1)
      .max(128)
      .describe("list_expense_categories: category, reference or name"),
    vendor: z.string().trim().min(1).max(256).optional().describe("Who was paid"),
    receipt_path: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .optional()
      .describe(
        `A file on the server's machine: PDF, PNG, JPEG, HEIC or WebP, ${MAX_RECEIPT_BYTES / (1024 * 1024)} MiB at most`,
      ),
  }),
  ...gatedOutputs(createExpenseResult, ["draft", "submitted"]),
  annotations: {
    title: "Create expense",
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
