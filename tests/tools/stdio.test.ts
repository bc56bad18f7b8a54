import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeOperations } from "../../src/mcp/accounting/index.js";
import { silentLogger } from "../../src/mcp/log.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import { sandboxConnection, sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runInTerminal } from "../support/terminal.js";

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/** The BUILT server, started as a user's MCP client starts it: a child process speaking MCP on stdio. */
describe("the built server over real stdio", () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let env: Record<string, string>;
  let client: Client;
  let stderr = "";

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    sandbox = await startSandbox({ version: 19 });
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-stdio-"));
    env = {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? dataDir,
      // The OS keychain of the session (scripts/with-keyring.sh), as a desktop user's processes share it.
      ...(process.env.DBUS_SESSION_BUS_ADDRESS
        ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS }
        : {}),
      ...sandboxEnv(sandbox),
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_MCP_LOG_LEVEL: "debug",
    };
    const odoo = createOdooClient(sandboxConnection(sandbox), { logger: silentLogger });
    await odoo.create("res.partner", { name: "Stdio Customer", is_company: true, email: "ap@stdio.example" });
    await odoo.close();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve"],
      env,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: "stdio-test", version: "1.0.0" });
    await client.connect(transport);
  });

  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("lists every tool with annotations and schemas", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name).sort();
    for (const name of [
      "create_invoice",
      "send_invoice",
      "record_payment",
      "create_draft_invoice",
      "post_invoice",
      "get_approval",
    ]) {
      expect(names).toContain(name);
    }
    for (const tool of tools) {
      // each read tool says readOnlyHint true; a write tool leaves it out (MCP's default, false)
      const reads =
        tool.name.startsWith("get_") ||
        tool.name.startsWith("list_") ||
        tool.name === "find_partners" ||
        tool.name === "propose_matches";
      expect(tool.annotations?.readOnlyHint ?? false, tool.name).toBe(
        reads || tool.name === "generate_report",
      );
      // an approval-gated tool has no fixed output (pending, queued or its result): no output schema listed
      expect(tool.outputSchema === undefined, tool.name).toBe(writeOperations.has(tool.name));
    }
  });

  it("goes create → pending → approved with the real CLI → executed, and audits every step", async () => {
    const created = await client.callTool({
      name: "create_invoice",
      arguments: {
        customer_name: "Stdio Customer",
        customer_email: "ap@stdio.example",
        invoice_date: "2026-11-02",
        due_date: "2026-12-02",
        line_items: [{ description: "Audit", quantity: 2, unit_price: 99.99 }],
      },
    });
    expect(created.isError).toBeFalsy();
    const pending = created.structuredContent as { status: string; approval_id: string };
    expect(pending.status).toBe("pending_approval");

    const listed = await run(process.execPath, [BIN, "approvals", "list", "--json"], { env });
    expect(JSON.parse(listed.stdout).map((a: { approval_id: string }) => a.approval_id)).toContain(
      pending.approval_id,
    );
    // Without a terminal (as an agent's shell runs it), approving is refused and nothing runs.
    const refused = await run(process.execPath, [BIN, "approvals", "approve", pending.approval_id], {
      env,
    }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/needs a person at a terminal/);
    // A person at a terminal reads the request as Odoo sees it, and types y.
    const person = await runInTerminal(process.execPath, [BIN, "approvals", "approve", pending.approval_id], {
      env,
      input: ["y\r"],
    });
    expect(person.code, person.output).toBe(0);
    expect(person.output).toMatch(
      /Create invoice, 199\.98 USD: Draft invoice for Stdio Customer, 199\.98 USD/,
    );
    expect(person.output).toContain("199.98"); // Odoo's total, looked up now

    const status = await client.callTool({
      name: "get_approval",
      arguments: { approval_id: pending.approval_id },
    });
    const view = status.structuredContent as {
      status: string;
      output: { total_amount: number; status: string };
    };
    expect(view.status).toBe("executed");
    expect(view.output.status).toBe("draft");
    expect(view.output.total_amount).toBe(199.98);

    const logs = await readdir(path.join(dataDir, "Logs"));
    const lines = (await Promise.all(logs.map((f) => readFile(path.join(dataDir, "Logs", f), "utf8"))))
      .join("")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const events = lines.filter((line) => line.approval_id === pending.approval_id).map((line) => line.event);
    expect(events).toEqual(expect.arrayContaining(["approval_requested", "approval_decided", "execution"]));
    const all = lines.map((line) => JSON.stringify(line)).join("\n");
    expect(all).not.toContain(sandbox.apiKey);
  });

  it("keeps stdout for the protocol: logs went to stderr, and never carry the API key", () => {
    expect(stderr).toContain("serving on stdio");
    expect(stderr).not.toContain(sandbox.apiKey);
  });
});
