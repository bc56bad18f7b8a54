/**
 * One fault test's world, in process: a fresh sandbox, the fault proxy in front of it, and the real server
 * (createApp + MCP client, tests/support/harness.ts) whose ODOO_URL is the proxy. The person approves through the
 * client's prompt (elicitation), so the tool call itself runs the approved write; `decidedAt` is the proxy's count
 * at that moment, so the requests after it are the execution's steps. `direct` reads Odoo past the proxy.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  createInvoiceOperation,
  postInvoiceOperation,
  recordPaymentOperation,
} from "../../src/mcp/accounting/index.js";
import { auditAnchorFor } from "../../src/mcp/audit/anchor.js";
import { type AuditEvent, createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { localDate } from "../../src/mcp/dates.js";
import { createOdooClient } from "../../src/mcp/odoo/index.js";
import type { Odoo } from "../../src/mcp/odoo/types.js";
import { sandboxConnection } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { applyRef, daysAgo } from "../accounting/helpers.js";
import { pdfBytes } from "../expenses/files.js";
import { type CallOutcome, type Harness, startHarness } from "../support/harness.js";
import { type FaultProxy, type Plan, startFaultProxy } from "./proxy.js";

export type Version = 17 | 18 | 19;

export interface World {
  sandbox: Sandbox;
  proxy: FaultProxy;
  h: Harness;
  direct: Odoo;
  /** The proxy's count when the person approved (-1: not yet). */
  decidedAt(): number;
  /** A plan that lets everything through until the decision, then `after` with steps counted from it. */
  afterDecision(after: (step: number, call: string) => ReturnType<Plan>): void;
  verifyAudit(): Promise<{ ok: boolean; lines: number; why: string }>;
  close(): Promise<void>;
}

export interface WorldOptions {
  /** Default: an in-memory one. The kill tests pass the OS keychain, which their server children share. */
  keychain?: Keychain;
  /**
   * `prompt` (default): the person approves through the client's prompt. `elsewhere`: the client has no prompt,
   * so a gated call answers `pending_approval` and the test decides (as the CLI or the app would).
   */
  person?: "prompt" | "elsewhere";
}

export async function startWorld(
  version: Version,
  env: Record<string, string> = {},
  options: WorldOptions = {},
): Promise<World> {
  const sandbox = await startSandbox({ version });
  const proxy = await startFaultProxy(sandbox.url);
  const keychain = options.keychain ?? createMemoryKeychain();
  let decided = -1;
  const h = await startHarness({
    sandbox,
    keychain,
    // The person approves in the chat, over and over on one customer: the chat's limits are out of the way here
    // (they are tested in tests/redteam/chat-prompt.test.ts).
    env: {
      ODOO_URL: proxy.url,
      ODOO_MCP_ELICITATION_MAX_AMOUNT: "1000000",
      ODOO_MCP_ELICITATION_DAILY_COUNT: "1000000",
      ODOO_MCP_ELICITATION_DAILY_TOTAL: "1000000000",
      ...env,
    },
    ...(options.person === "elsewhere"
      ? {}
      : {
          elicitation: () => {
            decided = proxy.count();
            return "approve" as const;
          },
        }),
  });
  const direct = createOdooClient(sandboxConnection(sandbox));
  return {
    sandbox,
    proxy,
    h,
    direct,
    decidedAt: () => decided,
    afterDecision(after) {
      decided = -1;
      proxy.setPlan(({ n, call }) =>
        decided < 0 || n <= decided ? { kind: "pass" } : after(n - decided, call),
      );
    },
    async verifyAudit() {
      const anchor = await auditAnchorFor(keychain, { dataDir: h.dataDir });
      const report = await createAuditLog(h.dataDir, anchor ? { anchor } : {}).verify();
      return {
        ok: report.ok && report.keyed,
        lines: report.lines,
        why: `keyed ${report.keyed}, anchored ${report.anchored}; ${JSON.stringify(report.problems.slice(0, 3))}`,
      };
    },
    async close() {
      proxy.setPlan(null);
      await h.close();
      await direct.close();
      await proxy.close();
      await sandbox.close();
    },
  };
}

/** What Odoo holds of one write, read past the proxy. */
export interface Effects {
  /** One line for the table. */
  text: string;
  /** Records made twice (must stay empty). */
  duplicates: string[];
  /** The write's whole effect is there. */
  complete: boolean;
  /** Nothing of it is there. */
  none: boolean;
}

export interface WriteCase {
  tool:
    | "create_invoice"
    | "post_invoice"
    | "send_invoice"
    | "record_payment"
    | "create_expense"
    | "create_credit_note";
  /**
   * Money going out: never approved through the client's prompt, so only a test where the person decides
   * elsewhere (kill.test.ts) runs it; and Odoo 19 only (its flow is recorded there alone).
   */
  moneyOut?: true;
  /** Fixtures made directly in Odoo; the tool's arguments and how to read its effects. */
  setup(w: World, n: number): Promise<{ args: Record<string, unknown>; effects(): Promise<Effects> }>;
}

let unique = 0;
const uniqueName = (base: string) => `${base} ${process.pid}-${++unique}`;

async function customer(odoo: Odoo, email: string): Promise<{ id: number; name: string }> {
  const name = uniqueName("Fault Customer");
  const id = await odoo.create("res.partner", { name, is_company: true, email });
  return { id, name };
}

function invoiceInput(name: string, email: string) {
  return {
    customer_name: name,
    customer_email: email,
    invoice_date: daysAgo(5),
    due_date: daysAgo(-25),
    line_items: [
      { description: "Consulting", quantity: 4, unit_price: 120 },
      { description: "Travel", quantity: 1, unit_price: 35.5 },
    ],
    tax_rate: 0.15,
  };
}

async function draft(odoo: Odoo, name: string, email: string): Promise<string> {
  const input = invoiceInput(name, email);
  return (
    await createInvoiceOperation.apply(odoo, input, applyRef(await createInvoiceOperation.mark(odoo, input)))
  ).invoice_id;
}

const moves = (odoo: Odoo, partnerId: number) =>
  odoo.searchRead(
    "account.move",
    [
      ["partner_id", "=", partnerId],
      ["move_type", "=", "out_invoice"],
    ],
    ["state", "is_move_sent", "amount_residual", "name"],
  );

export const WRITE_CASES: WriteCase[] = [
  {
    tool: "create_invoice",
    async setup(w) {
      const email = "billing@fault.example";
      const c = await customer(w.direct, email);
      return {
        args: invoiceInput(c.name, email),
        async effects() {
          const rows = await moves(w.direct, c.id);
          return {
            text: `${rows.length} invoice(s): ${rows.map((r) => r.state).join(", ") || "none"}`,
            duplicates: rows.length > 1 ? [`${rows.length} invoices`] : [],
            complete: rows.length === 1 && rows[0]?.state === "draft",
            none: rows.length === 0,
          };
        },
      };
    },
  },
  {
    tool: "post_invoice",
    async setup(w) {
      const email = "post@fault.example";
      const c = await customer(w.direct, email);
      const invoiceId = await draft(w.direct, c.name, email);
      return {
        args: { invoice_id: invoiceId },
        async effects() {
          const rows = await moves(w.direct, c.id);
          const posted = rows.filter((r) => r.state === "posted").length;
          return {
            text: `${rows.length} invoice(s), ${posted} posted`,
            duplicates: rows.length > 1 ? [`${rows.length} invoices`] : [],
            complete: rows.length === 1 && posted === 1,
            none: posted === 0,
          };
        },
      };
    },
  },
  {
    tool: "send_invoice",
    async setup(w) {
      const email = "send@fault.example";
      const c = await customer(w.direct, email);
      const invoiceId = await draft(w.direct, c.name, email); // a draft: posted, then emailed
      const [move] = await moves(w.direct, c.id);
      return {
        args: { invoice_id: invoiceId },
        async effects() {
          const rows = await moves(w.direct, c.id);
          // The emails sent: messages with the invoice's PDF (the approval notes carry none).
          const mails = (
            await w.direct.searchRead(
              "mail.message",
              [
                ["model", "=", "account.move"],
                ["res_id", "=", Number(move?.id)],
              ],
              ["attachment_ids"],
            )
          ).filter((m) => Array.isArray(m.attachment_ids) && m.attachment_ids.length > 0);
          const row = rows[0];
          return {
            text: `invoice ${row?.state}${row?.is_move_sent ? ", marked sent" : ", not sent"}, ${mails.length} email(s)`,
            duplicates: [
              ...(mails.length > 1 ? [`${mails.length} emails`] : []),
              ...(rows.length > 1 ? ["invoices"] : []),
            ],
            complete: row?.state === "posted" && row?.is_move_sent === true && mails.length === 1,
            none: row?.state === "draft" && mails.length === 0,
          };
        },
      };
    },
  },
  {
    tool: "record_payment",
    async setup(w) {
      const email = "pay@fault.example";
      const c = await customer(w.direct, email);
      const invoiceId = await draft(w.direct, c.name, email);
      const { invoice_id } = await postInvoiceOperation.apply(
        w.direct,
        { invoice_id: invoiceId },
        applyRef(),
      );
      return {
        args: { invoice_id, amount: 100, payment_date: daysAgo(1), payment_method: "bank_transfer" },
        async effects() {
          const payments = await w.direct.searchRead(
            "account.payment",
            [["partner_id", "=", c.id]],
            ["state", "amount"],
          );
          const [row] = await moves(w.direct, c.id);
          return {
            text: `${payments.length} payment(s) ${payments.map((p) => `${p.amount} ${p.state}`).join(", ")}; invoice residual ${row?.amount_residual}`,
            duplicates: payments.length > 1 ? [`${payments.length} payments`] : [],
            complete: payments.length === 1,
            none: payments.length === 0,
          };
        },
      };
    },
  },
  {
    tool: "create_expense",
    async setup(w, n) {
      const description = uniqueName(`Hotel night ${n}`);
      const receipt = path.join(w.h.dataDir, `receipt-${n}.pdf`);
      await writeFile(receipt, pdfBytes());
      return {
        args: {
          description,
          amount: 150,
          expense_date: daysAgo(2),
          category: "EXP_GEN",
          receipt_path: receipt,
        },
        async effects() {
          const rows = await w.direct.searchRead("hr.expense", [["name", "=", description]], ["state"]);
          const ids = rows.map((r) => Number(r.id));
          const attachments =
            ids.length === 0
              ? 0
              : await w.direct.searchCount("ir.attachment", [
                  ["res_model", "=", "hr.expense"],
                  ["res_id", "in", ids],
                ]);
          return {
            text: `${rows.length} expense(s) ${rows.map((r) => r.state).join(", ")}, ${attachments} receipt(s)`,
            duplicates: [
              ...(rows.length > 1 ? [`${rows.length} expenses`] : []),
              ...(attachments > 1 ? [`${attachments} receipts`] : []),
            ],
            complete: rows.length === 1 && attachments === 1 && rows[0]?.state !== "draft",
            none: rows.length === 0,
          };
        },
      };
    },
  },
  {
    // A paid invoice credited in part and refunded: the wizard's draft, its lines, its posting, the refund.
    tool: "create_credit_note",
    moneyOut: true,
    async setup(w) {
      const email = "credit@fault.example";
      const c = await customer(w.direct, email);
      const invoiceId = await draft(w.direct, c.name, email);
      const { invoice_id } = await postInvoiceOperation.apply(
        w.direct,
        { invoice_id: invoiceId },
        applyRef(),
      );
      await recordPaymentOperation.apply(
        w.direct,
        { invoice_id, amount: 592.83, payment_date: daysAgo(2), payment_method: "bank_transfer" },
        applyRef(),
      );
      return {
        args: {
          invoice_id,
          reason: "Travel not taken",
          date: daysAgo(1),
          lines: { Travel: 1 },
          refund: true,
        },
        async effects() {
          const notes = await w.direct.searchRead(
            "account.move",
            [
              ["partner_id", "=", c.id],
              ["move_type", "=", "out_refund"],
            ],
            ["state", "amount_total", "amount_residual"],
          );
          const refunds = await w.direct.searchRead(
            "account.payment",
            [
              ["partner_id", "=", c.id],
              ["payment_type", "=", "outbound"],
            ],
            ["amount"],
          );
          const note = notes[0];
          return {
            text: `${notes.length} credit note(s) ${notes.map((n) => `${n.amount_total} ${n.state}`).join(", ")}; ${refunds.length} refund(s)`,
            duplicates: [
              ...(notes.length > 1 ? [`${notes.length} credit notes`] : []),
              ...(refunds.length > 1 ? [`${refunds.length} refunds`] : []),
            ],
            complete:
              notes.length === 1 &&
              note?.state === "posted" &&
              note.amount_total === 40.83 &&
              note.amount_residual === 0 &&
              refunds.length === 1,
            none: notes.length === 0,
          };
        },
      };
    },
  },
];

/** The tool's answer in a few words: its status (and ids), or its error code. */
export function describeAnswer(outcome: CallOutcome): string {
  if (outcome.isError) return `error ${outcome.error?.code}`;
  const d = outcome.data;
  const warnings =
    Array.isArray(d.warnings) && d.warnings.length > 0 ? ` (${d.warnings.length} warning(s))` : "";
  return `${String(d.status)}${warnings}`;
}

/** The audit events of one approval, today, as `event:result` in order. */
export async function auditTrail(w: World, approvalId: string): Promise<AuditEvent[]> {
  return (await w.h.app.audit.read(localDate(new Date()))).filter((e) => e.approval_id === approvalId);
}

export function trailText(events: AuditEvent[]): string {
  return events.map((e) => `${e.event}:${e.result}`).join(" → ");
}
