import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * create_vendor_bill on the sandbox, which answers as the lab's Odoo 19 did (odoo-recordings/19/14-vendor-bills-full):
 * the same three-line EUR bill gives the same totals, due date and company amount as there.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]);

/** EUR activated at 0.92 per USD and a vendor, as in the recording; the purchase taxes' ids. */
async function setUp(t: Harness) {
  await t.app.odoo.write("res.currency", [125], { active: true });
  await t.app.odoo.create("res.currency.rate", { currency_id: 125, name: "2026-01-01", rate: 0.92 });
  const vendor = await t.app.odoo.create("res.partner", {
    name: "Papeterie Lumière SARL",
    is_company: true,
    supplier_rank: 1,
  });
  const taxes = await t.app.odoo.searchRead(
    "account.tax",
    [["type_tax_use", "=", "purchase"]],
    ["name", "amount"],
  );
  const tax15 = taxes.find((tax) => tax.amount === 15)?.id as number;
  const tax0 = taxes.find((tax) => tax.amount === 0)?.id as number;
  return { vendor, tax15, tax0 };
}

function bill(
  extra: Record<string, unknown> = {},
): { lines: Record<string, unknown>[] } & Record<string, unknown> {
  return {
    vendor: "Papeterie Lumière SARL",
    bill_date: "2026-11-03",
    vendor_reference: "FR-2026-0042",
    currency: "EUR",
    lines: [
      {
        description: "Printer toner, black",
        quantity: 3,
        unit_price: 45.5,
        tax_rate: 0.15,
        account: "600000",
      },
      {
        description: "Support contract, December",
        quantity: 1,
        unit_price: 120,
        tax_rate: 0.15,
        product: "COMM",
      },
      { description: "Import duty", quantity: 1, unit_price: 20, account: "611000" },
    ],
    ...extra,
  };
}

const countBills = (t: Harness) => t.app.odoo.searchCount("account.move", [["move_type", "=", "in_invoice"]]);

describe("create_vendor_bill", () => {
  it("drafts a multi-line EUR bill with purchase taxes, accounts, a product, payment terms and the PDF: Odoo's totals", async () => {
    h = await startHarness();
    const { tax0 } = await setUp(h);
    const args = bill({ payment_terms: "30 days", document: PDF.toString("base64") });
    args.lines[2] = { ...args.lines[2], taxes: [tax0] };
    const made = await h.call("create_vendor_bill", args);
    expect(made.isError, made.text).toBe(false);
    expect(made.data).toMatchObject({
      status: "draft",
      vendor: "Papeterie Lumière SARL",
      vendor_reference: "FR-2026-0042",
      currency: "EUR",
      amount_untaxed: 276.5,
      amount_tax: 38.48,
      total_amount: 314.98,
      company_total: 342.36,
      due_date: "2026-12-03",
      attachment: { name: "FR-2026-0042.pdf" },
      warnings: [],
    });
    const id = made.data.record_id as number;
    const lines = await h.app.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", id],
        ["display_type", "=", "product"],
      ],
      ["account_id", "product_id", "tax_ids"],
      { order: "id" },
    );
    expect(lines.map((line) => (line.account_id as [number, string])[1])).toEqual([
      "600000 Expenses",
      expect.any(String),
      "611000 Purchase of Equipments",
    ]);
    expect(lines[1]?.product_id).toEqual([expect.any(Number), expect.stringContaining("COMM")]);
    expect(lines[2]?.tax_ids).toEqual([tax0]);
    const [move] = await h.app.odoo.read("account.move", [id], ["ref", "message_main_attachment_id"]);
    const attachment = (made.data.attachment as { id: number }).id;
    expect(move).toMatchObject({
      ref: "FR-2026-0042",
      message_main_attachment_id: [attachment, expect.any(String)],
    });
    const [file] = await h.app.odoo.read("ir.attachment", [attachment], ["mimetype", "res_model", "res_id"]);
    expect(file).toMatchObject({ mimetype: "application/pdf", res_model: "account.move", res_id: id });
  });

  it("takes taxes by id, the vendor by id, a due date, and the company's currency by default", async () => {
    h = await startHarness();
    const { vendor, tax15 } = await setUp(h);
    const made = await h.call("create_vendor_bill", {
      vendor,
      bill_date: "2026-11-03",
      due_date: "2026-11-20",
      vendor_reference: "A-1",
      lines: [{ description: "Paper", quantity: 2, unit_price: 10, taxes: [tax15] }],
    });
    expect(made.isError, made.text).toBe(false);
    expect(made.data).toMatchObject({
      currency: "USD",
      amount_untaxed: 20,
      amount_tax: 3,
      total_amount: 23,
      company_total: null,
      due_date: "2026-11-20",
      attachment: null,
    });
  });

  it("names the attachment by what its content is: a PNG is a .png", async () => {
    h = await startHarness();
    await setUp(h);
    const made = await h.call("create_vendor_bill", bill({ document: PNG.toString("base64") }));
    expect(made.isError, made.text).toBe(false);
    const attachment = made.data.attachment as { id: number; name: string };
    expect(attachment.name).toBe("FR-2026-0042.png");
    const [file] = await h.app.odoo.read("ir.attachment", [attachment.id], ["mimetype"]);
    expect(file?.mimetype).toBe("image/png");
  });

  it("refuses a second bill of the vendor with the same reference (case and spaces aside), naming the first", async () => {
    h = await startHarness();
    await setUp(h);
    const first = await h.call("create_vendor_bill", bill());
    expect(first.isError, first.text).toBe(false);
    const again = await h.call("create_vendor_bill", bill({ vendor_reference: "  fr-2026-0042 " }));
    expect(again.error?.code, again.text).toBe("DUPLICATE_BILL");
    expect(again.error?.message).toContain(`record ${first.data.record_id}`);
    expect(again.error?.details).toMatchObject({
      record_id: first.data.record_id,
      vendor_reference: "FR-2026-0042",
    });
    expect(await countBills(h)).toBe(1);
    // Another vendor may use the same reference.
    await h.app.odoo.create("res.partner", { name: "Other Supplier", is_company: true });
    const other = await h.call("create_vendor_bill", bill({ vendor: "Other Supplier" }));
    expect(other.isError, other.text).toBe(false);
  });

  it.each([
    ["an inactive currency", { currency: "GBP" }, "VALIDATION_ERROR", /GBP is not active in Odoo.*Active/],
    ["an unknown currency", { currency: "XYZ" }, "VALIDATION_ERROR", /knows no currency XYZ/],
    [
      "a due date and payment terms",
      { due_date: "2026-12-01", payment_terms: "30 Days" },
      "VALIDATION_ERROR",
      /not both/,
    ],
    ["a due date before the bill date", { due_date: "2026-11-01" }, "INVALID_DATE", /before bill_date/],
    ["an unknown payment term", { payment_terms: "Net 99" }, "VALIDATION_ERROR", /No payment term "Net 99"/],
    ["an unknown vendor", { vendor: "Nobody Ltd" }, "CUSTOMER_NOT_FOUND", /No vendor named "Nobody Ltd"/],
    ["an unknown vendor id", { vendor: 99_999 }, "CUSTOMER_NOT_FOUND", /No partner with id 99999/],
    [
      "a document that is no PDF or image",
      { document: Buffer.from("<html>hi</html>").toString("base64") },
      "VALIDATION_ERROR",
      /not a PDF, PNG/,
    ],
    ["a document that is not base64", { document: "%%%" }, "VALIDATION_ERROR", /not base64/],
  ])("refuses %s, creating nothing", async (_what, extra, code, message) => {
    h = await startHarness();
    await setUp(h);
    const answer = await h.call("create_vendor_bill", bill(extra));
    expect(answer.error?.code, answer.text).toBe(code);
    expect(answer.error?.message).toMatch(message);
    expect(await countBills(h)).toBe(0);
  });

  it.each([
    [
      "a sale tax's id",
      (ids: { sale: number }) => ({ taxes: [ids.sale] }),
      /not one of the company's purchase taxes/,
    ],
    ["a rate no purchase tax has", () => ({ tax_rate: 0.2 }), /no 20% purchase tax.*tax_rate 0\.15/],
    ["taxes and a tax_rate", (ids: { sale: number }) => ({ taxes: [ids.sale], tax_rate: 0.15 }), /not both/],
    [
      "an account that is no expense account",
      () => ({ account: "121000" }),
      /121000.*not an expense account/,
    ],
    ["an unknown account", () => ({ account: "123456" }), /No account with code 123456/],
    ["an unknown product", () => ({ product: "NOPE" }), /No product with internal reference NOPE/],
    ["a negative price", () => ({ unit_price: -5 }), /unit_price/],
  ])("refuses a line with %s (VALIDATION_ERROR)", async (_what, line, message) => {
    h = await startHarness();
    await setUp(h);
    const [sale] = await h.app.odoo.searchRead("account.tax", [["type_tax_use", "=", "sale"]], ["name"]);
    const args = bill();
    args.lines[0] = {
      description: "Toner",
      quantity: 1,
      unit_price: 10,
      ...line({ sale: sale?.id as number }),
    };
    const answer = await h.call("create_vendor_bill", args);
    expect(answer.error?.code, answer.text).toBe("VALIDATION_ERROR");
    expect(answer.error?.message).toMatch(message);
    expect(await countBills(h)).toBe(0);
  });

  it("under DRY_RUN checks everything (the duplicate too) and creates nothing", async () => {
    h = await startHarness({ env: { DRY_RUN: "true" } });
    await setUp(h);
    const preview = await h.call("create_vendor_bill", bill({ document: PDF.toString("base64") }));
    expect(preview.isError, preview.text).toBe(false);
    expect(preview.data).toMatchObject({
      status: "dry_run",
      validated_against_odoo: true,
      vendor: "Papeterie Lumière SARL",
    });
    expect(await countBills(h)).toBe(0);
    const refused = await h.call("create_vendor_bill", bill({ currency: "GBP" }));
    expect(refused.error?.code).toBe("VALIDATION_ERROR");
  });

  it("goes through post_invoice and record_payment (partial, then the rest): the approvals show both currencies", async () => {
    h = await startHarness();
    await setUp(h);
    const made = await h.call("create_vendor_bill", bill({ payment_terms: "30 Days" }));
    expect(made.isError, made.text).toBe(false);
    const post = await h.call("post_invoice", { invoice_id: made.data.record_id });
    expect(post.data.status, post.text).toBe("pending_approval");
    const postSummary = String(post.data.summary);
    expect(postSummary).toContain("Papeterie Lumière SARL");
    expect(postSummary).toMatch(/Total\s+314\.98 EUR/);
    expect(postSummary).toMatch(/Total in USD \(Odoo's rate\)\s+342\.36 USD/);
    await h.approve(post.data.approval_id);
    const [posted] = await h.app.odoo.read(
      "account.move",
      [made.data.record_id as number],
      ["name", "state"],
    );
    expect(posted?.state).toBe("posted");

    const pay = (amount: number, payment_date: string) =>
      h!.call("record_payment", {
        invoice_id: posted?.name,
        amount,
        payment_date,
        payment_method: "bank_transfer",
      });
    const partial = await pay(100, "2026-11-10");
    expect(partial.data.status, partial.text).toBe("pending_approval");
    const partialSummary = String(partial.data.summary);
    for (const expected of [
      /Payment to Papeterie Lumière SARL for vendor bill BILL\/2026\/11\/0001/,
      /Vendor bill total\s+314\.98 EUR/,
      /This payment\s+100\.00 EUR/,
      /Left to pay\s+214\.98 EUR/,
      /Due now in USD \(Odoo's rate\)\s+342\.36 USD/,
      /Journal\s+Bank \(BNK1\)/,
      /Vendor bill\s+BILL\/2026\/11\/0001, Papeterie Lumière SARL/,
    ])
      expect(partialSummary).toMatch(expected);
    await h.approve(partial.data.approval_id);
    const rest = await pay(214.98, "2026-11-12");
    const restSummary = String(rest.data.summary);
    expect(restSummary).toMatch(/Due now in USD \(Odoo's rate\)\s+233\.66 USD/);
    expect(restSummary).toMatch(/it is then paid in full/);
    await h.approve(rest.data.approval_id);
    const [paid] = await h.app.odoo.read(
      "account.move",
      [made.data.record_id as number],
      ["payment_state", "amount_residual"],
    );
    expect(paid).toMatchObject({ payment_state: "paid", amount_residual: 0 });
  });
});
