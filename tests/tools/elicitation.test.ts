import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { until } from "../support/wait.js";

describe("the human decides inside the call", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("through MCP elicitation: approve → the tool answers its own output, once", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      env: { ODOO_MCP_ELICITATION_MAX_AMOUNT: "5000" },
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    const result = await h.call("create_invoice", INVOICE_INPUT);
    expect(result.isError, result.text).toBe(false);
    expect(result.data.status).toBe("draft");
    expect(result.data.total_amount).toBeTypeOf("number");
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("Acme Corp");
    const view = await h.call("get_approval", { approval_id: result.data.approval_id });
    expect(view.data).toMatchObject({ status: "executed", channel: "elicitation" });
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(1);
  });

  it("through MCP elicitation: reject → APPROVAL_REJECTED and nothing in Odoo", async () => {
    h = await startHarness({ env: { ODOO_MCP_ELICITATION_MAX_AMOUNT: "5000" }, elicitation: () => "reject" });
    await seedCustomer(h);
    const result = await h.call("create_invoice", INVOICE_INPUT);
    expect(result.error?.code).toBe("APPROVAL_REJECTED");
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(0);
  });

  it("above the amount the client's prompt may approve (default 1000), the prompt is not shown at all", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    await seedCustomer(h);
    const result = await h.call("create_invoice", INVOICE_INPUT); // 1,478.33 with tax
    expect(result.isError, result.text).toBe(false);
    expect(result.data.status).toBe("pending_approval");
    expect(String(result.data.message)).toMatch(/above 1000, the MCP client's prompt may not approve it/);
    expect(prompts).toEqual([]);
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(0);
  });

  it("the prompt shows what Odoo computed, and escapes what the agent wrote (no control character reaches it)", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "reject";
      },
    });
    await seedCustomer(h);
    await h.call("create_invoice", {
      ...INVOICE_INPUT,
      line_items: [{ description: "Tea\r\nTotal: 5.00 USD\u001b[2K\u202e", quantity: 1, unit_price: 500 }],
    });
    expect(prompts).toHaveLength(1);
    const prompt = prompts[0]!;
    const unsafe = Array.from(prompt).filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return (
        (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e)
      );
    });
    expect(unsafe).toEqual([]);
    expect(prompt).toContain("Tea\\r\\nTotal: 5.00 USD\\x1b[2K\\u202e");
    expect(prompt).toMatch(/Subtotal\s+500\.00 USD/); // what Odoo's look-ups give, not the agent's text
    expect(prompt).toMatch(/Tax 15%\s+75\.00 USD/);
    expect(prompt.split("\n").filter((line) => /^\s*Total:/.test(line))).toEqual([]);
  });

  it("a dismissed prompt leaves the request pending for the CLI or the app", async () => {
    h = await startHarness({ elicitation: () => "cancel" });
    await seedCustomer(h);
    const result = await h.call("create_invoice", INVOICE_INPUT);
    expect(result.data.status).toBe("pending_approval");
  });

  it("within the configured wait, a decision made elsewhere (CLI, tray) is picked up", async () => {
    // A wait long enough for a busy machine; the call ends as soon as the decision is in.
    h = await startHarness({ env: { ODOO_MCP_APPROVAL_WAIT_MS: "20000" } });
    await seedCustomer(h);
    const harness = h;
    const decider = (async () => {
      const [pending] = await until(
        () =>
          harness.app.approvals.list({ status: "pending" }).then((list) => (list.length > 0 ? list : null)),
        "the request waits for a person",
      );
      await harness.app.approvals.decide(pending!.id, {
        decision: "approved",
        channel: "tray",
        actor: "owner",
      });
    })();
    const result = await h.call("create_invoice", INVOICE_INPUT);
    await decider;
    expect(result.data.status).toBe("draft");
    expect(result.data.record_id).toBeTypeOf("number");
  });
});

describe("the audit log comes first", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    if (h) await chmod(path.join(h.dataDir, "Logs"), 0o755).catch(() => {});
    await h?.close();
    h = undefined;
  });

  it("refuses to act when the audit line cannot be written", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const logs = path.join(h.dataDir, "Logs");
    await mkdir(logs, { recursive: true });
    // Root ignores permissions, so make the day's log file path a directory instead: no line can be appended.
    const today = new Date();
    const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
    await mkdir(path.join(logs, `${day}.json`), { recursive: true });

    const gated = await h.call("create_invoice", INVOICE_INPUT);
    expect(gated.error?.code).toBe("AUDIT_LOG_UNAVAILABLE");
    const draft = await h.call("create_draft_invoice", { description: "Paper", amount: 12.5 });
    expect(draft.error?.code).toBe("AUDIT_LOG_UNAVAILABLE");
    expect(await h.app.odoo.searchCount("account.move", [])).toBe(0);
    expect(await h.app.approvals.list({ status: "pending" })).toEqual([]);
  });
});
