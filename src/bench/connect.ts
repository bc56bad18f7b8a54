import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Client, InMemoryTransport, type Transport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import type { App } from "../mcp/app.js";
import { createMcpServer } from "../mcp/server.js";

/**
 * Where the benches start a server and connect a client (the v2 client, `@modelcontextprotocol/client`), so that a
 * change in how the server is built or served is made here only.
 */
export interface Connected {
  client: Client;
  close(): Promise<void>;
}

/** The MCP server around an app of this process, through an in-memory pair: for benches that time the app's parts. */
export async function connectInMemory(app: App, name: string): Promise<Connected> {
  const { server, cleanup } = createMcpServer(app);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide as unknown as Parameters<typeof server.connect>[0]);
  const client = new Client({ name, version: "1" });
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await cleanup();
    },
  };
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../mcp/bin/odoo-mcp.js");

/**
 * The BUILT server (`dist/mcp/bin/odoo-mcp.js serve`) as a child process over stdio, as a person's MCP client
 * starts it, with `env` as its whole environment, spoken to in MCP 2026-07-28 (a client of today). `wire` times each request at the transport: from the message
 * written to the server's stdin to its answer read from stdout, so the client's own work (parsing, checking the
 * answer against the tool's output schema) is not counted.
 */
export async function startBuiltServer(
  env: Record<string, string>,
  name: string,
): Promise<Connected & { wire: WireClock; stderr(): string }> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    // To profile the server: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    args: [...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []), BIN, "serve"],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const wire = new WireClock();
  const client = new Client({ name, version: "1" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  wire.watchSends(transport);
  await client.connect(transport, { timeout: 30_000 });
  wire.watchAnswers(transport);
  return { client, wire, stderr: () => stderr, close: () => client.close() };
}

/** The time between each request sent through a transport and its answer received, by JSON-RPC id. */
export class WireClock {
  readonly #sent = new Map<string | number, number>();
  #last = 0;

  /** Times the requests sent through `transport` from now on. */
  watchSends(transport: Transport): void {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
      if ("method" in message && "id" in message) this.#sent.set(message.id, performance.now());
      return send(message, options);
    };
  }

  /** Times the answers received, once the client has connected (it sets `onmessage` then). */
  watchAnswers(transport: Transport): void {
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if (!("method" in message) && "id" in message && message.id !== undefined) {
        const sent = this.#sent.get(message.id);
        this.#sent.delete(message.id);
        if (sent !== undefined) this.#last = performance.now() - sent;
      }
      deliver?.(message, extra);
    };
  }

  /** The wire time of the last request answered (ms). */
  last(): number {
    return this.#last;
  }
}
