/**
 * Odoo stopping in the middle of a reconciliation batch (issue 18). A clean run through the fault proxy lists the
 * requests an approved batch of two bank lines makes (one paying an invoice, one paying two); then, for each step
 * k, Odoo goes down at k: k never reaches Odoo (refused), or k reaches Odoo and its answer is lost (cut), and
 * everything after k is refused. The person approved elsewhere (a reconciliation is never the chat's). Each time:
 * nothing is reconciled twice (no line has more counterparts than its plan, no invoice is paid beyond its total),
 * and once Odoo is back the queue's replay finishes the rest, exactly once, with one approval note per line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalNotes } from "../../src/mcp/accounting/approval-tag.js";
import { type BankWorld, bankWorld } from "../support/bank.js";
import { recordRow } from "./results.js";
import { startWorld, type World } from "./world.js";

interface Fixture {
  args: { matches: { statement_line_id: number; invoice_ids: string[] }[] };
  lines: number[];
  invoices: number[];
}

async function fixture(b: BankWorld): Promise<Fixture> {
  const one = await b.invoice(100);
  const two = await b.invoice(40);
  const three = await b.invoice(60);
  const lines = [await b.line(100, one.name), await b.line(100, `${two.name} ${three.name}`)];
  return {
    args: {
      matches: [
        { statement_line_id: lines[0] as number, invoice_ids: [one.name] },
        { statement_line_id: lines[1] as number, invoice_ids: [two.name, three.name] },
      ],
    },
    lines,
    invoices: [one.id, two.id, three.id],
  };
}

/** What Odoo holds of the batch, read past the proxy. */
async function effects(w: World, f: Fixture) {
  const rows = await w.direct.read("account.bank.statement.line", f.lines, ["move_id", "is_reconciled"]);
  const moves = rows.map((r) => (r.move_id as [number, string])[0]);
  const items = await w.direct.searchRead(
    "account.move.line",
    [["move_id", "in", moves]],
    ["move_id", "account_id", "balance"],
  );
  const counterparts = moves.map((m) => items.filter((i) => (i.move_id as [number])[0] === m).length - 1);
  const invoices = await w.direct.read("account.move", f.invoices, ["payment_state", "amount_residual"]);
  return {
    // A line's entry: its bank item plus one item per document it pays (or its suspense item before).
    duplicates:
      (counterparts[0] ?? 0) > 1 ||
      (counterparts[1] ?? 0) > 2 ||
      invoices.some((i) => Number(i.amount_residual) < 0),
    complete:
      rows.every((r) => r.is_reconciled === true) && invoices.every((i) => i.payment_state === "paid"),
    text: `lines ${rows.map((r) => (r.is_reconciled ? "reconciled" : "open")).join("/")}, invoices ${invoices.map((i) => i.payment_state).join("/")}`,
  };
}

describe("Odoo 19 stopping mid-reconciliation", () => {
  let w: World;
  let b: BankWorld;
  let steps: string[] = [];

  const requestAndApprove = async (f: Fixture) => {
    const asked = await w.h.call("reconcile_bank_lines", f.args);
    expect(asked.data.status, asked.text).toBe("pending_approval");
    const id = String(asked.data.approval_id);
    await w.h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });
    return id;
  };

  beforeAll(async () => {
    w = await startWorld(19, {}, { person: "elsewhere" });
    b = await bankWorld(w.direct);
    const f = await fixture(b);
    const id = await requestAndApprove(f);
    const mark = w.proxy.count();
    expect((await w.h.app.approvals.execute(id)).status).toBe("executed");
    steps = w.proxy.since(mark).map((r) => r.call);
    expect((await effects(w, f)).complete).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await w?.close();
  });

  it("has writes among its steps", () => {
    expect(steps.filter((s) => /write|reconcile|message_post/.test(s)).length).toBeGreaterThanOrEqual(5);
  });

  for (const mode of ["refuse", "cut"] as const) {
    it(`Odoo stops at each step (${mode}): nothing reconciled twice, the rest resumed once Odoo is back`, async () => {
      for (let k = 1; k <= steps.length; k++) {
        const f = await fixture(b);
        const id = await requestAndApprove(f);
        await w.proxy.start();
        const mark = w.proxy.count();
        w.proxy.setPlan(({ n }) => {
          const step = n - mark;
          if (step < k) return { kind: "pass" };
          if (step === k)
            return mode === "refuse" ? { kind: "refuse", stop: true } : { kind: "cut", stop: true };
          return { kind: "refuse", stop: true };
        });
        const label = `step ${k}/${steps.length} ${steps[k - 1]} (${mode})`;
        const outcome = await w.h.app.approvals.execute(id);
        const during = await effects(w, f);
        expect(during.duplicates, `${label}: ${during.text}`).toBe(false);
        expect(["queued", "executed"], label).toContain(outcome.status);

        w.proxy.setPlan(null);
        await w.proxy.start();
        await w.h.app.approvals.drain();
        const after = await effects(w, f);
        expect(after.duplicates, `${label}: ${after.text}`).toBe(false);
        expect(after.complete, `${label}: ${after.text}`).toBe(true);
        const view = await w.h.call("get_approval", { approval_id: id });
        expect(view.data.status, label).toBe("executed");
        const notes = await approvalNotes(w.direct, "account.move", id, "Reconciled");
        expect(new Set(notes.map((n) => n.resId)).size, label).toBe(2);
        expect(await w.h.app.queue.pending(), label).toEqual([]);
        recordRow({
          scenario: "stop-mid-write",
          case: "reconcile_bank_lines, Odoo 19",
          step: label,
          answer: `${outcome.status}; after replay: ${String(view.data.status)}`,
          odoo: `during: ${during.text}; after replay: ${after.text}`,
          audit: "-",
          queue: outcome.status === "queued" ? "held it; after replay: empty" : "empty",
          verdict: "pass",
        });
      }
    }, 180_000);
  }
});
