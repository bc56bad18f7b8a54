/**
 * Exactly-once that rests on Odoo: an agent with file tools may rewind the data folder (the approval file back
 * to "approved" with no execution, its journal lines removed). The executor asks Odoo before every apply, and
 * Odoo's records carry the approval id, so a rewound approval answers its first effect instead of repeating it.
 * Also: a replay after a crash between the Odoo write and the local record, with no marker recorded at all.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createInvoiceOperation,
  postInvoiceOperation,
  writeOperations,
} from "../../src/mcp/accounting/index.js";
import {
  drainQueue,
  type ExecutionOutcome,
  type ExecutorDeps,
  executeApproval,
} from "../../src/mcp/approvals/executor.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { type ApprovalStore, JOURNAL_FILE } from "../../src/mcp/approvals/store.js";
import { createAuditLog } from "../../src/mcp/audit/audit-log.js";
import { createOfflineQueue } from "../../src/mcp/queue/offline-queue.js";
import {
  applyRef,
  createCustomer,
  daysAgo,
  startTestOdoo,
  type TestOdoo,
  uniqueName,
  VERSIONS,
} from "../accounting/helpers.js";
import { pdfBytes, type TempFiles, tempFiles } from "../expenses/files.js";

describe.each(VERSIONS)("rewinding the data folder on Odoo %i", (version) => {
  let t: TestOdoo;
  let files: TempFiles;
  let dataDir: string;
  let deps: ExecutorDeps & { store: ApprovalStore };
  beforeAll(async () => {
    t = await startTestOdoo(version);
    files = await tempFiles();
  });
  afterAll(async () => {
    await t?.close();
    await files?.close();
  });
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-rewind-"));
    deps = {
      // Passphrase mode (no keychain): nothing local can tell a rewind, so the Odoo check alone must hold.
      store: await openApprovalStore({ dataDir, keychain: null, pollMs: 10 }),
      queue: createOfflineQueue(dataDir),
      audit: createAuditLog(dataDir),
      odoo: t.odoo,
      operations: writeOperations,
    };
    return () => rm(dataDir, { recursive: true, force: true });
  });

  async function approved(tool: string, args: unknown): Promise<string> {
    const record = await deps.store.create({
      tool,
      args,
      meta: { target: tool },
      ttlMs: 3_600_000,
    });
    await deps.store.decide(record.id, { decision: "approved", channel: "cli", actor: "tester" });
    return record.id;
  }

  /** What an agent with file tools does: the request back to approved, no execution, its journal lines gone. */
  async function rewind(id: string): Promise<void> {
    // A completed request lies in the archive (approvals/archive/YYYY-MM/): moved back among the active ones.
    const file = path.join(dataDir, "approvals", `${id}.json`);
    const archive = path.join(dataDir, "approvals", "archive");
    const [month] = await readdir(archive);
    const archived = path.join(archive, month!, `${id}.json`);
    const record = JSON.parse(await readFile(archived, "utf8")) as Record<string, unknown>;
    record.status = "approved";
    delete record.execution;
    delete record.outcome;
    delete record.completedAt;
    await writeFile(file, JSON.stringify(record, null, 2));
    await rm(archived);
    // Without a keychain the journal's chain is plain hashes and nothing remembers its head: deleting it whole
    // leaves nothing locally to tell.
    await rm(path.join(dataDir, "approvals", JOURNAL_FILE), { force: true });
    const forgotten = await deps.store.get(id);
    expect(forgotten?.status).toBe("approved");
    expect(forgotten?.execution).toBeUndefined();
    expect(await deps.store.verifyForExecution(forgotten!)).toEqual([]);
  }

  function outputOf(outcome: ExecutionOutcome): Record<string, unknown> {
    expect(outcome.status, JSON.stringify(outcome)).toBe("executed");
    return (outcome as { output: Record<string, unknown> }).output;
  }

  async function customerInvoiceInput() {
    const name = uniqueName("Rewind Customer GmbH");
    await createCustomer(t.odoo, name, "ap@rewind-customer.example");
    return {
      customer_name: name,
      customer_email: "ap@rewind-customer.example",
      invoice_date: daysAgo(10),
      due_date: daysAgo(-20),
      line_items: [{ description: "Consulting", quantity: 3, unit_price: 120 }],
      tax_rate: 0.15,
    };
  }

  async function postedInvoice(): Promise<string> {
    const input = await customerInvoiceInput();
    const created = await createInvoiceOperation.apply(t.odoo, input, applyRef());
    return (await postInvoiceOperation.apply(t.odoo, { invoice_id: created.invoice_id }, applyRef()))
      .invoice_id;
  }

  it("record_payment: run, rewound, run again: one payment in Odoo, the first run's output", async () => {
    const invoiceId = await postedInvoice();
    const args = {
      invoice_id: invoiceId,
      amount: 100,
      payment_date: daysAgo(1),
      payment_method: "bank_transfer",
    };
    const id = await approved("record_payment", args);
    const first = outputOf(await executeApproval(deps, id));
    const paymentsBefore = await t.odoo.searchCount("account.payment", []);

    await rewind(id);
    const second = outputOf(await executeApproval(deps, id));
    expect(second).toEqual({ ...first, created_at: second.created_at });
    expect(second.created_at).toBe(first.created_at);
    expect(await t.odoo.searchCount("account.payment", [])).toBe(paymentsBefore);
    const [invoice] = await t.odoo.searchRead(
      "account.move",
      [["name", "=", invoiceId]],
      ["amount_residual"],
    );
    expect(invoice?.amount_residual).toBe(314); // 414 − 100, once
    expect((await deps.store.get(id))?.status).toBe("executed");
  });

  it("create_invoice: run, rewound, run again: one invoice in Odoo, the first run's output", async () => {
    const args = await customerInvoiceInput();
    const id = await approved("create_invoice", args);
    const first = outputOf(await executeApproval(deps, id));
    const movesBefore = await t.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);

    await rewind(id);
    const second = outputOf(await executeApproval(deps, id));
    expect(second).toEqual(first);
    expect(await t.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(movesBefore);
    // The note that ties the invoice to its approval is an internal note on its chatter, not on the PDF.
    const notes = await t.odoo.searchRead(
      "mail.message",
      [
        ["model", "=", "account.move"],
        ["res_id", "=", Number(first.record_id)],
        ["body", "ilike", id],
      ],
      ["subtype_id", "message_type"],
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]?.subtype_id).toEqual([2, "Note"]);
  });

  it("create_expense: run, rewound, run again: one expense in Odoo, the first run's output", async () => {
    const receipt = await files.write(`rewind-${version}.pdf`, pdfBytes());
    const args = {
      description: "Rewind taxi",
      amount: 31.2,
      expense_date: daysAgo(1),
      category: "EXP_GEN",
      receipt_path: receipt,
    };
    const id = await approved("create_expense", args);
    const first = outputOf(await executeApproval(deps, id));
    const expensesBefore = await t.odoo.searchCount("hr.expense", []);
    const attachmentsBefore = await t.odoo.searchCount("ir.attachment", [["res_model", "=", "hr.expense"]]);

    await rewind(id);
    const second = outputOf(await executeApproval(deps, id));
    expect(second).toEqual(first);
    expect(await t.odoo.searchCount("hr.expense", [])).toBe(expensesBefore);
    expect(await t.odoo.searchCount("ir.attachment", [["res_model", "=", "hr.expense"]])).toBe(
      attachmentsBefore,
    );
    const [expense] = await t.odoo.read("hr.expense", [Number(first.record_id)], ["description"]);
    expect(String(expense?.description)).toContain(id);
  });

  it("post_invoice rewound: Odoo shows this approval's post, so the first output, not a refusal", async () => {
    const created = await createInvoiceOperation.apply(t.odoo, await customerInvoiceInput(), applyRef());
    const id = await approved("post_invoice", { invoice_id: created.invoice_id });
    const first = outputOf(await executeApproval(deps, id));
    await rewind(id);
    const second = outputOf(await executeApproval(deps, id));
    expect(second).toEqual({ ...first, posted_at: second.posted_at });
    // Another approval posting the same invoice is refused by Odoo's state, with the contract code.
    const other = await approved("post_invoice", { invoice_id: created.invoice_id });
    expect(await executeApproval(deps, other)).toMatchObject({ status: "failed", code: "INVALID_STATUS" });
  });

  it("a queue replay after a crash between the Odoo write and the local record: found by the approval id, no marker", async () => {
    const invoiceId = await postedInvoice();
    const args = {
      invoice_id: invoiceId,
      amount: 50,
      payment_date: daysAgo(1),
      payment_method: "bank_transfer",
    };
    const id = await approved("record_payment", args);
    // The crashed process: Odoo got the payment (with its approval note); nothing local was recorded.
    const operation = writeOperations.get("record_payment")!;
    const applied = (await operation.apply(t.odoo, args, { approvalId: id, marker: {} })) as Record<
      string,
      unknown
    >;
    const paymentsBefore = await t.odoo.searchCount("account.payment", []);
    expect((await deps.store.get(id))?.execution).toBeUndefined();

    await deps.queue.enqueue(id, "record_payment");
    expect(await drainQueue(deps)).toEqual({ executed: 1, failed: 0, remaining: 0 });
    const done = await deps.store.get(id);
    expect(done?.status).toBe("executed");
    expect(done?.outcome).toMatchObject({ ok: true, output: { record_id: applied.record_id } });
    expect(await t.odoo.searchCount("account.payment", [])).toBe(paymentsBefore);
  });
});
