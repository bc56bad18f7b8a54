/**
 * Odoo down for a while, a running server, an approved write in the offline queue: the background runner
 * (`approvals.startRunner()`) replays the queue, and a replay that fails writes to the approval store (claim,
 * queued state) and to the audit log. Those writes wake the runner again (it watches the store); without a
 * backoff of its own, an Odoo that fails INSTANTLY (a refused connection, an HTML page with HTTP 200, a 503) means
 * a replay after a replay as fast as the machine goes, for as long as Odoo is down. What a product must do: the
 * failing replay backs off (1 s, 2 s, 4 s, ... up to the runner's fallback interval), a person's decision still
 * runs at once, and when Odoo is back the queue is replayed within the backoff's current step. At rest (nothing to
 * do), the runner's own reads wake nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRecord } from "../../src/mcp/approvals/store.js";
import type { FaultAction } from "./proxy.js";
import { recordRow } from "./results.js";
import { auditTrail, startWorld, type World, WRITE_CASES } from "./world.js";

const createInvoice = WRITE_CASES.find((c) => c.tool === "create_invoice")!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DOWN_MS = 10_000;
/** 1 + 2 + 4 s of backoff fit in 10 s: the first replay and three more; one spare for timing. */
const MAX_ATTEMPTS = 5;
/** The step the backoff is at after 10 s (8 s), and some slack for the replay itself. */
const BACK_WITHIN_MS = 9_500;

interface Down {
  name: string;
  /** `stop`: the proxy stops listening (connections refused); otherwise its answer to every request. */
  fault: "stop" | FaultAction;
  /** A person approves another request once Odoo is back, before the backoff's step ends. */
  decisionWhenBack: boolean;
}

const DOWNS: Down[] = [
  { name: "connections refused", fault: "stop", decisionWhenBack: false },
  { name: "an instant HTML page with HTTP 200", fault: { kind: "non-json" }, decisionWhenBack: false },
  {
    name: "an instant 503",
    fault: { kind: "status", status: 503, forward: false },
    decisionWhenBack: true,
  },
];

async function until(what: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await what())) {
    if (Date.now() - started > ms) return Number.POSITIVE_INFINITY;
    await sleep(50);
  }
  return Date.now() - started;
}

describe("the background runner while Odoo 19 is down, with an approved write in the queue", () => {
  let w: World;
  let n = 0;
  beforeAll(async () => {
    // The person decides elsewhere (the CLI, the app): gated calls answer pending_approval.
    w = await startWorld(19, {}, { person: "elsewhere" });
  });
  afterAll(async () => {
    await w?.close();
  });

  /** A create_invoice the person approved, pending in the store (not run yet). */
  const pendingInvoice = async () => {
    const fixture = await createInvoice.setup(w, ++n);
    const answer = await w.h.call("create_invoice", fixture.args);
    expect(answer.data.status, answer.text).toBe("pending_approval");
    return { id: String(answer.data.approval_id), fixture };
  };
  const status = async (id: string): Promise<ApprovalRecord["status"] | undefined> =>
    (await w.h.app.approvals.get(id))?.status;

  it("at rest (a request pending, the queue empty), the runner wakes nothing and asks Odoo nothing", async () => {
    await pendingInvoice();
    const runner = w.h.app.approvals.startRunner();
    try {
      await sleep(1_000); // its first pass
      let wakes = 0;
      const unwatch = w.h.app.approvals.watch(() => wakes++);
      const mark = w.proxy.count();
      const cpu = process.cpuUsage();
      await sleep(6_000); // covers the store's 5 s safety poll
      const used = process.cpuUsage(cpu);
      unwatch();
      expect(wakes, "store changes while at rest").toBe(0);
      expect(w.proxy.since(mark), "requests to Odoo while at rest").toEqual([]);
      expect((used.user + used.system) / 1000, "CPU ms in 6 s").toBeLessThan(300);
    } finally {
      runner.stop();
    }
  }, 30_000);

  it.each(DOWNS)(
    "$name: the replays back off, and the queue is replayed when Odoo is back",
    async (down) => {
      const { id, fixture } = await pendingInvoice();
      // Odoo goes down; the person approves; the run finds Odoo down: the write waits in the queue.
      if (down.fault === "stop") await w.proxy.stop();
      else {
        const fault = down.fault;
        w.proxy.setPlan(() => fault);
      }
      await w.h.approve(id);
      expect((await w.h.app.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
      const queuedLines = async () =>
        (await auditTrail(w, id)).filter((e) => e.event === "queue" && e.result === "queued").length;
      const before = await queuedLines();

      const runner = w.h.app.approvals.startRunner();
      try {
        const mark = w.proxy.count();
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        await sleep(DOWN_MS);
        const used = process.cpuUsage(cpu);
        const elapsedUs = Number((process.hrtime.bigint() - started) / 1000n);
        const requests = w.proxy.count() - mark;
        // Every failed replay writes one queue line to the audit log: the replays the runner made.
        const attempts = (await queuedLines()) - before;
        const share = (used.user + used.system) / elapsedUs;
        const numbers = `${attempts} replays, ${requests} requests, ${(share * 100).toFixed(1)} % of a core in ${DOWN_MS / 1000} s`;
        expect(attempts, numbers).toBeGreaterThanOrEqual(1);
        expect(attempts, numbers).toBeLessThanOrEqual(MAX_ATTEMPTS);
        expect(share, numbers).toBeLessThan(0.05);
        expect(await status(id)).toBe("approved");

        // Odoo is back.
        w.proxy.setPlan(null);
        await w.proxy.start();
        let other: string | undefined;
        if (down.decisionWhenBack) {
          // A person's decision is not held by the backoff: it runs now, behind the queued write.
          other = (await pendingInvoice()).id;
          await w.h.app.approvals.decide(other, { decision: "approved", channel: "cli", actor: "person" });
        }
        const tookMs = await until(async () => (await w.h.app.queue.pending()).length === 0, BACK_WITHIN_MS);
        const bound = down.decisionWhenBack ? 3_000 : BACK_WITHIN_MS;
        expect(tookMs, `${numbers}; queue replayed after Odoo came back in ${tookMs} ms`).toBeLessThanOrEqual(
          bound,
        );
        expect(await status(id)).toBe("executed");
        if (other)
          expect(await until(async () => (await status(other)) === "executed", 3_000)).toBeLessThan(3_000);
        const effects = await fixture.effects();
        expect(effects.duplicates).toEqual([]);
        expect(effects.complete, effects.text).toBe(true);
        expect((await w.verifyAudit()).ok).toBe(true);
        recordRow({
          scenario: "runner-backoff",
          case: "create_invoice approved while Odoo 19 is down; a running server's runner, 10 s",
          step: `${down.name} on every request`,
          answer: `queued; the runner: ${numbers}`,
          odoo: `back after 10 s: replayed in ${(tookMs / 1000).toFixed(1)} s${other ? " (a person's decision then ran at once, behind it)" : ""}; ${effects.text}`,
          audit: `${attempts} queue line(s) for the replays; one execution:success; chain ok`,
          queue: "held it; after Odoo is back: empty",
          verdict: "pass",
        });
      } finally {
        runner.stop();
        // Whatever happened, the next case starts with Odoo up and the queue empty.
        w.proxy.setPlan(null);
        await w.proxy.start();
        // (a stopped runner may still be finishing its last replay: it holds the drain lock meanwhile)
        await until(async () => (await w.h.app.approvals.drain()).remaining === 0, 20_000);
      }
    },
    60_000,
  );
});
