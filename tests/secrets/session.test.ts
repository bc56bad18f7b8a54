/**
 * A whole session with known credentials, through the BUILT server (stdio and Streamable HTTP) and the BUILT
 * CLI, then a scan of every byte the product wrote — stdout, stderr, MCP answers, HTTP answers, the audit log,
 * the approval store, the queue, the report PDFs, the policy file, the passphrase file, logs, and anything else in
 * the data folder, the working folder and the home folder — for each credential in every encoded form
 * (tests/secrets/scan.ts). Two sessions: an API key in the OS keychain with an HTTP token (keychain mode), and a
 * password with the approval passphrase (no keychain). Needs `npm run build` and scripts/with-keyring.sh.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, describe, expect, it } from "vitest";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { runInTerminal } from "../support/terminal.js";
import { type Finding, filesUnder, fileTexts, type Secret, scanText } from "./scan.js";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/** A credential that looks like one, with characters that encodings change (a password may hold any). */
const credential = (prefix: string, extra = "+/=") =>
  `${prefix}-${randomBytes(12).toString("base64url")}${extra}`;

interface Output {
  what: string;
  text: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function cli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
  input = "",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The scan: every output captured and every file under the folders the product may write to. */
async function scan(outputs: Output[], folders: string[], secrets: Secret[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const output of outputs) findings.push(...scanText(output.what, [output.text], secrets));
  const names: string[] = [];
  let pdfs = 0;
  for (const folder of folders) {
    for (const { file, bytes } of await filesUnder(folder)) {
      names.push(path.relative(folder, file));
      if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") pdfs++;
      findings.push(...scanText(file, fileTexts(bytes), secrets));
    }
  }
  // The scan reads what it claims to: the customer's name, written by the session, is found where it must be.
  const control = findings.length === 0 ? await controlHits(folders) : [];
  if (findings.length === 0) {
    for (const place of [/\/approvals\//, /\/Logs\//, /\.pdf$/]) {
      expect(
        control.some((where) => place.test(where)),
        `the control text found in ${place}`,
      ).toBe(true);
    }
  }
  // What the session must have written, so that the scan saw it.
  expect(pdfs, "the report PDFs").toBeGreaterThanOrEqual(3);
  for (const written of [/^approvals\//, /^Logs\//, /queue/]) {
    expect(
      names.some((name) => written.test(name)),
      `${written} in ${names.join(", ")}`,
    ).toBe(true);
  }
  return findings;
}

async function controlHits(folders: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const folder of folders) {
    for (const { file, bytes } of await filesUnder(folder)) {
      if (scanText(file, fileTexts(bytes), [{ name: "control", value: "Secret Test Co" }]).length > 0)
        hits.push(file);
    }
  }
  return hits;
}

async function stdioClient(
  env: Record<string, string>,
  cwd: string,
  outputs: Output[],
  onElicit?: () => Promise<"approve" | "reject" | "cancel">,
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "serve"],
    env,
    cwd,
    stderr: "pipe",
  });
  const stderr: Output = { what: "server stderr", text: "" };
  outputs.push(stderr);
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr.text += chunk.toString();
  });
  const client = new Client(
    { name: "secrets-test", version: "1.0.0" },
    { capabilities: onElicit ? { elicitation: { form: {} } } : {} },
  );
  if (onElicit) {
    client.setRequestHandler(ElicitRequestSchema, async () => {
      const decision = await onElicit();
      return decision === "cancel" ? { action: "cancel" } : { action: "accept", content: { decision } };
    });
  }
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

async function callAll(
  client: Client,
  outputs: Output[],
  calls: [string, Record<string, unknown>][],
): Promise<Record<string, unknown>[]> {
  const answers: Record<string, unknown>[] = [];
  for (const [name, args] of calls) {
    const result = await client.callTool({ name, arguments: args });
    outputs.push({ what: `${name} answer`, text: JSON.stringify(result) });
    answers.push((result.structuredContent ?? { error: result.content }) as Record<string, unknown>);
  }
  return answers;
}

const today = new Date().toISOString().slice(0, 10);
const invoice = (name: string, email: string, price: number) => ({
  customer_name: name,
  customer_email: email,
  invoice_date: today,
  due_date: today,
  line_items: [{ description: "Consulting", quantity: 1, unit_price: price }],
});
/** The statements; the sandbox's one posted invoice gives all but the cash flow (no bank entry) their data. */
const reports = (format: "pdf" | "json") =>
  (["profit_loss", "balance_sheet", "aged_receivables", "cash_flow"] as const).map(
    (report_type): [string, Record<string, unknown>] => [
      "generate_report",
      { report_type, start_date: `${today.slice(0, 4)}-01-01`, end_date: today, format },
    ],
  );

async function startSandboxWith(version: 18 | 19, apiKey: string, password: string): Promise<Sandbox> {
  const sandbox = await startSandbox({ version, apiKey, password });
  cleanups.push(() => sandbox.close());
  const partner = sandbox.seed.partner({
    name: "Secret Test Co",
    is_company: true,
    email: "ap@secret.example",
  });
  // Posted entries, so that every report has data and writes its PDF.
  sandbox.seed.invoice({
    partner_id: partner,
    invoice_date: today,
    invoice_line_ids: [[0, 0, { name: "Earlier work", price_unit: 250 }]],
    post: true,
  });
  return sandbox;
}

describe("no credential in anything the product writes", () => {
  it("an API key in the OS keychain and an HTTP token: stdio, HTTP, doctor, approvals, policy, audit, queue", async () => {
    if (!existsSync(BIN)) throw new Error("dist/ is missing: run `npm run build` first");
    if (!process.env.DBUS_SESSION_BUS_ADDRESS)
      throw new Error("no OS keychain session: run this test under scripts/with-keyring.sh");
    const apiKey = credential("key");
    const password = credential("pw", `+/=%&"é `);
    const httpToken = credential("tok");
    const secrets: Secret[] = [
      { name: "API key", value: apiKey },
      { name: "password", value: password },
      { name: "HTTP token", value: httpToken },
    ];
    const sandbox = await startSandboxWith(19, apiKey, password);
    const dataDir = await tempDir("odoo-mcp-secrets-data-");
    const home = await tempDir("odoo-mcp-secrets-home-");
    const cwd = await tempDir("odoo-mcp-secrets-cwd-");
    const port = await freePort();
    const { ODOO_API_KEY: _key, ...connection } = sandboxEnv(sandbox);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
      ...connection,
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_MCP_LOG_LEVEL: "debug",
      ODOO_MCP_PORT: String(port),
      ODOO_MCP_HTTP_TOKEN: httpToken,
      ODOO_TIMEOUT_MS: "1500",
    };
    const outputs: Output[] = [];
    const run = async (args: string[], input?: string) => {
      const result = await cli(args, env, cwd, input);
      outputs.push({ what: `odoo-mcp ${args.join(" ")} stdout`, text: result.stdout });
      outputs.push({ what: `odoo-mcp ${args.join(" ")} stderr`, text: result.stderr });
      return result;
    };
    const terminal = async (args: string[], input: string[]) => {
      const result = await runInTerminal(process.execPath, [BIN, ...args], { env: { ...env }, input });
      outputs.push({ what: `odoo-mcp ${args.join(" ")} (terminal)`, text: result.output });
      return result;
    };

    // The key goes into the OS keychain, read from stdin; everything after reads it from there.
    const stored = await run(["credentials", "set"], `${apiKey}\n`);
    expect(stored.code, stored.stderr).toBe(0);
    expect((await run(["doctor"])).code).toBe(0);
    await run(["doctor", "--json"]);

    // The agent's session: reads, reports (PDFs), a request left pending, one the client's prompt approves
    // while Odoo is down (so it waits in the offline queue), a few errors.
    let elicitation: "cancel" | "approve" = "cancel";
    const client = await stdioClient(env, cwd, outputs, async () => {
      if (elicitation === "approve") sandbox.setFault("down");
      return elicitation;
    });
    const answers = await callAll(client, outputs, [
      ["create_invoice", invoice("Secret Test Co", "ap@secret.example", 120)],
      ["find_partners", { query: "Secret" }],
      ["list_invoices", {}],
      ["list_journals", {}],
      ["list_taxes", {}],
      ["list_expense_categories", {}],
      ["get_invoice", { invoice_id: "INV/2099/00001" }],
      ["create_invoice", invoice("Nobody", "x@nobody.example", 1)],
      ["get_approval", { approval_id: "apr_aaaaaaaaaaaaaaaaaaaaaaaaaa" }],
      ...reports("pdf"),
    ]);
    const [pending] = answers;
    expect(pending?.status).toBe("pending_approval");
    for (const report of answers.slice(-4, -1)) expect(report.pdf, JSON.stringify(report)).toBeDefined();
    elicitation = "approve";
    const [queued] = await callAll(client, outputs, [
      ["create_invoice", invoice("Secret Test Co", "ap@secret.example", 80)],
    ]);
    sandbox.setFault(null);
    expect(queued?.result ?? queued?.status, JSON.stringify(queued)).toBe("queued");
    await callAll(client, outputs, [
      ["list_approvals", {}],
      ["get_approval", { approval_id: queued?.approval_id }],
    ]);

    // The HTTP transport, with the token, and a request with a wrong one.
    const http = new Client({ name: "secrets-http", version: "1.0.0" });
    await http.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${httpToken}` } },
      }),
    );
    await callAll(http, outputs, [["find_partners", { query: "" }], ...reports("json")]);
    await http.close();
    for (const authorization of [`Bearer ${httpToken.slice(0, -1)}`, `Basic ${btoa("a:b")}`, ""]) {
      const refused = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: "POST",
        headers: { authorization, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(refused.status).toBe(401);
      outputs.push({
        what: "HTTP 401 answer",
        text: `${JSON.stringify([...refused.headers])}${await refused.text()}`,
      });
    }

    // The person at the CLI.
    const id = String(pending?.approval_id);
    await run(["approvals", "list"]);
    await run(["approvals", "list", "--status", "all", "--json"]);
    await run(["approvals", "show", id]);
    const approved = await terminal(["approvals", "approve", id], ["y\r"]);
    expect(approved.code, approved.output).toBe(0);
    expect(approved.output).toMatch(/Create invoice, 120(\.00)? USD/);
    await run(["approvals", "show", id, "--json"]);
    expect((await terminal(["policy", "set", "expense-threshold", "50"], ["y\r"])).code).toBe(0);
    await run(["policy", "show"]);
    await run(["policy", "show", "--json"]);
    await run(["queue", "status"]);
    // The running server replays the queue once Odoo answers again; a drain finds the rest, if any.
    const drained = await run(["queue", "drain", "--json"]);
    expect(JSON.parse(drained.stdout), drained.stderr).toMatchObject({ failed: 0, remaining: 0 });
    await run(["queue", "status", "--json"]);
    const replayed = await run(["approvals", "show", String(queued?.approval_id), "--json"]);
    expect(replayed.stdout).toMatch(/"status": ?"executed"/);
    expect((await run(["audit", "verify"])).code).toBe(0);
    await run(["audit", "verify", "--json"]);
    await client.close();
    expect((await run(["credentials", "clear"])).code).toBe(0);

    const findings = await scan(outputs, [dataDir, home, cwd], secrets);
    expect(findings).toEqual([]);
  }, 180_000);

  it("a password and the approval passphrase (no keychain): stdio, doctor, approvals, audit, queue", async () => {
    if (!existsSync(BIN)) throw new Error("dist/ is missing: run `npm run build` first");
    const apiKey = credential("key");
    const password = credential("pw", `+/=%&"é `);
    const passphrase = `pass ${randomBytes(9).toString("base64url")} phrase`;
    const wrongPassphrase = `wrong ${randomBytes(9).toString("base64url")} guess`;
    const secrets: Secret[] = [
      { name: "API key", value: apiKey },
      { name: "password", value: password },
      { name: "passphrase", value: passphrase },
      { name: "a mistyped passphrase", value: wrongPassphrase },
    ];
    const sandbox = await startSandboxWith(18, apiKey, password);
    const dataDir = await tempDir("odoo-mcp-secrets-data-");
    const home = await tempDir("odoo-mcp-secrets-home-");
    const cwd = await tempDir("odoo-mcp-secrets-cwd-");
    const { ODOO_API_KEY: _key, ...connection } = sandboxEnv(sandbox);
    // No D-Bus session: no OS keychain, so passphrase mode.
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      ...connection,
      ODOO_PASSWORD: password,
      ODOO_MCP_DATA_DIR: dataDir,
      ODOO_MCP_LOG_LEVEL: "debug",
    };
    const outputs: Output[] = [];
    const run = async (args: string[]) => {
      const result = await cli(args, env, cwd);
      outputs.push({ what: `odoo-mcp ${args.join(" ")} stdout`, text: result.stdout });
      outputs.push({ what: `odoo-mcp ${args.join(" ")} stderr`, text: result.stderr });
      return result;
    };
    const terminal = async (args: string[], input: string[]) => {
      const result = await runInTerminal(process.execPath, [BIN, ...args], { env: { ...env }, input });
      outputs.push({ what: `odoo-mcp ${args.join(" ")} (terminal)`, text: result.output });
      return result;
    };

    const chosen = await terminal(["approvals", "passphrase"], [`${passphrase}\r`, `${passphrase}\r`]);
    expect(chosen.code, chosen.output).toBe(0);
    const doctor = await run(["doctor", "--json"]);
    expect(doctor.stdout).toContain("passphrase");
    await run(["doctor"]);

    const client = await stdioClient(env, cwd, outputs);
    const answers = await callAll(client, outputs, [
      ["create_invoice", invoice("Secret Test Co", "ap@secret.example", 120)],
      ["create_invoice", invoice("Secret Test Co", "ap@secret.example", 7)],
      ["list_invoices", {}],
      ["get_invoice", { invoice_id: "nope" }],
      ...reports("pdf"),
    ]);
    const [pending, rejectMe] = answers;
    for (const report of answers.slice(-4, -1)) expect(report.pdf, JSON.stringify(report)).toBeDefined();
    expect(pending?.status).toBe("pending_approval");
    const id = String(pending?.approval_id);
    const wrong = await terminal(["approvals", "approve", id], [`${wrongPassphrase}\r`]);
    expect(wrong.code).toBe(1);
    const right = await terminal(["approvals", "approve", id], [`${passphrase}\r`, "y\r"]);
    expect(right.code, right.output).toBe(0);
    expect(right.output).toMatch(/Create invoice, 120(\.00)? USD/);
    await run(["approvals", "reject", String(rejectMe?.approval_id), "--reason", "not now"]);
    const [executed] = await callAll(client, outputs, [
      ["get_approval", { approval_id: id }],
      ["list_approvals", { status: "executed" }],
    ]);
    expect(executed?.status).toBe("executed");
    await run(["approvals", "list", "--status", "all"]);
    await run(["approvals", "show", id, "--json"]);
    await run(["policy", "show", "--json"]);
    await run(["queue", "status", "--json"]);
    await run(["queue", "drain"]);
    await run(["audit", "verify", "--json"]);
    await client.close();

    const findings = await scan(outputs, [dataDir, home, cwd], secrets);
    expect(findings).toEqual([]);
  }, 180_000);
});
