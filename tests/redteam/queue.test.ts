/**
 * Red team: the offline queue (.odoo_queue.jsonl) is a plain file in the data folder. Whatever the agent writes
 * into it, only approved, intact requests run, each once, and a pending or rejected one never does.
 */
import { appendFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QUEUE_FILE } from "../../src/mcp/queue/offline-queue.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { runnerWentRound } from "../support/wait.js";
import { countInvoices, invoiceFor, pendingId, readRaw, writeRaw } from "./helpers.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedCustomer(h);
});
afterEach(async () => {
  h.sandbox.setFault(null);
  await h.close();
});

const queueFile = () => path.join(h.dataDir, QUEUE_FILE);
const enqueued = (id: string, tool = "create_invoice") =>
  `${JSON.stringify({ type: "enqueued", approvalId: id, tool, at: new Date().toISOString() })}\n`;

describe("tampering with the offline queue", () => {
  it("pending, rejected, unknown and malformed ids put in the queue run nothing", async () => {
    const pending = await pendingId(h, "create_invoice", invoiceFor(100));
    const rejected = await pendingId(h, "create_invoice", invoiceFor(200));
    await h.reject(rejected);
    await writeFile(
      queueFile(),
      enqueued(pending) +
        enqueued(rejected) +
        enqueued(`apr_${"b".repeat(26)}`) +
        enqueued("../approvals/x") +
        enqueued(pending),
    );
    const drained = await h.app.approvals.drain();
    expect(drained.executed).toBe(0);
    // The runner drains as well: still nothing.
    await appendFile(queueFile(), enqueued(pending) + enqueued(rejected));
    const runner = h.app.approvals.startRunner({ fallbackMs: 50 });
    try {
      await runnerWentRound(h);
    } finally {
      await runner.stop();
    }
    expect(await countInvoices(h)).toBe(0);
    expect((await h.app.approvals.get(pending))?.status).toBe("pending");
    expect((await h.app.approvals.get(rejected))?.status).toBe("rejected");
  });

  it("queued approvals duplicated and reordered run once each", async () => {
    const a = await pendingId(h, "create_invoice", invoiceFor(100, "A"));
    const b = await pendingId(h, "create_invoice", invoiceFor(200, "B"));
    h.sandbox.setFault("down");
    await h.approve(a);
    await h.approve(b);
    expect((await h.app.approvals.get(a))?.execution?.state).toBe("queued");
    expect(await countInvoices(h).catch(() => -1)).toBe(-1); // Odoo is down
    // The agent reorders and duplicates the entries, and adds a "done" for nothing in particular.
    await writeFile(
      queueFile(),
      enqueued(b) +
        enqueued(a) +
        `${JSON.stringify({ type: "done", approvalId: b, result: "executed", at: new Date().toISOString() })}\n` +
        enqueued(b) +
        enqueued(a) +
        enqueued(b),
    );
    h.sandbox.setFault(null);
    await h.app.approvals.drain();
    await h.app.approvals.drain();
    expect(await countInvoices(h)).toBe(2);
    expect((await h.app.approvals.get(a))?.status).toBe("executed");
    expect((await h.app.approvals.get(b))?.status).toBe("executed");
  });

  it("an executed request enqueued again, with its file put back to queued, does not run twice", async () => {
    const a = await pendingId(h, "create_invoice", invoiceFor(100));
    h.sandbox.setFault("down");
    await h.approve(a);
    const queuedCopy = await readRaw(h, a);
    const queueCopy = await readFile(queueFile(), "utf8");
    h.sandbox.setFault(null);
    await h.app.approvals.drain();
    expect(await countInvoices(h)).toBe(1);
    // The data folder as it was while the request waited in the queue.
    await writeRaw(h, a, queuedCopy);
    await writeFile(queueFile(), queueCopy);
    await h.app.approvals.drain();
    expect(await h.app.approvals.execute(a).then((o) => o.status)).not.toBe("executed");
    expect(await countInvoices(h)).toBe(1);
  });
});
