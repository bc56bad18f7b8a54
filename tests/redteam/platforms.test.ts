/**
 * Red team: the new platform surfaces (issue 16) as the agent attacks them. It controls the MCP client: it sends
 * any JSON-RPC, any arguments, any `_meta` and capabilities, and answers its own prompts. Nothing it answers,
 * writes or replays approves money going out or approves past the chat's budget; every answer is a documented
 * output or error; a client without MCP Apps sees the tools/list it had before.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CallToolResultSchema, ListToolsResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startHttpServer } from "../../src/mcp/http-server.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { startSandbox } from "../../src/sandbox/index.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { countInvoices, invoiceFor, until } from "./helpers.js";

const TOKEN = "redteam-token-0123456789abcdef";

let h: Harness | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
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

/** What a 2026-07-28 request says about its client (the per-request envelope): it shows forms, or not. */
const envelope = (capabilities: Record<string, unknown> = { elicitation: { form: {} } }) => ({
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "agent", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": capabilities,
});

interface Wire {
  result?: Record<string, unknown> & { structuredContent?: Record<string, unknown>; isError?: boolean };
  error?: { code: number; message: string };
}

/** The agent's own 2026-07-28 requests, written by hand, to one server process (`handle`). */
function modernWire(handle: ReturnType<typeof createMcpServer>) {
  const handler = createMcpHandler(({ era }) => handle.build(era));
  closers.push(() => handler.close());
  let id = 0;
  return async (method: string, params: Record<string, unknown>, meta = envelope()): Promise<Wire> => {
    // The header that mirrors the request's name, as the SDK's client sets it (and its server checks).
    const name = params.name ?? params.uri ?? params.taskId;
    const response = await handler.fetch(
      new Request("http://odoo-mcp.test/mcp", {
        method: "POST",
        headers: {
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
          "mcp-method": method,
          ...(typeof name === "string" ? { "mcp-name": name } : {}),
          "mcp-protocol-version": "2026-07-28",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: id++, method, params: { ...params, _meta: meta } }),
      }),
    );
    return (await response.json()) as Wire;
  };
}

const APPROVE = { decision: { action: "accept", content: { decision: "approve" } } };
/** The tool's error as its text says it (a documented code and a human message), or undefined. */
const toolError = (answer: Wire) =>
  answer.result?.isError
    ? (JSON.parse((answer.result.content as { text: string }[])[0]!.text).error as {
        code: string;
        message: string;
      })
    : undefined;

/** A 2026-era gated call the server asks about: its request state. */
async function askedState(send: ReturnType<typeof modernWire>, args: unknown): Promise<string> {
  const asked = await send("tools/call", { name: "create_invoice", arguments: args });
  expect(asked.result?.resultType, JSON.stringify(asked)).toBe("input_required");
  return String(asked.result?.requestState);
}

describe("2026-07-28 input round trip: what the agent writes or replays decides nothing it should not", () => {
  it("a state replayed on another tool, a money-out tool included, decides nothing and stays answerable", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const state = await askedState(send, invoiceFor(100));
    for (const name of ["post_invoice", "record_payment", "find_partners"]) {
      const replayed = await send("tools/call", {
        name,
        arguments: name === "find_partners" ? { query: "" } : { invoice_id: "1" },
        requestState: state,
        inputResponses: APPROVE,
      });
      expect(toolError(replayed), JSON.stringify(replayed)).toMatchObject({
        code: "APPROVAL_INVALID",
        message: expect.stringMatching(/asked for by create_invoice, not .*nothing was decided/),
      });
    }
    expect((await h.app.approvals.list()).map((record) => record.status)).toEqual(["pending"]);
    // The person's own answer to the question still counts.
    const answered = await send("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(100),
      requestState: state,
      inputResponses: APPROVE,
    });
    expect(answered.result?.structuredContent?.status, JSON.stringify(answered)).toBe("draft");
    expect(await countInvoices(h)).toBe(1);
  });

  it("an answer carrying other arguments decides the request that was asked about, as it was shown", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const state = await askedState(send, invoiceFor(100));
    const answer = await send("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(4_999, "Something else"),
      requestState: state,
      inputResponses: APPROVE,
    });
    expect(answer.result?.structuredContent, JSON.stringify(answer)).toMatchObject({
      status: "draft",
      total_amount: 100,
    });
    expect(await h.app.approvals.list()).toHaveLength(1);
    expect(await countInvoices(h)).toBe(1);
  });

  it("an answer the server never asked for (no state) decides nothing: the call is asked anew, or waits", async () => {
    h = await startHarness();
    const vendor = await seedCustomer(h, "Shady Supplies", "pay@shady.example");
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const unasked = await send("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(100),
      inputResponses: APPROVE,
    });
    expect(unasked.result?.resultType).toBe("input_required");
    const bill = await h.app.odoo.create("account.move", {
      move_type: "in_invoice",
      partner_id: vendor,
      invoice_line_ids: [[0, 0, { name: "Services", quantity: 1, price_unit: 999 }]],
    });
    const post = await send("tools/call", {
      name: "post_invoice",
      arguments: { invoice_id: String(bill) },
      inputResponses: APPROVE,
    });
    expect(post.result?.structuredContent?.status, JSON.stringify(post)).toBe("pending_approval");
    expect((await h.app.approvals.list()).map((record) => record.status)).toEqual(["pending", "pending"]);
    expect(await countInvoices(h)).toBe(0);
  });

  it("a state from another server process (a restart) is refused with a message, and decides nothing", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const state = await askedState(modernWire(createMcpServer(h.app)), invoiceFor(100));
    const restarted = modernWire(createMcpServer(h.app));
    const answer = await restarted("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(100),
      requestState: state,
      inputResponses: APPROVE,
    });
    expect(answer.error?.message, JSON.stringify(answer)).toMatch(/Invalid or expired requestState/);
    expect(JSON.stringify(answer)).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect((await h.app.approvals.list()).map((record) => record.status)).toEqual(["pending"]);
  });

  it("two answers to one question sent at once: one decision, one invoice", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const state = await askedState(send, invoiceFor(100));
    const answers = await Promise.all(
      Array.from({ length: 4 }, () =>
        send("tools/call", {
          name: "create_invoice",
          arguments: invoiceFor(100),
          requestState: state,
          inputResponses: APPROVE,
        }),
      ),
    );
    const codes = answers.map(
      (answer) => toolError(answer)?.code ?? answer.result?.structuredContent?.status,
    );
    expect(codes.sort()).toEqual(["APPROVAL_INVALID", "APPROVAL_INVALID", "APPROVAL_INVALID", "draft"]);
    expect(await countInvoices(h)).toBe(1);
  });

  it("states hoarded before answering: approving them all gets no more than the chat's daily five", async () => {
    h = await startHarness();
    const send = modernWire(createMcpServer(h.app));
    const states: { state: string; args: unknown }[] = [];
    for (let i = 0; i < 7; i++) {
      await seedCustomer(h, `Customer ${i}`, `c${i}@example.com`);
      const args = {
        ...invoiceFor(100),
        customer_name: `Customer ${i}`,
        customer_email: `c${i}@example.com`,
      };
      states.push({ state: await askedState(send, args), args });
    }
    const statuses = [];
    for (const { state, args } of states) {
      const answer = await send("tools/call", {
        name: "create_invoice",
        arguments: args,
        requestState: state,
        inputResponses: APPROVE,
      });
      statuses.push(answer.result?.structuredContent?.status);
    }
    expect(statuses).toEqual([...Array(5).fill("draft"), "pending_approval", "pending_approval"]);
    expect(await countInvoices(h)).toBe(5);
  });

  it("malformed and huge answers decide nothing and get a documented answer, never a stack trace", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const shapes: unknown[] = [
      "approve",
      { decision: "approve" },
      { decision: { action: "accept", content: { decision: "APPROVE" } } },
      { decision: { action: "accept", content: { decision: ["approve"] } } },
      { other: APPROVE.decision },
      { decision: { action: "accept", content: { decision: "reject", pad: "x".repeat(2_000_000) } } },
    ];
    for (const inputResponses of shapes) {
      const state = await askedState(send, invoiceFor(100));
      const answer = await send("tools/call", {
        name: "create_invoice",
        arguments: invoiceFor(100),
        requestState: state,
        inputResponses,
      });
      const text = JSON.stringify(answer).slice(0, 2_000);
      expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      const status = answer.result?.structuredContent?.status;
      const code = toolError(answer)?.code;
      expect(answer.error?.message ?? status ?? code, text).toBeTruthy();
      expect(status, text).not.toBe("draft");
    }
    expect(await countInvoices(h)).toBe(0);
  });

  it("an answer after the person rejected at the terminal, or after the request expired, decides nothing", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const rejected = await askedState(send, invoiceFor(100));
    const [first] = await h.app.approvals.list();
    await h.reject(first!.id);
    const late = await send("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(100),
      requestState: rejected,
      inputResponses: APPROVE,
    });
    expect(toolError(late)?.code, JSON.stringify(late)).toBe("APPROVAL_REJECTED");

    const expiring = await askedState(send, invoiceFor(200));
    const second = (await h.app.approvals.list({ status: "pending" }))[0]!;
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse(second.expiresAt) + 1 });
    const expired = await send("tools/call", {
      name: "create_invoice",
      arguments: invoiceFor(200),
      requestState: expiring,
      inputResponses: APPROVE,
    });
    // Expired, and said so: not mistaken for a file changed outside odoo-mcp (its seal is written anew).
    expect(toolError(expired), JSON.stringify(expired)).toMatchObject({ code: "APPROVAL_EXPIRED" });
    const now = await h.app.approvals.get(second.id);
    expect(now?.status).toBe("expired");
    expect((await h.app.approvals.view(now!)).integrity).toEqual([]);
    vi.useRealTimers();
    expect(await countInvoices(h)).toBe(0);
  });
});

/** MCP Apps' extension as a client declares it. */
const APPS = {
  extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
};
const names = (answer: Wire) => ((answer.result?.tools ?? []) as { name: string }[]).map((tool) => tool.name);

describe("era confusion: what a request claims about itself counts in its own era only", () => {
  it("a 2025-era session sending a 2026 envelope gets neither the apps nor a decision from a valid request state", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const handle = createMcpServer(h.app);
    const state = await askedState(modernWire(handle), invoiceFor(100));
    const legacy = new Client({ name: "agent", version: "1" });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await handle.build("legacy").connect(serverSide);
    await legacy.connect(clientSide);
    closers.push(() => legacy.close());
    const _meta = envelope({ ...APPS, elicitation: { form: {} } });
    const listed = await legacy.request({ method: "tools/list", params: { _meta } }, ListToolsResultSchema);
    expect(listed.tools.map((tool) => tool.name)).toEqual(
      (await h.client.listTools()).tools.map((t) => t.name),
    );
    const view = await legacy.request(
      { method: "tools/call", params: { name: "approval_view", arguments: { approval_id: "x" }, _meta } },
      CallToolResultSchema,
    );
    expect((view.content[0] as { text: string }).text).toContain('Unknown tool \\"approval_view\\"');
    const answer = await legacy.request(
      {
        method: "tools/call",
        params: {
          name: "create_invoice",
          arguments: invoiceFor(100),
          requestState: state,
          inputResponses: APPROVE,
          _meta,
        },
      },
      CallToolResultSchema,
    );
    // Served as a 2025-era call: a request of its own, waiting for a person; the question asked on 2026 still is.
    expect(answer.structuredContent?.status).toBe("pending_approval");
    expect((await h.app.approvals.list()).map((record) => record.status)).toEqual(["pending", "pending"]);
    expect(await countInvoices(h)).toBe(0);
  });

  it("on 2026-07-28: no tasks/* methods, and the apps only on a request that declares them", async () => {
    h = await startHarness();
    const send = modernWire(createMcpServer(h.app));
    for (const method of ["tasks/list", "tasks/get", "tasks/result", "tasks/cancel"]) {
      const answer = await send(method, { taskId: "0366cfbc-4a93-4429-83cd-717620cd310f" });
      expect(answer.error?.message, method).toMatch(/not found/i);
    }
    expect(names(await send("tools/list", {}, envelope(APPS)))).toContain("approval_view");
    const plain = await send("tools/list", {});
    expect(names(plain)).not.toContain("approval_view");
    expect(JSON.stringify(plain)).not.toContain("ui://");
    const called = await send("tools/call", { name: "approval_view", arguments: { approval_id: "x" } });
    expect(toolError(called)).toEqual({ code: "VALIDATION_ERROR", message: 'Unknown tool "approval_view".' });
  });
});

describe("a client's name is its own word: kept as a name, not a payload", () => {
  it("a 300 KB client name (2026 envelope) is kept as its first 100 characters on the request", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const name = `Claude Code ${"\u202e".repeat(10)}${"x".repeat(300_000)}`;
    const meta = { ...envelope({}), "io.modelcontextprotocol/clientInfo": { name, version: "1" } };
    const asked = await send("tools/call", { name: "create_invoice", arguments: invoiceFor(100) }, meta);
    expect(asked.result?.structuredContent?.status, JSON.stringify(asked).slice(0, 300)).toBe(
      "pending_approval",
    );
    const [record] = await h.app.approvals.list();
    expect(record?.requestedBy).toBe(name.slice(0, 100));
  }, 30_000);
});

describe("MCP Apps: the card's read and the resources, asked for by the agent", () => {
  it("approval_view: an unknown id, a path, another shape: APPROVAL_NOT_FOUND or VALIDATION_ERROR, nothing read", async () => {
    h = await startHarness();
    const send = modernWire(createMcpServer(h.app));
    const ids = [
      "apr_aaaaaaaaaaaaaaaaaaaaaaaaaa",
      "../../etc/passwd",
      "apr_../../../policy",
      "",
      " ",
      "%2e%2e%2f",
    ];
    for (const approval_id of ids) {
      const answer = await send(
        "tools/call",
        { name: "approval_view", arguments: { approval_id } },
        envelope(APPS),
      );
      const error = toolError(answer);
      expect(error?.code, JSON.stringify(answer)).toMatch(/^(APPROVAL_NOT_FOUND|VALIDATION_ERROR)$/);
      expect(JSON.stringify(answer)).not.toContain(h.dataDir);
    }
    const long = await send(
      "tools/call",
      { name: "approval_view", arguments: { approval_id: "a".repeat(100_000) } },
      envelope(APPS),
    );
    expect(toolError(long)?.code).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(long).length).toBeLessThan(2_000);
  });

  it("approval_view of a real request says no secret and no path: the card's fields only", async () => {
    h = await startHarness();
    await seedCustomer(h);
    const send = modernWire(createMcpServer(h.app));
    const pending = await send(
      "tools/call",
      { name: "create_invoice", arguments: invoiceFor(100) },
      envelope(APPS),
    );
    const id = String(pending.result?.structuredContent?.approval_id);
    const card = await send(
      "tools/call",
      { name: "approval_view", arguments: { approval_id: id } },
      envelope(APPS),
    );
    const text = JSON.stringify(card);
    expect(card.result?.structuredContent?.approval_id, text).toBe(id);
    for (const secret of [h.env.ODOO_API_KEY!, h.dataDir, "argsHash", "seal", "signature"])
      expect(text).not.toContain(secret);
  });

  it("resources/read of anything but the two apps is an error with a message, and reads no file", async () => {
    h = await startHarness();
    const send = modernWire(createMcpServer(h.app));
    const uris = [
      "file:///etc/passwd",
      "ui://odoo-mcp/../../package.json",
      "ui://odoo-mcp/approval.html/../../../package.json",
      "ui://odoo-mcp/%2e%2e/%2e%2e/package.json",
      "ui://odoo-mcp/",
      "ui://other/approval.html",
    ];
    for (const uri of uris) {
      const answer = await send("resources/read", { uri }, envelope(APPS));
      const text = JSON.stringify(answer);
      expect(answer.error?.message, uri).toMatch(/not found/i);
      expect(answer.result, uri).toBeUndefined();
      expect(text).not.toMatch(/"name":\s*"odoo-mcp"|root:/);
    }
  });
});

describe("Streamable HTTP: 2026-07-28 requests get the same door as 2025-era ones", () => {
  /** A 2026-07-28 request as sent over the wire, with `headers` beside (or instead of) the bearer token. */
  const modernRequest = (headers: Record<string, string>, params: Record<string, unknown> = {}) => ({
    method: "POST",
    headers: {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-method": "tools/list",
      "mcp-protocol-version": "2026-07-28",
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { ...params, _meta: envelope() },
    }),
    signal: AbortSignal.timeout(15_000),
  });

  it("no token, a wrong one, a huge header, a huge body, another session's id: refused or answered, never served wrongly", async () => {
    h = await startHarness();
    const http = await startHttpServer(h.app, { port: 0, token: TOKEN });
    closers.push(http.close);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const wrong: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { authorization: `Bearer ${TOKEN}x` },
    ];
    for (const headers of wrong) {
      const answer = await fetch(http.url, modernRequest(headers));
      expect(answer.status).toBe(401);
      expect(await answer.text()).not.toContain("create_invoice");
    }
    const huge = await fetch(http.url, modernRequest({ ...bearer, "x-pad": "x".repeat(64 * 1024) })).catch(
      (error: Error) => error,
    );
    if (!(huge instanceof Error)) expect(huge.status).toBe(431);
    const body = await fetch(http.url, modernRequest(bearer, { pad: "x".repeat(10 * 1024 * 1024) }));
    expect(body.status).toBeGreaterThanOrEqual(400);
    expect(body.status).toBeLessThan(500);
    expect(await body.text()).not.toMatch(/\n\s+at /);

    // A 2025-era session, and a 2026 request naming it: answered as one era or the other, with the token alone.
    const legacy = await legacyHttpClient(http.url);
    await legacy.listTools();
    const sessionId = (legacy.transport as StreamableHTTPClientTransport).sessionId!;
    const named = await fetch(http.url, modernRequest({ ...bearer, "mcp-session-id": sessionId }));
    const text = await named.text();
    expect(text).not.toMatch(/\n\s+at /);
    if (named.status === 200) expect(text).toContain("create_invoice");
    else expect(named.status).toBeLessThan(500);
    expect((await fetch(http.url, modernRequest({ "mcp-session-id": sessionId }))).status).toBe(401);
    // And the server still serves its own clients.
    expect((await legacy.listTools()).tools.length).toBeGreaterThan(0);
    const ok = await fetch(http.url, modernRequest(bearer));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("create_invoice");
  }, 60_000);
});

describe("Odoo 20's scoped API keys, met through the tools", () => {
  it("a key of another scope: each tool answers AUTHENTICATION_ERROR naming the scope, never the key, nothing requested", async () => {
    const sandbox = await startSandbox({ apiKeyScope: "invoices" });
    closers.push(() => sandbox.close());
    h = await startHarness({ sandbox, protocol: "2026-07-28", elicitation: () => "approve" });
    for (const [name, args] of [
      ["find_partners", { query: "" }],
      ["create_invoice", invoiceFor(100)],
    ] as const) {
      const answer = await h.call(name, args);
      expect(answer.error?.code, answer.text).toBe("AUTHENTICATION_ERROR");
      expect(answer.error?.message).toContain("`rpc` scope");
      expect(answer.text).not.toContain(sandbox.apiKey);
      expect(answer.text).not.toMatch(/\n\s+at /);
    }
    expect(await h.app.approvals.list()).toEqual([]);
  });
});
