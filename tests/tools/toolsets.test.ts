import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { describe, expect, it } from "vitest";
import type { App } from "../../src/mcp/app.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { allTools } from "../../src/mcp/tools/index.js";
import type { ToolAccess } from "../../src/mcp/tools/toolsets.js";

/** Listing and refusing tools needs no Odoo: the app is never touched. */
async function connect(access?: ToolAccess) {
  const { server } = createMcpServer({} as App, access ? { access } : {});
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "toolsets-test", version: "1" });
  await client.connect(clientSide);
  return client;
}

async function listed(access?: ToolAccess): Promise<string[]> {
  const client = await connect(access);
  const { tools } = await client.listTools();
  await client.close();
  return tools.map((tool) => tool.name).sort();
}

const writes = [
  "create_draft_invoice",
  "create_expense",
  "create_partner",
  "create_invoice",
  "create_vendor_bill",
  "post_invoice",
  "record_payment",
  "send_invoice",
];

describe("toolsets and read-only mode", () => {
  it("list every tool by default", async () => {
    expect(await listed()).toEqual(allTools.map((tool) => tool.name).sort());
  });

  it("list each toolset's tools", async () => {
    expect(await listed({ toolsets: ["invoicing"], readOnly: false })).toEqual([
      "create_credit_note",
      "create_draft_invoice",
      "create_invoice",
      "create_partner",
      "create_vendor_bill",
      "find_partners",
      "get_approval",
      "get_invoice",
      "list_approvals",
      "list_invoices",
      "list_journals",
      "list_taxes",
      "post_invoice",
      "record_payment",
      "send_invoice",
    ]);
    expect(await listed({ toolsets: ["expenses"], readOnly: false })).toEqual([
      "create_expense",
      "get_approval",
      "list_approvals",
      "list_expense_categories",
    ]);
    expect(await listed({ toolsets: ["reports"], readOnly: false })).toEqual(["generate_report"]);
    expect(await listed({ toolsets: ["read"], readOnly: false })).toEqual([
      "find_partners",
      "get_approval",
      "get_invoice",
      "list_approvals",
      "list_expense_categories",
      "list_invoices",
      "list_journals",
      "list_taxes",
    ]);
    expect(await listed({ toolsets: ["reports", "expenses"], readOnly: false })).toEqual([
      "create_expense",
      "generate_report",
      "get_approval",
      "list_approvals",
      "list_expense_categories",
    ]);
  });

  it("read-only hides every write tool, judged by each tool's own readOnlyHint", async () => {
    const names = await listed({ readOnly: true });
    for (const name of writes) expect(names).not.toContain(name);
    const readOnly = allTools.filter((tool) => tool.annotations.readOnlyHint).map((tool) => tool.name);
    expect(names).toEqual(readOnly.sort());
    expect(names).toContain("generate_report");
    // within a toolset too
    expect(await listed({ toolsets: ["invoicing"], readOnly: true })).not.toContain("create_invoice");
  });

  it("answer a clear error for a tool outside the chosen set, without running it", async () => {
    const client = await connect({ readOnly: true });
    const result = await client.callTool({ name: "create_invoice", arguments: {} });
    expect(result.isError).toBe(true);
    const body = JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.message).toContain("create_invoice is not offered by this server");
    expect(body.error.message).toContain("ODOO_MCP_READ_ONLY");
    await client.close();

    const reports = await connect({ toolsets: ["reports"], readOnly: false });
    const refused = await reports.callTool({ name: "list_invoices", arguments: {} });
    expect(refused.isError).toBe(true);
    const message = JSON.parse((refused.content as { text: string }[])[0]?.text ?? "{}").error.message;
    expect(message).toContain("ODOO_MCP_TOOLSETS");
    expect(message).toContain("reports");
    const unknown = await reports.callTool({ name: "no_such_tool", arguments: {} });
    expect(JSON.parse((unknown.content as { text: string }[])[0]?.text ?? "{}").error.message).toContain(
      'Unknown tool "no_such_tool"',
    );
    await reports.close();
  });
});

describe("ODOO_MCP_TOOLSETS and ODOO_MCP_READ_ONLY", () => {
  const load = (env: Record<string, string>, dotenv?: string) => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), "odoo-mcp-toolsets-"));
    if (dotenv !== undefined) writeFileSync(path.join(cwd, ".env"), dotenv);
    return loadConfig({ env: { HOME: cwd, ...env }, cwd });
  };

  it("offer every tool by default, and the named toolsets from the environment", () => {
    expect(load({}).tools).toEqual({ readOnly: false });
    expect(load({ ODOO_MCP_TOOLSETS: "Reports, read" }).tools).toEqual({
      toolsets: ["reports", "read"],
      readOnly: false,
    });
    expect(load({ ODOO_MCP_TOOLSETS: "all", ODOO_MCP_READ_ONLY: "true" }).tools).toEqual({ readOnly: true });
    expect(() => load({ ODOO_MCP_TOOLSETS: "invoicing,payroll" })).toThrow(/ODOO_MCP_TOOLSETS must be/);
  });

  it("let .env narrow what the environment allows, never widen it", () => {
    const narrowed = load({ ODOO_MCP_TOOLSETS: "invoicing,reports" }, "ODOO_MCP_TOOLSETS=reports,expenses\n");
    expect(narrowed.tools.toolsets).toEqual(["reports"]);
    expect(narrowed.warnings.join("\n")).toMatch(/ODOO_MCP_TOOLSETS in \.env names expenses/);
    expect(load({}, "ODOO_MCP_TOOLSETS=expenses\n").tools.toolsets).toEqual(["expenses"]);
    expect(load({}, "ODOO_MCP_READ_ONLY=true\n").tools.readOnly).toBe(true);
    const kept = load({ ODOO_MCP_READ_ONLY: "true" }, "ODOO_MCP_READ_ONLY=false\n");
    expect(kept.tools.readOnly).toBe(true);
    expect(kept.warnings.join("\n")).toMatch(/ODOO_MCP_READ_ONLY=false in \.env is ignored/);
    expect(load({ ODOO_MCP_READ_ONLY: "false" }, "ODOO_MCP_READ_ONLY=true\n").tools.readOnly).toBe(true);
  });
});
