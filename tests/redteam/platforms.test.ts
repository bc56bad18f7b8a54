/**
 * Red team: the new platform surfaces (issue 16) as the agent attacks them. It controls the MCP client: it sends
 * any JSON-RPC, any arguments, any `_meta` and capabilities, and answers its own prompts. Nothing it answers,
 * writes or replays approves money going out or approves past the chat's budget; every answer is a documented
 * output or error; a client without MCP Apps sees the tools/list it had before.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { startHttpServer } from "../../src/mcp/http-server.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor, until } from "./helpers.js";

const TOKEN = "redteam-token-0123456789abcdef";

let h: Harness | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  await h?.close();
  h = undefined;
});

/** A 2025-era client on its own HTTP session. */
async function legacyHttpClient(url: string, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client({ name: "agent", version: "1" }, { capabilities });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    }),
  );
  closers.push(() => client.close());
  return client;
}

describe("MCP Tasks over HTTP: a session sees its own tasks only", () => {
  it("another session cannot list, read, fetch the result of, or cancel a task", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const http = await startHttpServer(h.app, { port: 0, token: TOKEN });
    closers.push(http.close);
    const owner = await legacyHttpClient(http.url);
    const other = await legacyHttpClient(http.url);
    await owner.listTools();
    const stream = owner.experimental.tasks.callToolStream(
      { name: "create_invoice", arguments: invoiceFor(700) },
      CallToolResultSchema,
    );
    const first = await stream[Symbol.asyncIterator]().next();
    const { taskId } = (first.value as { task: { taskId: string } }).task;
    await until(async () => (await h!.app.approvals.list({ status: "pending" })).length === 1, 5_000, 20);

    expect((await other.experimental.tasks.listTasks()).tasks).toEqual([]);
    await expect(other.experimental.tasks.getTask(taskId)).rejects.toThrow(/No task has the id/);
    await expect(other.experimental.tasks.cancelTask(taskId)).rejects.toThrow(/No task has the id/);
    // Its owner still has it, working: the other session's attempts changed nothing.
    expect((await owner.experimental.tasks.getTask(taskId)).status).toBe("working");
    expect((await owner.experimental.tasks.listTasks()).tasks.map((task) => task.taskId)).toEqual([taskId]);
    expect(await countInvoices(h)).toBe(0);
  }, 30_000);
});
