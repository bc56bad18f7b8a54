import { afterEach, describe, expect, it } from "vitest";
import { openApprovalStore } from "../../src/mcp/approvals/open.js";
import { type Harness, startHarness } from "../support/harness.js";

/** FLOODING: many stored requests do not make an idle server busy. */
describe("the runner of a server at rest", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("with 300 requests in the store (total cap raised), an idle runner uses under 5 % of a core, and runs an approval within seconds", async () => {
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
    const runner = h.app.approvals.startRunner();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // its first pass
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // covers the 5 s safety poll
      const used = process.cpuUsage(cpu);
      const elapsedUs = Number((process.hrtime.bigint() - started) / 1000n);
      const share = (used.user + used.system) / elapsedUs;
      expect(share, `${(share * 100).toFixed(2)} % of a core`).toBeLessThan(0.05);
      // A decision taken elsewhere (here: the person's decide, as the CLI makes it) is run on the file event.
      const [target] = await store.list({ status: "pending" });
      await h.app.approvals.decide(target!.id, { decision: "approved", channel: "cli", actor: "person" });
      const deadline = Date.now() + 3_000;
      while ((await store.get(target!.id))?.status === "approved" && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      // The invoice does not exist in this sandbox: the run ends as Odoo's refusal, but it did run.
      expect(await store.get(target!.id)).toMatchObject({
        status: "failed",
        outcome: { ok: false, code: "INVOICE_NOT_FOUND" },
      });
    } finally {
      runner.stop();
    }
  }, 30_000);
});
