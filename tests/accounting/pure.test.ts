import { describe, expect, it } from "vitest";
import {
  type AccountingSession,
  htmlToText,
  invoiceRef,
  moveUrl,
  selectPaymentJournal,
  selectTax,
  textToHtml,
  writeOperations,
} from "../../src/mcp/accounting/index.js";
import { ToolError } from "../../src/mcp/errors.js";

const manual = (id: number, journalId: number, paymentType: "inbound" | "outbound") => ({
  id,
  name: "Manual Payment",
  code: "manual",
  paymentType,
  journalId,
});

function session(overrides: Partial<AccountingSession> = {}): AccountingSession {
  return {
    major: 19,
    serverVersion: "19.0",
    uid: 2,
    timeZone: "UTC",
    company: {
      id: 1,
      name: "My Company",
      email: null,
      currencyId: 1,
      currency: "USD",
      decimals: 2,
      taxRounding: "round_per_line",
    },
    companies: [{ id: 1, name: "My Company" }],
    journals: [
      { id: 1, name: "Sales", code: "INV", type: "sale", inbound: [], outbound: [] },
      {
        id: 6,
        name: "Bank",
        code: "BNK1",
        type: "bank",
        inbound: [manual(1, 6, "inbound")],
        outbound: [manual(2, 6, "outbound")],
      },
    ],
    taxes: [
      { id: 1, name: "15%", amount: 15, amountType: "percent", priceInclude: false, typeTaxUse: "sale" },
      { id: 2, name: "15%", amount: 15, amountType: "percent", priceInclude: false, typeTaxUse: "purchase" },
      {
        id: 3,
        name: "0% Exports",
        amount: 0,
        amountType: "percent",
        priceInclude: false,
        typeTaxUse: "sale",
      },
      {
        id: 5,
        name: "7.5% incl.",
        amount: 7.5,
        amountType: "percent",
        priceInclude: true,
        typeTaxUse: "sale",
      },
      { id: 6, name: "7.5%", amount: 7.5, amountType: "percent", priceInclude: false, typeTaxUse: "sale" },
    ],
    baseUrl: "http://odoo.local:8069",
    ...overrides,
  };
}

describe("selectTax", () => {
  it("picks the sale tax of the rate's percentage, preferring one excluded from the price", () => {
    expect(selectTax(session(), "sale", 0.15)?.id).toBe(1);
    expect(selectTax(session(), "sale", 0.075)?.id).toBe(6);
    expect(selectTax(session(), "sale", undefined)).toBeNull();
    expect(selectTax(session(), "sale", 0)).toBeNull();
  });
  it("names the rates that exist when none matches", () => {
    try {
      selectTax(session(), "sale", 0.2);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe("VALIDATION_ERROR");
      expect((error as ToolError).message).toContain("20%");
      expect((error as ToolError).details?.available_rates).toEqual([0, 0.075, 0.15]);
    }
  });
});

describe("selectPaymentJournal", () => {
  it("uses a bank journal for transfers, cards and checks, with the direction's method line", () => {
    for (const method of ["bank_transfer", "credit_card", "check"] as const) {
      const { journal, line } = selectPaymentJournal(session(), method, "inbound");
      expect(journal.code).toBe("BNK1");
      expect(line.id).toBe(1);
    }
    expect(selectPaymentJournal(session(), "check", "outbound").line.id).toBe(2);
  });
  it("refuses cash when the company has no cash journal (Odoo 19's generic chart)", () => {
    expect(() => selectPaymentJournal(session(), "cash", "inbound")).toThrow(/no cash journal/);
  });
});

describe("invoice ids and texts", () => {
  it("is the number once posted, else the record id", () => {
    expect(invoiceRef({ id: 7, name: "INV/2026/00001", state: "posted" })).toBe("INV/2026/00001");
    expect(invoiceRef({ id: 7, name: false, state: "draft" })).toBe("7");
    expect(invoiceRef({ id: 7, name: "/", state: "draft" })).toBe("7");
    // Odoo 17 shows a number on the first draft of a sequence: still a draft, still its record id.
    expect(invoiceRef({ id: 7, name: "INV/2026/00001", state: "draft" })).toBe("7");
    expect(moveUrl(session(), 7)).toBe("http://odoo.local:8069/web#id=7&model=account.move&view_type=form");
  });
  it("turns notes into Odoo HTML and back", () => {
    const html = textToHtml("Thanks <3 & more\nline two\n\nNew paragraph");
    expect(html).toBe("<p>Thanks &lt;3 &amp; more<br>line two</p><p>New paragraph</p>");
    expect(htmlToText(html)).toBe("Thanks <3 & more\nline two\nNew paragraph");
    expect(htmlToText("<p>Thank you for your business.</p>")).toBe("Thank you for your business.");
    expect(htmlToText(false)).toBeNull();
  });
  it("registers the approval-gated operations by tool name", () => {
    expect([...writeOperations.keys()].sort()).toEqual([
      "create_credit_note",
      "create_expense",
      "create_invoice",
      "post_invoice",
      "reconcile_bank_lines",
      "record_payment",
      "send_invoice",
      "send_reminder",
      "unreconcile_bank_line",
    ]);
    for (const [tool, operation] of writeOperations) expect(operation.tool).toBe(tool);
  });
});
