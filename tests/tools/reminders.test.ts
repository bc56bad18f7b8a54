/**
 * list_overdue and send_reminder over the sandbox, as the lab's Odoo 19 was seen to answer
 * (odoo-recordings/19/21-reminders): what is overdue per customer, a reminder approved by a person and emailed
 * with the invoices' PDFs, the last reminder read back from Odoo, and a second one refused within the interval; an
 * invoice in instalments (odoo-recordings/19/24-reminder-installments) is overdue by its instalments, for both tools.
 */
import { afterEach, describe, expect, it } from "vitest";
import { dateText } from "../../src/shared/document-text.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { day, payPart, postedInvoice, remindersOf } from "../support/overdue.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function lateCustomer(t: Harness) {
  const partner = await seedCustomer(t, "Late Payer Ltd", "accounts@late-payer.example");
  const old = await postedInvoice(t, partner, { price: 1000, date: day(-90), due: day(-60) });
  const newer = await postedInvoice(t, partner, { price: 300, date: day(-40), due: day(-10) });
  const notDue = await postedInvoice(t, partner, { price: 500, date: day(-5), due: day(25) });
  const [a, b] = await t.app.odoo.read("account.move", [old, newer], ["name"]);
  return { partner, old, newer, notDue, names: [String(a?.name), String(b?.name)] };
}

describe("list_overdue", () => {
  it("per customer: the overdue invoices, their total, the oldest days late, nothing not yet due", async () => {
    h = await startHarness();
    const { partner, old, newer, names } = await lateCustomer(h);
    const answer = await h.call("list_overdue", {});
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data).toMatchObject({ as_of: day(0), currency: "USD", total: "1300.00" });
    expect(answer.data.customers).toEqual([
      {
        partner_id: partner,
        name: "Late Payer Ltd",
        overdue_total: "1300.00",
        oldest_days_late: 60,
        last_reminded: null,
        reminded_recently: false,
        invoices: [
          { id: old, number: names[0], due_date: day(-60), residual: "1000.00", days_late: 60 },
          { id: newer, number: names[1], due_date: day(-10), residual: "300.00", days_late: 10 },
        ],
      },
    ]);
  });

  it("a customer with nothing overdue is not listed; partner_id narrows to one customer", async () => {
    h = await startHarness();
    const { partner } = await lateCustomer(h);
    const punctual = await seedCustomer(h, "Punctual Co", "ap@punctual.example");
    await postedInvoice(h, punctual, { price: 100, date: day(-3), due: day(27) });
    expect((await h.call("list_overdue", {})).data.customers).toHaveLength(1);
    expect((await h.call("list_overdue", { partner_id: punctual })).data).toMatchObject({
      customers: [],
      total: "0.00",
    });
    expect((await h.call("list_overdue", { partner_id: partner })).data.customers).toHaveLength(1);
  });
});

describe("send_reminder", () => {
  it("all of a customer's overdue invoices: one email with each PDF after a person's yes, then read back as the last reminder", async () => {
    h = await startHarness();
    const { partner, names } = await lateCustomer(h);
    const asked = await h.call("send_reminder", { partner_id: partner });
    expect(asked.data.status, asked.text).toBe("pending_approval");
    const summary = String(asked.data.summary);
    // The default text, in full, names each invoice, its due date and amount.
    for (const name of names) expect(summary).toContain(name);
    expect(summary).toContain("1,000.00 USD");
    expect(summary).toContain("Total overdue: 1,300.00 USD");
    expect(summary).toContain("accounts@late-payer.example");
    expect(await remindersOf(h, partner)).toHaveLength(0);

    await h.approve(asked.data.approval_id);
    const got = await h.call("get_approval", { approval_id: asked.data.approval_id });
    expect(got.data.status, got.text).toBe("executed");
    expect(got.data.output).toMatchObject({
      status: "sent",
      partner_id: partner,
      sent_to: "accounts@late-payer.example",
      invoices: names,
      overdue_total: "1300.00",
      email_sent: true,
    });
    const [mail, ...others] = await remindersOf(h, partner);
    expect(others).toHaveLength(0);
    expect(mail?.attachment_ids).toHaveLength(2);
    expect(mail?.partner_ids).toEqual([partner]);
    expect(String(mail?.body)).toContain("past due");

    const listed = await h.call("list_overdue", { partner_id: partner });
    const [customer] = listed.data.customers as Array<Record<string, unknown>>;
    expect(customer?.reminded_recently).toBe(true);
    expect(Date.now() - Date.parse(String(customer?.last_reminded))).toBeLessThan(60_000);
  });

  it("a second reminder within ODOO_MCP_REMINDER_DAYS is refused unless the call says again; then the approval flags it", async () => {
    h = await startHarness();
    const { partner, old } = await lateCustomer(h);
    const first = await h.call("send_reminder", { invoice_id: old });
    await h.approve(first.data.approval_id);
    expect(await remindersOf(h, partner)).toHaveLength(1);

    const again = await h.call("send_reminder", { partner_id: partner });
    expect(again.error?.code, again.text).toBe("ALREADY_REMINDED");
    expect(again.error?.message).toContain(String(first.data.approval_id));
    expect(again.error?.message).toMatch(/again: true/);

    const forced = await h.call("send_reminder", { partner_id: partner, again: true });
    expect(forced.data.status, forced.text).toBe("pending_approval");
    expect(String(forced.data.summary)).toMatch(/Last reminded on .* within the 7 days/);
    await h.approve(forced.data.approval_id);
    expect(await remindersOf(h, partner)).toHaveLength(2);
  });

  it("ODOO_MCP_REMINDER_DAYS=0 lets a customer be reminded again at once", async () => {
    h = await startHarness({ env: { ODOO_MCP_REMINDER_DAYS: "0" } });
    const { partner, old } = await lateCustomer(h);
    await h.approve((await h.call("send_reminder", { invoice_id: old })).data.approval_id);
    const second = await h.call("send_reminder", { invoice_id: old });
    expect(second.data.status, second.text).toBe("pending_approval");
    await h.approve(second.data.approval_id);
    expect(await remindersOf(h, partner)).toHaveLength(2);
  });

  it("the agent's text is sent as it was approved, its markup as text", async () => {
    h = await startHarness();
    const { partner, newer } = await lateCustomer(h);
    const body = "Hello,\n\nplease pay <script>alert(1)</script> & thanks.";
    const asked = await h.call("send_reminder", {
      invoice_id: newer,
      email_subject: "Friendly nudge",
      email_body: body,
    });
    expect(String(asked.data.summary)).toContain("please pay <script>alert(1)</script> & thanks.");
    await h.approve(asked.data.approval_id);
    const [mail] = await remindersOf(h, partner);
    expect(mail?.subject).toBe("Friendly nudge");
    expect(mail?.body).toBe(
      "<p>Hello,</p><p>please pay &lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks.</p>",
    );
    expect(mail?.attachment_ids).toHaveLength(1);
  });

  it("a long text is shown whole, line by line, in what the person approves", async () => {
    h = await startHarness();
    const { newer } = await lateCustomer(h);
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`);
    const body = `First line\n\n${words.join(" ")}\nLast line`;
    const asked = await h.call("send_reminder", { invoice_id: newer, email_body: body });
    const summary = String(asked.data.summary);
    for (const word of [...words, "First line", "Last line"]) expect(summary).toContain(word);
    expect(summary).not.toContain("\\n");
  });

  it("refuses what cannot be reminded before anyone is asked", async () => {
    h = await startHarness();
    const { partner, notDue } = await lateCustomer(h);
    const never = await postedInvoice(h, partner, { price: 50, sent: false });
    const noMail = await seedCustomer(h, "No Mail Ltd", "");
    await postedInvoice(h, noMail, { price: 70 });
    const punctual = await seedCustomer(h, "Punctual Co", "ap@punctual.example");
    for (const [args, code, words] of [
      [{ invoice_id: notDue }, "INVALID_STATUS", /not overdue/],
      [{ invoice_id: never }, "INVALID_STATUS", /never sent/],
      [{ partner_id: noMail }, "EMAIL_SEND_FAILED", /no email address/],
      [{ partner_id: punctual }, "INVALID_STATUS", /no overdue invoices/],
      [{ partner_id: 987654 }, "CUSTOMER_NOT_FOUND", /No customer with id 987654/],
      [{ partner_id: partner, invoice_id: notDue }, "VALIDATION_ERROR", /either invoice_id .* or partner_id/],
      [{}, "VALIDATION_ERROR", /either invoice_id/],
    ] as const) {
      const answer = await h.call("send_reminder", args);
      expect(answer.error?.code, answer.text).toBe(code);
      expect(answer.error?.message).toMatch(words);
    }
    expect((await h.app.approvals.list({})).length).toBe(0);
  });

  it("DRY_RUN: what it would send, nothing asked, nothing sent", async () => {
    h = await startHarness({ env: { DRY_RUN: "true" } });
    const { partner, names } = await lateCustomer(h);
    const answer = await h.call("send_reminder", { partner_id: partner });
    expect(answer.data).toMatchObject({
      status: "dry_run",
      invoices: names,
      overdue_total: "1300.00",
      email_sent: null,
    });
    expect(await remindersOf(h, partner)).toHaveLength(0);
  });
});

/**
 * "30% Now, Balance 60 Days" (term 8) on 333.33 dated 35 days ago: 100.00 due then, 233.33 due in 25 days, so its
 * invoice_date_due is in the future; 40 paid, which Odoo sets against the first instalment: 60.00 overdue.
 */
async function instalmentCustomer(t: Harness) {
  const partner = await seedCustomer(t, "Instalment Payer Ltd", "accounts@instalment-payer.example");
  const split = await postedInvoice(t, partner, { price: 333.33, date: day(-35), term: 8 });
  await payPart(t, split, 40);
  const plain = await postedInvoice(t, partner, { price: 200, date: day(-40), due: day(-10) });
  const [a, b] = await t.app.odoo.read("account.move", [split, plain], ["name", "invoice_date_due"]);
  expect(a?.invoice_date_due).toBe(day(25));
  return { partner, split, plain, names: [String(a?.name), String(b?.name)] };
}

describe("an invoice in instalments, its first overdue and the balance not", () => {
  it("list_overdue and send_reminder by customer agree: the instalment invoice is in, for its overdue part", async () => {
    h = await startHarness();
    const { partner, split, plain, names } = await instalmentCustomer(h);
    const listed = await h.call("list_overdue", { partner_id: partner });
    expect(listed.data.customers).toMatchObject([
      {
        overdue_total: "260.00",
        invoices: [
          { id: split, number: names[0], due_date: day(-35), residual: "60.00", days_late: 35 },
          { id: plain, number: names[1], due_date: day(-10), residual: "200.00", days_late: 10 },
        ],
      },
    ]);

    const asked = await h.call("send_reminder", { partner_id: partner });
    expect(asked.data.status, asked.text).toBe("pending_approval");
    const summary = String(asked.data.summary).replace(/\s+/g, " ");
    expect(summary).toContain(`${names[0]}, due ${dateText(day(-35))}: 60.00 USD`);
    expect(summary).toContain("233.33 USD more falls due later");
    expect(summary).toContain(`${names[0]}, due ${dateText(day(-35))}, 35 days late`);
    expect(summary).toContain("Total overdue: 260.00 USD");
    expect(summary).not.toContain("293.33");
    await h.approve(asked.data.approval_id);
    const got = await h.call("get_approval", { approval_id: asked.data.approval_id });
    expect(got.data.output).toMatchObject({
      invoices: names,
      overdue_total: "260.00",
      email_sent: true,
    });
    const [mail] = await remindersOf(h, partner);
    expect(mail?.attachment_ids).toHaveLength(2);
    expect(String(mail?.body)).toContain("60.00");
  });

  it("send_reminder for the invoice accepts it; with the overdue instalment paid, it refuses and names the next", async () => {
    h = await startHarness();
    const { partner, split } = await instalmentCustomer(h);
    const asked = await h.call("send_reminder", { invoice_id: split });
    expect(asked.data.status, asked.text).toBe("pending_approval");
    expect(String(asked.data.summary)).toMatch(/Overdue total.*60\.00 USD/);

    await payPart(h, split, 60);
    const refused = await h.call("send_reminder", { invoice_id: split });
    expect(refused.error?.code, refused.text).toBe("INVALID_STATUS");
    expect(refused.error?.message).toContain(`is not overdue: it is due on ${dateText(day(25))}`);
    // The person's yes to the reminder of 60.00 no longer holds: nothing is emailed.
    await h.approve(asked.data.approval_id);
    const got = await h.call("get_approval", { approval_id: asked.data.approval_id });
    expect(got.data.status, got.text).toBe("failed");
    expect(got.data.error).toMatchObject({ code: "APPROVAL_INVALID" });
    expect(String((got.data.error as { message: string }).message)).toMatch(
      /60\.00 USD due, 233\.33 USD due later when approved, .*0\.00 USD due, 233\.33 USD due later now/,
    );
    expect(await remindersOf(h, partner)).toHaveLength(0);

    // Dated today: its first instalment falls due today, so nothing on it is overdue yet.
    const fresh = await postedInvoice(h, partner, { price: 100, date: day(0), term: 8 });
    const early = await h.call("send_reminder", { invoice_id: fresh });
    expect(early.error?.message).toContain(
      `is not overdue: its next instalment is due on ${dateText(day(0))}`,
    );
  });
});
