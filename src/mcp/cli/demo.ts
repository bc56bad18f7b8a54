import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { type App, createApp } from "../app.js";
import { loadConfig } from "../config/config.js";
import { silentLogger } from "../log.js";
import { formatMinor, fromOdooAmount, minorToNumber } from "../money.js";
import { createOdooClient } from "../odoo/client.js";
import { parseCommand, print, tryKeychain } from "./context.js";

const DEMO = {
  name: "demo",
  usage: `Usage:
  odoo-mcp demo   see it work end to end against the built-in sandbox (no Odoo needed)`,
  options: {},
  maxPositionals: 0,
} as const;
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bin", "odoo-mcp.js");

/**
 * `odoo-mcp demo`: the product's main job, end to end, with no Odoo needed. A real MCP client starts the real
 * server over stdio, against the built-in sandbox, and goes through create invoice → approval → approve (through
 * the approval core, as `odoo-mcp approvals approve` does once the person typed "y") → send → record payment.
 */
export async function demoCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, DEMO);
  if (typeof parsed === "number") return parsed;
  // src/mcp never imports the sandbox statically (docs/ARCHITECTURE.md): only this command loads it.
  const { startSandbox } = await import("../../sandbox/index.js");
  const { sandboxConnection, sandboxEnv } = await import("../../sandbox/connection.js");
  const sandbox = await startSandbox({ version: 19 });
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-demo-"));
  print("odoo-mcp demo — against the built-in SANDBOX (a fake Odoo 19 on this machine; not a real Odoo)");
  print(`  sandbox: ${sandbox.url}   data folder (audit log, approvals): ${dataDir}`);
  print();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...sandboxEnv(sandbox),
    ODOO_MCP_DATA_DIR: dataDir,
    ODOO_MCP_APPROVAL_WAIT_MS: "0",
    ODOO_MCP_LOG_LEVEL: "error",
    DRY_RUN: "false",
  };
  // The current protocol revision (2026-07-28), as a client of today connects: no fallback to 2025.
  const client = new Client(
    { name: "odoo-mcp-demo", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  const person = await createApp(loadConfig({ env, cwd: dataDir }), {
    logger: silentLogger,
    keychain: tryKeychain(silentLogger),
  });
  try {
    const odoo = createOdooClient(sandboxConnection(sandbox), { logger: silentLogger });
    await odoo.create("res.partner", { name: "Acme Corp", is_company: true, email: "billing@acme.example" });
    // What a person does once in Odoo (Settings > Users: "Show Full Accounting Features"): on Odoo 19 a fresh
    // database's admin may not bring in bank statements without it (odoo-recordings/19/19-bank-import).
    const [admin] = await odoo.searchRead("res.users", [["login", "=", "admin"]], ["id"]);
    const [fullAccounting] = await odoo.searchRead(
      "ir.model.data",
      [
        ["module", "=", "account"],
        ["name", "=", "group_account_user"],
      ],
      ["res_id"],
    );
    if (admin && fullAccounting)
      await odoo.write("res.users", [admin.id as number], { group_ids: [[4, fullAccounting.res_id]] });
    await odoo.close();
    step(
      0,
      'The sandbox has a customer, "Acme Corp" <billing@acme.example>; its admin has "Show Full Accounting Features".',
    );

    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [BIN, "serve"], env, stderr: "inherit" }),
    );
    const { tools } = await client.listTools();
    step(1, `An MCP client started \`odoo-mcp serve\` over stdio: ${tools.length} tools.`);

    const today = new Date().toISOString().slice(0, 10);
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const created = await call(client, "create_invoice", {
      customer_name: "Acme Corp",
      customer_email: "billing@acme.example",
      invoice_date: today,
      due_date: due,
      line_items: [
        { description: "Bookkeeping, November", quantity: 10, unit_price: 85 },
        { description: "Year-end review", quantity: 1, unit_price: 450.5 },
      ],
      tax_rate: 0.15,
      notes: "Payment within 30 days.",
    });
    step(
      2,
      `The agent asks create_invoice → ${created.status}, approval ${created.approval_id}`,
      created.summary,
    );

    await approve(person, String(created.approval_id));
    const invoice = await call(client, "get_approval", { approval_id: created.approval_id });
    const invoiceOutput = invoice.output as Record<string, unknown>;
    step(
      3,
      `A person approved it (what \`odoo-mcp approvals approve ${created.approval_id}\` does) → ${invoice.status}`,
      invoiceOutput,
    );

    const sent = await call(client, "send_invoice", { invoice_id: invoiceOutput.invoice_id });
    await approve(person, String(sent.approval_id));
    const sentResult = await call(client, "get_approval", { approval_id: sent.approval_id });
    step(4, `send_invoice → approved → ${sentResult.status}`, sentResult.output ?? sentResult.error);
    const sentOutput = (sentResult.output ?? {}) as Record<string, unknown>;

    // 40 % of the total, in cents (integer arithmetic: no float ever touches an amount we compute).
    const firstPart = minorToNumber((fromOdooAmount(invoiceOutput.total_amount, 2) * 40n) / 100n, 2);
    const paid = await call(client, "record_payment", {
      invoice_id: sentOutput.invoice_id ?? invoiceOutput.invoice_id,
      amount: firstPart,
      payment_date: today,
      payment_method: "bank_transfer",
      reference: "Acme transfer 1/2",
    });
    await approve(person, String(paid.approval_id));
    const paidResult = await call(client, "get_approval", { approval_id: paid.approval_id });
    step(
      5,
      `record_payment of ${firstPart} (40 %) → approved → ${paidResult.status}`,
      paidResult.output ?? paidResult.error,
    );

    const state = await call(client, "get_invoice", {
      invoice_id: sentOutput.invoice_id ?? invoiceOutput.invoice_id,
    });
    step(6, "get_invoice: what Odoo now holds", {
      invoice_id: state.invoice_id,
      state: state.state,
      payment_state: state.payment_state,
      total_amount: state.total_amount,
      amount_residual: state.amount_residual,
    });
    const year = today.slice(0, 4);
    const report = await call(client, "generate_report", {
      report_type: "profit_loss",
      start_date: `${year}-01-01`,
      end_date: `${year}-12-31`,
    });
    const reportData = report.data as Record<string, unknown>;
    step(
      7,
      `generate_report profit_loss ${year}: revenue ${reportData.revenue}, net income ${reportData.net_income}`,
    );

    // The other half of the books: a new vendor, their bill, posting it and paying it (money going out: a person).
    const vendor = await call(client, "create_partner", {
      name: "Northwind Office Supply",
      kind: "vendor",
      is_company: true,
      email: "invoices@northwind.example",
    });
    step(8, `create_partner → vendor ${vendor.name} (id ${vendor.id}), no approval: no money moves`);
    const bill = await call(client, "create_vendor_bill", {
      vendor: vendor.id,
      bill_date: today,
      due_date: due,
      vendor_reference: "NW-2041",
      lines: [
        { description: "Printer paper, 10 boxes", quantity: 10, unit_price: 24.9, tax_rate: 0.15 },
        { description: "Toner cartridge", quantity: 2, unit_price: 79, tax_rate: 0.15 },
      ],
    });
    step(9, `create_vendor_bill → draft ${bill.invoice_id}, total ${bill.total_amount} (Odoo's)`);
    const posted = await call(client, "post_invoice", { invoice_id: bill.invoice_id });
    step(10, `post_invoice → ${posted.status}: what the person reads first`, posted.summary);
    await approve(person, String(posted.approval_id));
    const postedResult = await call(client, "get_approval", { approval_id: posted.approval_id });
    const postedOutput = (postedResult.output ?? {}) as Record<string, unknown>;
    const billPaid = await call(client, "record_payment", {
      invoice_id: postedOutput.invoice_id ?? bill.invoice_id,
      amount: bill.total_amount,
      payment_date: today,
      payment_method: "bank_transfer",
      reference: "NW-2041",
    });
    await approve(person, String(billPaid.approval_id));
    const billPaidResult = await call(client, "get_approval", { approval_id: billPaid.approval_id });
    step(
      11,
      `post_invoice → ${postedResult.status}, then record_payment of the bill → ${billPaidResult.status}`,
      billPaidResult.output ?? billPaidResult.error,
    );
    const taxes = await call(client, "generate_report", {
      report_type: "tax_summary",
      start_date: `${year}-01-01`,
      end_date: `${year}-12-31`,
    });
    const taxDetails = ((taxes.data as Record<string, unknown>).details ?? {}) as Record<string, unknown>;
    step(
      12,
      `generate_report tax_summary ${year}: collected ${taxDetails.tax_collected}, paid ${taxDetails.tax_paid}, net due ${taxDetails.net_due}`,
    );

    // The bank: the month's statement arrives, its lines are matched with what they pay, a person approves.
    const totalMinor = fromOdooAmount(invoiceOutput.total_amount, 2);
    const firstMinor = (totalMinor * 40n) / 100n;
    const csv = [
      "Date,Amount,Label",
      `${today},${formatMinor(firstMinor, 2)},Acme Corp Acme transfer 1/2`,
      `${today},${formatMinor(totalMinor - firstMinor, 2)},Acme Corp ${sentOutput.invoice_id ?? invoiceOutput.invoice_id} balance`,
      `${today},-${formatMinor(fromOdooAmount(bill.total_amount, 2), 2)},Northwind Office Supply NW-2041`,
    ].join("\n");
    const imported = await call(client, "import_bank_statement", {
      journal: "Bank",
      content: csv,
      format: "csv",
      csv: { date: "Date", amount: "Amount", label: "Label" },
    });
    step(
      13,
      `import_bank_statement (a 3-line CSV) → ${imported.new} new, ${imported.duplicate} duplicate, no approval: no money moves`,
    );
    const again = await call(client, "import_bank_statement", {
      journal: "Bank",
      content: csv,
      format: "csv",
      csv: { date: "Date", amount: "Amount", label: "Label" },
    });
    step(14, `the same file again → ${again.new} new, ${again.duplicate} duplicate: nothing imported twice`);
    const proposed = await call(client, "propose_matches", { journal: "Bank" });
    const lines = (proposed.lines ?? []) as {
      statement_line_id: number;
      label: string;
      proposals: { pays: { kind: string; id: string; record_id: number }[]; reason: string }[];
    }[];
    step(
      15,
      "propose_matches: each bank line with what it pays",
      lines
        .map((line) => {
          const best = line.proposals[0];
          return `${line.label} → ${best ? `${best.pays.map((p) => p.id).join(" + ")} (${best.reason})` : "no proposal"}`;
        })
        .join("\n"),
    );
    const matches = lines.flatMap((line) => {
      const best = line.proposals[0];
      if (!best) return [];
      return [
        {
          statement_line_id: line.statement_line_id,
          invoice_ids: best.pays.filter((p) => p.kind === "invoice").map((p) => p.record_id),
          payment_ids: best.pays.filter((p) => p.kind === "payment").map((p) => p.record_id),
        },
      ];
    });
    const reconciling = await call(client, "reconcile_bank_lines", { matches });
    step(
      16,
      `reconcile_bank_lines (${matches.length} lines, one request) → ${reconciling.status}`,
      reconciling.summary,
    );
    await approve(person, String(reconciling.approval_id));
    const reconciled = await call(client, "get_approval", { approval_id: reconciling.approval_id });
    const outcome = ((reconciled.output as Record<string, unknown> | undefined)?.lines ?? []) as {
      statement_line_id: number;
      status: string;
      paid?: { id: string; amount: number }[];
    }[];
    step(
      17,
      `A person approved it → ${reconciled.status}`,
      outcome.length
        ? outcome
            .map(
              (l) =>
                `line ${l.statement_line_id}: ${l.status}, ${(l.paid ?? []).map((p) => `${p.id} ${p.amount}`).join(", ")}`,
            )
            .join("\n")
        : (reconciled.error ?? reconciled.output),
    );
    const settled = await call(client, "get_invoice", {
      invoice_id: sentOutput.invoice_id ?? invoiceOutput.invoice_id,
    });
    const balances = await call(client, "get_bank_balances", {});
    type Journal = {
      name: string;
      books: string;
      unreconciled: { count: number };
      incoming: { count: number };
      outgoing: { count: number };
    };
    const bank = ((balances.journals ?? []) as Journal[]).find((journal) => journal.name === "Bank");
    step(
      18,
      `get_invoice → ${settled.payment_state}, ${settled.amount_residual} due; get_bank_balances: Bank ${bank?.books}` +
        ` in the books, ${bank?.unreconciled?.count ?? "?"} lines to reconcile, ${bank?.incoming?.count ?? "?"}` +
        ` + ${bank?.outgoing?.count ?? "?"} payments in transit`,
    );
    print();
    const logDir = path.join(dataDir, "Logs");
    const logLines = (
      await Promise.all((await readdir(logDir)).map((file) => readFile(path.join(logDir, file), "utf8")))
    )
      .join("")
      .trim()
      .split("\n").length;
    print(`Every step is in the audit log (${logLines} lines), kept with the approvals in ${dataDir}`);
    const ok = [invoice, sentResult, paidResult, postedResult, billPaidResult, reconciled].every(
      (result) => result.status === "executed",
    );
    print(ok ? "Demo finished: all steps succeeded." : "Demo finished with a failed step (see above).");
    return ok ? 0 : 1;
  } finally {
    await client.close().catch(() => {});
    await person.close();
    await sandbox.close();
  }
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text =
      Array.isArray(result.content) && result.content[0]?.type === "text" ? result.content[0].text : "";
    throw new Error(`${name} failed: ${text}`);
  }
  return (result.structuredContent ?? {}) as Record<string, unknown>;
}

/**
 * The person's part. `odoo-mcp approvals approve ID` asks at a terminal (the request as Odoo sees it, then "y");
 * the demo has no person at a terminal, so it takes the same decision through the same approval core, in this
 * process, and runs it exactly as the command does.
 */
async function approve(person: App, id: string): Promise<void> {
  await person.approvals.decide(id, {
    decision: "approved",
    channel: "cli",
    actor: "the demo, in your place",
  });
  await person.approvals.execute(id);
}

function step(n: number, title: string, detail?: unknown): void {
  print(`${n}. ${title}`);
  if (detail !== undefined) {
    const text = typeof detail === "string" ? detail : JSON.stringify(detail, null, 2);
    for (const line of text.split("\n")) print(`     ${line}`);
  }
}
