import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTaskTable } from "../../src/mcp/tools/tasks.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

describe("MCP Tasks: a gated call as a task that completes once a human has decided", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("advertises task support on the gated tools only", async () => {
    h = await startHarness();
    const { tools } = await h.client.listTools();
    const withTasks = tools
      .filter((tool) => tool.execution?.taskSupport === "optional")
      .map((tool) => tool.name);
    expect(withTasks.sort()).toEqual([
      "create_credit_note",
      "create_expense",
      "create_invoice",
      "post_invoice",
      "reconcile_bank_lines",
      "record_payment",
      "send_invoice",
      "send_reminder",
      "unreconcile_bank_line",
    ]);
  });

  it("creates a task, keeps it working while the request waits, and completes it with the tool's output", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const harness = h;
    await h.client.listTools(); // the client learns which tools take tasks
    const stream = h.client.experimental.tasks.callToolStream(
      { name: "create_invoice", arguments: INVOICE_INPUT },
      CallToolResultSchema,
    );
    const seen: string[] = [];
    let approved = false;
    let final: Record<string, unknown> | undefined;
    for await (const message of stream) {
      seen.push(message.type);
      if (message.type === "taskStatus" && !approved) {
        const [pending] = await harness.app.approvals.list({ status: "pending" });
        if (pending) {
          expect(message.task.status).toBe("working");
          approved = true;
          await harness.app.approvals.decide(pending.id, {
            decision: "approved",
            channel: "tray",
            actor: "owner",
          });
        }
      }
      if (message.type === "result") final = message.result.structuredContent as Record<string, unknown>;
      if (message.type === "error") throw message.error;
    }
    expect(seen[0]).toBe("taskCreated");
    expect(approved).toBe(true);
    expect(final).toMatchObject({ status: "draft" });
    expect(await h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(1);
  }, 30_000);

  it("fails the task with the contract code when the human rejects", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const harness = h;
    await h.client.listTools(); // the client learns which tools take tasks
    const stream = h.client.experimental.tasks.callToolStream(
      { name: "create_invoice", arguments: INVOICE_INPUT },
      CallToolResultSchema,
    );
    let text = "";
    let taskId = "";
    for await (const message of stream) {
      if (message.type === "taskCreated") taskId = message.task.taskId;
      if (message.type === "taskStatus") {
        const [pending] = await harness.app.approvals.list({ status: "pending" });
        if (pending)
          await harness.app.approvals.decide(pending.id, {
            decision: "rejected",
            channel: "cli",
            actor: "owner",
          });
      }
      if (message.type === "result") {
        expect(message.result.isError).toBe(true);
        const first = message.result.content[0];
        text = first?.type === "text" ? first.text : "";
      }
      if (message.type === "error") {
        // The task failed (a tool error); its stored result carries the contract code.
        const stored = await harness.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
        expect(stored.isError).toBe(true);
        const first = stored.content[0];
        text = first?.type === "text" ? first.text : "";
      }
    }
    expect(text).toContain("APPROVAL_REJECTED");
  }, 30_000);
});

describe("MCP Tasks and their connection", () => {
  it("a connection that closes (an HTTP session ended or evicted) stops its working tasks from waiting", async () => {
    const mcp = new McpServer(
      { name: "tasks-close", version: "1" },
      { capabilities: { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } },
    );
    const table = createTaskTable();
    table.serve(mcp);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.connect(serverSide);
    await clientSide.start();
    let stopped = false;
    table.start(
      60_000,
      (_onPending, signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            stopped = true;
            resolve({ content: [{ type: "text", text: "stopped waiting" }] });
          }),
        ),
    );
    expect(stopped).toBe(false);
    await clientSide.close();
    await vi.waitFor(() => expect(stopped).toBe(true));
  });
});
