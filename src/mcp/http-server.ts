import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { App } from "./app.js";
import { createMcpServer } from "./server.js";

/**
 * The optional Streamable HTTP transport (`ODOO_MCP_PORT`): bound to loopback only, and every request must carry
 * `Authorization: Bearer <ODOO_MCP_HTTP_TOKEN>`. One MCP server per session, all sharing the same app.
 */
export async function startHttpServer(
  app: App,
  options: { port: number; token: string; host?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  if (options.token.length < 16) throw new Error("ODOO_MCP_HTTP_TOKEN must be at least 16 characters");
  const host = options.host ?? "127.0.0.1";
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const expected = Buffer.from(`Bearer ${options.token}`);

  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(String(req.headers.authorization ?? ""));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      res
        .writeHead(401, { "content-type": "application/json", "www-authenticate": "Bearer" })
        .end('{"error":"unauthorized"}');
      return;
    }
    if (!req.url?.startsWith("/mcp")) {
      res.writeHead(404).end();
      return;
    }
    const sessionId = req.headers["mcp-session-id"];
    let transport = typeof sessionId === "string" ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"unknown session"}');
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, created);
        },
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await createMcpServer(app).server.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  };

  const server: HttpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      app.logger.error(`http transport: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://${host}:${port}/mcp`,
    close: async () => {
      for (const transport of sessions.values()) await transport.close().catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
