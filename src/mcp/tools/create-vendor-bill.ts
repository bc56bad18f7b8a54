import { z } from "zod";
import { createVendorBill, createVendorBillResult, vendorBillPreview } from "../accounting/bills.js";
import { audited } from "./audited.js";
import { isoDate, writeOutputs } from "./common.js";
import { defineTool } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

/**
 * This tool's listed schema is kept within 1,500 bytes: its lower bounds are checked (zod refinements, answered as
 * VALIDATION_ERROR like any bound) but not listed, and the fields are described by their names.
 */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((value) => value.length > 0, "must not be empty");
const atLeastZero = (max: number) =>
  z
    .number()
    .finite()
    .max(max)
    .refine((value) => value >= 0, "must be ≥ 0");
const id = z
  .number()
  .int()
  .refine((n) => n > 0 && n < 1e15, "must be a record id (a whole number above 0)");
/** An id, or the text that names the record (a name, a code, an internal reference). */
const idOrText = z.union([id, text(256)]);

const line = z.strictObject({
  description: text(1000),
  quantity: atLeastZero(1e9),
  unit_price: atLeastZero(1e12),
  taxes: z.array(id).max(10).optional(),
  tax_rate: atLeastZero(1).optional(),
  account: idOrText.optional(),
  product: idOrText.optional(),
});

export const createVendorBillTool = defineTool({
  name: "create_vendor_bill",
  toolsets: ["invoicing"],
  description: "Draft a vendor bill (no approval); post_invoice posts it",
  input: z.strictObject({
    vendor: idOrText,
    bill_date: isoDate(),
    due_date: isoDate().optional(),
    payment_terms: text(256).optional(),
    vendor_reference: text(64),
    lines: z
      .array(line)
      .max(200)
      .refine((lines) => lines.length > 0, "must hold at least one line"),
    currency: text(3).optional(),
    document: text(14_000_000).optional().describe("base64"),
  }),
  ...writeOutputs(createVendorBillResult, ["draft"], [], {}),
  annotations: {
    title: "Draft vendor bill",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  fieldCodes: { bill_date: "INVALID_DATE", due_date: "INVALID_DATE" },
  run: (input, ctx) =>
    ctx.dryRun
      ? dryRunAnswer(vendorBillPreview, ctx.odoo, input, ctx.audit)
      : audited(
          ctx,
          "create_vendor_bill",
          "write",
          { target: `bill ${input.vendor_reference.slice(0, 64)} from ${String(input.vendor).slice(0, 80)}` },
          () => createVendorBill(ctx.odoo, input, ctx.across),
          (result) => ({
            odoo_record_id: result.record_id,
            amount: String(result.total_amount),
            currency: result.currency,
          }),
        ),
});
