import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { startHttpServer } from "../../src/mcp/http-server.js";
import { type Harness, startHarness } from "../support/harness.js";

const TOKEN = "test-token-0123456789abcdef";

describe("the optional Streamable HTTP transport (ODOO_MCP_PORT)", () => {
  let h: Harness | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await h?.close();
    h = undefined;
    close = undefined;
  });

  it("binds to loopback, refuses requests without the bearer token, and serves MCP with it", async () => {
    h = await startHarness();
    const http = await startHttpServer(h.app, { port: 0, token: TOKEN });
    close = http.close;
    expect(new URL(http.url).hostname).toBe("127.0.0.1");

    const anonymous = await fetch(http.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(http.url, { method: "POST", headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);

    const client = new Client({ name: "http-test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("create_invoice");
    const partners = await client.callTool({ name: "find_partners", arguments: { query: "" } });
    expect(partners.isError).toBeFalsy();
    await client.close();
  });

  it("refuses to start with a short token", async () => {
    h = await startHarness();
    await expect(startHttpServer(h.app, { port: 0, token: "short" })).rejects.toThrow(/at least 16/);
  });
});
