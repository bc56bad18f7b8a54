import { z } from "zod";
import { DECIMAL_SEPARATORS, DELIMITERS, THOUSANDS_SEPARATORS } from "../accounting/bank/csv.js";
import { STATEMENT_FORMATS } from "../accounting/bank/read-file.js";
import { MAX_CONTENT_CHARS } from "../accounting/bank/statement-line.js";
import {
  importBankStatement,
  importStatementResult,
  statementImportPreview,
} from "../accounting/statement-import.js";
import { audited } from "./audited.js";
import { writeOutputs } from "./common.js";
import { defineTool } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

const column = z.string().trim().min(1).max(128);
const oneOf = <const T extends readonly string[]>(choices: T) =>
  z
    .string()
    .refine(
      (value): value is T[number] => choices.includes(value),
      `must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`,
    )
    .optional();

/** The tool's `base64` flag as the reader's encoding. */
function fileInput<T extends { base64?: boolean }>({
  base64,
  ...rest
}: T): Omit<T, "base64"> & { encoding: "text" | "base64" } {
  return { ...rest, encoding: base64 ? "base64" : "text" };
}

export const importBankStatementTool = defineTool({
  name: "import_bank_statement",
  toolsets: ["bank"],
  description:
    "Import a bank statement (CSV with csv mapping, OFX, CAMT.053) into a bank journal; lines already imported are skipped.",
  input: z.strictObject({
    journal: z.union([z.string().trim().min(1).max(128), z.number().int()]),
    // Bounded in characters here; base64 and the decoded text are bounded again when read (read-file.ts).
    content: z
      .string()
      .min(1)
      .max(Math.ceil((MAX_CONTENT_CHARS * 4) / 3) + 4),
    base64: z.boolean().optional(),
    format: z.enum(STATEMENT_FORMATS).optional(),
    csv: z
      .strictObject({
        date: column,
        amount: column.optional(),
        debit: column.optional(),
        credit: column.optional(),
        label: column,
        partner: column.optional(),
        reference: column.optional(),
        date_format: z.string().trim().max(10).optional(),
        // Plain strings in tools/list (each refinement names its choices when it refuses): the listing stays short.
        decimal: oneOf(DECIMAL_SEPARATORS),
        thousands: oneOf(THOUSANDS_SEPARATORS),
        header: z.boolean().optional(),
        delimiter: oneOf(DELIMITERS),
      })
      .optional()
      .describe("Columns: header name or number from 1. date_format: DD/MM/YYYY style"),
  }),
  ...writeOutputs(importStatementResult, ["imported"], [], {}),
  annotations: {
    title: "Import bank statement",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    ctx.dryRun
      ? dryRunAnswer(statementImportPreview, ctx.odoo, fileInput(input), ctx.audit)
      : audited(
          ctx,
          "import_bank_statement",
          "write",
          {
            target: `bank statement (${input.format ?? "detected format"}) into journal ${String(input.journal).slice(0, 80)}`,
          },
          () =>
            importBankStatement(ctx.odoo, fileInput(input), {
              across: ctx.across,
              ...(ctx.progress ? { progress: ctx.progress } : {}),
            }),
          (result) => ({
            odoo_record_id: result.statement_id ?? result.line_ids[0] ?? "none",
            message: `${result.new} new, ${result.duplicate} duplicate, ${result.refused.length} refused`,
          }),
        ),
});
