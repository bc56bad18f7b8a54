/**
 * The chat's approval question on MCP 2026-07-28: an input round trip (the gated call answers `input_required`, the
 * client's next call carries the person's answer and the sealed request state). The gate judges the answer exactly
 * as an elicitation on 2025-11-25: the same channel, budget and limits, never money going out. A request state the
 * agent forged or replays is refused and decides nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createMcpServer } from "../../src/mcp/server.js";
import { invoiceFor } from "../redteam/helpers.js";
import {
  connectModern,
  type Harness,
  INVOICE_INPUT,
  seedCustomer,
  startHarness,
} from "../support/harness.js";

const invoices = (h: Harness) => h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);

/** A tools/call body as the client sends it (JSON-RPC), or null for anything else. */
async function toolsCall(request: Request): Promise<Record<string, unknown> | null> {
  if (request.method !== "POST") return null;
  const body = (await request.clone().json()) as { method?: string; params?: Record<string, unknown> };
  return body.method === "tools/call" ? (body as Record<string, unknown>) : null;
}

/** `request` with its JSON-RPC params changed by `edit`. */
function rewritten(
  request: Request,
  body: Record<string, unknown>,
  edit: (params: Record<string, unknown>) => void,
) {
  const params = { ...(body.params as Record<string, unknown>) };
  edit(params);
  return new Request(request, { body: JSON.stringify({ ...body, params }) });
}

describe("the chat's approval on 2026-07-28: an input round trip", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("approve: the client's answer decides through the chat's channel, and the tool answers its own output", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      protocol: "2026-07-28",
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
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain("Acme Corp");
    const view = await h.call("get_approval", { approval_id: result.data.approval_id });
    expect(view.data).toMatchObject({ status: "executed", channel: "elicitation" });
    expect(await invoices(h)).toBe(1);
  });

  it("reject: APPROVAL_REJECTED and nothing in Odoo; a dismissed question leaves the request to a person", async () => {
    h = await startHarness({ protocol: "2026-07-28", elicitation: () => "reject" });
    await seedCustomer(h);
    const rejected = await h.call("create_invoice", invoiceFor(100));
    expect(rejected.error?.code, rejected.text).toBe("APPROVAL_REJECTED");
    await h.close();

    h = await startHarness({ protocol: "2026-07-28", elicitation: () => "cancel" });
    await seedCustomer(h);
    const dismissed = await h.call("create_invoice", invoiceFor(100));
    expect(dismissed.data.status, dismissed.text).toBe("pending_approval");
    expect(await invoices(h)).toBe(0);
  });

  it("the chat's budget holds: the 6th self-approval of the day is not asked and waits for a person", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      protocol: "2026-07-28",
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      await seedCustomer(h, `Customer ${i}`, `c${i}@example.com`);
      const answer = await h.call("create_invoice", {
        ...invoiceFor(100),
        customer_name: `Customer ${i}`,
        customer_email: `c${i}@example.com`,
      });
      statuses.push(answer.data.status);
      if (i === 5) expect(String(answer.data.message)).toMatch(/Not asked in the chat: today's 5 approvals/);
    }
    expect(statuses).toEqual([...Array(5).fill("draft"), "pending_approval"]);
    expect(prompts).toHaveLength(5);
    expect(await invoices(h)).toBe(5);
  });

  it("money going out is never asked in the chat", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      protocol: "2026-07-28",
      elicitation: (message) => {
        prompts.push(message);
        return "approve";
      },
    });
    const vendor = await seedCustomer(h, "Shady Supplies", "pay@shady.example");
    const bill = await h.call("create_draft_invoice", {
      description: "Services",
      amount: 999,
      partner_id: vendor,
    });
    expect(bill.isError, bill.text).toBe(false);
    const post = await h.call("post_invoice", { invoice_id: bill.data.invoice_id });
    expect(post.data.status, post.text).toBe("pending_approval");
    expect(String(post.data.message)).toMatch(/money going out/);
    expect(prompts).toEqual([]);
  });

  it("a forged request state is refused with a clear error and decides nothing", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const client = await connectModern(
      createMcpServer(h.app),
      () => "approve",
      async (request, serve) => {
        const body = await toolsCall(request);
        const state = (body?.params as { requestState?: string } | undefined)?.requestState;
        if (!body || state === undefined) return serve(request);
        // The state ("v1.<body>.<mac>") names its approval in clear (signed, not encrypted): the agent names
        // another one, keeping the signature.
        const [version, body64, mac] = state.split(".");
        const claims = JSON.parse(Buffer.from(body64!, "base64url").toString()) as {
          p: Record<string, unknown>;
        };
        const forged = Buffer.from(
          JSON.stringify({ ...claims, p: { ...claims.p, approvalId: "apr_forged" } }),
        );
        return serve(
          rewritten(request, body, (params) => {
            params.requestState = [version, forged.toString("base64url"), mac].join(".");
          }),
        );
      },
    );
    const refused = await client.callTool({ name: "create_invoice", arguments: invoiceFor(100) }).then(
      () => null,
      (error: Error) => error,
    );
    await client.close();
    expect(refused?.message).toMatch(/Invalid or expired requestState/);
    const [pending] = await h.app.approvals.list();
    expect(pending?.status).toBe("pending");
    expect(await invoices(h)).toBe(0);
  });

  it("a request state replayed after its answer is refused and decides nothing", async () => {
    h = await startHarness();
    await seedCustomer(h);
    let answered: Record<string, unknown> | undefined;
    let replay = false;
    const client = await connectModern(
      createMcpServer(h.app),
      () => "cancel",
      async (request, serve) => {
        const body = await toolsCall(request);
        const params = body?.params as { requestState?: string; inputResponses?: unknown } | undefined;
        if (body && params?.requestState !== undefined) answered = { ...params };
        if (!body || !replay || !answered) return serve(request);
        // The agent sends the same state again, this time with an answer of its own: approve.
        return serve(
          rewritten(request, body, (next) => {
            next.requestState = answered!.requestState;
            next.inputResponses = { decision: { action: "accept", content: { decision: "approve" } } };
          }),
        );
      },
    );
    const first = await client.callTool({ name: "create_invoice", arguments: invoiceFor(100) });
    expect(first.structuredContent).toMatchObject({ status: "pending_approval" });
    replay = true;
    const again = await client.callTool({ name: "create_invoice", arguments: invoiceFor(100) });
    await client.close();
    expect(again.isError).toBe(true);
    const error = JSON.parse((again.content[0] as { text: string }).text).error;
    expect(error.code).toBe("APPROVAL_INVALID");
    expect(error.message).toMatch(/answered already; nothing was decided/);
    const requests = await h.app.approvals.list();
    expect(requests.map((request) => request.status)).toEqual(["pending"]);
    expect(await invoices(h)).toBe(0);
  });
});
