/**
 * MCP Apps on the server, in both eras: a client that declares MCP Apps support gets the apps' resources, the
 * app-only tools and each tool's `_meta`; every other client gets the tools/list it had before the apps existed,
 * and cannot call an app-only tool.
 */
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientSupportsApps, type McpApps } from "../../src/mcp/apps/index.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { getApprovalTool } from "../../src/mcp/tools/get-approval.js";
import { listTaxesTool } from "../../src/mcp/tools/read-tools.js";
import { connectModern, type Harness, startHarness } from "../support/harness.js";

const APP = "ui://odoo-mcp/test.html";
const UI = { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } } };

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** One tool for everyone (list_taxes, linking the app), one for the app alone (get_approval stands in). */
const testApps: McpApps = {
  resources: [
    {
      uri: APP,
      name: "test-app",
      mimeType: RESOURCE_MIME_TYPE,
      description: "A test app",
      read: async () => "<p>hello</p>",
    },
  ],
  tools: [getApprovalTool],
  meta: { list_taxes: { ui: { resourceUri: APP } }, get_approval: { ui: { visibility: ["app"] } } },
  supports: clientSupportsApps,
};
const serverWithApps = () => createMcpServer(h.app, { tools: [listTaxesTool], apps: testApps });

async function legacyClient(capabilities: Record<string, unknown>) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await serverWithApps().server.connect(serverSide);
  const client = new Client({ name: "hooks", version: "1" }, { capabilities });
  await client.connect(clientSide);
  return client;
}

describe("MCP Apps on the server, in both eras", () => {
  it("2025-11-25, a client with MCP Apps: the app-only tool and the _meta are listed; resources are listed and read", async () => {
    const client = await legacyClient(UI);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => [tool.name, tool._meta])).toEqual([
      ["list_taxes", { ui: { resourceUri: APP } }],
      ["get_approval", { ui: { visibility: ["app"] } }],
    ]);
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      { uri: APP, name: "test-app", mimeType: RESOURCE_MIME_TYPE, description: "A test app" },
    ]);
    const read = await client.readResource({ uri: APP });
    expect(read.contents).toEqual([{ uri: APP, mimeType: RESOURCE_MIME_TYPE, text: "<p>hello</p>" }]);
    const answer = await client.callTool({ name: "get_approval", arguments: { approval_id: "apr_nope" } });
    expect(JSON.stringify(answer.content)).toContain("APPROVAL_NOT_FOUND");
    await client.close();
  });

  it("2025-11-25, a client without: today's tools/list, no _meta, and the app-only tool is unknown to it", async () => {
    const client = await legacyClient({});
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["list_taxes"]);
    expect(tools[0]?._meta).toBeUndefined();
    const answer = await client.callTool({ name: "get_approval", arguments: { approval_id: "apr_nope" } });
    expect(answer.isError).toBe(true);
    const text = (answer.content as { text: string }[])[0]?.text ?? "";
    expect(JSON.parse(text)).toEqual({
      error: { code: "VALIDATION_ERROR", message: 'Unknown tool "get_approval".' },
    });
    await client.close();
  });

  it("2026-07-28: the same, the client saying it on each request", async () => {
    const withApps = await connectModern(serverWithApps(), undefined, undefined, UI);
    const listed = await withApps.listTools();
    expect(listed.tools.map((tool) => tool.name)).toEqual(["list_taxes", "get_approval"]);
    expect(listed.tools[0]?._meta).toEqual({ ui: { resourceUri: APP } });
    const { resources } = await withApps.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([APP]);
    const read = await withApps.readResource({ uri: APP });
    expect(read.contents[0]).toMatchObject({ uri: APP, text: "<p>hello</p>" });
    await withApps.close();

    const without = await connectModern(serverWithApps());
    const plain = await without.listTools();
    expect(plain.tools.map((tool) => [tool.name, tool._meta])).toEqual([["list_taxes", undefined]]);
    await without.close();
  });

  it("the product's own apps: a client without them gets exactly the tools/list of a server with no apps", async () => {
    const listFrom = async (apps: McpApps | null | undefined) => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await createMcpServer(h.app, apps === undefined ? {} : { apps }).server.connect(serverSide);
      const client = new Client({ name: "plain", version: "1" });
      await client.connect(clientSide);
      const { tools } = await client.listTools();
      await client.close();
      return tools;
    };
    expect(await listFrom(undefined)).toEqual(await listFrom(null));
  });

  it("the product's apps: an apps client's tools/list, less what the host keeps to itself (_meta, tools for the app alone), is what every client gets, under 16 KB", async () => {
    const listFor = async (capabilities: Record<string, unknown>) => {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await createMcpServer(h.app).server.connect(serverSide);
      const client = new Client({ name: "sizes", version: "1" }, { capabilities });
      await client.connect(clientSide);
      const { tools } = await client.listTools();
      await client.close();
      return tools;
    };
    const plain = await listFor({});
    const withApps = await listFor(UI);
    const modelReads = withApps
      .filter((tool) => !JSON.stringify(tool._meta ?? {}).includes('"visibility":["app"]'))
      .map(({ _meta, ...tool }) => tool);
    expect(modelReads).toEqual(plain);
    // Issue 9's 16 KB for the four seed toolsets, and the bank toolset's 6,500 bytes more (tests/tools/schemas.test.ts).
    expect(JSON.stringify(plain).length).toBeLessThanOrEqual(16 * 1024 + 6_500);
    expect(withApps.find((tool) => tool.name === "approval_view")?._meta).toEqual({
      ui: { visibility: ["app"] },
    });
    expect(withApps.find((tool) => tool.name === "create_invoice")?._meta).toEqual({
      ui: { resourceUri: "ui://odoo-mcp/approval.html" },
    });
  });
});
