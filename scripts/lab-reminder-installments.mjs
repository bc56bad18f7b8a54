#!/usr/bin/env node
// send_reminder and list_overdue on a real Odoo (the lab's 19) for an invoice in instalments: "30% Now, Balance 60
// Days" dated 35 days ago (its 30% overdue, the balance not), partly paid, beside an ordinary overdue invoice, both
// sent. Checks that list_overdue lists the instalment invoice for its overdue part, and that send_reminder's request
// (by customer and by invoice) takes the same invoices and amounts (what the person would approve; nothing is sent).
// Run by hand after `npm run build`, holding the lab's lock; names are unique to the run:
//
//   flock /tmp/lab.lock node scripts/lab-reminder-installments.mjs [--url ...] [--db ...] [--key-file ...]
//
// Exits 1 when a check fails.
import { sendReminderOperation } from "../dist/mcp/accounting/reminders.js";
import { listOverdue } from "../dist/mcp/reports/overdue.js";
import { labOdoo, labOptions } from "./lab-odoo.mjs";

const odoo = labOdoo(labOptions());
let failures = 0;
const check = (what, ok, detail = "") => {
  if (!ok) failures += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
};
const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const tag = `inst-${Date.now().toString(36)}`;

const partner = await odoo.create("res.partner", {
  name: `Instalment Payer ${tag}`,
  is_company: true,
  email: `${tag}@example.com`,
});
const [term] = await odoo.searchRead("account.payment.term", [["name", "=", "30% Now, Balance 60 Days"]], ["name"]);
async function invoice(vals, price) {
  const id = await odoo.create("account.move", {
    move_type: "out_invoice",
    partner_id: partner,
    ...vals,
    invoice_line_ids: [[0, 0, { name: "Consulting", quantity: 1, price_unit: price, tax_ids: [[6, 0, []]] }]],
  });
  await odoo.call({ model: "account.move", method: "action_post", ids: [id] });
  const context = { active_model: "account.move", active_ids: [id] };
  const wizard = await odoo.create("account.move.send.wizard", {}, context);
  await odoo.call({ model: "account.move.send.wizard", method: "action_send_and_print", ids: [wizard], context });
  return id;
}
const split = await invoice({ invoice_date: day(-35), invoice_payment_term_id: term.id }, 333.33);
const plain = await invoice({ invoice_date: day(-40), invoice_date_due: day(-10) }, 200);
const payContext = { active_model: "account.move", active_ids: [split] };
const wizard = await odoo.create("account.payment.register", { amount: 40 }, payContext);
await odoo.call({ model: "account.payment.register", method: "action_create_payments", ids: [wizard], context: payContext });

const [move] = await odoo.read("account.move", [split], ["name", "invoice_date_due", "amount_residual"]);
check("Odoo's invoice_date_due is the balance's", move.invoice_date_due === day(25), move.invoice_date_due);
const listed = await listOverdue(odoo, { partner_id: partner, reminderDays: 7 });
const customer = listed.customers[0];
check(
  "list_overdue: the instalment invoice for its late 30% less the payment, and the ordinary one",
  customer?.overdue_total === "260.00" &&
    customer.invoices.map((i) => `${i.id} ${i.due_date} ${i.residual}`).join("; ") ===
      `${split} ${day(-35)} 60.00; ${plain} ${day(-10)} 200.00`,
  JSON.stringify(customer?.invoices),
);
const byCustomer = await sendReminderOperation.prepare(odoo, { partner_id: partner });
check(
  "send_reminder by customer: the same invoices and total",
  byCustomer.facts.overdue_total === "260.00" && byCustomer.binding.invoice_ids === `${split},${plain}`,
  `${byCustomer.facts.overdue_total} ${byCustomer.binding.invoice_ids}`,
);
check(
  "its binding: the instalment invoice's overdue part, the balance due later",
  byCustomer.binding[`invoice_${split}`] === `${move.name}, due ${day(-35)}, 60.00 USD due, 233.33 USD due later`,
  byCustomer.binding[`invoice_${split}`],
);
const byInvoice = await sendReminderOperation.prepare(odoo, { invoice_id: String(split) });
check("send_reminder for the invoice: accepted, 60.00", byInvoice.facts.overdue_total === "60.00");
process.exit(failures > 0 ? 1 : 0);
