import { z } from "zod";
import {
  createPartner,
  createPartnerResult,
  PARTNER_KINDS,
  partnerPreview,
} from "../accounting/partner-create.js";
import { audited } from "./audited.js";
import { writeOutputs } from "./common.js";
import { defineTool } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * Text stored on the partner: no control character (a NUL is refused by PostgreSQL, a line break in a name breaks
 * every list that shows it). Markup is stored as the text it is: every surface escapes what it shows. A refinement,
 * not a pattern, so that tools/list does not carry the rule seven times (the server still refuses, naming the field).
 */
const plain = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((text) => !CONTROL.test(text), "must not contain control characters");

export const createPartnerTool = defineTool({
  name: "create_partner",
  toolsets: ["invoicing"],
  description: "Add a customer or vendor. A duplicate: PARTNER_EXISTS, naming it.",
  input: z.strictObject({
    name: plain(256).refine((text) => text !== "", "must not be empty"),
    kind: z.enum(PARTNER_KINDS),
    is_company: z.boolean().optional(),
    // Checked as z.email() checks, without its `format` in tools/list (the tool's entry stays within 800 bytes).
    email: z
      .string()
      .trim()
      .max(254)
      .refine((text) => z.email().safeParse(text).success, "must be an email address")
      .optional(),
    phone: plain(64).optional(),
    street: plain(256).optional(),
    city: plain(128).optional(),
    zip: plain(32).optional(),
    country: z
      .string()
      .trim()
      .refine((code) => /^[A-Za-z]{2}$/.test(code), "must be a two-letter ISO country code")
      .optional(),
    vat: plain(32).optional(),
    payment_terms: z
      .union([
        plain(128).refine((text) => text !== "", "must not be empty"),
        z
          .number()
          .int()
          .refine((id) => id > 0 && id < 1e15, "must be a record id"),
      ])
      .optional(),
  }),
  ...writeOutputs(createPartnerResult, ["created"], [], {}),
  annotations: {
    title: "Create partner",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  run: (input, ctx) =>
    ctx.dryRun
      ? dryRunAnswer(partnerPreview, ctx.odoo, input, ctx.audit)
      : audited(
          ctx,
          "create_partner",
          "write",
          { target: `${input.kind} ${input.name.slice(0, 80)}` },
          () => createPartner(ctx.odoo, input, ctx.across),
          (result) => ({ odoo_record_id: result.id }),
        ),
});
