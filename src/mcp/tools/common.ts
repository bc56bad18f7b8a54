import { z } from "zod";

/** Shared input pieces, with limits, so that every tool rejects oversized or malformed values the same way. */
export const isoDate = (what: string) =>
  z
    .string()
    .max(10)
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
    .describe(`${what} (YYYY-MM-DD)`);

export const invoiceRef = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe(
    'The invoice or bill: its number once posted (e.g. INV/2026/00001) or its record id as a string (e.g. "42") for a draft. Get it from create_invoice, list_invoices or get_invoice.',
  );

export const approvalFields = {
  approval_id: z
    .string()
    .optional()
    .describe("Set when the operation waits for, or went through, human approval."),
  summary: z.string().optional().describe("What the human is asked to approve."),
  expires_at: z.string().optional(),
  result: z
    .enum(["queued"])
    .optional()
    .describe("queued: approved, Odoo unreachable; it runs when Odoo answers."),
  dry_run: z.boolean().optional().describe("true when DRY_RUN is on: nothing was written to Odoo."),
  validated_against_odoo: z
    .boolean()
    .optional()
    .describe("Dry run: whether Odoo look-ups ran (false when Odoo could not be reached)"),
  would: z.record(z.string(), z.unknown()).optional().describe("Dry run: what would be done"),
  message: z.string().optional(),
};

export const money = z.number().describe("Amount in the document currency, rounded as Odoo stores it");
