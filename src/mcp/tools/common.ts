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

/** What a dry run adds to a write tool's answer (DRY_RUN=true: nothing is written to Odoo). */
export const dryRunFields = {
  dry_run: z.boolean().optional().describe("true when DRY_RUN is on: nothing was written to Odoo."),
  validated_against_odoo: z
    .boolean()
    .optional()
    .describe("Dry run: whether Odoo look-ups ran (false when Odoo could not be reached)"),
  would: z.record(z.string(), z.unknown()).optional().describe("Dry run: what would be done"),
  summary: z.string().optional().describe("What the human is asked to approve."),
  message: z.string().optional(),
};

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
  dry_run: dryRunFields.dry_run,
  validated_against_odoo: dryRunFields.validated_against_odoo,
  would: dryRunFields.would,
  message: z.string().optional(),
};

type Shape = Record<string, z.ZodType>;
/** Every field of a result, optional (a pending answer has none) and nullable (a dry run cannot know all). */
type Open<S extends Shape> = { [K in keyof S]: z.ZodOptional<z.ZodNullable<S[K]>> };

/**
 * A write tool's output schema, built from its operation's result (the one definition, in accounting/*): every
 * result field, present once the operation ran, null in a dry run when it cannot be known before writing;
 * `status` the result's own statuses plus the tool's others (`pending_approval`, `queued`, `dry_run`); then
 * `extra` (the approval or dry-run fields).
 */
export function writeOutput<S extends Shape, const T extends readonly [string, ...string[]], E extends Shape>(
  result: z.ZodObject<S>,
  statuses: T,
  extra: E,
) {
  const fields = {} as Record<string, z.ZodType>;
  for (const [key, schema] of Object.entries(result.shape)) {
    if (key === "status") continue;
    const description = schema.description;
    fields[key] = schema
      .nullable()
      .optional()
      .describe(`${description ? `${description}. ` : ""}Null in a dry run when not known before writing.`);
  }
  return z.object({
    ...(fields as Omit<Open<S>, "status">),
    status: z
      .enum(statuses)
      .describe(
        "The operation's own status once it ran" +
          (statuses.includes("pending_approval")
            ? "; pending_approval: waits for a human (follow it with get_approval); queued: approved, runs when Odoo answers"
            : "") +
          "; dry_run: DRY_RUN is on, nothing was written, the other fields are a preview (null where not known before writing)",
      ),
    ...extra,
  });
}

/** The output schema of an approval-gated tool: its result, pending, queued or a dry run. */
export function gatedOutput<S extends Shape, const T extends readonly [string, ...string[]]>(
  result: z.ZodObject<S>,
  statuses: T,
) {
  return writeOutput(result, [...statuses, "pending_approval", "queued", "dry_run"] as const, approvalFields);
}

export const money = z.number().describe("Amount in the document currency, rounded as Odoo stores it");
