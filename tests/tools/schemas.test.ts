import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import type { App } from "../../src/mcp/app.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { VERSION } from "../../src/mcp/version.js";

/**
 * What every conversation pays for (issue 9: under 16 KB, every output schema kept): the bytes of the tools/list
 * answer of a server as people run it, and of one started with DRY_RUN (its write tools also list the preview's
 * fields); the server's instructions say once what every tool shares.
 */
const LIST_BOUND = 16_000;
const DRY_RUN_LIST_BOUND = 17_500;
/**
 * Issue 9's bound holds for the four toolsets it measured (invoicing, expenses, reports, read); the bank toolset
 * (issue 18: statements, reconciliation, balances, collections) costs at most BANK_BOUND more, and a person who
 * wants the smaller list names the four (ODOO_MCP_TOOLSETS, the settings window).
 */
const SEED_TOOLSETS = ["invoicing", "expenses", "reports", "read"] as const;
const BANK_BOUND = 6_500;
const INSTRUCTIONS_BOUND = 1_600;
const SNAPSHOT = path.resolve(import.meta.dirname, "../../docs/tool-schemas.json");

/** Listing tools needs no Odoo: the app is never touched (a dry-run server reads only its config's flag). */
async function listTools(options: { dryRun?: boolean; seedToolsets?: boolean } = {}) {
  return (await connect(options)).tools;
}

async function connect(options: { dryRun?: boolean; seedToolsets?: boolean } = {}) {
  const { server } = createMcpServer(
    (options.dryRun ? { config: { dryRun: true } } : {}) as App,
    options.seedToolsets ? { access: { toolsets: SEED_TOOLSETS, readOnly: false } } : {},
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "schema-test", version: "1" });
  await client.connect(clientSide);
  const { tools } = await client.listTools();
  const instructions = client.getInstructions() ?? "";
  await client.close();
  return { tools, instructions };
}

const GATED = [
  "create_invoice",
  "send_invoice",
  "record_payment",
  "post_invoice",
  "create_expense",
  "create_credit_note",
  "reconcile_bank_lines",
  "unreconcile_bank_line",
  "send_reminder",
];
const WRITES = [...GATED, "create_draft_invoice", "create_partner", "create_vendor_bill"];
const DRY_RUN_FIELDS = ["dry_run", "validated_against_odoo", "would"];

function outputKeys(tool: { outputSchema?: { properties?: object } }): string[] {
  return Object.keys(tool.outputSchema?.properties ?? {});
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

  it(`cost under ${LIST_BOUND} bytes of context for the four seed toolsets, ${BANK_BOUND} more with the bank's`, async () => {
    const tools = await listTools({ seedToolsets: true });
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    const dryRun = Buffer.byteLength(
      JSON.stringify({ tools: await listTools({ dryRun: true, seedToolsets: true }) }),
    );
    const all = await listTools();
    const allBytes = Buffer.byteLength(JSON.stringify({ tools: all }));
    process.stdout.write(
      `tools/list: ${bytes} bytes for ${tools.length} tools (DRY_RUN: ${dryRun}); every toolset: ${allBytes} bytes for ${all.length}\n`,
    );
    expect(all).toHaveLength(allTools.length);
    expect(bytes).toBeLessThan(LIST_BOUND);
    expect(dryRun).toBeLessThan(DRY_RUN_LIST_BOUND);
    expect(allBytes - bytes).toBeLessThan(BANK_BOUND);
    // every field's description is said once: never again inside its anyOf branch
    const nested = JSON.stringify(all).match(/"anyOf":\[\{[^\]]*"description"/g) ?? [];
    expect(nested).toEqual([]);
  });

  it("give every tool a description and annotations, and one with a fixed output an object output schema; writes are not read-only", async () => {
    const tools = await listTools();
    for (const tool of tools) {
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(30);
      if (GATED.includes(tool.name)) {
        // pending, queued or its result: no fixed output, so none listed (the instructions say the approval fields)
        expect(tool.outputSchema, tool.name).toBeUndefined();
      } else {
        expect(tool.outputSchema?.type, tool.name).toBe("object");
        expect(outputKeys(tool).length, tool.name).toBeGreaterThan(0);
      }
      // MCP's default for an absent readOnlyHint is false: a write tool never says true
      if (WRITES.includes(tool.name)) expect(tool.annotations?.readOnlyHint ?? false, tool.name).toBe(false);
      if (WRITES.includes(tool.name)) expect(tool.annotations?.destructiveHint, tool.name).toBe(false);
      if (tool.name.startsWith("get_") || tool.name.startsWith("list_") || tool.name.startsWith("find_")) {
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
      }
    }
    for (const name of GATED) expect(tools.map((tool) => tool.name)).toContain(name);
  });

  it("list what the server answers: a dry run's fields and nulls only on a DRY_RUN server", async () => {
    const live = await listTools();
    const dryRun = await listTools({ dryRun: true });
    for (const name of WRITES.filter((write) => !GATED.includes(write))) {
      const liveTool = live.find((tool) => tool.name === name);
      const dryTool = dryRun.find((tool) => tool.name === name);
      const liveKeys = outputKeys(liveTool ?? {});
      for (const field of DRY_RUN_FIELDS) {
        expect(liveKeys, `${name} (live)`).not.toContain(field);
        expect(outputKeys(dryTool ?? {}), `${name} (DRY_RUN)`).toContain(field);
      }
      const statuses = (schema: unknown) =>
        ((schema as { properties: { status: { enum: string[] } } }).properties.status.enum ?? []).slice();
      expect(statuses(liveTool?.outputSchema), name).not.toContain("dry_run");
      expect(statuses(dryTool?.outputSchema), name).toContain("dry_run");
      // the live schema says every field the dry-run one says, except the dry run's own
      expect(outputKeys(dryTool ?? {}).filter((key) => !DRY_RUN_FIELDS.includes(key))).toEqual(
        expect.arrayContaining(liveKeys),
      );
    }
  });

  it("check a gated tool's every answer against its full schemas, though none is listed", () => {
    for (const name of GATED) {
      const tool = allTools.find((candidate) => candidate.name === name);
      expect(tool?.outputListed, name).toBe(false);
      for (const schema of [tool?.output, tool?.liveOutput]) {
        const keys = Object.keys((schema as { shape?: object } | undefined)?.shape ?? {});
        expect(keys, name).toEqual(
          expect.arrayContaining(["status", "approval_id", "summary", "expires_at", "result"]),
        );
      }
    }
  });

  it("say once, in the server's instructions, what every tool shares; no tool repeats it", async () => {
    for (const dryRun of [false, true]) {
      const { tools, instructions } = await connect({ dryRun });
      expect(Buffer.byteLength(instructions)).toBeLessThan(INSTRUCTIONS_BOUND);
      expect(instructions).toContain("INV/2026/00001");
      expect(instructions).toContain("pending_approval");
      expect(instructions).toContain("get_approval");
      for (const name of GATED) expect(instructions).toContain(name);
      expect(instructions.includes("DRY_RUN is on"), `dryRun ${dryRun}`).toBe(dryRun);
      const listed = JSON.stringify(tools);
      expect(listed).not.toContain("INV/2026/00001");
      expect(listed).not.toContain("poll get_approval");
    }
  });

  it("keeps the version in step with package.json", async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, "../../package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });
});
