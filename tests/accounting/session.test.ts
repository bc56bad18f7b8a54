import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSession, listJournals, listTaxes, searchPartners } from "../../src/mcp/accounting/index.js";
import { createCustomer, startTestOdoo, type TestOdoo, uniqueName, VERSIONS } from "./helpers.js";

describe.each(VERSIONS)("session and look-ups on Odoo %i", (version) => {
  let t: TestOdoo;
  beforeAll(async () => {
    t = await startTestOdoo(version);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("reads the static data once per client", async () => {
    const first = getSession(t.odoo);
    const session = await first;
    expect(getSession(t.odoo)).toBe(first);
    expect(session.major).toBe(version);
    expect(session.company).toMatchObject({ name: "My Company", currency: "USD", decimals: 2 });
    expect(session.timeZone).toBe("UTC");
    expect(session.uid).toBeGreaterThan(0);
    const before = t.odoo.stats().roundTrips;
    await getSession(t.odoo);
    expect(t.odoo.stats().roundTrips).toBe(before);
  });

  it("lists journals with payment method lines and taxes with their rates", async () => {
    const journals = await listJournals(t.odoo);
    const bank = journals.find((j) => j.type === "bank");
    expect(bank?.code).toBe("BNK1");
    expect(bank?.inbound_payment_methods.length).toBeGreaterThan(0);
    expect(journals.some((j) => j.type === "cash")).toBe(version !== 19);
    expect(journals.find((j) => j.type === "sale")?.code).toBe("INV");
    const taxes = await listTaxes(t.odoo, { type: "sale" });
    expect(taxes.find((tax) => tax.amount === 15)?.tax_rate).toBe(0.15);
    expect(taxes.every((tax) => tax.type === "sale")).toBe(true);
  });

  it("searches partners by name or email", async () => {
    const name = uniqueName("Searchable Widgets");
    const id = await createCustomer(t.odoo, name, "hello@searchable.example");
    const byName = await searchPartners(t.odoo, { query: "Searchable Widgets", kind: "any", limit: 10 });
    expect(byName.map((p) => p.id)).toContain(id);
    const byEmail = await searchPartners(t.odoo, { query: "hello@searchable", kind: "customer", limit: 10 });
    expect(byEmail.find((p) => p.id === id)).toMatchObject({ name, email: "hello@searchable.example" });

    // Once invoiced it is a customer: the vendor search leaves it out, the customer search puts it first.
    const vendorName = uniqueName("Searchable Supplies");
    const vendor = await t.odoo.create("res.partner", { name: vendorName, supplier_rank: 1 });
    await t.odoo.write("res.partner", [id], { customer_rank: 1 });
    const vendors = await searchPartners(t.odoo, { query: "Searchable", kind: "vendor", limit: 10 });
    expect(vendors.map((p) => p.id)).toContain(vendor);
    expect(vendors.map((p) => p.id)).not.toContain(id);
    const customers = await searchPartners(t.odoo, { query: "Searchable", kind: "customer", limit: 10 });
    expect(customers[0]?.id).toBe(id);
    expect(customers.map((p) => p.id)).not.toContain(vendor);
  });
});
