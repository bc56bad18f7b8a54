/**
 * create_partner's domain code against the sandbox (taught by odoo-recordings/19/13-partners): what it stores, the
 * duplicates it refuses (PARTNER_EXISTS naming the partner), a retried call without email or VAT, and the
 * recent-party flag that approvals of money going out carry (recent-party.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPartner, recentPartnerFlags } from "../../src/mcp/accounting/index.js";
import { getSession } from "../../src/mcp/accounting/session.js";
import { toToolError } from "../../src/mcp/error-map.js";
import { createOdooClient } from "../../src/mcp/odoo/index.js";
import type { Odoo } from "../../src/mcp/odoo/types.js";
import { sandboxConnection } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { alteredOdoo, expectToolError, uniqueName } from "./helpers.js";

const MINUTE = 60_000;
const DAY = 86_400_000;

describe("create_partner on Odoo 19", () => {
  let sandbox: Sandbox;
  let odoo: Odoo;
  // The sandbox's clock: real time, moved back to create partners "earlier".
  let offset = 0;
  beforeAll(async () => {
    sandbox = await startSandbox({ version: 19, now: () => new Date(Date.now() - offset) });
    odoo = createOdooClient(sandboxConnection(sandbox));
  });
  afterAll(async () => {
    await odoo?.close();
    await sandbox?.close();
  });
  const earlier = async <T>(ms: number, run: () => Promise<T>): Promise<T> => {
    offset = ms;
    try {
      return await run();
    } finally {
      offset = 0;
    }
  };
  const stored = async (id: number) =>
    (
      await odoo.read(
        "res.partner",
        [id],
        [
          "name",
          "is_company",
          "customer_rank",
          "supplier_rank",
          "email",
          "phone",
          "street",
          "city",
          "zip",
          "country_id",
          "vat",
          "property_payment_term_id",
          "property_supplier_payment_term_id",
        ],
      )
    )[0];

  it("a customer with address, country, VAT and payment terms by name: stored as Odoo's fields", async () => {
    const name = uniqueName("Nordwind Handel GmbH");
    const out = await createPartner(odoo, {
      name: `  ${name} `,
      kind: "customer",
      email: `${name.replace(/\W/g, "")}@nordwind.example`,
      phone: "+49 40 1234567",
      street: "Speicherstadt 12",
      city: "Hamburg",
      zip: "20457",
      country: "de",
      vat: "de 123.456.789",
      payment_terms: "30 days",
    });
    expect(out).toMatchObject({ name, kind: "customer", status: "created", warnings: [] });
    expect(out.odoo_url).toBe(`${sandbox.url}/web#id=${out.id}&model=res.partner&view_type=form`);
    expect(await stored(out.id)).toMatchObject({
      name,
      is_company: true,
      customer_rank: 1,
      supplier_rank: 0,
      street: "Speicherstadt 12",
      zip: "20457",
      country_id: [57, "Germany"],
      vat: "DE123456789",
      property_payment_term_id: [4, "30 Days"],
      property_supplier_payment_term_id: false,
    });
  });

  it("a vendor gets the vendor payment terms (by id), an individual both kinds both terms", async () => {
    const vendor = await createPartner(odoo, {
      name: uniqueName("Kestrel Paper Supplies"),
      kind: "vendor",
      country: "BE",
      payment_terms: 2,
    });
    expect(await stored(vendor.id)).toMatchObject({
      customer_rank: 0,
      supplier_rank: 1,
      country_id: [20, "Belgium"],
      property_payment_term_id: false,
      property_supplier_payment_term_id: [2, "15 Days"],
    });
    const both = await createPartner(odoo, {
      name: uniqueName("Ada Byrne"),
      kind: "both",
      is_company: false,
      payment_terms: "Immediate Payment",
    });
    expect(await stored(both.id)).toMatchObject({
      is_company: false,
      customer_rank: 1,
      supplier_rank: 1,
      property_payment_term_id: [1, "Immediate Payment"],
      property_supplier_payment_term_id: [1, "Immediate Payment"],
    });
  });

  it("the same VAT written another way, or the same email in another case: PARTNER_EXISTS naming it", async () => {
    const name = uniqueName("Harbour Bakery");
    const first = await createPartner(odoo, {
      name,
      kind: "customer",
      vat: "BE 0477.472.701",
      email: "ap@harbour-bakery.example",
    });
    const count = await odoo.searchCount("res.partner", []);
    const byVat = await expectToolError(
      createPartner(odoo, { name: "Harbour Bakery (2)", kind: "vendor", vat: "be0477472701" }),
      "PARTNER_EXISTS",
    );
    expect(byVat.message).toContain(`${name}, id ${first.id}`);
    expect(byVat.details).toEqual({ partner: { id: first.id, name } });
    const byEmail = await expectToolError(
      createPartner(odoo, { name: "Someone else", kind: "customer", email: "AP@Harbour-Bakery.example" }),
      "PARTNER_EXISTS",
    );
    expect(byEmail.details).toEqual({ partner: { id: first.id, name } });
    expect(await odoo.searchCount("res.partner", [])).toBe(count);
  });

  it("a VAT that only shares characters, or wildcards in the input, is no duplicate", async () => {
    await createPartner(odoo, { name: uniqueName("Wild Card"), kind: "customer", vat: "XY12345" });
    const out = await createPartner(odoo, { name: uniqueName("Wild Card"), kind: "customer", vat: "XY1234" });
    expect(out.status).toBe("created");
    const percent = await createPartner(odoo, { name: uniqueName("Pct"), kind: "vendor", vat: "%" });
    expect(percent.status).toBe("created");
  });

  it("retried without email or VAT: the same name by this user minutes ago is the first call's", async () => {
    const name = uniqueName("Quiet Fields Farm");
    const first = await createPartner(odoo, { name, kind: "vendor" });
    const retry = await expectToolError(
      createPartner(odoo, { name: name.toUpperCase(), kind: "vendor" }),
      "PARTNER_EXISTS",
    );
    expect(retry.details).toEqual({ partner: { id: first.id, name } });
    expect(await odoo.searchCount("res.partner", [["name", "=", name]])).toBe(1);
  });

  it("the same name created long ago, or given with an email: created, with a warning naming the other", async () => {
    const name = uniqueName("Common Name Ltd");
    const old = await earlier(2 * RETRY_MS, () => createPartner(odoo, { name, kind: "customer" }));
    const second = await createPartner(odoo, { name, kind: "customer" });
    expect(second.id).not.toBe(old.id);
    expect(second.warnings).toEqual([
      `Another partner is already named "${name}" (id ${old.id}): make sure it is not the same one.`,
    ]);
    const third = await createPartner(odoo, { name, kind: "customer", email: "third@common.example" });
    expect(third.warnings).toHaveLength(2);
  });

  it("an unknown country or payment terms: VALIDATION_ERROR, nothing created", async () => {
    const count = await odoo.searchCount("res.partner", []);
    const country = await expectToolError(
      createPartner(odoo, { name: uniqueName("Nowhere"), kind: "customer", country: "XQ" }),
      "VALIDATION_ERROR",
    );
    expect(country.message).toContain('ISO code "XQ"');
    const terms = await expectToolError(
      createPartner(odoo, { name: uniqueName("Nowhere"), kind: "customer", payment_terms: "Net 31" }),
      "VALIDATION_ERROR",
    );
    expect(terms.message).toContain('named "Net 31"');
    await expectToolError(
      createPartner(odoo, { name: uniqueName("Nowhere"), kind: "customer", payment_terms: 999 }),
      "VALIDATION_ERROR",
    );
    expect(await odoo.searchCount("res.partner", [])).toBe(count);
  });

  it("Odoo's own ValidationError on the create (as base_vat's on a bad VAT): VALIDATION_ERROR with its message", async () => {
    // The sandbox has no base_vat (nor has the lab); Odoo's recorded ValidationError of a partner's create stands
    // in: the same fault, through the same mapping.
    const nameless = alteredOdoo(odoo, { create: (_model, values) => ({ ...values, name: false }) });
    const thrown = await createPartner(nameless, { name: uniqueName("Nameless"), kind: "customer" }).catch(
      (error: unknown) => error,
    );
    const error = toToolError(thrown);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.message).toBe(
      "Odoo refused the request: The operation cannot be completed: Contacts require a name",
    );
  });

  it("the flag: a partner this user created in the last 30 days, read from Odoo; not another user's or an older one", async () => {
    const session = await getSession(odoo);
    const recent = await createPartner(odoo, { name: uniqueName("Fresh Vendor"), kind: "vendor" });
    const older = await earlier(31 * DAY, () =>
      createPartner(odoo, { name: uniqueName("Old Vendor"), kind: "vendor" }),
    );
    const lastMonth = await earlier(29 * DAY, () =>
      createPartner(odoo, { name: uniqueName("Month Vendor"), kind: "vendor" }),
    );
    const { flags } = await recentPartnerFlags(odoo, session, [recent.id, null, recent.id, 3], "Vendor");
    expect(flags).toEqual([
      `Vendor ${recent.name} (partner id ${recent.id}) was created less than a day ago by the agent's Odoo user: check that it is real before approving.`,
    ]);
    // Partner 3 (the administrator's own) was created at installation by another user: never flagged.
    expect(await recentPartnerFlags(odoo, session, [older.id, 3], "Vendor")).toEqual({});
    expect((await recentPartnerFlags(odoo, session, [lastMonth.id], "Vendor")).flags?.[0]).toContain(
      "was created 29 days ago",
    );
  });
});

const RETRY_MS = 10 * MINUTE;
