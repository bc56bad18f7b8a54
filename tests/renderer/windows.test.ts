import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pngBytes, type TempFiles, tempFiles } from "../expenses/files.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { type ChromiumApp, startChromiumApp } from "./chromium-app.js";

/**
 * The approval window in a real headless Chromium, over the loopback test bridge that serves the
 * REAL handlers for an app on the sandbox. End to end: an MCP client asks, the window shows it live, a click
 * decides, Odoo has (or has not) the record, and the history shows it with its link.
 */
describe("the app's windows in Chromium", () => {
  let h: Harness;
  let chatAnswer: "approve" | "cancel" = "cancel";
  let ui: ChromiumApp;
  let bridge: ChromiumApp["bridge"];
  let page: Page;
  let files: TempFiles;
  let shots: string;
  let opened: string[];
  let pageErrors: string[];

  beforeAll(async () => {
    // The MCP client shows the chat prompt; it answers "approve" only where a test says so (else it is dismissed).
    h = await startHarness({ elicitation: () => chatAnswer });
    await seedCustomer(h);
    files = await tempFiles();
    // The app's environment without the Odoo secret (the settings window's tests cover a key from the environment).
    const { ODOO_API_KEY: _secret, ...env } = h.env;
    ui = await startChromiumApp(h, env);
    ({ bridge, page, shots, opened, pageErrors } = ui);
    // Live refresh: what the Electron glue does with the core's watch.
    h.app.approvals.watch((ids) => bridge.emit("approvals.changed", { ids }));
    await page.goto(`${bridge.origin}/approvals.html`);
    await page.getByText("Nothing waits for you").waitFor();
  });

  afterAll(async () => {
    await ui?.close();
    await files?.close();
    await h?.close();
  });

  const invoices = () => h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);
  const card = (id: string) => page.locator(`li.card[data-id="${id}"]`);
  const ask = async (tool: string, args: unknown) => {
    const asked = await h.call(tool, args);
    expect(asked.data.status).toBe("pending_approval");
    return String(asked.data.approval_id);
  };

  /** The bakery's oven service: several lines, one description far longer than its column, 15 % tax. */
  const today = new Date().toLocaleDateString("sv");
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toLocaleDateString("sv");
  const LONG =
    "Deck oven annual service: descaling, new door seals, thermostat calibrated and a two-hour test bake with the head baker (parts included)";
  const BAKERY_INVOICE = {
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
  /** An amount of these invoices written raw anywhere (1719.25, 1250: without their thousands separator). */
  const RAW_AMOUNT = /(?<![\d,.])(1719\.25|1495(\.00)?|1250|1119\.25)(?![\d,])/;
  const detail = () => page.getByRole("article", { name: "Request" });
  const banner = () => page.locator(".notice");
  /** How many lines a cell's text takes on screen. */
  const linesOf = (cells: Locator) =>
    cells.evaluateAll((elements) =>
      elements.map((cell) => {
        const range = cell.ownerDocument.createRange();
        range.selectNodeContents(cell);
        return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
      }),
    );
  const recordOf = async (id: string) => {
    const record = await h.app.approvals.get(id);
    return (record!.outcome as { output: Record<string, unknown> }).output;
  };
  /** What the banner and the history say of the bakery's draft once created (src/shared/outcome-text.ts). */
  const CREATED =
    /Draft invoice for Harbour Bakery Ltd, 1,719\.25 USD, created in Odoo \(record \d+\); nothing was sent/;
  /** ... and of the part payment: by its number, on the invoice's number, what is left. */
  const paid = async (id: string) =>
    `Payment ${String((await recordOf(id)).payment_id)} of 600.00 USD recorded against ${invoiceNumber}; 1,119.25 USD left to pay`;
  let draftId = 0;
  let invoiceNumber = "";
  const bakery: Record<string, string> = {};

  it("create: named as a draft with its total and date; says it makes a draft and sends nothing; lines wrap, numbers do not; amounts with currency", async () => {
    await seedCustomer(h, "Harbour Bakery Ltd", "accounts@harbour.example");
    const id = await ask("create_invoice", BAKERY_INVOICE);
    bakery.create = id;
    await card(id).waitFor(); // no reload: the approvals.changed event
    await card(id).locator(".card-body").click();
    await expect.poll(() => detail().textContent()).toContain("Harbour Bakery Ltd");
    const heading = (await detail().locator("h2").textContent()) ?? "";
    expect(heading).toMatch(/^Draft invoice for Harbour Bakery Ltd, 1,719\.25 USD/);
    const effect = (await detail().locator(".effect").textContent()) ?? "";
    expect(effect).toMatch(/draft/i);
    expect(effect).toMatch(/nothing is sent|sends nothing|not sent/i);
    const text = (await detail().textContent()) ?? "";
    for (const expected of [LONG, "Proofing cabinet inspection", "1,250.00", "224.25 USD", "1,719.25 USD"])
      expect(text).toContain(expected);
    expect(text).not.toMatch(RAW_AMOUNT);
    expect(text).not.toMatch(/Sent to/);
    expect(await detail().locator("table.lines tbody tr").count()).toBe(3);
    // The long description wraps in its own column; no number and no heading of a number column wraps.
    const lines = detail().locator("table.lines");
    expect((await linesOf(lines.locator("tbody tr:first-child td:first-child")))[0]).toBeGreaterThan(1);
    expect(new Set(await linesOf(lines.locator("td.num, th.num")))).toEqual(new Set([1]));
    // Amounts right-aligned, each with its currency.
    const amounts = detail().getByRole("table", { name: "Amounts" });
    expect(
      await amounts
        .locator("td")
        .evaluateAll((cells) => cells.map((c) => c.ownerDocument.defaultView!.getComputedStyle(c).textAlign)),
    ).not.toContain("left");
    for (const amount of await amounts.locator("td").allTextContents()) expect(amount).toMatch(/ USD$/);
    await page.screenshot({ path: path.join(shots, "approvals-pending.png") });

    const before = await invoices();
    await detail().getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => banner().textContent()).toMatch(CREATED);
    expect(await invoices()).toBe(before + 1);
    await expect.poll(() => card(id).count()).toBe(0);
    draftId = Number((await recordOf(id)).record_id);
  });

  it("send of the draft: names the draft, shows its lines and total, says it posts and emails; the banner names the number and goes when the person moves on", async () => {
    const send = await ask("send_invoice", { invoice_id: String(draftId) });
    bakery.send = send;
    const other = await ask("create_invoice", { ...INVOICE_INPUT, notes: "another" });
    await card(send).locator(".card-body").click();
    await expect.poll(() => detail().locator("h2").textContent()).toMatch(/Harbour Bakery Ltd/);
    const heading = (await detail().locator("h2").textContent()) ?? "";
    expect(heading).not.toMatch(/^1 /);
    expect(heading).toMatch(/draft/i);
    expect(heading).toContain("1,719.25 USD");
    const effect = (await detail().locator(".effect").textContent()) ?? "";
    expect(effect).toMatch(/post/i);
    expect(effect).toContain("accounts@harbour.example");
    expect(await detail().locator("table.lines tbody tr").count()).toBe(3);
    const text = (await detail().textContent()) ?? "";
    expect(text).toContain("1,719.25 USD");
    expect(text).not.toMatch(RAW_AMOUNT);
    expect(text).not.toContain("Odoo record");
    await page.screenshot({ path: path.join(shots, "approvals-send.png") });

    await detail().getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => banner().textContent())
      .toMatch(/INV\/\d{4}\/\d+ posted and emailed to accounts@harbour\.example/);
    invoiceNumber = String((await recordOf(send)).invoice_id);
    expect(await banner().textContent()).toContain(invoiceNumber);
    // The person moves on: the banner is about the request before, not this one.
    await card(other).locator(".card-body").click();
    await expect.poll(() => banner().count()).toBe(0);
    await h.reject(other, "not needed");
  });

  it("a part payment: the invoice's total, paid so far, due date, this payment and what is left, with currency; the banner says it and never follows into History", async () => {
    const id = await ask("record_payment", {
      invoice_id: invoiceNumber,
      amount: 600,
      payment_date: today,
      payment_method: "bank_transfer",
    });
    bakery.payment = id;
    await card(id).locator(".card-body").click();
    await expect.poll(() => detail().locator("h2").textContent()).toContain(invoiceNumber);
    const text = (await detail().textContent()) ?? "";
    for (const expected of ["1,719.25 USD", "600.00 USD", "1,119.25 USD", "0.00 USD", "Due"])
      expect(text).toContain(expected);
    expect(text).not.toMatch(RAW_AMOUNT);
    expect(text).not.toMatch(/Odoo record:|Partner:/);
    await page.screenshot({ path: path.join(shots, "approvals-payment.png") });

    await detail().getByRole("button", { name: "Approve" }).click();
    await expect.poll(async () => (await h.app.approvals.get(id))?.status).toBe("executed");
    const said = await paid(id);
    await expect.poll(() => banner().textContent()).toContain(said);
    await page.getByRole("button", { name: "History" }).click();
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    expect(await banner().count()).toBe(0);
    await page.getByRole("button", { name: /Pending/ }).click();
    expect(await banner().count()).toBe(0);
  });

  it("a banner goes by itself after a few seconds", async () => {
    const id = await ask("create_invoice", { ...INVOICE_INPUT, notes: "reject me" });
    await card(id).locator(".card-body").click();
    const before = await invoices();
    await page.getByRole("button", { name: "Reject…" }).click();
    await page.locator("textarea[name=reason]").fill("wrong customer");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await expect.poll(() => banner().textContent()).toContain("Rejected: wrong customer");
    expect(await invoices()).toBe(before);
    expect((await h.app.approvals.get(id))?.decision).toMatchObject({
      decision: "rejected",
      reason: "wrong customer",
    });
    await expect.poll(() => banner().count(), { timeout: 15_000 }).toBe(0);
  });

  it("history: current names (the draft by its number), every amount with its currency, a link for every record, payments too", async () => {
    await page.getByRole("button", { name: "History" }).click();
    const row = (id: string) => page.locator(`tr[data-id="${id}"]`);
    await row(bakery.payment!).waitFor();
    const name = (id: string) => row(id).locator(".request-name").textContent();
    // The draft created here got its number when it was sent: the history says it by that number now.
    expect(await name(bakery.create!)).toBe(`${invoiceNumber}, Harbour Bakery Ltd`);
    expect(await name(bakery.send!)).toBe(`${invoiceNumber}, Harbour Bakery Ltd`);
    expect(await name(bakery.payment!)).toBe(`Payment on ${invoiceNumber}, Harbour Bakery Ltd`);
    const amount = (id: string) => row(id).locator("td.num").textContent();
    expect(await amount(bakery.create!)).toBe("1,719.25 USD");
    expect(await amount(bakery.send!)).toBe("1,719.25 USD");
    expect(await amount(bakery.payment!)).toBe("600.00 USD");
    expect(await row(bakery.payment!).textContent()).toContain(await paid(bakery.payment!));
    expect(await row(bakery.create!).locator("[data-channel]").textContent()).toBe(
      "approved in the app · ada (odoo-mcp app)",
    );
    // Every record has its link: the invoice it made, and the payment with the invoice it paid.
    const create = await recordOf(bakery.create!);
    await row(bakery.create!).getByRole("button", { name: "Invoice in Odoo ↗" }).click();
    await expect.poll(() => opened.at(-1)).toBe(create.odoo_url);
    expect(opened.at(-1)?.startsWith(h.sandbox.url)).toBe(true);
    const payment = await recordOf(bakery.payment!);
    await row(bakery.payment!).getByRole("button", { name: "Payment in Odoo ↗" }).click();
    await expect
      .poll(() => opened.at(-1))
      .toBe(`${h.sandbox.url}/web#id=${payment.record_id}&model=account.payment&view_type=form`);
    await row(bakery.payment!).getByRole("button", { name: "Invoice in Odoo ↗" }).click();
    await expect.poll(() => opened.at(-1)).toBe(create.odoo_url);
  });

  it("history: a row opens the request as it was approved (the document read then) and its outcome; an edited copy is said to be one", async () => {
    const row = page.locator(`tr[data-id="${bakery.create}"]`);
    await row.locator(".request-name").click();
    const decided = page.getByRole("dialog", { name: "Request as decided" });
    await decided.waitFor();
    // As read when approving: the draft with its total and date, not today's number.
    expect(await decided.locator("h2").textContent()).toMatch(
      /^Draft invoice for Harbour Bakery Ltd, 1,719\.25 USD/,
    );
    const text = (await decided.textContent()) ?? "";
    expect(text).toContain("As it was approved");
    expect(text).toContain(LONG);
    expect(await decided.locator("table.lines tbody tr").count()).toBe(3);
    expect(text).toMatch(CREATED);
    expect(await decided.getByRole("alert").count()).toBe(0);
    await page.screenshot({ path: path.join(shots, "approvals-history-open.png") });

    // The agent's file tools lower the total in the kept copy: the window says this is not what was read.
    const file = path.join(h.dataDir, "approvals", "archive", today.slice(0, 7), `${bakery.create}.json`);
    const raw = JSON.parse(await readFile(file, "utf8"));
    raw.shownDocument.name = raw.shownDocument.name.replace("1,719.25", "17.19");
    await writeFile(file, JSON.stringify(raw));
    await page.getByRole("button", { name: /Pending/ }).click();
    await page.getByRole("button", { name: "History" }).click();
    await page.locator(`tr[data-id="${bakery.create}"] .request-name`).click();
    await expect
      .poll(() => decided.getByRole("alert").first().textContent())
      .toContain("not what the person read");
    // The history's row does not take the edited copy's name.
    expect(await page.locator(`tr[data-id="${bakery.create}"] .request-name`).textContent()).not.toContain(
      "17.19",
    );
    await decided.getByRole("button", { name: "Close" }).click();
    // The copy removed from the file: said to be removed, not passed off as "not kept".
    delete raw.shownDocument;
    await writeFile(file, JSON.stringify(raw));
    await page.getByRole("button", { name: /Pending/ }).click();
    await page.getByRole("button", { name: "History" }).click();
    await page.locator(`tr[data-id="${bakery.create}"] .request-name`).click();
    await expect.poll(() => decided.getByRole("alert").first().textContent()).toContain("removed");
    expect(await decided.textContent()).not.toContain("was not kept");
    await decided.getByRole("button", { name: "Close" }).click();
    await page.getByRole("button", { name: /Pending/ }).click();
  });

  it("approves a batch of three in one decision", async () => {
    const ids = [];
    // A week of consulting invoiced day by day: three drafts the person tells apart by their totals.
    for (const hours of [4, 6, 8])
      ids.push(
        await ask("create_invoice", {
          ...INVOICE_INPUT,
          line_items: [{ description: "Consulting services (hours)", quantity: hours, unit_price: 120 }],
        }),
      );
    for (const id of ids) await card(id).waitFor();
    const before = await invoices();
    await page.getByLabel("Select all").check();
    await page.getByRole("button", { name: "Approve 3" }).click();
    // One sentence per request, each from its outcome.
    await expect
      .poll(
        async () =>
          ((await banner().textContent()) ?? "").match(/created in Odoo \(record \d+\); nothing was sent/g)
            ?.length,
      )
      .toBe(3);
    expect(await invoices()).toBe(before + 3);
    for (const id of ids) expect((await h.app.approvals.get(id))?.status).toBe("executed");
  });

  it("shows an expense's receipt inline and files the expense on Approve", async () => {
    const receipt = await files.write("taxi.png", pngBytes());
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const id = await ask("create_expense", {
      description: "Taxi to the client (oven inspection)",
      amount: 250,
      expense_date: day,
      category: "travel",
      receipt_path: receipt,
    });
    await card(id).locator(".card-body").click();
    const image = page.getByRole("img", { name: /Receipt taxi\.png/ });
    await image.waitFor();
    expect(await image.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    const text = (await detail().textContent()) ?? "";
    expect(text).toContain("250.00 USD");
    expect(text).toContain("Administrator");
    // Named once, not repeated in its own title; the whole name readable in the list.
    expect(text.split("Taxi to the client (oven inspection)").length - 1).toBe(1);
    const title = card(id).locator(".card-title");
    expect(await title.textContent()).toBe(await detail().locator("h2").textContent());
    expect(await title.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
    await page.screenshot({ path: path.join(shots, "approvals-expense.png") });
    const before = await h.app.odoo.searchCount("hr.expense", []);
    await page.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => banner().textContent())
      .toMatch(
        /^Expense of 250\.00 USD filed for Administrator; .* — "Taxi to the client \(oven inspection\)"/,
      );
    expect(await h.app.odoo.searchCount("hr.expense", [])).toBe(before + 1);

    await page.getByRole("button", { name: "History" }).click();
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    expect(await page.locator(`tr[data-id="${id}"] td.num`).textContent()).toBe("250.00 USD");
    await page.locator(`tr[data-id="${id}"]`).getByRole("button", { name: "Expense in Odoo ↗" }).waitFor();
    expect(await page.locator("tbody tr").count()).toBe(9);
    await page.screenshot({ path: path.join(shots, "approvals-history.png") });
    await page.locator("select[name=tool]").selectOption("create_expense");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString("sv");
    await page.locator("select[name=tool]").selectOption("");
    await page.locator("input[name=from]").fill(tomorrow);
    await page.getByText("No decided request matches.").waitFor();
  });

  it("the history says where each request was decided: an approval given in the chat is marked, with its client", async () => {
    await page.getByRole("button", { name: /Pending/ }).click();
    // The MCP client's prompt answered "approve": a small invoice, within what the chat may approve.
    chatAnswer = "approve";
    const inChat = await h
      .call("create_invoice", {
        ...INVOICE_INPUT,
        notes: "chat",
        line_items: [{ description: "Consulting", quantity: 1, unit_price: 100 }],
      })
      .finally(() => {
        chatAnswer = "cancel";
      });
    expect(inChat.data.status, inChat.text).toBe("draft");
    const chat = String(inChat.data.approval_id);
    const terminal = await ask("create_invoice", { ...INVOICE_INPUT, notes: "terminal" });
    await h.approve(terminal);
    await page.getByRole("button", { name: "History" }).click();
    const channel = (id: string) => page.locator(`tr[data-id="${id}"] [data-channel]`);
    await channel(chat).waitFor();
    expect(await channel(chat).textContent()).toBe("approved in the chat (test-client)");
    expect(await channel(chat).locator(".flag").count()).toBe(1);
    expect(await channel(terminal).textContent()).toBe("approved at the terminal · test");
    // The document the chat's prompt showed is kept with that decision too; one decided at the terminal has none.
    await page.locator(`tr[data-id="${chat}"] .request-name`).click();
    const decided = page.getByRole("dialog", { name: "Request as decided" });
    await expect
      .poll(() => decided.locator("h2").textContent())
      .toMatch(/^Draft invoice for Acme Corp, 115\.00 USD/);
    expect(await decided.getByRole("alert").count()).toBe(0);
    await page.locator(`tr[data-id="${terminal}"] .request-name`).click();
    await expect.poll(() => decided.textContent()).toContain("The document read when deciding was not kept");
    await page.getByRole("button", { name: /Pending/ }).click();
  });

  it("an invoice for an address that is not the customer's own is flagged above its document", async () => {
    const id = await ask("create_invoice", { ...INVOICE_INPUT, customer_email: "ap@elsewhere.example" });
    await card(id).locator(".card-body").click();
    const flag = detail().getByRole("note");
    await expect.poll(() => flag.textContent()).toContain("not the customer's own");
    expect(await detail().textContent()).toContain("ap@elsewhere.example");
    expect(await card(id).textContent()).toContain("other recipient");
    await h.reject(id, "wrong address");
  });

  it("a bill from a vendor the agent just created is flagged under the vendor", async () => {
    const vendor = await h.call("create_partner", { name: "Fresh Vendor Ltd", kind: "vendor" });
    const bill = await h.call("create_draft_invoice", {
      description: "Consulting",
      amount: 480,
      partner_id: vendor.data.id,
    });
    const id = await ask("post_invoice", { invoice_id: bill.data.invoice_id });
    await card(id).locator(".card-body").click();
    const flag = detail().locator(".party-flag").getByRole("note");
    await expect
      .poll(() => flag.textContent())
      .toBe(
        `Vendor Fresh Vendor Ltd (partner id ${vendor.data.id}) was created less than a day ago by the agent's Odoo user: check that it is real before approving.`,
      );
    await h.reject(id, "unknown vendor");
  });

  it("Odoo unreachable: the request is shown from the exact arguments, labelled, never as a document", async () => {
    const id = await ask("create_invoice", { ...INVOICE_INPUT, notes: "offline" });
    h.sandbox.setFault("down");
    try {
      await page.reload();
      await card(id).locator(".card-body").click();
      await expect
        .poll(() => detail().textContent(), { timeout: 20_000 })
        .toContain("Odoo cannot be reached");
      expect(await detail().locator("h2").textContent()).toBe("create invoice (Odoo could not be reached)");
      expect(await detail().locator(".effect").count()).toBe(0);
      const text = (await detail().textContent()) ?? "";
      expect(text).toContain("customer name");
      expect(text).toContain("Acme Corp");
    } finally {
      h.sandbox.setFault(null);
    }
    await h.reject(id, "offline test");
  });

  it("a vanished history: the approval window shows a banner naming each log and what to do", async () => {
    await page.goto(`${bridge.origin}/approvals.html`);
    await page.getByRole("button", { name: /Pending/ }).waitFor();
    expect(await page.getByRole("alert", { name: "History vanished" }).count()).toBe(0);
    // The agent's file tools delete the audit log and the approvals with their journal.
    for (const dir of ["Logs", "approvals"])
      await rm(path.join(h.dataDir, dir), { recursive: true, force: true });
    bridge.emit("approvals.changed", { ids: [] });
    const banner = page.getByRole("alert", { name: "History vanished" });
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("Part of the history has vanished.");
    expect(text).toMatch(/The audit log is gone: the OS keychain remembers line \d+/);
    expect(text).toMatch(/The approval journal is gone: the OS keychain remembers line \d+/);
    expect(text).toContain("odoo-mcp audit accept-loss");
  });

  it("kept the production CSP: no inline script, no violation, no page error", async () => {
    expect(pageErrors).toEqual([]);
  });
});
