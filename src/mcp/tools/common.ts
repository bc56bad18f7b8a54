import { z } from "zod";

/** Shared input pieces, with limits, so that every tool rejects oversized or malformed values the same way. */
export const isoDate = (what?: string) =>
  z
    .string()
    .max(10)
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
    .meta(what ? { format: "date", description: what } : { format: "date" });

export const invoiceRef = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe('Its number once posted (INV/2026/00001), or a draft\'s record id as a string ("42")');

/** What a dry run adds to a write tool's answer (DRY_RUN=true: nothing is written to Odoo); `status` explains them. */
export const dryRunFields = {
  dry_run: z.boolean().optional(),
  validated_against_odoo: z.boolean().optional().describe("false: Odoo unreachable, no look-up ran"),
  would: z.record(z.string(), z.unknown()).optional().describe("The Odoo calls it would make"),
  summary: z.string().optional(),
  message: z.string().optional(),
};

/** What an approval-gated tool's answer adds: the request, or the dry run. */
export const approvalFields = {
  approval_id: z.string().optional(),
  summary: dryRunFields.summary,
  expires_at: z.string().optional(),
  result: z.enum(["queued"]).optional(),
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
 * result field, present once the operation ran, null in a dry run when it cannot be known before writing (said
 * once, in `status`); `status` the result's own statuses plus the tool's others (`pending_approval`, `queued`,
 * `dry_run`); then `extra` (the approval or dry-run fields).
 */
export function writeOutput<S extends Shape, const T extends readonly [string, ...string[]], E extends Shape>(
  result: z.ZodObject<S>,
  statuses: T,
  extra: E,
) {
  const fields = {} as Record<string, z.ZodType>;
  for (const [key, schema] of Object.entries(result.shape)) {
    if (key === "status") continue;
    fields[key] = schema.nullable().optional();
  }
  return z.object({
    ...(fields as Omit<Open<S>, "status">),
    status: z
      .enum(statuses)
      .describe(
        `${statuses.includes("pending_approval") ? GATED_STATUSES : ""}dry_run: nothing written, null where not known`,
      ),
    ...extra,
  });
}

const GATED_STATUSES =
  "pending_approval: no result fields, poll get_approval; queued: runs when Odoo answers; ";

/** The output schema of an approval-gated tool: its result, pending, queued or a dry run. */
export function gatedOutput<S extends Shape, const T extends readonly [string, ...string[]]>(
  result: z.ZodObject<S>,
  statuses: T,
) {
  return writeOutput(result, [...statuses, "pending_approval", "queued", "dry_run"] as const, approvalFields);
}
