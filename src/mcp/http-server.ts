import { randomUUID, timingSafeEqual } from "node:crypto";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { Readable } from "node:stream";
import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { App } from "./app.js";
import { createMcpServer } from "./server.js";

/**
 * The optional Streamable HTTP transport (`ODOO_MCP_PORT`): bound to loopback only, and every request must carry
 * `Authorization: Bearer <ODOO_MCP_HTTP_TOKEN>`. Both protocol eras on one endpoint: a 2026-07-28 request (it
 * carries the per-request envelope) goes to the SDK's per-request handler; a 2025-era client keeps its session
 * (initialize, then `Mcp-Session-Id`), where the server can ask it questions (elicitation) and run MCP Tasks.
 */
export async function startHttpServer(
  app: App,
  options: { port: number; token: string; host?: string },
): Promise<{ url: string; close(): Promise<void> }> {
  if (options.token.length < 16) throw new Error("ODOO_MCP_HTTP_TOKEN must be at least 16 characters");
  const host = options.host ?? "127.0.0.1";
  const handle = createMcpServer(app);
  const modern = createMcpHandler(({ era }) => handle.build(era), {
    legacy: "reject",
    onerror: (error) => app.logger.debug(`http transport: ${error.message}`),
  });
  /** 2025-era sessions, least recently used first: at most MAX_SESSIONS, the oldest closed to make room. */
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const expected = Buffer.from(`Bearer ${options.token}`);

  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(String(req.headers.authorization ?? ""));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const legacy = async (request: Request): Promise<Response> => {
    const sessionId = request.headers.get("mcp-session-id");
    const known = sessionId === null ? undefined : sessions.get(sessionId);
    if (known && sessionId !== null) {
      sessions.delete(sessionId);
      sessions.set(sessionId, known);
      return known.handleRequest(request);
    }
    if (sessionId !== null)
      return new Response('{"error":"unknown session"}', {
        status: 404,
        headers: { "content-type": "application/json" },
      });
    const created = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, created);
        // A token holder could open sessions without end: past the cap, the least recently used one goes (its
        // client is told "unknown session" and starts another; its tasks stop waiting, decided nothing).
        for (const [oldest, transport] of sessions) {
          if (sessions.size <= MAX_SESSIONS) break;
          sessions.delete(oldest);
          transport.close().catch(() => {});
        }
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    await handle.build("legacy").connect(created);
    return created.handleRequest(request);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
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
    const request = webRequest(req, `http://${host}${req.url}`);
    const response = (await isLegacyRequest(request.clone()))
      ? await legacy(request)
      : await modern.fetch(request);
    await send(response, res);
  };

  const server: HttpServer = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      app.logger.error(`http transport: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
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
      await modern.close().catch(() => {});
      await handle.cleanup();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How many 2025-era HTTP sessions are kept at once (one per MCP client; a person's machine has a few). */
export const MAX_SESSIONS = 32;

/** Node's request as a web request: the SDK's HTTP entries take those (the body streams; they cap its size). */
function webRequest(req: IncomingMessage, url: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  const body = req.method === "GET" || req.method === "HEAD" ? null : (Readable.toWeb(req) as ReadableStream);
  return new Request(url, {
    method: req.method ?? "GET",
    headers,
    body,
    ...(body ? { duplex: "half" } : {}),
  });
}

/** A web response written to Node's: streamed (an SSE answer stays open), and its reading stops when the client goes. */
async function send(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, headers);
  res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once("close", () => {
    reader.cancel().catch(() => {});
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    res.write(value);
  }
  res.end();
}
