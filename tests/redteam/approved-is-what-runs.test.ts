/**
 * Red team, issue 13: what was approved is what runs, against Odoo as it is now. Between the request and its
 * execution, someone (the agent through another tool, a person, another integration) changes the Odoo records the
 * request is about: the draft's total, its partner, its currency; the customer's name. The request must then fail
 * with `APPROVAL_INVALID` and write nothing, or run against exactly the records the person saw (by id).
 *
 * `h.app.odoo` writes straight to the sandbox Odoo, as "someone else" would.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { renderView } from "../../src/mcp/approvals/view.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { runInTerminal } from "../support/terminal.js";
import {
  countExpenses,
  countInvoices,
  countPayments,
  countPosted,
  invoiceFor,
  isoDay,
  outputOf,
  pendingId,
  readJson,
  writeRaw,
} from "./helpers.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const vendor = (t: Harness, name = "Office Landlord Ltd") =>
  t.app.odoo.create("res.partner", { name, is_company: true, email: `${name.split(" ")[0]}@example.com` });

/** A draft vendor bill of `amount`, as create_draft_invoice makes it (no approval). */
async function draftBill(t: Harness, amount: number, partnerId: number): Promise<number> {
  const made = await t.call("create_draft_invoice", {
    description: "Office rent",
    amount,
    partner_id: partnerId,
  });
  expect(made.isError, made.text).toBe(false);
  return Number(made.data.record_id);
}

/** A draft customer invoice of one line. */
const customerDraft = (t: Harness, partnerId: number, price: number) =>
  t.app.odoo.create("account.move", {
    move_type: "out_invoice",
    partner_id: partnerId,
    invoice_date: isoDay(-1),
    invoice_line_ids: [[0, 0, { name: "Consulting", quantity: 1, price_unit: price }]],
  });

/** Someone edits the draft's one line in Odoo (as the invoice form does). */
async function setPrice(t: Harness, moveId: number, price: number): Promise<void> {
  const [line] = await t.app.odoo.searchRead(
    "account.move.line",
    [
      ["move_id", "=", moveId],
      ["display_type", "=", "product"],
    ],
    ["id"],
  );
  await t.app.odoo.write("account.move", [moveId], {
    invoice_line_ids: [[1, line!.id, { price_unit: price }]],
  });
}

const move = async (t: Harness, id: number) =>
  (await t.app.odoo.read("account.move", [id], ["state", "partner_id", "is_move_sent", "amount_total"]))[0]!;

/** The request's outcome after the person approved it: failed with APPROVAL_INVALID, its message. */
async function refused(t: Harness, id: string): Promise<string> {
  const record = await t.app.approvals.get(id);
  expect(record?.status, JSON.stringify(record?.outcome)).toBe("failed");
  const outcome = record?.outcome;
  if (!outcome || outcome.ok) throw new Error("no failure recorded");
  expect(outcome.code, outcome.message).toBe("APPROVAL_INVALID");
  expect(outcome.message).toMatch(/Nothing was written; ask again\./);
  return outcome.message;
}

describe.each([19, 17] as const)("on Odoo %i: what was approved is what runs", (version) => {
  it("post_invoice: the draft's total changed after the request → refused, still a draft", async () => {
    h = await startHarness({ version });
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    await setPrice(h, bill, 1999);
    await h.approve(id);
    const message = await refused(h, id);
    expect(message).toContain("999.00 USD");
    expect(message).toContain("1,999.00 USD");
    expect((await move(h, bill)).state).toBe("draft");
    expect(await countPosted(h)).toBe(0);
  });

  it("send_invoice: the draft's customer swapped after the request → not posted, no email", async () => {
    h = await startHarness({ version });
    const acme = await seedCustomer(h);
    const other = await seedCustomer(h, "Globex Inc", "pay@globex.example");
    const draft = await customerDraft(h, acme, 500);
    const mails = await h.app.odoo.searchCount("mail.mail", []);
    const id = await pendingId(h, "send_invoice", { invoice_id: String(draft) });
    await h.app.odoo.write("account.move", [draft], { partner_id: other });
    await h.approve(id);
    expect(await refused(h, id)).toMatch(/partner was id \d+ when approved, id \d+ \(Globex Inc\) now/);
    const now = await move(h, draft);
    expect(now.state).toBe("draft");
    expect(now.is_move_sent).toBe(false);
    expect(await h.app.odoo.searchCount("mail.mail", [])).toBe(mails);
  });

  it("create_invoice: customer renamed and a new partner given its name → the invoice goes to the one shown", async () => {
    h = await startHarness({ version });
    const acme = await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(100));
    await h.app.odoo.write("res.partner", [acme], { name: "Acme Corporation (old)" });
    const impostor = await seedCustomer(h, "Acme Corp", "billing@acme.example");
    await h.approve(id);
    const out = await outputOf(h, id);
    const [invoice] = await h.app.odoo.read("account.move", [Number(out.record_id)], ["partner_id"]);
    expect((invoice!.partner_id as [number, string])[0]).toBe(acme);
    expect(
      await h.app.odoo.searchCount("account.move", [
        ["partner_id", "=", impostor],
        ["move_type", "=", "out_invoice"],
      ]),
    ).toBe(0);
  });
});

describe("what was approved is what runs (Odoo 19)", () => {
  it("post_invoice: the draft's vendor or currency changed after the request → refused, still a draft", async () => {
    h = await startHarness();
    const landlord = await vendor(h);
    const billA = await draftBill(h, 999, landlord);
    const billB = await draftBill(h, 999, landlord);
    const a = await pendingId(h, "post_invoice", { invoice_id: String(billA) });
    const b = await pendingId(h, "post_invoice", { invoice_id: String(billB) });
    await h.app.odoo.write("account.move", [billA], { partner_id: await vendor(h, "Shell Company LLC") });
    await h.app.odoo.write("res.currency", [125], { active: true });
    await h.app.odoo.write("account.move", [billB], { currency_id: 125 });
    await h.approve(a);
    await h.approve(b);
    expect(await refused(h, a)).toMatch(/Shell Company LLC/);
    expect(await refused(h, b)).toMatch(/currency was USD when approved, EUR now/);
    expect(await countPosted(h)).toBe(0);
  });

  it("post_invoice: an unchanged draft posts as approved", async () => {
    h = await startHarness();
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    const stored = await readJson(h, id);
    expect(stored.binding).toMatchObject({ move_id: bill, currency: "USD", amount_total: "999.00" });
    await h.approve(id);
    expect((await h.app.approvals.get(id))?.status).toBe("executed");
    expect((await move(h, bill)).state).toBe("posted");
  });

  it("send_invoice: the draft's total changed after the request → not posted, no email", async () => {
    h = await startHarness();
    const draft = await customerDraft(h, await seedCustomer(h), 999);
    const mails = await h.app.odoo.searchCount("mail.mail", []);
    const id = await pendingId(h, "send_invoice", { invoice_id: String(draft) });
    await setPrice(h, draft, 1999);
    await h.approve(id);
    expect(await refused(h, id)).toMatch(/total was 999\.00 USD when approved, 1,999\.00 USD now/);
    expect((await move(h, draft)).state).toBe("draft");
    expect(await h.app.odoo.searchCount("mail.mail", [])).toBe(mails);
  });

  it("create_invoice: a second partner given the customer's name → the invoice still goes to the one shown", async () => {
    h = await startHarness();
    const acme = await seedCustomer(h);
    const id = await pendingId(h, "create_invoice", invoiceFor(100));
    await seedCustomer(h, "Acme Corp", "billing@acme.example");
    // The person's view names the customer they approve by id, the same one that runs.
    const view = await h.app.approvals.view((await h.app.approvals.get(id))!);
    expect(view.integrity).toEqual([]);
    expect(view.facts).toMatchObject({ customer: { id: acme } });
    await h.approve(id);
    const out = await outputOf(h, id);
    const [invoice] = await h.app.odoo.read("account.move", [Number(out.record_id)], ["partner_id"]);
    expect((invoice!.partner_id as [number, string])[0]).toBe(acme);
  });

  it("create_invoice: the customer archived after the request → refused, no invoice, no contact", async () => {
    h = await startHarness();
    const acme = await seedCustomer(h);
    // Another address than the customer's: apply would create an invoice contact under it first.
    const id = await pendingId(h, "create_invoice", {
      ...invoiceFor(100),
      customer_email: "ap@acme.example",
    });
    await h.app.odoo.write("res.partner", [acme], { active: false });
    const partners = await h.app.odoo.searchCount("res.partner", [["active", "in", [true, false]]]);
    await h.approve(id);
    expect(await refused(h, id)).toMatch(/archived/);
    expect(await countInvoices(h)).toBe(0);
    expect(await h.app.odoo.searchCount("res.partner", [["active", "in", [true, false]]])).toBe(partners);
  });

  it("record_payment: the invoice's partner changed (reset, edited, posted again) → refused, no payment", async () => {
    h = await startHarness();
    const acme = await seedCustomer(h);
    const invoice = await customerDraft(h, acme, 500);
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [invoice] });
    const id = await pendingId(h, "record_payment", {
      invoice_id: String(invoice),
      amount: 500,
      payment_date: isoDay(0),
      payment_method: "bank_transfer",
    });
    const payments = await countPayments(h);
    await h.app.odoo.call({ model: "account.move", method: "button_draft", ids: [invoice] });
    await h.app.odoo.write("account.move", [invoice], {
      partner_id: await seedCustomer(h, "Globex Inc", "pay@globex.example"),
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [invoice] });
    await h.approve(id);
    expect(await refused(h, id)).toMatch(/Globex Inc/);
    expect(await countPayments(h)).toBe(payments);
  });

  it("create_expense: another product given the category's name after the request → refused, no expense", async () => {
    h = await startHarness();
    const id = await pendingId(h, "create_expense", {
      description: "Team dinner",
      amount: 450,
      expense_date: isoDay(-1),
      category: "meals",
    });
    const [meals] = await h.app.odoo.searchRead("product.product", [["name", "ilike", "meals"]], ["name"]);
    await h.app.odoo.write("product.product", [meals!.id as number], { name: "Meals (old)" });
    await h.app.odoo.create("product.product", { name: "Meals", can_be_expensed: true, standard_price: 0 });
    await h.approve(id);
    expect(await refused(h, id)).toMatch(/expense category was id \d+ when approved, id \d+ \(Meals\) now/);
    expect(await countExpenses(h)).toBe(0);
  });
});

describe("what the person reads shows the change, and an approval is refused (Odoo 19)", () => {
  it("the view says what changed; the app refuses to approve, nothing is decided or posted", async () => {
    h = await startHarness();
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    await setPrice(h, bill, 1999);
    const view = await h.app.approvals.view((await h.app.approvals.get(id))!);
    expect(view.integrity.join("\n")).toMatch(
      /changed in Odoo since the agent asked: total was 999\.00 USD, now 1,999\.00 USD/,
    );
    expect(renderView(view)).toMatch(/!! .*total was 999\.00 USD, now 1,999\.00 USD/);

    const app = approvalHandlers(h.app, { actor: "person" });
    const { results } = await app["approvals.decide"]({ ids: [id], decision: "approved" });
    expect(results[0]).toMatchObject({ ok: false, error: { code: "APPROVAL_INVALID" } });
    expect(results[0]?.error?.message).toMatch(/total was 999\.00 USD, now 1,999\.00 USD/);
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    // Rejecting it stays possible.
    expect((await app["approvals.decide"]({ ids: [id], decision: "rejected" })).results[0]?.ok).toBe(true);
    expect(await countPosted(h)).toBe(0);
  });

  it("the CLI shows the change and refuses to approve (at a terminal, passphrase mode)", async () => {
    h = await startHarness({ keychain: null });
    const env = { PATH: process.env.PATH, HOME: h.dataDir, ...h.env };
    const passphrase = "correct horse battery";
    const set = await runInTerminal(process.execPath, [BIN, "approvals", "passphrase"], {
      env,
      input: [`${passphrase}\r`, `${passphrase}\r`],
    });
    expect(set.code, set.output).toBe(0);
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    await setPrice(h, bill, 1999);
    const cli = await runInTerminal(process.execPath, [BIN, "approvals", "approve", id], {
      env,
      input: [`${passphrase}\r`, "y\r"],
    });
    expect(cli.code, cli.output).toBe(1);
    expect(cli.output).toMatch(/total was 999\.00 USD, now 1,999\.00 USD/);
    expect(cli.output).toMatch(/cannot be approved/);
    expect((await h.app.approvals.get(id))?.status).toBe("pending");
    expect(await countPosted(h)).toBe(0);
  });
});

describe("passphrase mode: the binding in the record file (Odoo 19)", () => {
  it("editing the binding of an approved request (and the draft to match) is caught; nothing is posted", async () => {
    h = await startHarness({ keychain: null });
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    // The agent raises the draft, then rewrites what the decision bound (records are not sealed here).
    await setPrice(h, bill, 1999);
    const stored = await readJson(h, id);
    const binding = { ...(stored.binding as Record<string, unknown>), amount_total: "1999.00" };
    await writeRaw(h, id, JSON.stringify({ ...stored, binding }));
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect((await move(h, bill)).state).toBe("draft");
    expect(await countPosted(h)).toBe(0);
  });

  it("the same with the arguments' hash recomputed: the decision's signature no longer matches", async () => {
    h = await startHarness({ keychain: null });
    const bill = await draftBill(h, 999, await vendor(h));
    const id = await pendingId(h, "post_invoice", { invoice_id: String(bill) });
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    await setPrice(h, bill, 1999);
    const stored = await readJson(h, id);
    const binding = { ...(stored.binding as Record<string, unknown>), amount_total: "1999.00" };
    const { computeArgsHash } = await import("../../src/mcp/approvals/ids.js");
    const argsHash = computeArgsHash(String(stored.tool), stored.args, binding);
    await writeRaw(h, id, JSON.stringify({ ...stored, binding, argsHash }));
    // The decision signed the hash of what the person saw: no process holds a key that verifies this one.
    const record = (await h.app.approvals.get(id))!;
    expect(record.binding?.amount_total).toBe("1999.00");
    expect(await h.app.approvals.verify(record)).toContain("the decision's signature is not valid");
    expect((await move(h, bill)).state).toBe("draft");
    expect(await countPosted(h)).toBe(0);
  });
});
