import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/mcp/app.js";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { createLogger } from "../../src/mcp/log.js";
import { type Harness, startHarness } from "../support/harness.js";
import { manualClock } from "../support/manual-clock.js";

/** The runner's default fallback interval. */
const FALLBACK_MS = 30_000;

/** FLOODING: many stored requests do not make an idle server busy. */
describe("the runner of a server at rest", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("with 300 requests in the store (total cap raised), an idle runner's rounds use under 5 % of a core, and a decision made elsewhere runs on its file event", async () => {
    h = await startHarness({ env: { ODOO_MCP_MAX_PENDING_TOTAL: "1000" } });
    // The installation's store as another process of it opens it (same folder, same keychain key).
    const store = await openApprovalStore({
      dataDir: h.dataDir,
      keychain: h.keychain,
      limits: { maxPendingTotal: 1000 },
    });
    for (let n = 0; n < 300; n++)
      await store.create({
        tool: "post_invoice",
        args: { invoice_id: String(100_000 + n) },
        meta: { target: `invoice ${n}` },
        ttlMs: 3_600_000,
        requestedBy: `client-${n}`,
      });
    // The runner's time is the test's (tests/support/manual-clock.ts): its fallback rounds come when told.
    const clock = manualClock();
    const runner = h.app.approvals.startRunner({ clock });
    try {
      await runner.settled(); // its first round reads every request once
      // At rest it wakes every 30 s (its fallback round; no file event comes): what one round costs, of that.
      const rounds = 5;
      const cpu = process.cpuUsage();
      for (let round = 0; round < rounds; round++) {
        clock.advance(FALLBACK_MS);
        await runner.settled();
      }
      const used = process.cpuUsage(cpu);
      const share = (used.user + used.system) / 1000 / (rounds * FALLBACK_MS);
      expect(share, `${(share * 100).toFixed(2)} % of a core`).toBeLessThan(0.05);
      // A decision taken elsewhere (here: the person's decide, as the CLI makes it) is run on the file event.
      const [target] = await store.list({ status: "pending" });
      await h.app.approvals.decide(target!.id, { decision: "approved", channel: "cli", actor: "person" });
      // The clock stands still: only the file event can start the round that runs it.
      const deadline = Date.now() + 10_000;
      while ((await store.get(target!.id))?.status === "approved" && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      // The invoice does not exist in this sandbox: the run ends as Odoo's refusal, but it did run.
      expect(await store.get(target!.id)).toMatchObject({
        status: "failed",
        outcome: { ok: false, code: "INVOICE_NOT_FOUND" },
      });
    } finally {
      await runner.stop();
    }
  }, 30_000);
});

/**
 * A request in the queue that this server cannot run: decided with a keychain key that is not the one this
 * process read (two processes created the key at once on a fresh keychain, before that was serialised). The
 * replay left it in the queue without a word, for good: the kill test's replay lane timed out with nothing in the
 * server's log to go by. The runner now says it, once.
 */
describe("the runner of a server that cannot verify a queued request's decision", () => {
  let h: Harness | undefined;
  let other: App | undefined;
  afterEach(async () => {
    await other?.close();
    await h?.close();
    other = undefined;
    h = undefined;
  });

  it("says once which request it leaves in the queue, and why", async () => {
    h = await startHarness();
    const store = await openApprovalStore({ dataDir: h.dataDir, keychain: h.keychain });
    const created = await store.create({
      tool: "post_invoice",
      args: { invoice_id: "100001" },
      meta: { target: "invoice 1" },
      ttlMs: 3_600_000,
      requestedBy: "client",
    });
    await h.app.approvals.decide(created.id, { decision: "approved", channel: "cli", actor: "person" });
    await h.app.queue.enqueue(created.id, "post_invoice");
    // Another process on the same data folder whose keychain holds another key.
    const warnings: string[] = [];
    const logger = createLogger("warn", "odoo-mcp", (line) => warnings.push(line));
    other = await createApp(loadConfig({ env: h.env, cwd: h.dataDir }), {
      logger,
      keychain: createMemoryKeychain(),
    });
    const clock = manualClock();
    const runner = other.approvals.startRunner({ clock });
    try {
      await runner.settled();
      for (let round = 0; round < 3; round++) {
        clock.advance(FALLBACK_MS);
        await runner.settled();
      }
    } finally {
      await runner.stop();
    }
    const said = warnings.filter((line) => line.includes(created.id));
    expect(said, warnings.join("\n")).toHaveLength(1);
    expect(said[0]).toMatch(/queue replay: .*decided with another key.*left in the queue/);
    expect(await store.get(created.id)).toMatchObject({ status: "approved" });
    expect((await h.app.queue.pending()).map((e) => e.approvalId)).toEqual([created.id]);
  });
});
