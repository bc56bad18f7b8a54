#!/usr/bin/env node
// The bank and collections end to end on a real Odoo (the lab's 19), as an MCP client drives the built server
// over stdio and a person approves through the approval core (as `odoo-mcp approvals approve` does once the person
// typed "y"): an invoice sent and paid 40 %, a three-line bank statement imported (twice: nothing twice),
// propose_matches, the two lines reconciled in one request, the invoice paid, the bank fee left unmatched,
// get_bank_balances against Odoo's own records, one line unreconciled, then an overdue invoice listed and reminded
// by email (the lab's SMTP sink gets it with its PDF). Run by hand after `npm run build`, holding the lab's lock:
//
//   flock /tmp/lab.lock node scripts/lab-bank-flow.mjs [--url http://127.0.0.1:8069] [--db odoo_test]
//     [--key-file ~/odoo-lab/apikey19.txt] [--mail-dir ~/odoo-lab/mail]
//
// Under scripts/with-keyring.sh (a real OS keychain, a private HOME) give --key-file and --mail-dir. Names are
// unique to the run. The key is read from its file and never printed. Exits 1 when a check fails.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { createApp } from "../dist/mcp/app.js";
import { tryKeychain } from "../dist/mcp/cli/context.js";
import { loadConfig } from "../dist/mcp/config/config.js";
import { silentLogger } from "../dist/mcp/log.js";
import { labOdoo, labOptions } from "./lab-odoo.mjs";

const opts = labOptions({ mailDir: `${os.homedir()}/odoo-lab/mail` });
const odoo = labOdoo(opts);
const BIN = path.resolve(import.meta.dirname, "../dist/mcp/bin/odoo-mcp.js");
let failures = 0;
const check = (what, ok, detail = "") => {
  if (!ok) failures += 1;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
};

const tag = `flow-${Date.now().toString(36)}`;
const today = new Date().toISOString().slice(0, 10);
const daysFromNow = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

// What a person does once in Odoo: "Show Full Accounting Features" for the admin (19: statement lines need it).
const [admin] = await odoo.searchRead("res.users", [["login", "=", "admin"]], ["id"]);
const [group] = await odoo.searchRead(
  "ir.model.data",
  [
    ["module", "=", "account"],
    ["name", "=", "group_account_user"],
  ],
  ["res_id"],
);
await odoo.write("res.users", [admin.id], { group_ids: [[4, group.res_id]] });
const customer = `Harbour Bakery ${tag}`;
const late = `Late Payer ${tag}`;
const email = (name) => `${name.replace(/\W+/g, ".").toLowerCase()}@example.com`;
for (const name of [customer, late]) await odoo.create("res.partner", { name, is_company: true, email: email(name) });

const dataDir = await mkdtemp(path.join(os.tmpdir(), "odoo-mcp-lab-flow-"));
const env = {
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
  ODOO_URL: opts.url,
  ODOO_DATABASE: opts.db,
  ODOO_USERNAME: "admin",
  ODOO_API_KEY: (await readFile(opts.keyFile, "utf8")).trim(),
  ODOO_MCP_DATA_DIR: dataDir,
  ODOO_MCP_APPROVAL_WAIT_MS: "0",
  ODOO_MCP_LOG_LEVEL: "error",
};
const person = await createApp(loadConfig({ env, cwd: dataDir }), {
  logger: silentLogger,
  keychain: tryKeychain(silentLogger),
});
const client = new Client({ name: "lab-bank-flow", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, "serve"], env, stderr: "inherit" }));

async function call(name, args) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content?.[0]?.text ?? "";
  if (result.isError) throw new Error(`${name}: ${text}`);
  return result.structuredContent ?? JSON.parse(text);
}
/** A gated call, approved by the person and run; its output. */
async function approved(name, args, keep) {
  const pending = await call(name, args);
  if (pending.status !== "pending_approval") throw new Error(`${name}: ${JSON.stringify(pending)}`);
  await person.approvals.decide(pending.approval_id, {
    decision: "approved",
    channel: "cli",
    actor: "lab-bank-flow",
    ...(keep ? { keep } : {}),
  });
  await person.approvals.execute(pending.approval_id);
  const done = await call("get_approval", { approval_id: pending.approval_id });
  if (done.status !== "executed") throw new Error(`${name} → ${done.status}: ${JSON.stringify(done.error)}`);
  return done.output;
}

try {
  const invoice = await approved("create_invoice", {
    customer_name: customer,
    customer_email: email(customer),
    invoice_date: today,
    due_date: daysFromNow(30),
    line_items: [{ description: "Bread, November", quantity: 10, unit_price: 42.35 }],
    tax_rate: 0,
  });
  // A draft has no number yet: sending posts it, and its answer names it.
  const sent = await approved("send_invoice", { invoice_id: invoice.invoice_id });
  const number = sent.invoice_id;
  const first = await approved("record_payment", {
    invoice_id: number,
    amount: 169.4,
    payment_date: today,
    payment_method: "bank_transfer",
    reference: `Transfer ${tag}`,
  });
  check("invoice sent and paid 40 %", first.invoice_status === "partial", `${first.payment_id}, ${first.amount}`);

  const csv = [
    "Date;Amount;Label",
    `${today};169,40;${customer} Transfer ${tag}`,
    `${today};254,10;${customer} ${number}`,
    `${today};-12,50;Bank fee ${tag}`,
  ].join("\n");
  const mapping = { date: "Date", amount: "Amount", label: "Label", decimal: "," };
  const imported = await call("import_bank_statement", { journal: "Bank", content: csv, csv: mapping });
  check("statement imported", imported.new === 3 && imported.duplicate === 0, JSON.stringify(imported));
  const again = await call("import_bank_statement", { journal: "Bank", content: csv, csv: mapping });
  check("the same file again creates nothing", again.new === 0 && again.duplicate === 3);

  const proposed = await call("propose_matches", { journal: "Bank", limit: 100, date_from: today });
  const ours = proposed.lines.filter((l) => imported.line_ids.includes(l.statement_line_id));
  const transfer = ours.find((l) => l.label.includes("Transfer"));
  const rest = ours.find((l) => l.label.includes(number));
  const fee = ours.find((l) => l.label.startsWith("Bank fee"));
  check(
    "the transfer is matched with the payment in transit",
    transfer?.proposals[0]?.pays[0]?.id === first.payment_id,
    transfer?.proposals[0]?.reason,
  );
  check(
    "the rest is matched with the invoice",
    rest?.proposals[0]?.pays[0]?.id === number,
    rest?.proposals[0]?.reason,
  );
  check("the bank fee has no proposal", fee !== undefined && fee.proposals.length === 0);

  const matches = [transfer, rest].map((line) => ({
    statement_line_id: line.statement_line_id,
    invoice_ids: line.proposals[0].pays.filter((p) => p.kind === "invoice").map((p) => p.record_id),
    payment_ids: line.proposals[0].pays.filter((p) => p.kind === "payment").map((p) => p.record_id),
  }));
  const reconciled = await approved("reconcile_bank_lines", { matches });
  check(
    "both lines reconciled",
    reconciled.lines.every((l) => l.status === "reconciled"),
    reconciled.lines.map((l) => l.status).join(", "),
  );
  const [move] = await odoo.searchRead("account.move", [["name", "=", number]], ["payment_state"]);
  check("Odoo reads the invoice paid", move.payment_state === "paid", move.payment_state);
  const [payment] = await odoo.searchRead("account.payment", [["name", "=", first.payment_id]], ["is_matched"]);
  check("Odoo reads the payment matched with the bank", payment.is_matched === true);
  const lines = await odoo.read("account.bank.statement.line", imported.line_ids, ["is_reconciled", "amount"]);
  check(
    "Odoo reads the lines reconciled, the fee not",
    lines.filter((l) => l.is_reconciled).length === 2,
    lines.map((l) => `${l.amount}:${l.is_reconciled}`).join(" "),
  );

  const balances = await call("get_bank_balances", {});
  const bank = balances.journals.find((j) => j.name === "Bank");
  const open = await odoo.searchRead(
    "account.bank.statement.line",
    [
      ["journal_id.name", "=", "Bank"],
      ["is_reconciled", "=", false],
    ],
    ["amount"],
  );
  const openCents = open.reduce((sum, l) => sum + Math.round(l.amount * 100), 0);
  check(
    "get_bank_balances: unreconciled lines as Odoo's records",
    bank.unreconciled.count === open.length && Math.round(Number(bank.unreconciled.amount) * 100) === openCents,
    `${bank.unreconciled.count} lines, ${bank.unreconciled.amount}`,
  );

  await approved("unreconcile_bank_line", { statement_line_id: rest.statement_line_id });
  const [undone] = await odoo.searchRead("account.move", [["name", "=", number]], ["payment_state"]);
  check("unreconciled: the invoice is open again", undone.payment_state === "partial", undone.payment_state);

  // Collections: an invoice due two weeks ago, sent, then reminded.
  const overdue = await approved("create_invoice", {
    customer_name: late,
    customer_email: email(late),
    invoice_date: daysFromNow(-45),
    due_date: daysFromNow(-15),
    line_items: [{ description: "Catering", quantity: 1, unit_price: 310 }],
    tax_rate: 0,
  });
  const overdueNumber = (await approved("send_invoice", { invoice_id: overdue.invoice_id })).invoice_id;
  const listed = await call("list_overdue", {});
  const owed = listed.customers.find((c) => c.name === late);
  check("list_overdue lists the late payer", owed?.overdue_total === "310.00", JSON.stringify(owed));
  const before = new Set(await readdir(opts.mailDir).catch(() => []));
  await approved("send_reminder", { partner_id: owed.partner_id });
  let mail = [];
  for (let i = 0; i < 20 && mail.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    mail = (await readdir(opts.mailDir)).filter((f) => !before.has(f));
  }
  const text = mail.length ? await readFile(path.join(opts.mailDir, mail[0]), "utf8") : "";
  check(
    "the reminder reached the SMTP sink with the invoice's PDF",
    text.includes(overdueNumber.replaceAll("/", "_")) && /application\/pdf/i.test(text),
    mail[0] ?? "no mail",
  );
  const twice = await call("send_reminder", { partner_id: owed.partner_id });
  check("a second reminder the same day is refused", false, JSON.stringify(twice));
} catch (error) {
  const message = String(error instanceof Error ? error.message : error);
  if (/send_reminder: .*(reminded|again)/.test(message)) check("a second reminder the same day is refused", true, message.slice(0, 160));
  else check("the flow ran", false, message);
} finally {
  await client.close().catch(() => {});
  await person.close();
  await odoo.close();
}
console.log(failures ? `${failures} check(s) failed` : "every check passed");
process.exit(failures ? 1 : 0);
