import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { EXTENSION_ID, getUiCapability, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeOperations } from "../../src/mcp/accounting/index.js";
import {
  APPROVAL_CARD_URI,
  appResources,
  clientSupportsApps,
  RESOURCE_MIME_TYPE as OUR_MIME_TYPE,
  REPORT_VIEW_URI,
  toolMeta,
} from "../../src/mcp/apps/index.js";
import { allTools, appOnlyTools } from "../../src/mcp/tools/index.js";
import { moneyText } from "../../src/shared/money-text.js";
import { buildLedger } from "../reports/ledger-builder.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { type ChromiumHost, connectChat, startChromiumHost } from "./chromium-host.js";

/**
 * The MCP Apps in a real headless Chromium, inside a test chat client speaking the ext-apps host protocol: a gated
 * tool's answer shows the approval card, generate_report's the report view. Every tool call an app makes is
 * answered by the real server on the sandbox; what the person reads is checked against Odoo's figures.
 */
describe("the MCP Apps in a chat client", () => {
  let h: Harness;
  let host: ChromiumHost;
  /** The chat client: it declares MCP Apps support, as a client that shows them does. */
  let chat: Client;
  /** The tool calls the apps made through the host, with their answers. */
  const calls: { name: string; args: Record<string, unknown>; result: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    h = await startHarness();
    chat = await connectChat(h.app);
    host = await startChromiumHost(async ({ name, arguments: args = {} }) => {
      const result = await chat.callTool({ name, arguments: args });
      calls.push({ name, args, result: result as Record<string, unknown> });
      return result;
    });
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await chat?.close();
    await h?.close();
  });

  const shot = (name: string) =>
    host.page.locator("iframe").screenshot({ path: path.join(host.shots, name) });
  /** A tool call as the chat client makes it: its raw answer, handed to the app. */
  const ask = async (name: string, args: Record<string, unknown>) =>
    (await chat.callTool({ name, arguments: args })) as unknown as {
      structuredContent: Record<string, unknown>;
    };
  const today = new Date().toLocaleDateString("sv");
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toLocaleDateString("sv");

  describe("the resources and the tools' _meta the server offers", () => {
    it("two resources, each one self-contained HTML file of the MCP Apps type", async () => {
      expect(appResources.map((resource) => [resource.uri, resource.mimeType])).toEqual([
        [APPROVAL_CARD_URI, RESOURCE_MIME_TYPE],
        [REPORT_VIEW_URI, RESOURCE_MIME_TYPE],
      ]);
      for (const resource of appResources) {
        const html = await resource.read();
        expect(html).toMatch(/^<!doctype html>/i);
        // Nothing loaded from elsewhere: a host shows it in a frame from this text alone.
        const markup = html.replace(/(<(script|style)\b[^>]*>)[\s\S]*?<\/\2>/gi, "$1");
        expect(markup.match(/<(script|style)\b/gi)).toEqual(["<script", "<style"]);
        expect(markup).not.toMatch(/\s(src|href)=/i);
      }
    });

    it("every gated tool links the approval card, generate_report the report view, approval_view is for the app alone", () => {
      const names = new Set([...allTools, ...appOnlyTools].map((tool) => tool.name));
      for (const name of Object.keys(toolMeta)) expect(names, name).toContain(name);
      for (const name of writeOperations.keys())
        expect(toolMeta[name]).toEqual({ ui: { resourceUri: APPROVAL_CARD_URI } });
      expect(toolMeta.generate_report).toEqual({ ui: { resourceUri: REPORT_VIEW_URI } });
      expect(toolMeta.approval_view).toEqual({ ui: { visibility: ["app"] } });
      expect(appOnlyTools.map((tool) => tool.name)).toEqual(["approval_view"]);
      expect(allTools.map((tool) => tool.name)).not.toContain("approval_view");
    });

    it("knows a client that shows MCP Apps by the extension it declares", () => {
      const ui = (mimeTypes: string[]) => ({ extensions: { "io.modelcontextprotocol/ui": { mimeTypes } } });
      expect(clientSupportsApps(ui([RESOURCE_MIME_TYPE]))).toBe(true);
      expect(clientSupportsApps(ui(["text/html"]))).toBe(false);
      expect(clientSupportsApps({})).toBe(false);
      expect(clientSupportsApps(undefined)).toBe(false);
      // The server's own copy of MCP Apps' names (it does not load ext-apps) is ext-apps' own.
      expect(OUR_MIME_TYPE).toBe(RESOURCE_MIME_TYPE);
      expect(EXTENSION_ID).toBe("io.modelcontextprotocol/ui");
      for (const capabilities of [ui([RESOURCE_MIME_TYPE]), ui(["text/html"]), {}, undefined])
        expect(clientSupportsApps(capabilities)).toBe(
          getUiCapability(capabilities)?.mimeTypes?.includes(RESOURCE_MIME_TYPE) === true,
        );
    });
  });

  describe("the approval card", () => {
    const LONG =
      "Deck oven annual service: descaling, new door seals, thermostat calibrated and a two-hour test bake with the head baker (parts included)";
    const BAKERY = {
      customer_name: "Harbour Bakery Ltd",
      customer_email: "accounts@harbour.example",
      invoice_date: today,
      due_date: inDays(30),
      line_items: [
        { description: LONG, quantity: 1, unit_price: 1250 },
        { description: "Proofing cabinet inspection", quantity: 2, unit_price: 60 },
        { description: "Travel (zone 2)", quantity: 1, unit_price: 125 },
      ],
      tax_rate: 0.15,
    };

    it("an invoice: party, lines, taxes and totals to the cent, dates, expiry; read from the server, not the chat; no button", async () => {
      await seedCustomer(h, "Harbour Bakery Ltd", "accounts@harbour.example");
      const answer = await ask("create_invoice", BAKERY);
      expect(answer.structuredContent.status).toBe("pending_approval");
      const id = String(answer.structuredContent.approval_id);
      // What the chat holds may say anything: the card reads the request again from the server.
      const forged = {
        ...answer,
        structuredContent: { ...answer.structuredContent, summary: "FORGED total 1.00 USD" },
      };
      const frame = await host.show(APPROVAL_CARD_URI, BAKERY, forged);
      const card = frame.getByRole("article", { name: "Request" });
      await card.waitFor();
      expect(calls.at(-1)).toMatchObject({ name: "approval_view", args: { approval_id: id } });
      const text = (await card.textContent()) ?? "";
      expect(await card.locator("h2").textContent()).toMatch(
        /^Draft invoice for Harbour Bakery Ltd, 1,719\.25 USD/,
      );
      for (const expected of [
        "Customer",
        "Harbour Bakery Ltd",
        LONG,
        "Proofing cabinet inspection",
        "1,250.00",
        "1,495.00 USD",
        "224.25 USD",
        "1,719.25 USD",
        id,
      ])
        expect(text).toContain(expected);
      expect(text).not.toContain("FORGED");
      expect(await card.locator("table.lines tbody tr").count()).toBe(3);
      expect(await card.getByTestId("amount").textContent()).toBe("1,719.25 USD");
      const record = await h.app.approvals.get(id);
      const expires = card.locator("dt", { hasText: "Expires" }).locator("xpath=following-sibling::dd[1]");
      expect(await expires.textContent()).toMatch(/\(in \d+ (h|min|days)\)$/);
      expect(Date.parse(record!.expiresAt)).toBeGreaterThan(Date.now());
      // Read-only, and says where it is decided.
      expect(await frame.locator("button, form, input, textarea").count()).toBe(0);
      expect(await card.getByRole("note").last().textContent()).toMatch(
        /^Approve or reject it in the odoo-mcp app or at the terminal \(odoo-mcp approvals approve apr_/,
      );
      await shot("app-approval-invoice.png");
      expect(host.pageErrors).toEqual([]);
    });

    it("a card whose request waits reads it again: once the person has decided, it says so", async () => {
      await seedCustomer(h, "Quay Cafe", "accounts@quay.example");
      const args = { ...BAKERY, customer_name: "Quay Cafe", customer_email: "accounts@quay.example" };
      const answer = await ask("create_invoice", args);
      expect(answer.structuredContent?.status, JSON.stringify(answer)).toBe("pending_approval");
      const id = String(answer.structuredContent.approval_id);
      const frame = await host.show(APPROVAL_CARD_URI, args, answer);
      const note = frame.getByRole("article", { name: "Request" }).getByRole("note").last();
      await expect.poll(() => note.textContent()).toMatch(/^Approve or reject it in the odoo-mcp app/);
      await h.approve(id);
      await expect
        .poll(() => note.textContent(), { timeout: 20_000 }) // the card reads it again every 5 s
        .toMatch(/^This request is (approved|executed): nothing is left to decide\.$/);
      expect(host.pageErrors).toEqual([]);
    }, 30_000);

    it("a vendor bill payment: the vendor, this payment and what is left; money going out is approved only at the terminal or in the app", async () => {
      const vendor = await h.app.odoo.create("res.partner", { name: "Northwind Paper Co", is_company: true });
      const draft = await h.call("create_draft_invoice", {
        description: "Printer paper, 40 reams",
        amount: 389.6,
        partner_id: vendor,
      });
      expect(draft.isError, draft.text).toBe(false);
      const post = await h.call("post_invoice", { invoice_id: String(draft.data.invoice_id) });
      await h.approve(post.data.approval_id);
      const posted = await h.app.approvals.get(String(post.data.approval_id));
      const bill = String((posted!.outcome as { output: { invoice_id: string } }).output.invoice_id);
      const args = { invoice_id: bill, amount: 200, payment_date: today, payment_method: "bank_transfer" };
      const answer = await ask("record_payment", args);
      expect(answer.structuredContent.status).toBe("pending_approval");
      const frame = await host.show(APPROVAL_CARD_URI, args, answer);
      const card = frame.getByRole("article", { name: "Request" });
      await card.waitFor();
      const text = (await card.textContent()) ?? "";
      for (const expected of ["Vendor", "Northwind Paper Co", bill, "389.60 USD", "200.00 USD", "189.60 USD"])
        expect(text).toContain(expected);
      expect(await card.getByTestId("amount").textContent()).toBe("200.00 USD");
      expect(await card.getByRole("note").last().textContent()).toMatch(
        /^Money going out is approved only at the terminal or in the odoo-mcp app, never in the chat/,
      );
      expect(await frame.locator("button").count()).toBe(0);
      await shot("app-approval-bill-payment.png");
      expect(host.pageErrors).toEqual([]);
    });

    it("shows hostile text escaped: bidi overrides visible, HTML as text, very long names capped", async () => {
      const evil = `Evil\u202Egnp.exe <img src=x onerror="document.title='pwned'"> ${"W".repeat(180)}`;
      await seedCustomer(h, evil, "evil@example.com");
      const args = {
        customer_name: evil,
        customer_email: "evil@example.com",
        invoice_date: today,
        due_date: inDays(10),
        line_items: [
          {
            description: "<script>document.title='pwned'</script>\u202Ereversed",
            quantity: 1,
            unit_price: 10,
          },
        ],
      };
      const answer = await ask("create_invoice", args);
      expect(answer.structuredContent?.status, JSON.stringify(answer)).toBe("pending_approval");
      const frame = await host.show(APPROVAL_CARD_URI, args, answer);
      const card = frame.getByRole("article", { name: "Request" });
      await card.waitFor();
      const text = (await card.textContent()) ?? "";
      expect(text).toContain("Evil\\u202egnp.exe <img src=x");
      expect(text).toContain("<script>document.title='pwned'</script>\\u202ereversed");
      expect(text).not.toContain("\u202E");
      expect(await frame.locator("article img").count()).toBe(0);
      expect(await frame.locator("article script").count()).toBe(0);
      const party = (await card.locator(".party").textContent()) ?? "";
      expect(Array.from(party).length).toBeLessThan(200);
      expect(party).toContain("…");
      expect(await host.page.title()).not.toBe("pwned");
      expect(host.pageErrors).toEqual([]);
    });

    it("a request changed outside odoo-mcp: the card says not to trust it, and shows the arguments as they are", async () => {
      await seedCustomer(h, "Quay Chandlers", "ap@quay.example");
      const args = {
        customer_name: "Quay Chandlers",
        customer_email: "ap@quay.example",
        invoice_date: today,
        due_date: inDays(14),
        line_items: [{ description: "Rope, 200 m", quantity: 1, unit_price: 480 }],
      };
      const answer = await ask("create_invoice", args);
      const id = String(answer.structuredContent.approval_id);
      const file = await findRecordFile(h.dataDir, id);
      const record = JSON.parse(await readFile(file, "utf8"));
      record.args.line_items[0].unit_price = 4.8;
      await writeFile(file, JSON.stringify(record));
      const frame = await host.show(APPROVAL_CARD_URI, args, answer);
      const card = frame.getByRole("article", { name: "Request" });
      await card.waitFor();
      const alert = card.getByRole("alert");
      expect(await alert.textContent()).toMatch(
        /^Do not trust this request\. It cannot be approved:.*seal is broken/,
      );
      expect(await card.textContent()).toContain("unit price: 4.8");
      expect(await card.locator("table.lines").count()).toBe(0);
      expect(host.pageErrors).toEqual([]);
    });
  });

  describe("the report view", () => {
    const start = "2026-01-01";
    const end = "2026-12-31";
    const money = (amount: number) => moneyText(amount, "USD", 2);
    const cents = (amount: unknown) => Math.round(Number(amount) * 100);

    beforeAll(async () => {
      await buildLedger(h.app.odoo, { invoices: 24 });
    }, 120_000);

    const showReport = async (reportType: string, extra: Record<string, string> = {}) => {
      const args = { report_type: reportType, start_date: start, end_date: end, ...extra };
      const answer = await ask("generate_report", args);
      const frame = await host.show(REPORT_VIEW_URI, args, answer);
      await frame.getByRole("article", { name: "Report" }).waitFor();
      const report = answer.structuredContent as {
        data: { revenue: number; expenses: number; net_income: number; details: Record<string, unknown> };
      };
      return { frame, report };
    };

    it("profit and loss: the table equals the report's figures, and revenue and expenses by month, one pair of bars a month", async () => {
      const before = calls.length;
      const { frame, report } = await showReport("profit_loss");
      const chart = frame.getByRole("figure", { name: "Revenue and expenses by month" });
      await chart.waitFor();
      expect(await chart.locator("g.group").count()).toBe(12);
      expect(await chart.locator('rect[data-series="Revenue"]').count()).toBe(12);
      expect(await chart.locator('rect[data-series="Expenses"]').count()).toBe(12);
      // One profit_loss report a month, asked of the server; the months add up to the year, to the cent.
      const months = calls.slice(before).filter((call) => call.name === "generate_report");
      expect(months).toHaveLength(12);
      const monthly = months.map((call) =>
        call.result.isError
          ? { revenue: 0, expenses: 0 }
          : (call.result.structuredContent as { data: { revenue: number; expenses: number } }).data,
      );
      expect(monthly.reduce((sum, m) => sum + cents(m.revenue), 0)).toBe(cents(report.data.revenue));
      expect(monthly.reduce((sum, m) => sum + cents(m.expenses), 0)).toBe(cents(report.data.expenses));
      const titles = await chart.locator('rect[data-series="Revenue"] title').allTextContents();
      expect(titles).toEqual(monthly.map((m) => expect.stringContaining(`, Revenue: ${money(m.revenue)}`)));
      const table = frame.getByRole("table", { name: "Profit and Loss" });
      const text = (await table.textContent()) ?? "";
      const d = report.data.details as Record<
        string,
        { accounts: { name: string; amount: number }[]; total: number }
      >;
      for (const key of ["income", "cost_of_revenue", "other_income", "operating_expenses"]) {
        expect(text).toContain(money(d[key]!.total));
        for (const account of d[key]!.accounts)
          expect(text).toContain(`${account.name}${money(account.amount)}`);
      }
      expect(await frame.getByTestId("net-income").textContent()).toBe(money(report.data.net_income));
      expect(text).toContain(`Net Income${money(report.data.net_income)}`);
      await shot("app-report-profit-loss.png");
      expect(host.pageErrors).toEqual([]);
    });

    it("profit and loss over part of months: each month cut to the period, and they add up to it", async () => {
      const before = calls.length;
      const args = { report_type: "profit_loss", start_date: "2026-02-10", end_date: "2026-04-20" };
      const answer = await ask("generate_report", args);
      const frame = await host.show(REPORT_VIEW_URI, args, answer);
      const chart = frame.getByRole("figure", { name: "Revenue and expenses by month" });
      await chart.waitFor();
      expect(
        await chart
          .locator("g.group")
          .evaluateAll((groups) => groups.map((g) => g.getAttribute("data-label"))),
      ).toEqual(["Feb 2026", "Mar 2026", "Apr 2026"]);
      const months = calls.slice(before).filter((call) => call.name === "generate_report");
      expect(months.map((call) => [call.args.start_date, call.args.end_date])).toEqual([
        ["2026-02-10", "2026-02-28"],
        ["2026-03-01", "2026-03-31"],
        ["2026-04-01", "2026-04-20"],
      ]);
      const data = (answer.structuredContent as { data: { revenue: number } }).data;
      const revenue = months.map((call) =>
        call.result.isError
          ? 0
          : (call.result.structuredContent as { data: { revenue: number } }).data.revenue,
      );
      expect(revenue.reduce((sum, r) => sum + cents(r), 0)).toBe(cents(data.revenue));
      expect(host.pageErrors).toEqual([]);
    });

    it("aged receivables: one bar per bucket, the table's totals equal the report's", async () => {
      const { frame, report } = await showReport("aged_receivables");
      const d = report.data.details as {
        totals: Record<string, number>;
        customers: { name: string; total: number }[];
      };
      const chart = frame.getByRole("figure", { name: /Open receivables by days past due/ });
      expect(await chart.locator("g.group").count()).toBe(5);
      expect(await chart.locator("rect").count()).toBe(5);
      const buckets = ["not_due", "days_1_30", "days_31_60", "days_61_90", "over_90"];
      const titles = await chart.locator("rect title").allTextContents();
      expect(titles).toEqual(buckets.map((key) => expect.stringContaining(`: ${money(d.totals[key]!)}`)));
      const total = frame.getByRole("table", { name: "Aged Receivables" }).locator("tbody tr").last();
      expect(await total.locator("td").allTextContents()).toEqual(
        [...buckets, "total"].map((key) => money(d.totals[key]!)),
      );
      expect(await frame.getByRole("table", { name: "Aged Receivables" }).locator("tbody tr").count()).toBe(
        d.customers.length + 1,
      );
      await shot("app-report-aged-receivables.png");
      expect(host.pageErrors).toEqual([]);
    });

    it("aged payables, tax summary and an account's ledger: tables with the report's figures", async () => {
      const aged = await showReport("aged_payables");
      const a = aged.report.data.details as { totals: Record<string, number>; vendors: unknown[] };
      const agedTable = aged.frame.getByRole("table", { name: "Aged Payables" });
      expect(await agedTable.locator("tbody tr").count()).toBe(a.vendors.length + 1);
      expect(await agedTable.locator("tbody tr").last().locator("td").last().textContent()).toBe(
        money(a.totals.total!),
      );
      expect(
        await aged.frame
          .getByRole("figure", { name: /Owed to vendors/ })
          .locator("rect")
          .count(),
      ).toBe(5);

      const tax = await showReport("tax_summary");
      const x = tax.report.data.details as {
        purchases: { taxes: unknown[]; tax: number };
        tax_collected: number;
        net_due: number;
      };
      const purchases = tax.frame.getByRole("table", { name: "Purchase taxes (paid)" });
      expect(await purchases.locator("tbody tr").count()).toBe(x.purchases.taxes.length + 1);
      expect(await purchases.locator("tbody tr").last().locator("td").last().textContent()).toBe(
        money(x.purchases.tax),
      );
      const due = (await tax.frame.getByRole("table", { name: "Tax due" }).textContent()) ?? "";
      expect(due).toContain(`Tax collected on sales${money(x.tax_collected)}`);
      expect(due).toContain(`Net tax due${money(x.net_due)}`);

      const gl = await showReport("general_ledger", { account_code: "211000" });
      const g = gl.report.data.details as {
        opening_balance: number;
        closing_balance: number;
        items: { balance: number }[];
      };
      const rows = gl.frame.getByRole("table", { name: "General Ledger" }).locator("tbody tr");
      expect(await rows.count()).toBe(g.items.length + 2);
      expect(await rows.first().textContent()).toBe(`Opening balance${money(g.opening_balance)}`);
      expect(await rows.last().textContent()).toBe(`Closing balance${money(g.closing_balance)}`);
      expect(await rows.nth(1).locator("td").last().textContent()).toBe(money(g.items[0]!.balance));
      await shot("app-report-general-ledger.png");
      expect(host.pageErrors).toEqual([]);
    });

    it("balance sheet and cash flow: the two sides, cash in and out by activity, totals as the report says", async () => {
      const sheet = await showReport("balance_sheet");
      const sides = sheet.frame.getByRole("figure", { name: /The two sides/ });
      expect(await sides.locator("g.group").count()).toBe(2);
      const b = sheet.report.data.details as { total_assets: number; total_liabilities_and_equity: number };
      const sheetText = (await sheet.frame.getByRole("table", { name: /Balance Sheet/ }).textContent()) ?? "";
      expect(sheetText).toContain(`Assets${money(b.total_assets)}`);
      expect(sheetText).toContain(`Liabilities and equity${money(b.total_liabilities_and_equity)}`);

      const flow = await showReport("cash_flow");
      const activities = flow.frame.getByRole("figure", { name: "Cash in and out by activity" });
      expect(await activities.locator("g.group").count()).toBe(3);
      expect(await activities.locator("rect").count()).toBe(6);
      const c = flow.report.data.details as {
        opening_balance: number;
        closing_balance: number;
        closing_cash_reconciled: number;
        closing_cash_unreconciled: number;
        closing_cash_in_transit: number;
        unreconciled_statement_lines: number;
      };
      const flowText = (await flow.frame.getByRole("table", { name: "Cash Flow" }).textContent()) ?? "";
      expect(flowText).toContain(`Opening balance${money(c.opening_balance)}`);
      expect(flowText).toContain(`Closing balance${money(c.closing_balance)}`);
      // Cash at bank apart from payments in transit, as the report's JSON says.
      expect(flowText).toContain(`Cash at bank, reconciled${money(c.closing_cash_reconciled)}`);
      expect(flowText).toContain(
        `Bank statement lines not yet reconciled (${c.unreconciled_statement_lines})${money(c.closing_cash_unreconciled)}`,
      );
      expect(flowText).toContain(
        `Payments in transit (registered, not matched with the bank)${money(c.closing_cash_in_transit)}`,
      );
      expect(host.pageErrors).toEqual([]);
    });
  });
});

/** The file of a request in the approval store (the agent, with file tools, can write there). */
async function findRecordFile(dataDir: string, id: string): Promise<string> {
  const stack = [dataDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name === `${id}.json`) return full;
    }
  }
  throw new Error(`no record file for ${id}`);
}
