/**
 * Red team (issue 17), round 2: the agent calls the new tools in parallel, as an agent framework may.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const count = (t: Harness, model: string, domain: unknown[]) =>
  t.app.odoo.searchCount(model, domain as never);

describe("exactly once when the agent calls in parallel", () => {
  it("ten identical create_vendor_bill calls at once: one bill, nine DUPLICATE_BILL", async () => {
    h = await startHarness();
    const vendor = await h.app.odoo.create("res.partner", {
      name: "Toner World",
      is_company: true,
      supplier_rank: 1,
    });
    const args = {
      vendor,
      bill_date: "2026-11-03",
      vendor_reference: "INV-PAR-1",
      lines: [{ description: "Toner", quantity: 1, unit_price: 80 }],
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h?.call("create_vendor_bill", args)));
    expect(answers.filter((a) => a?.isError === false)).toHaveLength(1);
    expect(answers.filter((a) => a?.error?.code === "DUPLICATE_BILL")).toHaveLength(9);
    expect(await count(h, "account.move", [["move_type", "=", "in_invoice"]])).toBe(1);
  });

  it("ten create_partner calls with the same VAT at once: one partner, nine PARTNER_EXISTS", async () => {
    h = await startHarness();
    const before = await count(h, "res.partner", []);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h?.call("create_partner", { name: `Twin ${i}`, kind: "vendor", vat: "BE0477472701" }),
      ),
    );
    expect(answers.filter((a) => a?.isError === false)).toHaveLength(1);
    expect(answers.filter((a) => a?.error?.code === "PARTNER_EXISTS")).toHaveLength(9);
    expect(await count(h, "res.partner", [])).toBe(before + 1);
  });
});
