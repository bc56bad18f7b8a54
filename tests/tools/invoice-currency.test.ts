import { afterEach, describe, expect, it } from "vitest";
import { outputOf } from "../redteam/helpers.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";

/**
 * create_invoice in another currency, on the sandbox answering as the lab's Odoo 19 did (19/14-vendor-bills-full:
 * 4 × 150 EUR at 15% is 690 EUR, 750 USD at 0.92 EUR per USD).
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const invoice = (currency?: string) => ({
  customer_name: "Acme Corp",
  customer_email: "billing@acme.example",
  invoice_date: "2026-11-02",
  due_date: "2026-12-02",
  line_items: [{ description: "Consulting, November", quantity: 4, unit_price: 150 }],
  tax_rate: 0.15,
  ...(currency ? { currency } : {}),
});

describe("create_invoice with a currency", () => {
  it("shows the total in that currency, says Odoo converts it at creation, and creates the invoice in it", async () => {
    h = await startHarness();
    await seedCustomer(h);
    await h.app.odoo.write("res.currency", [125], { active: true });
    await h.app.odoo.create("res.currency.rate", { currency_id: 125, name: "2026-01-01", rate: 0.92 });
    const asked = await h.call("create_invoice", invoice("eur"));
    expect(asked.data.status, asked.text).toBe("pending_approval");
    const summary = String(asked.data.summary);
    expect(summary).toMatch(/Total\s+690\.00 EUR/);
    expect(summary).toMatch(/Amount in USD\s+computed by Odoo at its EUR rate when the invoice is\s+created/);
    expect(summary).toMatch(
      /Estimate in USD \(Odoo's rate today\)\s+about 750\.00 USD, not the booked amount/,
    );
    expect(summary).not.toMatch(/Total\s+\S+ USD/);
    await h.approve(asked.data.approval_id);
    const output = await outputOf(h, String(asked.data.approval_id));
    expect(output).toMatchObject({ currency: "EUR", amount_untaxed: 600, amount_tax: 90, total_amount: 690 });
    const [move] = await h.app.odoo.read(
      "account.move",
      [output.record_id as number],
      ["currency_id", "amount_total_signed"],
    );
    expect(move).toMatchObject({ currency_id: [125, expect.any(String)], amount_total_signed: 750 });
  });

  it("refuses an inactive currency, naming it and how to activate it, and an unknown one", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const inactive = await h.call("create_invoice", invoice("EUR"));
    expect(inactive.error?.code, inactive.text).toBe("VALIDATION_ERROR");
    expect(inactive.error?.message).toMatch(/EUR is not active in Odoo.*Currencies.*Active/);
    const unknown = await h.call("create_invoice", invoice("ABC"));
    expect(unknown.error?.message).toMatch(/Odoo knows no currency ABC/);
    expect(await h.app.approvals.list()).toHaveLength(0);
  });

  it("in the company's currency (named or not) is the invoice it always was: no currency_id written, no estimate", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const asked = await h.call("create_invoice", invoice("USD"));
    expect(String(asked.data.summary)).not.toMatch(/Estimate|Amount in USD/);
    await h.approve(asked.data.approval_id);
    expect(await outputOf(h, String(asked.data.approval_id))).toMatchObject({
      currency: "USD",
      total_amount: 690,
    });
  });
});
