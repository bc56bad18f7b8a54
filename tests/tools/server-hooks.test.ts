/**
 * What other parts of the product hang on the server (MCP Apps): a tool's `_meta` in tools/list, and resources
 * served with resources/list and resources/read, in both eras.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMcpServer } from "../../src/mcp/server.js";
import { listTaxesTool } from "../../src/mcp/tools/read-tools.js";
import { connectModern, type Harness, startHarness } from "../support/harness.js";

const APP = "ui://odoo-mcp/test.html";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const serverWithHooks = () =>
  createMcpServer(h.app, {
    tools: [{ ...listTaxesTool, meta: { ui: { resourceUri: APP } } }],
    resources: [
      {
        uri: APP,
        name: "test-app",
        mimeType: "text/html;profile=mcp-app",
        description: "A test app",
        read: async () => "<p>hello</p>",
      },
    ],
  });

describe("the server's hooks, in both eras", () => {
  it("2025-11-25: a tool's _meta is listed; resources are listed and read", async () => {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await serverWithHooks().server.connect(serverSide);
    const client = new Client({ name: "hooks", version: "1" });
    await client.connect(clientSide);
    const { tools } = await client.listTools();
    expect(tools[0]?._meta).toEqual({ ui: { resourceUri: APP } });
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      { uri: APP, name: "test-app", mimeType: "text/html;profile=mcp-app", description: "A test app" },
    ]);
    const read = await client.readResource({ uri: APP });
    expect(read.contents).toEqual([
      { uri: APP, mimeType: "text/html;profile=mcp-app", text: "<p>hello</p>" },
    ]);
    await client.close();
  });

  it("2026-07-28: the same", async () => {
    const client = await connectModern(serverWithHooks());
    const { tools } = await client.listTools();
    expect(tools[0]?._meta).toEqual({ ui: { resourceUri: APP } });
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([APP]);
    const read = await client.readResource({ uri: APP });
    expect(read.contents[0]).toMatchObject({ uri: APP, text: "<p>hello</p>" });
    await client.close();
  });
});
