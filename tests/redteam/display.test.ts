/**
 * Red team: text that reaches a person. Partner names come from Odoo (anyone who edits a contact), client names
 * from the MCP client's `clientInfo.name`, descriptions and reasons from the agent. None of them may put a
 * control character, an escape sequence, a carriage return or a bidi override on the person's screen.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { renderView } from "../../src/mcp/approvals/view.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor, isoDay } from "./helpers.js";

// ESC, CR, BS, BEL, C1 CSI, RLO, LRI, ZWSP, BOM: none may appear raw.
const UNSAFE = ["\u001b", "\r", "\b", "\u0007", "\u009b", "\u202e", "\u2066", "\u200b", "\ufeff"];
const EVIL = `Acme\u001b[2J\u001b[1;1HTotal: 1.00 USD\rX\u202eDSU 00.1\u009b31m\u0007\b\u2066\u200b\ufeffEnd`;

function expectClean(text: string) {
  for (const char of UNSAFE)
    expect(text.includes(char), `raw U+${char.codePointAt(0)!.toString(16)}`).toBe(false);
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("what a person reads is escaped", () => {
  it("a partner name from Odoo with escapes, in the client's prompt and in the terminal view", async () => {
    const prompts: string[] = [];
    h = await startHarness({
      elicitation: (message) => {
        prompts.push(message);
        return "reject";
      },
    });
    await seedCustomer(h, EVIL, "evil@example.com");
    const answer = await h.call("create_invoice", {
      ...invoiceFor(10, `Line\u001b[A\rTotal 1.00\u2028\u202e`),
      customer_name: EVIL,
      customer_email: "evil@example.com",
    });
    expect(prompts.length, answer.text).toBe(1);
    expectClean(prompts[0]!);
    const id = String(answer.error?.details && (answer.error.details as { approval_id: string }).approval_id);
    const record = await h.app.approvals.get(id);
    const view = await h.app.approvals.view(record!);
    const text = renderView(view, { arguments: true });
    expectClean(text);
    // One request line per row: the description could not start a line of its own.
    expect(text.split("\n").filter((line) => line.startsWith("Total")).length).toBe(0);
    expect(await countInvoices(h)).toBe(0);
  });

  it("an MCP client name with escapes: in the prompt, the view and the decision", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const { server } = createMcpServer(h.app);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const prompts: string[] = [];
    const client = new Client({ name: EVIL, version: "1" }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      prompts.push(request.params.message);
      return { action: "accept", content: { decision: "reject" } };
    });
    await client.connect(clientSide);
    try {
      const result = await client.callTool({ name: "create_invoice", arguments: invoiceFor(10) });
      expect(result.isError).toBe(true);
      const [record] = await h.app.approvals.list();
      expectClean(prompts.join("\n"));
      const text = renderView(await h.app.approvals.view(record!), { arguments: true });
      expectClean(text);
      expect(text).toContain("\\x1b");
    } finally {
      await client.close();
      await server.close();
    }
  });

  it("a rejection reason and an expense description with escapes are shown escaped", async () => {
    h = await startHarness();
    const answer = await h.call("create_expense", {
      description: `Dinner\u001b]0;owned\u0007\r`,
      vendor: `V\u202eendor`,
      amount: 500,
      expense_date: isoDay(-1),
      category: "meals",
    });
    const id = String(answer.data.approval_id);
    await h.reject(id, `no\u001b[2J\rreally`);
    const text = renderView(await h.app.approvals.view((await h.app.approvals.get(id))!), {
      arguments: true,
    });
    expectClean(text);
  });
});
