/**
 * The request document each write operation's `prepare` builds (what every surface shows the person): named as a
 * bookkeeper recognises it, amounts with thousands separators, the currency's decimals and the currency, the tax
 * as an amount, and an effect that says what approving does (issue 15, findings 1-4).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createExpenseOperation,
  createInvoiceOperation,
  postInvoiceOperation,
  recordPaymentOperation,
  sendInvoiceOperation,
} from "../../src/mcp/accounting/index.js";
import type { PreparedWrite } from "../../src/mcp/accounting/operation.js";
import { dateText, documentText } from "../../src/shared/document-text.js";
import { pdfBytes, type TempFiles, tempFiles } from "../expenses/files.js";
import {
  applyRef,
  createCustomer,
  daysAgo,
  startTestOdoo,
  type TestOdoo,
  uniqueName,
  VERSIONS,
} from "./helpers.js";

const LONG =
  "Sourdough starter maintenance and oven calibration visit, including the replacement of two door seals";

describe.each(VERSIONS)("request documents on Odoo %i", (version) => {
  let t: TestOdoo;
  let files: TempFiles;
  beforeAll(async () => {
    t = await startTestOdoo(version);
    files = await tempFiles();
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });

  const invoiceInput = (customer: string, email: string) => ({
    customer_name: customer,
    customer_email: email,
    invoice_date: daysAgo(5),
    due_date: daysAgo(-25),
    line_items: [
      { description: "Website design", quantity: 1, unit_price: 1250 },
      { description: LONG, quantity: 2, unit_price: 85 },
      { description: "Hosting, one month", quantity: 2, unit_price: 37.5 },
    ],
    tax_rate: 0.15,
  });

  async function customer(): Promise<{ name: string; email: string }> {
    const name = uniqueName("Harbour Bakery Ltd");
    const email = `accounts-${Date.now()}-${Math.random().toString(36).slice(2)}@harbour.example`;
    await createCustomer(t.odoo, name, email);
    return { name, email };
  }

  async function createdDraft(): Promise<{ id: string; name: string; email: string }> {
    const who = await customer();
    const input = invoiceInput(who.name, who.email);
    const out = await createInvoiceOperation.apply(
      t.odoo,
      input,
      applyRef(await createInvoiceOperation.mark(t.odoo, input)),
    );
    return { id: out.invoice_id, ...who };
  }

  const amount = (prepared: PreparedWrite, label: string) =>
    prepared.document.amounts.find((a) => a.label === label)?.amount;

  it("create_invoice: a draft that sends nothing, its lines and Odoo's tax as an amount", async () => {
    const who = await customer();
    const input = invoiceInput(who.name, who.email);
    const prepared = await createInvoiceOperation.prepare(t.odoo, input);
    const doc = prepared.document;
    expect(doc.name).toBe(
      `Draft invoice for ${who.name}, 1,719.25 USD, dated ${dateText(input.invoice_date)}`,
    );
    expect(prepared.target).toBe(doc.name);
    expect(doc.effect).toMatch(/^Creates a draft invoice in Odoo\. Nothing is posted and nothing is sent/);
    expect(doc.lines).toEqual([
      {
        description: "Website design",
        quantity: "1",
        unit_price: "1,250.00 USD",
        taxes: "15%",
        subtotal: "1,250.00 USD",
      },
      { description: LONG, quantity: "2", unit_price: "85.00 USD", taxes: "15%", subtotal: "170.00 USD" },
      {
        description: "Hosting, one month",
        quantity: "2",
        unit_price: "37.50 USD",
        taxes: "15%",
        subtotal: "75.00 USD",
      },
    ]);
    expect(doc.amounts).toEqual([
      { label: "Subtotal", amount: "1,495.00 USD" },
      { label: "Tax 15%", amount: "224.25 USD" },
      { label: "Total", amount: "1,719.25 USD", strong: true },
    ]);
    // Where it would go later, never "Sent to".
    expect(doc.rows.map((r) => r.label)).toContain("Will be sent to (later, by send_invoice)");
    expect(JSON.stringify(doc)).not.toMatch(/Sent to/);
    // The prompt's text is the document's.
    expect(prepared.summary).toBe(documentText(doc));
    expect(prepared.summary).toMatch(/Tax 15% +224\.25 USD/);
  });

  it("send_invoice of a draft: named by customer, total and date; says it posts, numbers and emails it; shows lines and totals", async () => {
    const draft = await createdDraft();
    const prepared = await sendInvoiceOperation.prepare(t.odoo, { invoice_id: draft.id });
    const doc = prepared.document;
    expect(doc.name).toBe(`Draft invoice for ${draft.name}, 1,719.25 USD, dated ${dateText(daysAgo(5))}`);
    expect(prepared.target).toBe(doc.name);
    expect(doc.name).not.toMatch(/^\d+ \(/);
    expect(doc.effect).toMatch(
      new RegExp(
        `^Posts the draft invoice \\(it gets (the number INV/\\S+|the next number in journal .+)\\) and emails it with its PDF to ${draft.email.replace(/\./g, "\\.")} through Odoo\\.$`,
      ),
    );
    expect(doc.lines?.map((l) => [l.description, l.unit_price, l.subtotal])).toEqual([
      ["Website design", "1,250.00 USD", "1,250.00 USD"],
      [LONG, "85.00 USD", "170.00 USD"],
      ["Hosting, one month", "37.50 USD", "75.00 USD"],
    ]);
    expect(amount(prepared, "Subtotal")).toBe("1,495.00 USD");
    expect(amount(prepared, "Tax 15%")).toBe("224.25 USD");
    expect(amount(prepared, "Total")).toBe("1,719.25 USD");
    expect(doc.party).toEqual({ role: "Customer", name: draft.name });
    expect(JSON.stringify(doc)).not.toMatch(/Odoo record/);
    // The subject is the template's ("My Company Invoice (Ref INV/2026/00001)" on the lab's Odoo 19), not these words.
    expect(doc.rows).toContainEqual({ label: "Subject", value: "the subject of Odoo's invoice template" });
  });

  it("post_invoice of a draft, then send_invoice of the posted invoice: named by its number", async () => {
    const draft = await createdDraft();
    const post = await postInvoiceOperation.prepare(t.odoo, { invoice_id: draft.id });
    expect(post.document.name).toMatch(/^Draft invoice for Harbour Bakery Ltd/);
    expect(post.document.effect).toMatch(
      /^Posts the draft invoice: it gets (the number|the next number in journal)/,
    );
    expect(post.document.effect).toContain("Nothing is sent.");
    expect(amount(post, "Tax 15%")).toBe("224.25 USD");
    const posted = await postInvoiceOperation.apply(
      t.odoo,
      { invoice_id: draft.id },
      applyRef(await postInvoiceOperation.mark(t.odoo, { invoice_id: draft.id })),
    );
    const send = await sendInvoiceOperation.prepare(t.odoo, { invoice_id: posted.invoice_id });
    expect(send.document.name).toBe(`${posted.invoice_id}, ${draft.name}`);
    expect(send.document.effect).toBe(
      `Emails invoice ${posted.invoice_id} with its PDF to ${draft.email} through Odoo.`,
    );
    expect(send.document.lines).toHaveLength(3);
  });

  it("record_payment: the invoice by number and partner, its total, paid so far, this payment, left to pay, due date", async () => {
    const draft = await createdDraft();
    const posted = await postInvoiceOperation.apply(
      t.odoo,
      { invoice_id: draft.id },
      applyRef(await postInvoiceOperation.mark(t.odoo, { invoice_id: draft.id })),
    );
    const first = {
      invoice_id: posted.invoice_id,
      amount: 600,
      payment_date: daysAgo(2),
      payment_method: "bank_transfer" as const,
    };
    await recordPaymentOperation.apply(
      t.odoo,
      first,
      applyRef(await recordPaymentOperation.mark(t.odoo, first)),
    );
    const prepared = await recordPaymentOperation.prepare(t.odoo, {
      ...first,
      amount: 100,
      reference: "Part 2",
    });
    const doc = prepared.document;
    expect(doc.name).toBe(`Payment from ${draft.name} for invoice ${posted.invoice_id}`);
    expect(doc.amounts).toEqual([
      { label: "Invoice total", amount: "1,719.25 USD" },
      { label: "Paid so far", amount: "600.00 USD" },
      { label: "This payment", amount: "100.00 USD", strong: true },
      { label: "Left to pay", amount: "1,019.25 USD" },
    ]);
    expect(doc.effect).toContain(`received from ${draft.name}`);
    expect(doc.rows).toEqual(
      expect.arrayContaining([
        { label: "Invoice", value: `${posted.invoice_id}, ${draft.name}` },
        { label: "Due date", value: dateText(daysAgo(-25)) },
        { label: "Payment date", value: dateText(daysAgo(2)) },
        { label: "Reference", value: "Part 2" },
      ]),
    );
    expect(JSON.stringify(doc)).not.toMatch(/Odoo record/);
    // Money coming in: no bank account to approve.
    expect(doc.rows.map((r) => r.label)).not.toContain("Paid to bank account");
  });

  /** A posted bill of 640.00 for a new vendor, with the bank accounts given (Odoo puts the first on the bill). */
  async function postedBill(accounts: string[]): Promise<{ vendor: string; number: string }> {
    const vendor = uniqueName("Imprimerie Delvaux SRL");
    const partner = await t.odoo.create("res.partner", { name: vendor, is_company: true, supplier_rank: 1 });
    for (const acc_number of accounts)
      await t.odoo.create("res.partner.bank", { acc_number, partner_id: partner });
    const move = await t.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: partner,
      invoice_date: daysAgo(3),
      invoice_line_ids: [[0, 0, { name: "Brochures", quantity: 1, price_unit: 640, tax_ids: [[6, 0, []]] }]],
    });
    await t.odoo.call({ model: "account.move", method: "action_post", ids: [move] });
    const [row] = await t.odoo.read("account.move", [move], ["name"]);
    return { vendor, number: String(row?.name) };
  }

  it("record_payment of a bill: the bank account the money goes to, its number and holder", async () => {
    const bill = await postedBill(["BE71 0961 2345 6769"]);
    const input = {
      invoice_id: bill.number,
      amount: 640,
      payment_date: daysAgo(1),
      payment_method: "bank_transfer" as const,
    };
    const prepared = await recordPaymentOperation.prepare(t.odoo, input);
    expect(prepared.document.name).toMatch(`Payment to ${bill.vendor} for`);
    expect(prepared.document.rows).toContainEqual({
      label: "Paid to bank account",
      value: `BE71 0961 2345 6769, held by ${bill.vendor}`,
    });
    expect(prepared.summary).toContain("BE71 0961 2345 6769");
    expect(prepared.binding?.partner_bank_id).toEqual(expect.any(Number));

    const none = await postedBill([]);
    const bare = await recordPaymentOperation.prepare(t.odoo, { ...input, invoice_id: none.number });
    expect(bare.document.rows).toContainEqual({
      label: "Paid to bank account",
      value: "none set in Odoo: the payment carries no bank account",
    });
    expect(bare.binding).toHaveProperty("partner_bank_id", null);
  });

  it("create_expense: described once, with employee, category, date, vendor, receipt and amount", async () => {
    const receipt = await files.write("taxi-receipt.pdf", pdfBytes());
    const prepared = await createExpenseOperation.prepare(t.odoo, {
      description: "Taxi to the client (oven inspection)",
      amount: 1234.5,
      expense_date: daysAgo(1),
      category: "travel",
      vendor: "City Cabs",
      receipt_path: receipt,
    });
    const doc = prepared.document;
    expect(doc.name).toBe("Taxi to the client (oven inspection) (City Cabs), Administrator");
    expect(doc.name).not.toMatch(/expense "/);
    expect(doc.amounts).toEqual([{ label: "Amount", amount: "1,234.50 USD", strong: true }]);
    expect(doc.party).toEqual({ role: "Employee", name: "Administrator" });
    const rows = Object.fromEntries(doc.rows.map((r) => [r.label, r.value]));
    expect(rows.Category).toMatch(/^Travel/);
    expect(rows.Date).toBe(dateText(daysAgo(1)));
    expect(rows.Vendor).toBe("City Cabs");
    expect(rows.Receipt).toMatch(/^taxi-receipt\.pdf \(PDF, [\d.]+ (bytes|KiB)/);
  });

  it("create_expense: says what Odoo does once it is submitted (19 approves an employee's own expense at once when nobody approves their expenses)", async () => {
    const input = {
      description: "Taxi to the client (oven inspection)",
      amount: 148.6,
      expense_date: daysAgo(1),
      category: "travel",
      receipt_path: await files.write("taxi.pdf", pdfBytes()),
    };
    const { document } = await createExpenseOperation.prepare(t.odoo, input);
    const done = await createExpenseOperation.apply(t.odoo, input, applyRef());
    if (version === 19) {
      // As the lab's real Odoo 19 did: approved at once, nobody else asked.
      expect(done.odoo_state).toBe("approved");
      expect(document.effect).toBe(
        "Files an expense of 148.60 USD for Administrator in Odoo and submits it there. Odoo 19 approves it at " +
          "once when the employee has no expense approver (otherwise it waits for theirs). Nothing is paid until " +
          "it is paid in Odoo.",
      );
    } else {
      expect(done.odoo_state).toBe("submitted");
      expect(document.effect).toBe(
        "Files an expense of 148.60 USD for Administrator in Odoo and submits it for approval there (Odoo " +
          `${version} puts it in an expense report and submits the report). Nothing is paid until it is approved ` +
          "and paid in Odoo.",
      );
    }
  });
});
