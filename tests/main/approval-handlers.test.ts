import { afterEach, describe, expect, it } from "vitest";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { channels } from "../../src/shared/ipc.js";
import { pngBytes, tempFiles } from "../expenses/files.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

const invoices = (h: Harness) => h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);
const list = (h: Harness, scope: "pending" | "history") =>
  approvalHandlers(h.app)["approvals.list"](channels["approvals.list"].request.parse({ scope }));

/** The desktop app's approval handlers over the real approval core and the sandbox. */
describe("approval handlers (the app's side of the core)", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("lists pending requests as Odoo sees them, approves a batch (each its own decision), and shows the history", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const ids: string[] = [];
    for (const notes of ["one", "two", "three"])
      ids.push(String((await h.call("create_invoice", { ...INVOICE_INPUT, notes })).data.approval_id));
    const pending = await list(h, "pending");
    expect(pending.items.map((item) => item.approval_id).sort()).toEqual([...ids].sort());
    const first = pending.items[0]!;
    expect(first).toMatchObject({
      tool: "create_invoice",
      derived_from: "odoo",
      integrity: [],
      queued: false,
    });
    expect(first.title).toMatch(/Acme Corp/);
    expect(first.facts?.lines).toHaveLength(2);
    expect(first.recipient_differs).toBe(false);

    const handlers = approvalHandlers(h.app, { actor: "ada (odoo-mcp app)" });
    const decided = await handlers["approvals.decide"]({ ids, decision: "approved" });
    expect(decided.results.map((r) => [r.ok, r.status])).toEqual([
      [true, "executed"],
      [true, "executed"],
      [true, "executed"],
    ]);
    expect(await invoices(h)).toBe(3);
    const decisions = (await h.app.audit.read(new Date().toLocaleDateString("sv"))).filter(
      (e) => e.event === "approval_decided" && e.channel === "tray",
    );
    expect(decisions).toHaveLength(3);

    const history = await list(h, "history");
    expect(history.items).toHaveLength(3);
    expect(history.items[0]!.history?.links).toEqual([
      { label: "Invoice in Odoo", url: expect.stringMatching(/web#id=\d+&model=account\.move/) },
    ]);
    expect(history.items[0]!.status).toBe("executed");
    expect((await list(h, "pending")).items).toEqual([]);
  });

  it("rejects with a reason, refuses an id changed since it was shown, and runs nothing twice", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const handlers = approvalHandlers(h.app);
    const id = String((await h.call("create_invoice", INVOICE_INPUT)).data.approval_id);
    const stale = await handlers["approvals.decide"]({
      ids: [id],
      decision: "approved",
      args_hashes: ["0".repeat(64)],
    });
    expect(stale.results[0]).toMatchObject({ ok: false, error: { code: "APPROVAL_INVALID" } });
    const rejected = await handlers["approvals.decide"]({
      ids: [id],
      decision: "rejected",
      reason: "wrong customer",
    });
    expect(rejected.results[0]).toMatchObject({ ok: true, status: "rejected" });
    const again = await handlers["approvals.decide"]({ ids: [id], decision: "approved" });
    expect(again.results[0]).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
    expect(await invoices(h)).toBe(0);
    expect((await list(h, "history")).items[0]?.decision).toMatchObject({ reason: "wrong customer" });
  });

  it("pausing the agent refuses new requests with AGENT_PAUSED until the person resumes it", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const handlers = approvalHandlers(h.app);
    expect((await handlers["agent.setPaused"]({ paused: true })).paused).toBe(true);
    const refused = await h.call("create_invoice", INVOICE_INPUT);
    expect(refused.error?.code).toBe("AGENT_PAUSED");
    expect(await h.app.approvals.list()).toEqual([]);
    expect((await handlers["agent.setPaused"]({ paused: false })).paused).toBe(false);
    expect((await h.call("create_invoice", INVOICE_INPUT)).data.status).toBe("pending_approval");
    const status = await handlers["agent.status"]({});
    expect(status).toMatchObject({ connection: "connected", pending: 1, queued: 0, key_mode: "keychain" });
  });

  it("shows an expense's receipt, and refuses it once the file changed", async () => {
    h = await startHarness();
    const files = await tempFiles();
    try {
      const receipt = await files.write("taxi.png", pngBytes());
      const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const asked = await h.call("create_expense", {
        description: "Taxi",
        amount: 250,
        expense_date: day,
        category: "travel",
        receipt_path: receipt,
      });
      const id = String(asked.data.approval_id);
      const handlers = approvalHandlers(h.app);
      const [item] = (await list(h, "pending")).items;
      expect(item?.receipt).toMatchObject({ name: "taxi.png", mimetype: "image/png" });
      const shown = await handlers["approvals.receipt"]({ id });
      expect(shown.data_url.startsWith("data:image/png;base64,")).toBe(true);
      await files.write("taxi.png", Buffer.concat([pngBytes(), Buffer.from("changed")]));
      await expect(handlers["approvals.receipt"]({ id })).rejects.toThrow(/receipt file changed/);
    } finally {
      await files.close();
    }
  });

  it("items are chosen in one request at a time, and only to approve it: otherwise nothing is decided", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const ids: string[] = [];
    for (const notes of ["one", "two"])
      ids.push(String((await h.call("create_invoice", { ...INVOICE_INPUT, notes })).data.approval_id));
    const handlers = approvalHandlers(h.app, { actor: "ada (odoo-mcp app)" });
    for (const request of [
      { ids, decision: "approved" as const, keep: [0] },
      { ids: [ids[0]!], decision: "rejected" as const, keep: [0] },
    ])
      await expect(handlers["approvals.decide"](request)).rejects.toThrow(
        /Items are chosen in one request at a time, to approve it in part/,
      );
    // One request without items: the core refuses it by name, the others are untouched.
    const one = await handlers["approvals.decide"]({ ids: [ids[0]!], decision: "approved", keep: [0] });
    expect(one.results[0]).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
    expect(one.results[0]?.error?.message).toMatch(/no items to choose from/);
    for (const id of ids) expect((await h.app.approvals.get(id))?.status).toBe("pending");
  });
});
