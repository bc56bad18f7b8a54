import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ToolError } from "../../src/mcp/errors.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

const countInvoices = (h: Harness) =>
  h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);

describe("human approval of create_invoice", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedCustomer(h);
  });
  afterEach(async () => h.close());

  it("answers pending_approval at once and writes nothing to Odoo before a human decides", async () => {
    const before = await countInvoices(h);
    const result = await h.call("create_invoice", INVOICE_INPUT);
    expect(result.isError).toBe(false);
    expect(result.data.status).toBe("pending_approval");
    expect(result.data.approval_id).toMatch(/^apr_[a-z2-7]{26}$/);
    expect(String(result.data.summary)).toContain("Acme Corp");
    expect(String(result.data.summary)).toContain("1,285.50 USD");
    expect(await countInvoices(h)).toBe(before);
    const status = await h.call("get_approval", { approval_id: result.data.approval_id });
    expect(status.data.status).toBe("pending");
    // The request's name says its total once, as a bookkeeper writes it (not again as "— 1478.33 USD").
    expect(status.data.summary).toBe("Draft invoice for Acme Corp, 1,478.33 USD, dated 2 Nov 2026");
  });

  it("runs the stored arguments once approved, and get_approval answers the tool's own output", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    await h.approve(pending.data.approval_id);
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    expect(status.data.status).toBe("executed");
    const output = status.data.output as Record<string, unknown>;
    expect(output.status).toBe("draft");
    const [stored] = await h.app.odoo.read<{
      amount_total: number;
      state: string;
      partner_id: [number, string];
      create_date: string;
    }>("account.move", [Number(output.record_id)], ["amount_total", "state", "partner_id", "create_date"]);
    expect(stored?.state).toBe("draft");
    // created_at is Odoo's own creation time (UTC "YYYY-MM-DD HH:MM:SS"), not the server's clock.
    expect(output.created_at).toBe(new Date(`${stored?.create_date.replace(" ", "T")}Z`).toISOString());
    const read = await h.call("get_invoice", { invoice_id: output.invoice_id });
    expect(read.data.created_at).toBe(output.created_at);
    expect(output.total_amount).toBe(stored?.amount_total);
    expect(stored?.partner_id[1]).toBe("Acme Corp");
    expect(output.invoice_id).toBe(String(output.record_id));
  });

  it("records a rejection and never runs the request", async () => {
    const before = await countInvoices(h);
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    await h.reject(pending.data.approval_id, "wrong customer");
    const outcome = await h.app.approvals.execute(String(pending.data.approval_id));
    expect(outcome.status).toBe("rejected");
    const status = await h.call("get_approval", { approval_id: pending.data.approval_id });
    expect(status.data.status).toBe("rejected");
    expect(status.data.reason).toBe("wrong customer");
    expect(await countInvoices(h)).toBe(before);
  });
});

describe("approvals cannot be forged by the agent", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    await seedCustomer(h);
  });
  afterEach(async () => h.close());

  it("refuses an extra `approved: true` argument", async () => {
    const result = await h.call("create_invoice", { ...INVOICE_INPUT, approved: true });
    expect(result.error?.code).toBe("VALIDATION_ERROR");
    expect(result.error?.message).toContain('"approved"');
    const post = await h.call("post_invoice", { invoice_id: "1", approved: true });
    expect(post.error?.code).toBe("VALIDATION_ERROR");
  });

  it("exposes no tool that decides an approval", async () => {
    const { tools } = await h.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names.some((name) => /approve|decide|reject|confirm/.test(name))).toBe(false);
    for (const tool of tools) {
      const properties = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
      expect(properties.filter((p) => /approv|confirm|decision/.test(p) && p !== "approval_id")).toEqual([]);
    }
  });

  it("answers APPROVAL_NOT_FOUND for a forged or malformed id, including path tricks", async () => {
    for (const id of ["apr_aaaaaaaaaaaaaaaaaaaaaaaaaa", "../../etc/passwd", "apr_../../x", ""]) {
      const result = await h.call("get_approval", { approval_id: id });
      expect(result.error?.code).toBe("APPROVAL_NOT_FOUND");
    }
  });

  it("never runs an approval twice: replaying an executed request changes nothing", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    await h.approve(pending.data.approval_id);
    const after = await countInvoices(h);
    const again = await h.app.approvals.execute(String(pending.data.approval_id));
    expect(again.status).toBe("executed");
    const refusal = await h.app.approvals
      .decide(String(pending.data.approval_id), { decision: "approved", channel: "cli", actor: "x" })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(ToolError);
    expect(refusal).toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/already decided/),
    });
    expect(await countInvoices(h)).toBe(after);
  });

  it("refuses to run arguments changed in the store after approval", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(pending.data.approval_id);
    await h.app.approvals.decide(id, { decision: "approved", channel: "cli", actor: "test" });
    const file = await findRecordFile(h.dataDir, id);
    const record = JSON.parse(await readFile(file, "utf8"));
    record.args.line_items[0].unit_price = 1;
    await writeFile(file, JSON.stringify(record));
    const before = await countInvoices(h);
    // A refusal is an answer (status failed, with its reason), not a throw: a crash fails this test.
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toEqual({
      status: "failed",
      code: "APPROVAL_INVALID",
      message: expect.stringMatching(
        /seal is broken.*stored arguments do not match.*Nothing was done in Odoo/,
      ),
    });
    expect(await countInvoices(h)).toBe(before);
  });

  it("ignores an approval written into the store by hand", async () => {
    const pending = await h.call("create_invoice", INVOICE_INPUT);
    const id = String(pending.data.approval_id);
    const file = await findRecordFile(h.dataDir, id);
    const record = JSON.parse(await readFile(file, "utf8"));
    record.status = "approved";
    record.decision = {
      decision: "approved",
      channel: "cli",
      actor: "agent",
      at: new Date().toISOString(),
      key: "keychain",
      signature: "00",
    };
    await writeFile(file, JSON.stringify(record));
    const before = await countInvoices(h);
    const outcome = await h.app.approvals.execute(id);
    expect(outcome).toEqual({
      status: "failed",
      code: "APPROVAL_INVALID",
      message: expect.stringMatching(/seal is broken.*Nothing was done in Odoo/),
    });
    expect(await countInvoices(h)).toBe(before);
  });
});

async function findRecordFile(dataDir: string, id: string): Promise<string> {
  const stack = [dataDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name === `${id}.json`) return full;
    }
  }
  throw new Error(`no record file for ${id}`);
}
