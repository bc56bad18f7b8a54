import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { createMcpHandler } from "@modelcontextprotocol/server";
import type { WriteOperation } from "../../src/mcp/accounting/operation.js";
import { type App, createApp } from "../../src/mcp/app.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

export interface CallOutcome {
  isError: boolean;
  data: Record<string, unknown>;
  error?: { code: string; message: string; details?: unknown };
  text: string;
}

export interface Harness {
  sandbox: Sandbox;
  app: App;
  /** A 2025-11-25 client (the v1 SDK's), connected in memory. */
  client: Client;
  /** With `protocol: "2026-07-28"`: the v2 SDK's client pinned to that revision, which `call` goes through. */
  modern?: ModernClient;
  dataDir: string;
  env: Record<string, string>;
  /** The keychain the app was given (null: passphrase mode): a second process of the same installation. */
  keychain: Keychain | null;
  call(name: string, args: unknown): Promise<CallOutcome>;
  /** What a person does with `odoo-mcp approvals approve`: decide through the store, then run it. */
  approve(approvalId: unknown): Promise<void>;
  reject(approvalId: unknown, reason?: string): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  version?: 17 | 18 | 19;
  env?: Record<string, string>;
  elicitation?: (message: string) => "approve" | "reject" | "cancel";
  sandbox?: Sandbox;
  /** `null`: no keychain (passphrase mode). */
  keychain?: Keychain | null;
  /** `2026-07-28`: `call` goes through a v2 client pinned to it (per request, as the SDK serves HTTP). */
  protocol?: "2025-11-25" | "2026-07-28";
  /** The gate's operations (default: the product's): a test adds a fake one and requests it through `app.approvals`. */
  operations?: ReadonlyMap<string, WriteOperation<unknown, unknown>>;
}

/** The real server (in memory, no stdio) over the real client against a fresh sandbox and a fresh data folder. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sandbox = options.sandbox ?? (await startSandbox({ version: options.version ?? 19 }));
  const dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-test-"));
  const env: Record<string, string> = {
    ...sandboxEnv(sandbox),
    ODOO_MCP_DATA_DIR: dataDir,
    ODOO_TIMEOUT_MS: "5000",
    ...options.env,
  };
  const config = loadConfig({ env, cwd: dataDir });
  const keychain = options.keychain === undefined ? createMemoryKeychain() : options.keychain;
  // Retries keep their 1-2-4-8 s sequence, scaled down 100 times so that tests of an unreachable Odoo stay fast.
  const app = await createApp(config, {
    logger: silentLogger,
    // Keychain mode, as on a desktop (an in-memory keychain stands in; the real one is tested on its own).
    keychain,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 100)),
    ...(options.operations ? { operations: options.operations } : {}),
  });
  const handle = createMcpServer(app);
  const { server } = handle;
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    { capabilities: options.elicitation ? { elicitation: { form: {} } } : {} },
  );
  if (options.elicitation) {
    const answer = options.elicitation;
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      const decision = answer(request.params.message);
      return decision === "cancel" ? { action: "cancel" } : { action: "accept", content: { decision } };
    });
  }
  await client.connect(clientSide);
  const modern =
    options.protocol === "2026-07-28" ? await connectModern(handle, options.elicitation) : undefined;

  const call = async (name: string, args: unknown): Promise<CallOutcome> => {
    const result = await (modern ?? client).callTool({ name, arguments: args as Record<string, unknown> });
    const text =
      Array.isArray(result.content) && result.content[0]?.type === "text"
        ? String(result.content[0].text)
        : "";
    if (result.isError) {
      const parsed = JSON.parse(text) as { error: CallOutcome["error"] };
      return { isError: true, data: {}, error: parsed.error, text };
    }
    return { isError: false, data: (result.structuredContent ?? {}) as Record<string, unknown>, text };
  };
  return {
    sandbox,
    app,
    client,
    ...(modern ? { modern } : {}),
    dataDir,
    env,
    keychain,
    call,
    async approve(approvalId) {
      await app.approvals.decide(String(approvalId), { decision: "approved", channel: "cli", actor: "test" });
      await app.approvals.execute(String(approvalId));
    },
    async reject(approvalId, reason) {
      await app.approvals.decide(String(approvalId), {
        decision: "rejected",
        channel: "cli",
        actor: "test",
        ...(reason ? { reason } : {}),
      });
    },
    async close() {
      await modern?.close().catch(() => {});
      await client.close().catch(() => {});
      await app.close();
      if (!options.sandbox) await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A v2 client pinned to 2026-07-28, served in memory by the SDK's per-request HTTP entry (the URL is never
 * dialled). With `elicitation`, it answers the server's questions (input round trips) as the person would.
 */
export async function connectModern(
  handle: ReturnType<typeof createMcpServer>,
  elicitation?: HarnessOptions["elicitation"],
  fetch?: (request: Request, serve: (request: Request) => Promise<Response>) => Promise<Response>,
  /** More of the client's capabilities (e.g. MCP Apps' extension). */
  capabilities: Record<string, unknown> = {},
): Promise<ModernClient> {
  const handler = createMcpHandler(({ era }) => handle.build(era));
  const serve = (request: Request) => handler.fetch(request);
  const client = new ModernClient(
    { name: "test-client", version: "1.0.0" },
    {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
      capabilities: { ...capabilities, ...(elicitation ? { elicitation: { form: {} } } : {}) },
    },
  );
  if (elicitation)
    client.setRequestHandler("elicitation/create", async (request) => {
      const decision = elicitation(request.params.message);
      return decision === "cancel" ? { action: "cancel" } : { action: "accept", content: { decision } };
    });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("http://odoo-mcp.test/mcp"), {
      fetch: (url, init) => {
        const request = new Request(url, init);
        return fetch ? fetch(request, serve) : serve(request);
      },
    }),
  );
  return client;
}

export const INVOICE_INPUT = {
  customer_name: "Acme Corp",
  customer_email: "billing@acme.example",
  invoice_date: "2026-11-02",
  due_date: "2026-12-02",
  line_items: [
    { description: "Consulting services (hours)", quantity: 10, unit_price: 120 },
    { description: "Travel costs", quantity: 1, unit_price: 85.5 },
  ],
  tax_rate: 0.15,
  notes: "Thank you for your business.",
};

/** Seeds the customer INVOICE_INPUT names, directly in Odoo (customers are never created by the tools). */
export async function seedCustomer(
  h: Harness,
  name = "Acme Corp",
  email = "billing@acme.example",
): Promise<number> {
  return h.app.odoo.create("res.partner", { name, is_company: true, email });
}
