import { afterEach, describe, expect, it } from "vitest";
import { approvalNotes } from "../../src/mcp/accounting/approval-tag.js";
import { channelRefusal, DEFAULT_POLICY } from "../../src/mcp/approvals/policy.js";
import { bankWorld } from "../support/bank.js";
import { type Harness, startHarness } from "../support/harness.js";

/**
 * Red team of the bank reconciliation (issue 18): what the person approved is what runs, line by line; a line
 * that pays two invoices is shown and bound with both; the chat cannot approve its own request.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Row = Record<string, unknown>;

describe("reconcile_bank_lines, attacked", () => {
  it("a batch edited after approval: an invoice paid meanwhile and a line reconciled by hand fail alone (APPROVAL_INVALID), nothing written for them; the untouched line runs", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const paidMeanwhile = await b.invoice(100);
    const byHand = await b.invoice(200);
    const untouched = await b.invoice(300);
    const lines = [await b.line(100, "one"), await b.line(200, "two"), await b.line(300, "three")];
    const asked = await h.call("reconcile_bank_lines", {
      matches: [
        { statement_line_id: lines[0], invoice_ids: [paidMeanwhile.name] },
        { statement_line_id: lines[1], invoice_ids: [byHand.name] },
        { statement_line_id: lines[2], invoice_ids: [untouched.name] },
      ],
    });
    const id = String(asked.data.approval_id);
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    // After the yes, before it runs: the first invoice is paid through the wizard, the second line is reconciled
    // in a request of its own (another approval).
    await b.registerPayment(paidMeanwhile.id);
    const other = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: lines[1], invoice_ids: [byHand.name] }],
    });
    await h.approve(other.data.approval_id);
    const outcome = await h.app.approvals.execute(id);
    expect(outcome.status).toBe("executed");
    const out = (outcome as { output: { lines: Row[] } }).output.lines;
    expect(out.map((l) => l.status)).toEqual(["failed", "failed", "reconciled"]);
    expect(out[0]?.error).toMatchObject({ code: "APPROVAL_INVALID" });
    expect(String((out[0]?.error as Row | undefined)?.message)).toMatch(/Nothing was written for it/);
    expect(String((out[1]?.error as Row | undefined)?.message)).toMatch(/reconciled meanwhile/);
    // Nothing written for the changed lines: the first still waits on suspense, the second carries the other
    // approval's note only.
    expect((await b.statementLine(lines[0] as number)).is_reconciled).toBe(false);
    expect(await approvalNotes(h.app.odoo, "account.move", id, "Reconciled")).toHaveLength(1);
    expect((await b.state([untouched.id]))[0]?.payment_state).toBe("paid");
  });

  it("every approved line changed: the request fails with APPROVAL_INVALID and writes nothing", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(100);
    const line = await b.line(100, "one");
    const asked = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [invoice.name] }],
    });
    const id = String(asked.data.approval_id);
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    // The invoice is repriced: reset to draft, its line changed, posted again (its amount due is not the approved one).
    await h.app.odoo.call({ model: "account.move", method: "button_draft", ids: [invoice.id] });
    const [item] = await h.app.odoo.searchRead(
      "account.move.line",
      [
        ["move_id", "=", invoice.id],
        ["display_type", "=", "product"],
      ],
      ["id"],
    );
    await h.app.odoo.write("account.move", [invoice.id], {
      invoice_line_ids: [[1, item?.id, { price_unit: 90 }]],
    });
    await h.app.odoo.call({ model: "account.move", method: "action_post", ids: [invoice.id] });
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect(String((outcome as { message: string }).message)).toMatch(
      /amount due was 100\.00 when approved, 90\.00 now/,
    );
    expect((await b.statementLine(line)).is_reconciled).toBe(false);
    expect((await b.state([invoice.id]))[0]?.payment_state).toBe("not_paid");
  });

  it("a statement line that pays two invoices: the person sees both beside the line, and the line is bound to both (one paid meanwhile: neither is paid by it)", async () => {
    h = await startHarness();
    const b = await bankWorld(h.app.odoo);
    const first = await b.invoice(100);
    const second = await b.invoice(150);
    const line = await b.line(250, `${first.name} ${second.name}`);
    const asked = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [first.name, second.name] }],
    });
    const id = String(asked.data.approval_id);
    const record = await h.app.approvals.get(id);
    if (!record) throw new Error("no request");
    const view = await h.app.approvals.view(record);
    expect(view.document?.items?.[0]?.rows.slice(2)).toEqual([
      {
        label: `Pays invoice ${first.name}`,
        value: expect.stringMatching(/^100\.00 USD of 100\.00 USD due, .*: paid in full$/),
      },
      {
        label: `Pays invoice ${second.name}`,
        value: expect.stringMatching(/^150\.00 USD of 150\.00 USD due, .*: paid in full$/),
      },
    ]);
    expect(Object.keys(record.binding ?? {}).filter((k) => k.startsWith("0.invoice"))).toHaveLength(6);
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    await b.registerPayment(second.id);
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toMatchObject({ status: "failed", code: "APPROVAL_INVALID" });
    expect((await b.state([first.id]))[0]?.payment_state).toBe("not_paid");
    expect((await b.statementLine(line)).is_reconciled).toBe(false);
  });

  it("the chat answering its own prompt approves nothing: reconciliation and its undo are a person's only", async () => {
    let asked = 0;
    h = await startHarness({
      elicitation: () => {
        asked++;
        return "approve";
      },
    });
    const b = await bankWorld(h.app.odoo);
    const invoice = await b.invoice(10);
    const line = await b.line(10, invoice.name);
    const answer = await h.call("reconcile_bank_lines", {
      matches: [{ statement_line_id: line, invoice_ids: [invoice.name] }],
    });
    expect(answer.data.status, answer.text).toBe("pending_approval");
    expect(answer.text).toMatch(/decided only by a person/);
    expect(asked).toBe(0);
    expect((await b.statementLine(line)).is_reconciled).toBe(false);
    const record = await h.app.approvals.get(String(answer.data.approval_id));
    expect(record?.status).toBe("pending");
    // Neither the policy nor the chat, whatever the amount and direction; other requests are unchanged.
    const ask = { amount: "1.00", currency: "USD", direction: "none" as const, personOnly: true };
    for (const channel of ["auto", "elicitation"] as const)
      expect(channelRefusal({ ...DEFAULT_POLICY, expenseThreshold: "1000000" }, channel, ask, "USD")).toMatch(
        /decided only by a person/,
      );
    expect(
      channelRefusal(DEFAULT_POLICY, "elicitation", { ...ask, personOnly: false, direction: "in" }, "USD"),
    ).toBeNull();
  });
});
