import { describe, expect, it } from "vitest";
import { decimalsOf, outcomeSentence } from "../../src/shared/outcome-text.js";

const EXPENSE = {
  description: "Taxi to the client",
  total_amount: 148.6,
  currency: "USD",
  employee: "Administrator",
  status: "submitted",
};

describe("what a filed expense became, in Odoo's words", () => {
  it("says so when Odoo approved it at once (Odoo 19 without an expense approver), not just 'submitted'", () => {
    const { text } = outcomeSentence("create_expense", { ...EXPENSE, odoo_state: "approved" }, 2);
    expect(text).toBe(
      'expense of 148.60 USD filed for Administrator; Odoo approved it at once (no expense approver); nothing is paid until it is paid in Odoo — "Taxi to the client"',
    );
  });

  it("says it waits for approval when Odoo has it submitted, and a draft when Odoo kept it as one", () => {
    expect(outcomeSentence("create_expense", { ...EXPENSE, odoo_state: "submitted" }, 2).text).toMatch(
      /filed for Administrator; submitted for approval in Odoo — "Taxi to the client"$/,
    );
    expect(
      outcomeSentence("create_expense", { ...EXPENSE, status: "draft", odoo_state: "draft" }, 2).text,
    ).toMatch(/; kept as a draft in Odoo \(not submitted\) — "Taxi to the client"$/);
  });
});

describe("a credit note, as the person reads what it did", () => {
  it("names the credit note, its total and the invoice, and the refund paid back when there was one", () => {
    const note = {
      credit_note_id: "RINV/2026/00001",
      invoice_id: "INV/2026/00001",
      total_amount: 460,
      currency: "USD",
      refund: null,
      odoo_url: "http://odoo.example/web#id=3&model=account.move&view_type=form",
    };
    expect(outcomeSentence("create_credit_note", note, 2)).toEqual({
      text: "credit note RINV/2026/00001 of 460.00 USD posted for INV/2026/00001",
      link: note.odoo_url,
    });
    expect(
      outcomeSentence("create_credit_note", { ...note, refund: { id: "PBNK1/2026/00002", amount: 460 } }, 2)
        .text,
    ).toBe(
      "credit note RINV/2026/00001 of 460.00 USD posted for INV/2026/00001; 460.00 USD paid back (payment PBNK1/2026/00002)",
    );
  });
});

describe("the decimals an amount was written with", () => {
  it("a whole-number currency keeps none (1720 JPY is not 1,720.00 JPY); no amount at all falls back to two", () => {
    expect(decimalsOf("1720")).toBe(0);
    expect(decimalsOf("1719.25")).toBe(2);
    expect(decimalsOf(undefined)).toBe(2);
  });
});
