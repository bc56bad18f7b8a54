/**
 * The contract, through both SDK clients and both protocol eras, on every transport: the v1 SDK's client
 * (2025-11-25), the v2 SDK's client pinned to 2026-07-28, and the v2 client in `auto` mode (it must land on the
 * modern era at once, with no fallback probe). In memory, over stdio of the BUILT server (`npm run build`), and
 * over Streamable HTTP. The same checks each time: tools/list (≤ 16 KB, output schemas, annotations as sent), a
 * read tool's documented output as compact JSON, a gated call's pending answer, a documented error code and an
 * unknown tool.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport as ModernStdio } from "@modelcontextprotocol/client/stdio";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer } from "../../src/mcp/http-server.js";
import { createMcpServer, wireAnnotations } from "../../src/mcp/server.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { listTaxesTool } from "../../src/mcp/tools/read-tools.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");
const TOKEN = "both-eras-token-0123456789abcdef";
// Issue 9's 16 KB for the four seed toolsets, and the bank toolset's 6,500 bytes more (tests/tools/schemas.test.ts).
const TOOLS_LIST_LIMIT = 16 * 1024 + 6_500;

/** What the checks need of a client: the v1 and v2 clients both have it. */
interface Caller {
  listTools(): Promise<{ tools: { name: string; outputSchema?: unknown; annotations?: unknown }[] }>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<{
    isError?: boolean;
    content: unknown;
    structuredContent?: unknown;
  }>;
  close(): Promise<void>;
}
type Kind = "v1 client (2025-11-25)" | "v2 client pinned to 2026-07-28" | "v2 client in auto mode";
const KINDS: Kind[] = ["v1 client (2025-11-25)", "v2 client pinned to 2026-07-28", "v2 client in auto mode"];

const modernClient = (kind: Kind) =>
  new ModernClient(
    { name: "both-eras", version: "1.0.0" },
    { versionNegotiation: { mode: kind === "v2 client in auto mode" ? "auto" : { pin: "2026-07-28" } } },
  );

/** Connects `kind` on one transport; how long `connect` took, and the era a v2 client landed on. */
async function connected(
  client: Client | ModernClient,
  transport: Parameters<Client["connect"]>[0] & object,
) {
  const started = performance.now();
  await (client as ModernClient).connect(transport as Parameters<ModernClient["connect"]>[0]);
  const ms = Math.round(performance.now() - started);
  return {
    caller: client as unknown as Caller,
    ms,
    era: client instanceof ModernClient ? client.getProtocolEra() : "legacy",
  };
}

const text = (result: { content: unknown }) => (result.content as { type: string; text: string }[])[0]!.text;

/** The contract checks, the same for every client on every transport. */
function contract(transport: string, boundMs: number, connect: (kind: Kind) => ReturnType<typeof connected>) {
  describe.each(KINDS)(`${transport}: %s`, (kind) => {
    let caller: Caller;
    beforeAll(async () => {
      const { caller: c, ms, era } = await connect(kind);
      caller = c;
      process.stderr.write(`${transport}, ${kind}: connected in ${ms} ms (era ${era})\n`);
      expect(era).toBe(kind === "v1 client (2025-11-25)" ? "legacy" : "modern");
      // At once: no probe that falls back (the era says so). The time is printed, and bounded only far above what
      // it takes on a busy machine (on stdio it includes starting the server's process): a fallback's cost is the
      // era's to show, not a clock's.
      expect(ms).toBeLessThan(boundMs);
    });
    afterAll(async () => {
      await caller?.close();
    });

    it("tools/list: at most 16 KB, every tool with a fixed output with its output schema, and its annotations as sent", async () => {
      const { tools } = await caller.listTools();
      expect(JSON.stringify(tools).length).toBeLessThanOrEqual(TOOLS_LIST_LIMIT);
      expect(tools.map((tool) => tool.name)).toEqual(allTools.map((tool) => tool.name));
      for (const tool of tools) {
        const definition = allTools.find((candidate) => candidate.name === tool.name)!;
        if (definition.outputListed === false) expect(tool.outputSchema, tool.name).toBeUndefined();
        else expect(tool.outputSchema, tool.name).toMatchObject({ type: "object" });
        expect(tool.annotations, tool.name).toEqual(wireAnnotations(definition.annotations));
      }
    });

    it("a read tool answers its documented output, as compact JSON beside the structured content", async () => {
      const result = await caller.callTool({ name: "list_taxes", arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(listTaxesTool.output.safeParse(result.structuredContent).success).toBe(true);
      expect(text(result)).toBe(JSON.stringify(result.structuredContent));
    });

    it("a gated call answers pending_approval with its approval id", async () => {
      const result = await caller.callTool({ name: "create_invoice", arguments: INVOICE_INPUT });
      expect(result.isError, text(result)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        status: "pending_approval",
        approval_id: expect.any(String),
      });
    });

    it("a documented error code, and an unknown tool, as compact JSON errors", async () => {
      const invalid = await caller.callTool({
        name: "create_invoice",
        arguments: { ...INVOICE_INPUT, approved: true },
      });
      expect(invalid.isError).toBe(true);
      expect(text(invalid)).not.toContain("\n");
      expect(JSON.parse(text(invalid)).error).toMatchObject({
        code: "VALIDATION_ERROR",
        message: expect.stringContaining('unknown field(s) "approved"'),
      });
      const unknown = await caller.callTool({ name: "no_such_tool", arguments: {} });
      expect(unknown.isError).toBe(true);
      expect(JSON.parse(text(unknown)).error).toEqual({
        code: "VALIDATION_ERROR",
        message: 'Unknown tool "no_such_tool".',
      });
    });
  });
}

let h: Harness;
let stdioDir: string;
let http: { url: string; close(): Promise<void> };
beforeAll(async () => {
  if (!existsSync(BIN))
    throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
  h = await startHarness();
  await seedCustomer(h);
  stdioDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-eras-"));
  http = await startHttpServer(h.app, { port: 0, token: TOKEN });
});
afterAll(async () => {
  await http?.close();
  await h?.close();
  if (stdioDir) await rm(stdioDir, { recursive: true, force: true });
});

contract("in memory", 5000, async (kind) => {
  const handle = createMcpServer(h.app);
  if (kind === "v1 client (2025-11-25)") {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await handle.server.connect(serverSide);
    return connected(new Client({ name: "both-eras", version: "1.0.0" }), clientSide);
  }
  const handler = createMcpHandler(({ era }) => handle.build(era));
  return connected(
    modernClient(kind),
    new StreamableHTTPClientTransport(new URL("http://odoo-mcp.test/mcp"), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
});

contract("stdio (the built server)", 15000, async (kind) => {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? stdioDir,
    ...sandboxEnv(h.sandbox),
    ODOO_MCP_DATA_DIR: stdioDir,
  };
  const server = { command: process.execPath, args: [BIN, "serve"], env, stderr: "ignore" as const };
  return kind === "v1 client (2025-11-25)"
    ? connected(new Client({ name: "both-eras", version: "1.0.0" }), new StdioClientTransport(server))
    : connected(modernClient(kind), new ModernStdio(server));
});

contract("Streamable HTTP", 5000, async (kind) => {
  const requestInit = { headers: { authorization: `Bearer ${TOKEN}` } };
  return kind === "v1 client (2025-11-25)"
    ? connected(
        new Client({ name: "both-eras", version: "1.0.0" }),
        new LegacyHttp(new URL(http.url), { requestInit }),
      )
    : connected(modernClient(kind), new StreamableHTTPClientTransport(new URL(http.url), { requestInit }));
});
