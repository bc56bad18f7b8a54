/**
 * Several companies in one database (issue 9): `ODOO_COMPANY` scopes every call to one company, and without it a
 * user in several companies works in their current company. Every tool runs against the sandbox with a second
 * company created as the recordings create it (`res.company` create + `account.chart.template.try_loading`), on
 * Odoo 19, 18 and 17, through the real server, client and approval flow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import { probeOdoo } from "../../src/mcp/odoo/connection-check.js";
import { OdooAccessError } from "../../src/mcp/odoo/errors.js";
import { sandboxConnection } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "../sandbox/helpers.js";
import { type Harness, INVOICE_INPUT, startHarness } from "../support/harness.js";

type Row = Record<string, unknown> & { id: number };
const ctx = (...ids: number[]) => ({ context: { allowed_company_ids: ids } });
/** Element `i` of a many2one pair read from Odoo. */
const m2o = (v: unknown, i: 0 | 1): unknown => (Array.isArray(v) ? v[i] : undefined);
const companyOf = (row: Row | undefined): unknown =>
  Array.isArray(row?.company_id) ? row.company_id[0] : row?.company_id;

async function read(s: Sandbox, model: string, ids: number[], fields: string[]): Promise<Row[]> {
  // Both companies allowed: the test looks at every record, whichever company holds it.
  return (await kw(s, model, "read", [ids, fields], ctx(1, 2))) as Row[];
}

async function searchRead(s: Sandbox, model: string, domain: unknown[], fields: string[]): Promise<Row[]> {
  return (await kw(s, model, "search_read", [domain, fields], ctx(1, 2))) as Row[];
}

/** A posted customer invoice of `price` (no tax) in `company`, created through the wire as a user would. */
async function postedInvoice(s: Sandbox, company: number, customer: number, price: number): Promise<number> {
  const [id] = (await kw(
    s,
    "account.move",
    "create",
    [
      [
        {
          move_type: "out_invoice",
          partner_id: customer,
          invoice_date: "2026-11-02",
          invoice_date_due: "2026-12-02",
          invoice_line_ids: [[0, 0, { name: "Work", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
        },
      ],
    ],
    ctx(company),
  )) as number[];
  await kw(s, "account.move", "action_post", [[id]], ctx(company));
  return id as number;
}

interface World {
  s: Sandbox;
  customer: number;
  /** My Company's posted invoice (100) and Second Co's (200), made before any tool runs. */
  firstInvoice: number;
  secondInvoice: number;
}

/** Second Co (id 2) with its own chart, linked to the admin, who also gets an employee there; a shared customer. */
async function twoCompanies(version: 17 | 18 | 19): Promise<World> {
  const s = await startSandbox({ version });
  const [second] = (await kw(s, "res.company", "create", [
    [{ name: "Second Co", currency_id: 1 }],
  ])) as number[];
  expect(second).toBe(2);
  await kw(s, "account.chart.template", "try_loading", [[], "generic_coa", 2], ctx(2));
  await kw(
    s,
    "hr.employee",
    "create",
    [[{ name: "Administrator (Second Co)", user_id: 2, company_id: 2 }]],
    ctx(2),
  );
  const [customer] = (await kw(s, "res.partner", "create", [
    [{ name: INVOICE_INPUT.customer_name, email: INVOICE_INPUT.customer_email, is_company: true }],
  ])) as number[];
  const firstInvoice = await postedInvoice(s, 1, customer as number, 100);
  const secondInvoice = await postedInvoice(s, 2, customer as number, 200);
  return { s, customer: customer as number, firstInvoice, secondInvoice };
}

async function approved(
  h: Harness,
  pending: { isError: boolean; text: string; data: Record<string, unknown> },
) {
  expect(pending.isError, pending.text).toBe(false);
  if (pending.data.status !== "pending_approval") return pending.data;
  await h.approve(pending.data.approval_id);
  const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
  expect(status.data.status, status.text).toBe("executed");
  return status.data.output as Record<string, unknown>;
}

/** The profit and loss statement of 2026 the tool answers. */
async function profitLoss(h: Harness): Promise<{ data: { revenue: number }; company: string }> {
  const report = await h.call("generate_report", {
    report_type: "profit_loss",
    start_date: "2026-01-01",
    end_date: "2026-12-31",
  });
  expect(report.isError, report.text).toBe(false);
  return report.data as { data: { revenue: number }; company: string };
}

/** A company's 2026 revenue in cents, summed here from its posted customer invoices. */
async function revenueCents(s: Sandbox, company: number): Promise<number> {
  const moves = await searchRead(
    s,
    "account.move",
    [
      ["move_type", "=", "out_invoice"],
      ["state", "=", "posted"],
      ["company_id", "=", company],
    ],
    ["amount_untaxed"],
  );
  return moves.reduce((sum, m) => sum + Math.round(Number(m.amount_untaxed) * 100), 0);
}

describe.each([19, 18, 17] as const)("several companies on Odoo %i", (version) => {
  let world: World;
  beforeAll(async () => {
    world = await twoCompanies(version);
  });
  afterAll(async () => world?.s.close());

  describe("ODOO_COMPANY names the second company", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ sandbox: world.s, env: { ODOO_COMPANY: "Second Co" } });
    });
    afterAll(async () => h?.close());

    it("read tools show that company's journals, taxes and invoices only", async () => {
      const journals = await h.call("list_journals", {});
      expect(journals.isError, journals.text).toBe(false);
      const journalIds = (journals.data.journals as Row[]).map((j) => j.id);
      expect(journalIds.length).toBeGreaterThan(0);
      for (const row of await read(world.s, "account.journal", journalIds, ["company_id"]))
        expect(companyOf(row)).toBe(2);

      const taxes = await h.call("list_taxes", {});
      expect(taxes.isError, taxes.text).toBe(false);
      const taxIds = (taxes.data.taxes as Row[]).map((t) => t.id);
      expect(taxIds.length).toBeGreaterThan(0);
      for (const row of await read(world.s, "account.tax", taxIds, ["company_id"]))
        expect(companyOf(row)).toBe(2);

      const invoices = await h.call("list_invoices", {});
      expect(invoices.isError, invoices.text).toBe(false);
      const listed = (invoices.data.invoices as Row[]).map((i) => Number(i.record_id ?? i.id));
      expect(listed).toContain(world.secondInvoice);
      expect(listed).not.toContain(world.firstInvoice);
      // The other company's invoice is not this company's to show.
      // By record id: numbers are per company journal, so My Company's number is also one of Second Co's.
      for (const [tool, extra] of [
        ["get_invoice", {}],
        ["send_invoice", {}],
        ["post_invoice", {}],
        ["record_payment", { amount: 1, payment_date: "2026-11-20", payment_method: "bank_transfer" }],
      ] as const)
        for (const ref of [String(world.firstInvoice)]) {
          const other = await h.call(tool, { invoice_id: ref, ...extra });
          expect(other.error?.code, `${tool} ${ref}: ${other.text}`).toBe("INVOICE_NOT_FOUND");
          expect(other.error?.message).toContain("in company Second Co");
        }

      const partners = await h.call("find_partners", { query: INVOICE_INPUT.customer_name });
      expect(partners.isError, partners.text).toBe(false);
      expect((partners.data.partners as Row[]).map((p) => p.id)).toContain(world.customer);
      const categories = await h.call("list_expense_categories", {});
      expect(categories.isError, categories.text).toBe(false);
    });

    it("an invoice, its sending and its payment land in the second company; the approval names it", async () => {
      const pending = await h.call("create_invoice", INVOICE_INPUT);
      expect(pending.data.status, pending.text).toBe("pending_approval");
      expect(String(pending.data.summary)).toMatch(/^Company: Second Co\n/);
      const record = await h.app.approvals.get(String(pending.data.approval_id));
      if (!record) throw new Error("no approval record");
      const view = await h.app.approvals.view(record);
      expect(view.details).toContainEqual({ label: "Company", value: "Second Co" });
      expect(view.document?.rows[0]).toEqual({ label: "Company", value: "Second Co" });
      expect(view.facts?.company).toBe("Second Co");

      const invoice = await approved(h, pending);
      const id = Number(invoice.record_id);
      const [move] = await read(
        world.s,
        "account.move",
        [id],
        ["company_id", "journal_id", "invoice_line_ids"],
      );
      expect(companyOf(move)).toBe(2);
      const [journal] = await read(
        world.s,
        "account.journal",
        [Number(m2o(move?.journal_id, 0))],
        ["company_id"],
      );
      expect(companyOf(journal)).toBe(2);
      const lines = await searchRead(
        world.s,
        "account.move.line",
        [
          ["move_id", "=", id],
          ["display_type", "=", "product"],
        ],
        ["tax_ids"],
      );
      const taxIds = lines.flatMap((l) => l.tax_ids as number[]);
      expect(taxIds.length).toBeGreaterThan(0);
      for (const tax of await read(world.s, "account.tax", taxIds, ["company_id"]))
        expect(companyOf(tax)).toBe(2);

      const sent = await approved(
        h,
        await h.call("send_invoice", { invoice_id: String(invoice.invoice_id ?? id) }),
      );
      expect(sent.status).toBe("sent");
      const [posted] = await read(
        world.s,
        "account.move",
        [id],
        ["name", "state", "amount_total", "company_id"],
      );
      expect(posted?.state).toBe("posted");
      expect(companyOf(posted)).toBe(2);

      const payment = await approved(
        h,
        await h.call("record_payment", {
          invoice_id: String(posted?.name),
          amount: posted?.amount_total,
          payment_date: "2026-11-20",
          payment_method: "bank_transfer",
        }),
      );
      const payments = await searchRead(
        world.s,
        "account.payment",
        [["id", "=", Number(payment.record_id)]],
        ["company_id", "journal_id"],
      );
      expect(payments).toHaveLength(1);
      expect(companyOf(payments[0])).toBe(2);
      const [bank] = await read(
        world.s,
        "account.journal",
        [Number(m2o(payments[0]?.journal_id, 0))],
        ["company_id"],
      );
      expect(companyOf(bank)).toBe(2);
      const [paid] = await read(world.s, "account.move", [id], ["payment_state"]);
      expect(["paid", "in_payment"]).toContain(paid?.payment_state);
    });

    it("a draft bill and an expense land in the second company", async () => {
      const bill = await approved(
        h,
        await h.call("create_draft_invoice", {
          description: "Hosting",
          amount: 40,
          partner_id: world.customer,
        }),
      );
      const [billRow] = await read(
        world.s,
        "account.move",
        [Number(bill.record_id ?? bill.invoice_id)],
        ["company_id", "move_type"],
      );
      expect(billRow?.move_type).toBe("in_invoice");
      expect(companyOf(billRow)).toBe(2);
      const pendingPost = await h.call("post_invoice", { invoice_id: String(bill.invoice_id) });
      expect(pendingPost.isError, pendingPost.text).toBe(false);
      expect(String(pendingPost.data.summary)).toMatch(/^Company: Second Co\n/);
      await approved(h, pendingPost);
      const [postedBill] = await read(
        world.s,
        "account.move",
        [Number(bill.record_id)],
        ["state", "journal_id"],
      );
      expect(postedBill?.state).toBe("posted");
      const [billJournal] = await read(
        world.s,
        "account.journal",
        [Number(m2o(postedBill?.journal_id, 0))],
        ["company_id", "type"],
      );
      expect(billJournal).toMatchObject({ type: "purchase" });
      expect(companyOf(billJournal)).toBe(2);

      const categories = await h.call("list_expense_categories", {});
      const category = (categories.data.categories as Row[])[0];
      const expense = await approved(
        h,
        await h.call("create_expense", {
          description: "Taxi to the client",
          amount: 25,
          expense_date: "2026-11-20",
          category: String(category?.reference ?? category?.name),
        }),
      );
      const [expenseRow] = await read(
        world.s,
        "hr.expense",
        [Number(expense.expense_id ?? expense.record_id)],
        ["company_id", "employee_id"],
      );
      expect(companyOf(expenseRow)).toBe(2);
      expect(m2o(expenseRow?.employee_id, 1)).toBe("Administrator (Second Co)");
    });

    it("reports are the second company's books alone", async () => {
      const report = await profitLoss(h);
      expect(report.company).toBe("Second Co");
      const [mine, other] = [await revenueCents(world.s, 2), await revenueCents(world.s, 1)];
      expect(mine).toBeGreaterThan(0);
      expect(other).toBeGreaterThan(0);
      expect(Math.round(report.data.revenue * 100)).toBe(mine);
    });

    it("doctor names the company and the ones the user can choose", async () => {
      const { checks, facts } = await probeOdoo(h.app.odoo);
      expect(checks.find((c) => c.name === "company")).toMatchObject({ ok: true });
      expect(checks.find((c) => c.name === "company")?.detail).toContain("chosen by ODOO_COMPANY");
      expect(facts.company).toBe("Second Co (id 2)");
      expect(facts.companies).toBe("1 My Company, 2 Second Co");
      expect(checks.every((c) => c.ok)).toBe(true);
    });
  });

  describe("without ODOO_COMPANY", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ sandbox: world.s });
    });
    afterAll(async () => h?.close());

    it("works in the user's current company, never in the sum of both", async () => {
      const pending = await h.call("create_invoice", { ...INVOICE_INPUT, tax_rate: 0 });
      // The user has two companies: the approval says which one.
      expect(String(pending.data.summary)).toMatch(/^Company: My Company\n/);
      const invoice = await approved(h, pending);
      const [move] = await read(world.s, "account.move", [Number(invoice.record_id)], ["company_id"]);
      expect(companyOf(move)).toBe(1);

      const invoices = await h.call("list_invoices", {});
      const listed = (invoices.data.invoices as Row[]).map((i) => Number(i.record_id ?? i.id));
      expect(listed).toContain(world.firstInvoice);
      expect(listed).not.toContain(world.secondInvoice);
      const journals = await h.call("list_journals", {});
      for (const row of await read(
        world.s,
        "account.journal",
        (journals.data.journals as Row[]).map((j) => j.id),
        ["company_id"],
      ))
        expect(companyOf(row)).toBe(1);

      const report = await profitLoss(h);
      expect(report.company).toBe("My Company");
      expect(await revenueCents(world.s, 2)).toBeGreaterThan(0);
      expect(Math.round(report.data.revenue * 100)).toBe(await revenueCents(world.s, 1));
    });

    it("doctor lists the companies the user can choose", async () => {
      const { checks, facts } = await probeOdoo(h.app.odoo);
      const company = checks.find((c) => c.name === "company");
      expect(company?.ok).toBe(true);
      expect(company?.detail).toContain("the user's current company in Odoo");
      expect(company?.detail).toContain("Second Co (id 2)");
      expect(company?.detail).toContain("ODOO_COMPANY");
      expect(facts.companies).toBe("1 My Company, 2 Second Co");
    });
  });

  describe("a company the user cannot work in", () => {
    for (const wrong of ["Third Co", "3"]) {
      it(`ODOO_COMPANY=${wrong} is a clear error for every tool and in doctor`, async () => {
        const h = await startHarness({ sandbox: world.s, env: { ODOO_COMPANY: wrong } });
        try {
          for (const [tool, args] of [
            ["list_invoices", {}],
            ["create_invoice", INVOICE_INPUT],
            [
              "generate_report",
              { report_type: "profit_loss", start_date: "2026-01-01", end_date: "2026-12-31" },
            ],
          ] as const) {
            const result = await h.call(tool, args);
            expect(result.isError, `${tool}: ${result.text}`).toBe(true);
            expect(result.error?.code).toBe("PERMISSION_DENIED");
            expect(result.error?.message).toContain(`ODOO_COMPANY ${wrong === "3" ? "3" : `"${wrong}"`}`);
            expect(result.error?.message).toContain('1 "My Company", 2 "Second Co"');
          }
          const { checks } = await probeOdoo(h.app.odoo);
          const company = checks.find((c) => c.name === "company");
          expect(company?.ok).toBe(false);
          expect(company?.detail).toContain("Set ODOO_COMPANY to one of them");
          // The probe stops there: no later check runs into the same refusal.
          expect(checks.filter((c) => !c.ok)).toHaveLength(1);
        } finally {
          await h.close();
        }
      });
    }
  });

  it("the first company by id works as well as by name, and no call goes out unscoped", async () => {
    const odoo = createOdooClient({ ...sandboxConnection(world.s), company: 1 });
    try {
      expect(await odoo.company?.()).toEqual({
        current: { id: 1, name: "My Company" },
        choices: [
          { id: 1, name: "My Company" },
          { id: 2, name: "Second Co" },
        ],
        source: "configured",
      });
      const ids = (
        await odoo.searchRead<Row>(
          "account.move",
          [["id", "in", [world.firstInvoice, world.secondInvoice]]],
          ["id"],
        )
      ).map((r) => r.id);
      expect(ids).toEqual([world.firstInvoice]);
      // Another company's record is an AccessError on read, as Odoo answers it.
      await expect(odoo.read("account.move", [world.secondInvoice], ["name"])).rejects.toBeInstanceOf(
        OdooAccessError,
      );
    } finally {
      await odoo.close();
    }
  });
});

describe("ODOO_COMPANY in the configuration", () => {
  const base = { ODOO_URL: "http://localhost:8069" };
  it("digits are an id, anything else a name, empty is unset", () => {
    expect(loadConfig({ env: { ...base, ODOO_COMPANY: "2" }, cwd: "/nonexistent" }).odoo.company).toBe(2);
    expect(
      loadConfig({ env: { ...base, ODOO_COMPANY: " Second Co " }, cwd: "/nonexistent" }).odoo.company,
    ).toBe("Second Co");
    expect(loadConfig({ env: { ...base, ODOO_COMPANY: "" }, cwd: "/nonexistent" }).odoo).not.toHaveProperty(
      "company",
    );
    expect(() => loadConfig({ env: { ...base, ODOO_COMPANY: "0" }, cwd: "/nonexistent" })).toThrow(
      /ODOO_COMPANY/,
    );
  });
});
