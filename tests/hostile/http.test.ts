/**
 * Hostile requests to the optional Streamable HTTP transport, with the right token: broken JSON, a 10 MB body,
 * a batch of ten thousand requests, wrong content types and methods, a session id that does not exist. Each gets a
 * client error (4xx) or a JSON-RPC error, within a time bound, and the server keeps serving a proper client.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SESSIONS, startHttpServer } from "../../src/mcp/http-server.js";
import { type Harness, startHarness } from "../support/harness.js";

const TOKEN = "hostile-token-0123456789abcdef";
let h: Harness;
let http: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startHarness();
  http = await startHttpServer(h.app, { port: 0, token: TOKEN });
});
afterAll(async () => {
  await http?.close();
  await h?.close();
});

const headers = {
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const init = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } },
};

const CASES: [string, RequestInit][] = [
  ["broken JSON", { method: "POST", headers, body: '{"jsonrpc":"2.0","id":1,"method":' }],
  ["not JSON at all", { method: "POST", headers, body: "\u0000\u202e%_|&'\"" }],
  ["a JSON string", { method: "POST", headers, body: '"initialize"' }],
  ["null", { method: "POST", headers, body: "null" }],
  ["an empty body", { method: "POST", headers, body: "" }],
  [
    "10 MB of JSON",
    { method: "POST", headers, body: JSON.stringify({ ...init, pad: "x".repeat(10 * 1024 * 1024) }) },
  ],
  [
    "a batch of 10,000 calls",
    { method: "POST", headers, body: JSON.stringify(Array.from({ length: 10_000 }, () => init)) },
  ],
  [
    "a tool call without a session",
    {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "find_partners", arguments: { query: "%" } },
      }),
    },
  ],
  [
    "an unknown session",
    {
      method: "POST",
      headers: { ...headers, "mcp-session-id": "../../etc/passwd" },
      body: JSON.stringify(init),
    },
  ],
  [
    "a wrong content type",
    { method: "POST", headers: { ...headers, "content-type": "text/plain" }, body: JSON.stringify(init) },
  ],
  [
    "no accept header",
    {
      method: "POST",
      headers: { authorization: headers.authorization, "content-type": "application/json" },
      body: JSON.stringify(init),
    },
  ],
  ["GET without a session", { method: "GET", headers }],
  ["DELETE without a session", { method: "DELETE", headers }],
  ["PUT", { method: "PUT", headers, body: JSON.stringify(init) }],
];

describe("hostile requests to the HTTP transport", () => {
  it.each(CASES)(
    "%s: a client error, in time",
    async (_title, request) => {
      const answer = await fetch(http.url, { ...request, signal: AbortSignal.timeout(15_000) });
      const body = await answer.text();
      if (answer.status === 200) {
        // Accepted by the transport: then it is a JSON-RPC error, never a result of a call it should refuse.
        expect(body, body.slice(0, 300)).toMatch(/"error"/);
      } else {
        expect(answer.status, body.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(answer.status, body.slice(0, 300)).toBeLessThan(500);
      }
      expect(body).not.toMatch(/\n\s+at /); // no stack trace
    },
    30_000,
  );

  it("still serves a proper client afterwards", async () => {
    const client = new Client({ name: "after", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: headers.authorization } },
      }),
    );
    const answer = await client.callTool({ name: "list_taxes", arguments: {} });
    expect(answer.isError).toBeFalsy();
    await client.close();
  });

  it(`keeps at most ${MAX_SESSIONS} sessions however many the token holder opens: the least recently used goes`, async () => {
    const open = async () => {
      const answer = await fetch(http.url, { method: "POST", headers, body: JSON.stringify(init) });
      await answer.text();
      const id = answer.headers.get("mcp-session-id");
      expect(answer.status).toBe(200);
      expect(id).toBeTruthy();
      return id as string;
    };
    const list = (id: string) =>
      fetch(http.url, {
        method: "POST",
        headers: { ...headers, "mcp-session-id": id, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list", params: {} }),
      });
    const kept = await open();
    const first = await open();
    for (let i = 0; i < MAX_SESSIONS - 2; i++) await open();
    expect((await list(kept)).status).toBe(200); // used again: now the most recent
    await open(); // one past the cap: the least recently used (first) goes
    const gone = await list(first);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain("unknown session");
    expect((await list(kept)).status).toBe(200);
  }, 60_000);
});
