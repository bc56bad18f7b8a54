import { z } from "zod";

/** Shared input pieces, with limits, so that every tool rejects oversized or malformed values the same way. */
export const isoDate = (what?: string) =>
  z
    .string()
    .max(10)
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
    .meta(what ? { format: "date", description: what } : { format: "date" });

/**
 * A record id as a number: whole and above 0. The server refuses anything else (VALIDATION_ERROR); the listed schema
 * says `integer` only, since every tool list a conversation pays for carries it five times.
 */
const wholeId = z
  .number()
  .int()
  .refine((n) => n > 0 && n < 1e15, "must be a record id (a whole number above 0)");

/**
 * An invoice or bill, in any form the tools give it back: its number (`"INV/2026/00001"`), its `invoice_id` before
 * it has one (`"42"`) or its `record_id` (`42`). The code always gets a string (contract, "Invoice ids").
 */
export const invoiceRef = z.union([z.string().trim().min(1).max(64), wholeId]).transform(String);

/** An Odoo record id as the tools give it back: `7`, or `"7"`. The code always gets the number. */
export const recordId = z.union([
  wholeId,
  z
    .string()
    .trim()
    .regex(/^[1-9]\d{0,14}$/, "must be a record id (a whole number)")
    .transform(Number),
]);

/**
 * What a dry run adds to a write tool's answer (DRY_RUN=true: nothing is written to Odoo). Listed only by a server
 * in dry-run mode; the server's instructions say what they mean, once for every tool.
 */
export const dryRunFields = {
  dry_run: z.literal(true).optional(),
  validated_against_odoo: z.boolean().optional(),
  would: z.record(z.string(), z.unknown()).optional(),
  summary: z.string().optional(),
  message: z.string().optional(),
};

/** What an approval-gated tool's answer adds when it did not run yet: the request (pending, or queued). */
export const approvalFields = {
  approval_id: z.string().optional(),
  summary: z.string().optional(),
  expires_at: z.string().optional(),
  result: z.literal("queued").optional(),
  message: z.string().optional(),
};

type Shape = Record<string, z.ZodType>;
/** Every field of a result, optional (a pending answer has none). */
type Absent<S extends Shape> = { [K in keyof S]: z.ZodOptional<S[K]> };
/** ...and nullable (a dry run cannot know all). */
type Open<S extends Shape> = { [K in keyof S]: z.ZodOptional<z.ZodNullable<S[K]>> };

/**
 * A write tool's output schemas, both built from its operation's result (the one definition, in accounting/*):
 * - `output`, what the tool may answer in any mode, its TypeScript type: every result field, present once the
 *   operation ran and null in a dry run when it cannot be known before writing; `status` the result's own
 *   statuses plus `others` (`pending_approval`, `queued`, `dry_run`); then the approval and dry-run fields;
 * - `liveOutput`, what it may answer when DRY_RUN is off (no dry-run field, no null a dry run alone answers):
 *   what such a server lists in tools/list and checks every answer against. A dry-run server lists `output`.
 */
export function writeOutputs<
  S extends Shape,
  const T extends readonly [string, ...string[]],
  const P extends readonly string[],
  E extends Shape,
>(result: z.ZodObject<S>, statuses: T, pending: P, extra: E) {
  const open = {} as Record<string, z.ZodType>;
  const absent = {} as Record<string, z.ZodType>;
  for (const [key, schema] of Object.entries(result.shape)) {
    if (key === "status") continue;
    open[key] = schema.nullable().optional();
    absent[key] = schema.optional();
  }
  return {
    output: z.object({
      ...(open as Omit<Open<S>, "status">),
      status: z.enum([...statuses, ...pending, "dry_run"] as [
        T[number] | P[number] | "dry_run",
        ...(T[number] | P[number] | "dry_run")[],
      ]),
      ...extra,
      ...dryRunFields,
    }),
    liveOutput: z.object({
      ...(absent as Omit<Absent<S>, "status">),
      status: z.enum([...statuses, ...pending] as [T[number] | P[number], ...(T[number] | P[number])[]]),
      ...extra,
    }),
  };
}

/**
 * The output schemas of an approval-gated tool: its result, pending, queued or (in a dry run) a preview. Such a
 * tool has no fixed output (three answers, the commonest of which, pending, carries none of the result's fields),
 * so tools/list shows no output schema for it (the contract: "where it has a fixed output, an output schema"); the
 * server's instructions say the approval fields once, and every answer is still checked against `liveOutput`.
 */
export function gatedOutputs<S extends Shape, const T extends readonly [string, ...string[]]>(
  result: z.ZodObject<S>,
  statuses: T,
) {
  return {
    ...writeOutputs(result, statuses, ["pending_approval", "queued"] as const, approvalFields),
    outputListed: false as const,
  };
}
