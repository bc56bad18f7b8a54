/**
 * Odoo answering after 35 s, against the product's own 30 s timeout per operation (ODOO_TIMEOUT_MS at its
 * default): a read is retried and answers; the write of an approved create_invoice is applied by Odoo after the
 * client gave up, so the request is queued, and the replay finds the invoice instead of creating a second one.
 * Both run at once (about 31 s of wall time), in their own file so that other files run meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordRow } from "./results.js";
import { auditTrail, describeAnswer, startWorld, trailText, type World, WRITE_CASES } from "./world.js";

const DELAY_MS = 35_000;

describe.concurrent("Odoo 19 answering after 35 s", () => {
  const worlds: World[] = [];
  // ODOO_TIMEOUT_MS: the product's default (30 s), not the test harness's shorter one.
  const open = async () => {
    const w = await startWorld(19, { ODOO_TIMEOUT_MS: "30000" });
    worlds.push(w);
    return w;
  };
  beforeAll(() => {});
  afterAll(async () => {
    for (const w of worlds) await w.close();
  });

  it("a read: the first attempt times out at 30 s, the retry answers", async () => {
    const w = await open();
    let slowOnce = 1;
    w.proxy.setPlan(({ call }) =>
      call === "account.move.search_read" && slowOnce-- > 0
        ? { kind: "delay", ms: DELAY_MS }
        : { kind: "pass" },
    );
    const started = Date.now();
    const answer = await w.h.call("list_invoices", {});
    const took = Date.now() - started;
    expect(answer.isError, answer.text).toBe(false);
    expect(took).toBeGreaterThanOrEqual(29_000);
    expect(took).toBeLessThan(DELAY_MS);
    recordRow({
      scenario: "slow",
      case: "list_invoices (read), Odoo 19",
      step: "35 s delay on account.move.search_read, once",
      answer: `the invoices, after ${(took / 1000).toFixed(1)} s (timed out at 30 s, retried)`,
      odoo: "unchanged (a read)",
      audit: "a read: no line",
      queue: "untouched",
      verdict: "pass",
    });
  }, 60_000);

  it("the write of an approved create_invoice: queued after 30 s (Odoo applied it, its answer comes at 35 s), the replay finds it", async () => {
    const w = await open();
    const invoice = WRITE_CASES.find((c) => c.tool === "create_invoice")!;
    const fixture = await invoice.setup(w, 1);
    w.afterDecision((_, call) =>
      call === "account.move.create" ? { kind: "delay", ms: DELAY_MS } : { kind: "pass" },
    );
    const started = Date.now();
    const answer = await w.h.call("create_invoice", fixture.args);
    const took = Date.now() - started;
    w.proxy.setPlan(null);
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.data.status).toBe("queued");
    expect(took).toBeGreaterThanOrEqual(29_000);
    const id = String(answer.data.approval_id);
    expect((await w.h.app.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
    const during = await fixture.effects(); // the sandbox applied it as soon as the request arrived
    expect(during.duplicates).toEqual([]);
    const replay = await w.h.app.approvals.drain();
    expect(replay).toMatchObject({ executed: 1, failed: 0, remaining: 0 });
    const after = await fixture.effects();
    expect(after.duplicates).toEqual([]);
    expect(after.complete, after.text).toBe(true);
    const trail = await auditTrail(w, id);
    expect(trail.filter((e) => e.event === "execution" && e.result === "success")).toHaveLength(1);
    expect(trail.some((e) => /earlier attempt/.test(e.message ?? ""))).toBe(true);
    expect((await w.verifyAudit()).ok).toBe(true);
    recordRow({
      scenario: "slow",
      case: "create_invoice (approved write), Odoo 19",
      step: "35 s delay on account.move.create (applied at once, answered at 35 s)",
      answer: `${describeAnswer(answer)} after ${(took / 1000).toFixed(1)} s; after replay: executed (found, not re-created)`,
      odoo: `during: ${during.text}; after replay: ${after.text}`,
      audit: `${trailText(trail)}; chain ok`,
      queue: "held it; after replay: empty",
      verdict: "pass",
    });
  }, 60_000);
});
