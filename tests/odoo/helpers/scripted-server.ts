import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach } from "vitest";

/**
 * A real HTTP server on 127.0.0.1 that answers what the test scripts (mostly replies taken from the
 * recordings of real Odoo servers) and keeps every request it received, raw, with the connection it came
 * on. It is what the real transports talk to in these tests.
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The exact bytes of the body, as text. */
  body: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
  /** Which TCP connection it came on (1 for the first connection the server accepted). */
  connection: number;
}

export type Reply =
  | {
      kind?: "answer";
      status: number;
      contentType?: string;
      headers?: Record<string, string>;
      /** Sent as is when a string, as JSON otherwise. */
      body: unknown;
      delayMs?: number;
    }
  /** Close the connection without answering, after the request was received. */
  | { kind: "destroy" }
  /** Never answer (until the server closes). */
  | { kind: "hang" }
  /** Announce a body, send part of it, then close the connection. */
  | { kind: "truncate"; status: number; body: string };

export type Handler = (request: ReceivedRequest, index: number) => Reply | Promise<Reply>;

export interface ScriptedServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** How many TCP connections were accepted. */
  connections(): number;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/**
 * What the handlers threw (a missing recording, say) during the current test. The client only sees a 599, which
 * a test expecting an error could take for the answer it wants: so the test fails, with the handler's message.
 */
const handlerFailures: string[] = [];
afterEach(() => {
  const failures = handlerFailures.splice(0);
  if (failures.length > 0) throw new Error(failures.join("\n"));
});

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, contentType: "application/json; charset=utf-8", body, headers };
}

/** A JSON-RPC answer that echoes the request's id. */
export function rpcResult(request: ReceivedRequest, result: unknown): Reply {
  return json(200, { jsonrpc: "2.0", id: requestId(request), result });
}

export function requestId(request: ReceivedRequest): unknown {
  const body = request.json;
  return typeof body === "object" && body !== null && "id" in body ? (body as { id: unknown }).id : null;
}

export async function startScriptedServer(handler: Handler, port = 0): Promise<ScriptedServer> {
  let current = handler;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let accepted = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const received: ReceivedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        json: parsed,
        connection: connectionIds.get(req.socket) ?? 0,
      };
      const index = requests.length;
      requests.push(received);
      // A handler that throws (a missing recording, say) answers at once, with its message, instead of never.
      void Promise.resolve()
        .then(() => current(received, index))
        .then(
          (reply) => send(reply, req.socket, res),
          (error: unknown) => {
            const message = `scripted server: the handler failed on ${received.method} ${received.path}: ${
              error instanceof Error ? error.message : String(error)
            }`;
            handlerFailures.push(message);
            res.writeHead(599, { "Content-Type": "text/plain; charset=utf-8" });
            res.end(message);
          },
        );
    });
  });
  server.keepAliveTimeout = 10_000;
  server.on("connection", (socket: Socket) => {
    accepted += 1;
    connectionIds.set(socket, accepted);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    connections: () => accepted,
    setHandler: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function send(reply: Reply, socket: Socket, res: http.ServerResponse): void {
  if (reply.kind === "destroy") {
    socket.destroy();
    return;
  }
  if (reply.kind === "hang") return;
  if (reply.kind === "truncate") {
    res.writeHead(reply.status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(reply.body) + 100),
    });
    res.write(reply.body, () => socket.destroy());
    return;
  }
  const write = () => {
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      "Content-Type": reply.contentType ?? "application/json; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(text)),
      ...reply.headers,
    });
    res.end(text);
  };
  if (reply.delayMs) setTimeout(write, reply.delayMs);
  else write();
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function unusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
