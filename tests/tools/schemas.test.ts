import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import type { App } from "../../src/mcp/app.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { VERSION } from "../../src/mcp/version.js";

/**
 * The bound on tools/list (bytes of its JSON); see the report of issue 9 for the figures. Issue 9 asks for 16 KB;
 * 23,157 bytes today, so this bound stops any growth while the rest is cut.
 */
const LIST_BOUND = 24 * 1024;
const SNAPSHOT = path.resolve(import.meta.dirname, "../../docs/tool-schemas.json");

/** Listing tools needs no Odoo: the app is never touched. */
async function listTools() {
  const { server } = createMcpServer({} as App);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "schema-test", version: "1" });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

describe("tool schemas", () => {
  it("match the checked-in snapshot (docs/tool-schemas.json): a schema change is a visible diff", async () => {
    const tools = await listTools();
    const current = `${JSON.stringify(tools, null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === "1") await writeFile(SNAPSHOT, current);
    if (!existsSync(SNAPSHOT))
      throw new Error(
        "docs/tool-schemas.json is missing: run UPDATE_SCHEMAS=1 npx vitest run tests/tools/schemas.test.ts",
      );
    expect(current).toBe(await readFile(SNAPSHOT, "utf8"));
  });

  it(`cost at most ${LIST_BOUND / 1024} KB of context: the bytes of the tools/list answer`, async () => {
    const tools = await listTools();
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    process.stdout.write(`tools/list: ${bytes} bytes for ${tools.length} tools\n`);
    expect(bytes).toBeLessThan(LIST_BOUND);
    // every field's description is said once: never again inside its anyOf branch
    const nested = JSON.stringify(tools).match(/"anyOf":\[\{[^\]]*"description"/g) ?? [];
    expect(nested).toEqual([]);
  });

  it("give every tool a description, annotations and an object output schema; writes are not read-only", async () => {
    const tools = await listTools();
    const gated = ["create_invoice", "send_invoice", "record_payment", "post_invoice", "create_expense"];
    for (const tool of tools) {
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(30);
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.annotations, tool.name).toMatchObject({ readOnlyHint: expect.any(Boolean) });
      if (gated.includes(tool.name) || tool.name === "create_draft_invoice") {
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(false);
      }
      if (tool.name.startsWith("get_") || tool.name.startsWith("list_") || tool.name.startsWith("find_")) {
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      }
    }
    for (const name of gated) expect(tools.map((tool) => tool.name)).toContain(name);
  });

  it("keeps the version in step with package.json", async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, "../../package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });
});
