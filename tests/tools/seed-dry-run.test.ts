import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = path.resolve(import.meta.dirname, "../../dist/mcp/bin/odoo-mcp.js");

/** A local port nothing listens on: bound once to learn a free one, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * The seed contract's own test (seed-odoo-mcp-contract.md, "Testing"), as written: the server started with
 * DRY_RUN=true, create_invoice called with the seed's arguments, and `"invoice_id" in result.content[0].text`.
 * Here the server is the BUILT one over real stdio, and Odoo is down (nothing listens at ODOO_URL).
 */
const SETUPS: [string, Record<string, string>][] = [
  ["only DRY_RUN set, as in the seed", {}],
  [
    "a configured connection that is refused",
    { ODOO_DATABASE: "books", ODOO_USERNAME: "admin@example.com", ODOO_API_KEY: "not-a-real-key-0123456789" },
  ],
];

describe.each(SETUPS)("the seed contract's dry-run test, built server, Odoo down: %s", (_name, extra) => {
  let client: Client;
  let dataDir: string;
  let stderr = "";

  beforeAll(async () => {
    if (!existsSync(BIN))
      throw new Error("dist/ is missing: run `npm run build` first (npm run test:all does)");
    dataDir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-seed-"));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "serve"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dataDir,
        DRY_RUN: "true",
        ODOO_URL: `http://127.0.0.1:${await deadPort()}`,
        ODOO_MCP_DATA_DIR: dataDir,
        ...extra,
      },
      cwd: dataDir,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: "seed-test", version: "1.0.0" });
    await client.connect(transport);
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("test_create_invoice: invoice_id is in the answer's text", async () => {
    const result = await client.callTool(
      {
        name: "create_invoice",
        arguments: {
          customer_name: "Test Customer",
          customer_email: "test@example.com",
          invoice_date: "2026-01-27",
          due_date: "2026-02-27",
          line_items: [{ description: "Consulting", quantity: 1, unit_price: 1500.0 }],
        },
      },
      undefined,
      { timeout: 60_000 },
    );
    const content = result.content as { type: string; text: string }[];
    expect(result.isError, `${content[0]?.text}\n${stderr}`).toBeFalsy();
    // The seed's assertion, as written.
    expect(content[0]?.text).toContain("invoice_id");
    // And what it means here: a dry run that wrote nothing, with the contract's fields.
    expect(JSON.parse(content[0]?.text ?? "{}")).toMatchObject({
      invoice_id: null,
      status: "dry_run",
      dry_run: true,
      validated_against_odoo: false,
      total_amount: null,
      odoo_url: null,
      created_at: null,
    });
  }, 90_000);
});
