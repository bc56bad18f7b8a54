/**
 * Hostile input, property-based: over ten thousand generated calls across every tool of `allTools`, through
 * the real server (in memory) against the sandbox. Every call must end, within a time bound, in the tool's
 * output schema or a documented error code other than INTERNAL_ERROR; nothing may reach Odoo's books without an
 * approval; no answer carries a secret; the server still answers a plain call afterwards.
 *
 * The seed is printed at the start; FUZZ_SEED=<n> replays a run (fast-check prints the shrunk counterexample).
 */

import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/mcp/errors.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { pngBytes } from "../expenses/files.js";
import { filesUnder, fileTexts, type Secret, scanText } from "../secrets/scan.js";
import {
  type CallOutcome,
  type Harness,
  INVOICE_INPUT,
  seedCustomer,
  startHarness,
} from "../support/harness.js";
import { awkwardAmount, nastyString } from "./arbitraries.js";
import { fuzzSeed } from "./seed.js";
import { bigCases, type Refs, recentDates, toolArbitraries } from "./tools.js";

/** Generated calls per tool; cheap ones (refused by the schema or by one look-up) get more. */
const RUNS: Record<string, number> = {
  create_invoice: 1500,
  send_invoice: 1000,
  record_payment: 1200,
  post_invoice: 800,
  create_expense: 1500,
  create_draft_invoice: 800,
  create_partner: 600,
  create_vendor_bill: 800,
  generate_report: 600,
  find_partners: 1000,
  list_invoices: 800,
  get_invoice: 800,
  list_journals: 300,
  list_taxes: 300,
  list_expense_categories: 200,
  get_approval: 800,
  list_approvals: 400,
  create_credit_note: 800,
  import_bank_statement: 600,
  propose_matches: 300,
  reconcile_bank_lines: 800,
  unreconcile_bank_line: 300,
  list_overdue: 300,
  send_reminder: 600,
  get_bank_balances: 200,
};
const CALL_BOUND_MS = 10_000;
const seed = fuzzSeed("hostile/fuzz");

const CODES = new Set<string>(ERROR_CODES);
const byName = new Map(allTools.map((tool) => [tool.name, tool]));

let h: Harness;
let sandbox: Sandbox;
let refs: Refs;
let receiptDir: string;
let secrets: Secret[];
let calls = 0;
/** tool → outcome (status or error code) → count: shows how deep the generated calls reach. */
const tally: Record<string, Record<string, number>> = {};
const draftBills: number[] = [];
const partnersCreated: number[] = [];
/** Statement lines import_bank_statement created (no approval: no money moves): each one posted entry. */
let statementLines = 0;

async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CALL_BOUND_MS} ms: ${what}`)),
      CALL_BOUND_MS,
    );
  });
  try {
    return await Promise.race([promise, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function short(value: unknown): string {
  const text = (() => {
    try {
      return String(JSON.stringify(value));
    } catch {
      return String(value);
    }
  })();
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

function count(tool: string, kind: string): void {
  const row = tally[tool] ?? {};
  row[kind] = (row[kind] ?? 0) + 1;
  tally[tool] = row;
}

/** The one verdict every call must pass. */
async function callChecked(tool: string, input: unknown): Promise<CallOutcome> {
  calls++;
  const isRecord = typeof input === "object" && input !== null && !Array.isArray(input);
  let outcome: CallOutcome;
  try {
    outcome = await within(h.call(tool, input), `${tool} ${short(input)}`);
  } catch (error) {
    // Arguments that are not an object break MCP's own request schema: the SDK answers a JSON-RPC error
    // before any tool runs. Anything else thrown is a failure.
    if (!isRecord && error instanceof McpError) {
      count(tool, "json-rpc error");
      return { isError: true, data: {}, text: error.message };
    }
    throw error;
  }
  const kind = outcome.isError ? String(outcome.error?.code) : String(outcome.data.status ?? "ok");
  count(tool, kind);
  const where = `${tool} ${short(input)} → ${outcome.text.slice(0, 400)}`;
  expect(scanText(tool, [outcome.text], secrets), `secret in the answer: ${where}`).toEqual([]);
  if (outcome.isError) {
    expect(CODES.has(String(outcome.error?.code)), `undocumented code: ${where}`).toBe(true);
    expect(outcome.error?.code, `a crash: ${where}`).not.toBe("INTERNAL_ERROR");
    expect(typeof outcome.error?.message, where).toBe("string");
  } else {
    const definition = byName.get(tool);
    const parsed = definition?.output.safeParse(outcome.data);
    expect(parsed?.success, `answer outside the output schema: ${where}`).toBe(true);
    if (tool === "create_draft_invoice" || tool === "create_vendor_bill")
      draftBills.push(Number(outcome.data.record_id));
    if (tool === "create_partner") partnersCreated.push(Number(outcome.data.id));
    if (tool === "import_bank_statement") statementLines += Number(outcome.data.new);
    if (tool === "find_partners") await literalMatches(input as { query: string }, outcome.data, where);
    if (tool === "list_invoices") {
      const partner = String((input as { partner?: string } | undefined)?.partner ?? "").trim();
      for (const invoice of outcome.data.invoices as { partner: { name: string } | null }[])
        if (partner)
          expect(contains(invoice.partner?.name ?? "", partner), `matched what it should not: ${where}`).toBe(
            true,
          );
    }
  }
  return outcome;
}

/** A price with at most two decimals as written (the company's currency has two): what Odoo keeps as is. */
const inCents = (price: number) => /^\d+(\.\d{1,2})?$/.test(String(price));

const contains = (text: string, part: string) =>
  text.toLowerCase().includes(part.toLowerCase()) || text.toUpperCase().includes(part.toUpperCase());

/** find_partners' answers contain the query, literally (no LIKE wildcard, no domain operator, acts on it). */
async function literalMatches(input: { query: string }, data: Record<string, unknown>, where: string) {
  const query = input.query.trim();
  if (!query) return;
  for (const partner of data.partners as { id: number; name: string; email: string | null }[]) {
    if (contains(partner.name, query) || contains(partner.email ?? "", query)) continue;
    const [row] = await h.app.odoo.read("res.partner", [partner.id], ["ref"]);
    expect(contains(String(row?.ref || ""), query), `matched what it should not: ${where}`).toBe(true);
  }
}

/** What is in Odoo's books: any write shows here. */
async function books(): Promise<Record<string, number>> {
  const count = (model: string, domain: unknown[] = []) =>
    h.app.odoo.searchCount(model, domain as never).catch(() => -1);
  const out: Record<string, number> = {};
  for (const type of ["out_invoice", "out_refund", "in_invoice", "in_refund", "entry"]) {
    for (const state of ["draft", "posted", "cancel"])
      out[`${type}/${state}`] = await count("account.move", [
        ["move_type", "=", type],
        ["state", "=", state],
      ]);
  }
  out.sent = await count("account.move", [["is_move_sent", "=", true]]);
  out["account.move.line"] = await count("account.move.line");
  out["account.payment"] = await count("account.payment");
  out["account.partial.reconcile"] = await count("account.partial.reconcile");
  out["res.partner"] = await count("res.partner");
  out["hr.expense"] = await count("hr.expense");
  out["hr.expense.sheet"] = await count("hr.expense.sheet");
  out["ir.attachment"] = await count("ir.attachment");
  out["mail.mail"] = await count("mail.mail");
  out["mail.message"] = await count("mail.message");
  return out;
}

async function setUp(version: 17 | 19): Promise<void> {
  calls = 0;
  draftBills.length = 0;
  partnersCreated.length = 0;
  statementLines = 0;
  for (const key of Object.keys(tally)) delete tally[key];
  receiptDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-hostile-"));
  const receiptPath = path.join(receiptDir, "receipt.png");
  await writeFile(receiptPath, pngBytes());
  // A higher cap of waiting requests than the default, so that many generated calls reach the approval store
  // (the cap itself, TOO_MANY_PENDING, is still reached).
  // Credentials that cannot occur by chance in an answer (the sandbox's default password is "admin").
  sandbox = await startSandbox({
    version,
    apiKey: `key-${randomBytes(12).toString("hex")}`,
    password: `pw-${randomBytes(12).toString("hex")}`,
  });
  h = await startHarness({
    sandbox,
    env: { ODOO_MCP_MAX_PENDING: "150", ODOO_MCP_MAX_PENDING_TOTAL: "150" },
  });
  secrets = [
    { name: "API key", value: sandbox.apiKey },
    { name: "password", value: sandbox.password },
  ];
  const customers = [
    "Acme Corp",
    "100% Natural",
    "Under_Score Ltd",
    "O'Brien & Sons | Ltd",
    "Zeta \u202eCorp",
  ];
  const emails = [
    "billing@acme.example",
    "pct@natural.example",
    "us@under.example",
    "ob@sons.example",
    "z@zeta.example",
  ];
  const partnerIds: number[] = [];
  for (const [i, name] of customers.entries()) partnerIds.push(await seedCustomer(h, name, emails[i]));
  // Invoices the real way: a draft, one posted and sent, one posted and partly paid; each approved by a person.
  const approvalIds: string[] = [];
  const gatedApproved = async (tool: string, input: unknown) => {
    const answer = await h.call(tool, input);
    expect(answer.data.status, answer.text).toBe("pending_approval");
    approvalIds.push(String(answer.data.approval_id));
    await h.approve(answer.data.approval_id);
    const record = await h.app.approvals.get(String(answer.data.approval_id));
    expect(record?.status).toBe("executed");
    const outcome = record?.outcome as { output: Record<string, unknown> } | undefined;
    return outcome?.output ?? {};
  };
  const draft = await gatedApproved("create_invoice", INVOICE_INPUT);
  const toSend = await gatedApproved("create_invoice", INVOICE_INPUT);
  const sent = await gatedApproved("send_invoice", { invoice_id: toSend.invoice_id });
  const toPay = await gatedApproved("create_invoice", {
    ...INVOICE_INPUT,
    customer_name: "100% Natural",
    customer_email: "pct@natural.example",
  });
  const posted = await gatedApproved("post_invoice", { invoice_id: toPay.invoice_id });
  await gatedApproved("record_payment", {
    invoice_id: posted.invoice_id,
    amount: 33.33,
    payment_date: recentDates()[3],
    payment_method: "bank_transfer",
  });
  const pending = await h.call("post_invoice", { invoice_id: draft.invoice_id });
  approvalIds.push(String(pending.data.approval_id));
  const rejected = await h.call("send_invoice", { invoice_id: posted.invoice_id });
  await h.reject(rejected.data.approval_id, "no");
  approvalIds.push(String(rejected.data.approval_id));
  refs = {
    customers,
    emails,
    invoices: [String(draft.invoice_id), String(sent.invoice_id), String(posted.invoice_id)],
    partnerIds,
    approvalIds,
    receiptPath,
    recentDates: recentDates(),
  };
}

/** Odoo 19 (JSON-2) gets every generated call; Odoo 17 (JSON-RPC, expense reports) a quarter as many. */
describe.each([
  [19, 1],
  [17, 0.25],
] as const)("hostile input to every tool, Odoo %i", (version, share) => {
  const runs = (tool: string) => Math.round((RUNS[tool] ?? 0) * share);
  beforeAll(() => setUp(version), 60_000);
  afterAll(async () => {
    await h?.close();
    await sandbox?.close();
    await rm(receiptDir, { recursive: true, force: true });
  });

  it("covers every tool of allTools", () => {
    expect(Object.keys(toolArbitraries(refs)).sort()).toEqual(allTools.map((tool) => tool.name).sort());
    expect(Object.keys(RUNS).sort()).toEqual(allTools.map((tool) => tool.name).sort());
    expect(Object.values(RUNS).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
  });

  it("approved invoices with awkward amounts and hostile text: Odoo holds what the person was shown", async () => {
    const description = nastyString
      .map((text) => text.trim())
      .filter((text) => text.length > 0 && !text.includes("\u0000"));
    const line = fc.record({
      description,
      quantity: fc.oneof(
        fc.constantFrom(0.5, 1, 3, 33.33, 0.01, 2.5, 1000),
        fc.integer({ min: 1, max: 100_000 }).map((n) => n / 100),
      ),
      unit_price: fc.oneof(awkwardAmount, fc.constantFrom(33.33, 0.01, 99.99, 1234.56)),
    });
    // Each case, either way: a price in cents is asked for, approved and made as shown; any other is refused,
    // naming the price (Odoo would round it). The two examples run first, whatever the seed draws.
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(undefined, 0.15),
        async (lines, taxRate) => {
          const input = {
            ...INVOICE_INPUT,
            line_items: lines,
            ...(taxRate !== undefined ? { tax_rate: taxRate } : {}),
          };
          const answer = await callChecked("create_invoice", input);
          const uncents = lines.findIndex((l) => !inCents(l.unit_price));
          if (uncents >= 0) {
            expect(answer.error?.code, answer.text).toBe("VALIDATION_ERROR");
            expect(answer.error?.message).toContain(`line_items[${uncents}].unit_price`);
            return;
          }
          expect(answer.data.status, answer.text).toBe("pending_approval");
          const id = String(answer.data.approval_id);
          const shown = (await h.app.approvals.get(id))?.meta.amount;
          await h.approve(id);
          const record = await h.app.approvals.get(id);
          expect(record?.status, JSON.stringify(record?.outcome)).toBe("executed");
          const output = (record?.outcome as { output: Record<string, unknown> } | undefined)?.output ?? {};
          expect(Number(shown).toFixed(2), `shown ${shown}, Odoo ${output.total_amount}`).toBe(
            Number(output.total_amount).toFixed(2),
          );
          const stored = await h.app.odoo.searchRead(
            "account.move.line",
            [
              ["move_id", "=", Number(output.record_id)],
              ["display_type", "=", "product"],
            ],
            ["name", "quantity", "price_unit"],
            { order: "id" },
          );
          expect(stored.map((row) => row.name)).toEqual(lines.map((l) => l.description));
          expect(stored.map((row) => row.quantity)).toEqual(lines.map((l) => l.quantity));
        },
      ),
      {
        numRuns: Math.round(200 * share),
        seed,
        examples: [
          [[{ description: "Consulting", quantity: 3, unit_price: 33.33 }], 0.15],
          [[{ description: "Consulting", quantity: 1, unit_price: 2.675 }], undefined],
        ],
      },
    );
  }, 120_000);

  it("ten thousand generated calls (a quarter on Odoo 17): documented answers only, no write without approval, no secret", async () => {
    const before = await books();
    const approvalsBefore = new Set((await h.app.approvals.list()).map((record) => record.id));
    const arbitraries = toolArbitraries(refs);
    const started = Date.now();
    const callsBefore = calls;
    const timing: Record<string, number> = {};
    for (const tool of allTools) {
      const t0 = Date.now();
      await fc.assert(
        fc.asyncProperty(arbitraries[tool.name] as fc.Arbitrary<unknown>, async (input) => {
          await callChecked(tool.name, input);
        }),
        { numRuns: runs(tool.name), seed },
      );
      timing[tool.name] = Date.now() - t0;
    }
    const elapsed = Date.now() - started;
    if (process.env.HOSTILE_TALLY)
      process.stderr.write(
        `hostile: ${calls} calls in ${elapsed} ms ${JSON.stringify({ timing, tally }, null, 1)}\n`,
      );
    expect(calls - callsBefore).toBeGreaterThanOrEqual(10_000 * share);

    // What reached the books: only what was approved (the policy's automatic approvals of small expenses
    // are decisions too, channel "auto", actor "policy"), the draft bills create_draft_invoice and create_vendor_bill
    // document and the partners create_partner does.
    const after = await books();
    const fresh = (await h.app.approvals.list()).filter((record) => !approvalsBefore.has(record.id));
    const executed = fresh.filter((record) => record.status === "executed");
    for (const record of executed) {
      expect(record.tool, `executed without a person: ${record.id}`).toBe("create_expense");
      expect(record.decision).toMatchObject({ channel: "auto", actor: "policy" });
      expect(Number(record.meta.amount)).toBeLessThan(100); // the default threshold
    }
    const delta = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    expect(delta("in_invoice/draft")).toBe(draftBills.length);
    for (const key of Object.keys(after)) {
      if (
        [
          "in_invoice/draft",
          "account.move.line",
          "hr.expense",
          "hr.expense.sheet",
          "ir.attachment",
          "mail.message",
          "res.partner",
          "entry/posted",
        ].includes(key)
      )
        continue;
      expect(delta(key), `${key} changed without an approval`).toBe(0);
    }
    expect(delta("hr.expense")).toBe(executed.length);
    expect(delta("res.partner")).toBe(partnersCreated.length);
    expect(delta("entry/posted")).toBe(statementLines);
  }, 300_000);

  it("megabyte strings and ten-thousand-item arrays are refused with a documented code", async () => {
    for (const [tool, input] of bigCases(refs)) {
      const outcome = await callChecked(tool, input);
      expect(outcome.isError, `${tool} accepted ${short(input)}`).toBe(true);
    }
  }, 60_000);

  it("left no credential in the data folder (audit log, approval store, reports)", async () => {
    const files = await filesUnder(h.dataDir);
    expect(files.length).toBeGreaterThan(10);
    const findings = files.flatMap(({ file, bytes }) => scanText(file, fileTexts(bytes), secrets));
    expect(findings).toEqual([]);
  });

  it("still answers a plain call afterwards", async () => {
    const outcome = await callChecked("find_partners", { query: "Acme" });
    expect(outcome.isError).toBe(false);
    expect((outcome.data.partners as { name: string }[]).map((p) => p.name)).toContain("Acme Corp");
  });
});
