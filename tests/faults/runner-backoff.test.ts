/**
 * Odoo down for a while, a running server, an approved write in the offline queue: the background runner
 * (`approvals.startRunner()`) replays the queue, and a replay that fails writes to the approval store (claim,
 * queued state) and to the audit log. Those writes wake the runner again (it watches the store); without a
 * backoff of its own, an Odoo that fails INSTANTLY (a refused connection, an HTML page with HTTP 200, a 503) means
 * a replay after a replay as fast as the machine goes, for as long as Odoo is down. What a product must do: the
 * failing replay backs off (1 s, 2 s, 4 s, ... up to the runner's fallback interval), a person's decision still
 * runs at once, and when Odoo is back the queue is replayed when the backoff's current step ends. At rest (nothing
 * to do), the runner's rounds write nothing and ask Odoo nothing.
 *
 * The runner's time is a clock the test moves on by hand (tests/support/manual-clock.ts): each step of the backoff
 * is checked exactly, not waited out. Its file events and Odoo are real.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApprovalRecord } from "../../src/mcp/approvals/store.js";
import { manualClock } from "../support/manual-clock.js";
import type { FaultAction } from "./proxy.js";
import { recordRow } from "./results.js";
import { auditTrail, startWorld, type World, WRITE_CASES } from "./world.js";

const createInvoice = WRITE_CASES.find((c) => c.tool === "create_invoice")!;
/** The runner's defaults: its fallback interval, and the backoff's steps up to it. */
const FALLBACK_MS = 30_000;
const STEPS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];

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

/** Waits until `what` holds; a deadline, not a pause: it is met in milliseconds unless something is wrong. */
async function until(label: string, what: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

  /** Every file under `dir`, with its size and modification time. */
  const snapshot = async (dir: string) => {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const files: Record<string, string> = {};
    for (const entry of entries.filter((e) => e.isFile())) {
      const file = path.join(entry.parentPath, entry.name);
      const info = await stat(file);
      files[path.relative(dir, file)] = `${info.size} ${info.mtimeMs}`;
    }
    return files;
  };
  const decide = (id: string) =>
    w.h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "person" });

  it("at rest (a request pending, the queue empty), the runner's rounds write nothing and ask Odoo nothing", async () => {
    const { id } = await pendingInvoice();
    const clock = manualClock();
    const runner = w.h.app.approvals.startRunner({ clock });
    try {
      await runner.settled(); // its first round
      const files = await snapshot(w.h.dataDir);
      const mark = w.proxy.count();
      // Three of its fallback rounds (file events would start more of them: they find nothing to write either).
      for (let round = 0; round < 3; round++) {
        clock.advance(FALLBACK_MS);
        await runner.settled();
      }
      expect(
        w.proxy.since(mark).map((r) => r.call),
        "requests to Odoo at rest",
      ).toEqual([]);
      expect(await snapshot(w.h.dataDir), "files written at rest").toEqual(files);
      expect(await status(id)).toBe("pending");
    } finally {
      await runner.stop();
    }
  });

  it.each(DOWNS)("$name: the replays back off, and the queue is replayed when Odoo is back", async (down) => {
    const { id, fixture } = await pendingInvoice();
    // Odoo goes down; the person approves; the run finds Odoo down: the write waits in the queue.
    if (down.fault === "stop") await w.proxy.stop();
    else {
      const fault = down.fault;
      w.proxy.setPlan(() => fault);
    }
    await w.h.approve(id);
    expect((await w.h.app.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
    // Every failed replay writes one queue line to the audit log: the replays the runner made.
    const queuedLines = async () =>
      (await auditTrail(w, id)).filter((e) => e.event === "queue" && e.result === "queued").length;
    const before = await queuedLines();
    const replays = async () => (await queuedLines()) - before;

    const clock = manualClock();
    const mark = w.proxy.count();
    const runner = w.h.app.approvals.startRunner({ clock });
    try {
      // Its first round replays at once; each later replay comes when the backoff's step ends, not a moment
      // sooner, whatever wakes the runner meanwhile (its own writes; its fallback round, at 30 s and 60 s).
      await until("the first replay", async () => (await replays()) >= 1);
      let made = 1;
      for (const step of STEPS_MS) {
        await until(`the runner to back off by ${step} ms`, async () => clock.nextOnce() === step);
        expect(await replays(), `before the ${step} ms step ended`).toBe(made);
        clock.advance(step - 1);
        await runner.settled();
        expect(await replays(), `1 ms before the ${step} ms step ended`).toBe(made);
        clock.advance(1);
        made++;
        await until(`replay ${made}`, async () => (await replays()) >= made);
      }
      const requests = w.proxy.count() - mark;
      const downMs = STEPS_MS.reduce((sum, step) => sum + step, 0);
      const numbers = `${made} replays, ${requests} requests in ${downMs / 1000} s of the runner's time`;
      expect(await status(id)).toBe("approved");

      // Odoo is back.
      w.proxy.setPlan(null);
      await w.proxy.start();
      let other: string | undefined;
      if (down.decisionWhenBack) {
        // A person's decision is not held by the backoff: it runs now, behind the queued write, the runner's
        // clock standing still.
        other = (await pendingInvoice()).id;
        await decide(other);
      } else {
        // The queued write waits for the step (30 s) to end; then it is replayed.
        await until("the runner to back off again", async () => clock.nextOnce() === FALLBACK_MS);
        expect((await w.h.app.queue.pending()).map((e) => e.approvalId)).toEqual([id]);
        clock.advance(FALLBACK_MS);
      }
      await until("the queue to be replayed", async () => (await w.h.app.queue.pending()).length === 0);
      expect(await status(id)).toBe("executed");
      if (other) await until("the other approval to run", async () => (await status(other)) === "executed");
      // Not one replay more than the backoff's steps, in all that time.
      expect(await replays(), numbers).toBe(made);
      const effects = await fixture.effects();
      expect(effects.duplicates).toEqual([]);
      expect(effects.complete, effects.text).toBe(true);
      expect((await w.verifyAudit()).ok).toBe(true);
      recordRow({
        scenario: "runner-backoff",
        case: `create_invoice approved while Odoo 19 is down; a running server's runner, ${downMs / 1000} s of its time`,
        step: `${down.name} on every request`,
        answer: `queued; the runner: ${numbers}`,
        odoo: `back: replayed ${other ? "at once on a person's decision (it ran behind it)" : "when the 30 s step ended"}; ${effects.text}`,
        audit: `${made} queue line(s) for the replays; one execution:success; chain ok`,
        queue: "held it; after Odoo is back: empty",
        verdict: "pass",
      });
    } finally {
      await runner.stop();
      await runner.settled(); // its last round may still be replaying: it holds the drain lock meanwhile
      // Whatever happened, the next case starts with Odoo up and the queue empty.
      w.proxy.setPlan(null);
      await w.proxy.start();
      await until("the queue to drain", async () => (await w.h.app.approvals.drain()).remaining === 0);
    }
  });
});
