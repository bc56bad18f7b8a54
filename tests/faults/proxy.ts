/**
 * A fault-injecting HTTP proxy on 127.0.0.1, between the product and the sandbox. Every request it sees is
 * numbered (1, 2, ...) and named by what it asks Odoo (`account.move.create`, `common.version`, ...), and a plan
 * decides, per request, what Odoo "does":
 *
 *   pass                     forwarded; the sandbox's answer goes back unchanged
 *   refuse                   not forwarded; the connection is reset (the request never reached Odoo)
 *   cut                      forwarded (Odoo applies it), then the connection is reset instead of the answer:
 *                            the uncertain write
 *   delay ms                 forwarded at once; its answer is held back `ms` before it goes out
 *   truncate                 forwarded; half of the answer's body goes back, well framed (Content-Length of the half)
 *   truncate-wire            forwarded; the full Content-Length is announced, half the body sent, then a reset
 *   non-json                 forwarded; a 200 HTML page goes back instead of Odoo's JSON
 *   status 502|503           answered by the proxy with that status; `forward` says whether Odoo got it first
 *
 * `stop()` stops listening and resets every open connection (Odoo down: refused connections from then on);
 * `start()` listens again on the same port (Odoo back). Hooks (`after`) run after the sandbox answered and before
 * the client hears anything, e.g. to kill the server process at that point.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";

export type FaultAction =
  | { kind: "pass"; after?: () => void | Promise<void> }
  | { kind: "refuse"; stop?: boolean; before?: () => void | Promise<void> }
  | { kind: "cut"; stop?: boolean; after?: () => void | Promise<void> }
  | { kind: "delay"; ms: number }
  | { kind: "truncate" }
  | { kind: "truncate-wire" }
  | { kind: "non-json" }
  | { kind: "status"; status: 502 | 503; forward: boolean };

export interface SeenRequest {
  /** 1-based, over the proxy's whole life. */
  n: number;
  /** `model.method` (JSON-2 and JSON-RPC `object` calls), `common.login`, or the path. */
  call: string;
  /** What the proxy did with it. */
  action: FaultAction["kind"];
}

export type Plan = (request: { n: number; call: string }) => FaultAction;

export interface FaultProxy {
  readonly url: string;
  /** Every request seen, in order. */
  readonly seen: readonly SeenRequest[];
  /** How many requests it has seen so far (a mark for `since`). */
  count(): number;
  /** The requests after `mark`. */
  since(mark: number): SeenRequest[];
  /** Decides what happens to each following request (default: pass everything). */
  setPlan(plan: Plan | null): void;
  /** Stops listening and resets every open connection: Odoo refuses connections from now on. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  readonly listening: boolean;
  close(): Promise<void>;
}

/** Which Odoo call a request is, from its path (JSON-2) or its JSON-RPC body. */
export function callName(path: string, body: string): string {
  const json2 = /^\/json\/2\/([^/?]+)\/([^/?]+)/.exec(path);
  if (json2) return `${decodeURIComponent(json2[1] ?? "")}.${decodeURIComponent(json2[2] ?? "")}`;
  try {
    const parsed = JSON.parse(body) as { params?: { service?: string; method?: string; args?: unknown[] } };
    const params = parsed.params;
    if (params?.service === "object" && Array.isArray(params.args))
      return `${String(params.args[3])}.${String(params.args[4])}`;
    if (params?.service) return `${params.service}.${params.method ?? ""}`;
  } catch {
    // not JSON: name it by its path
  }
  return path;
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const NON_JSON_PAGE =
  "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We'll be back soon</h1></body></html>";

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstreamUrl = new URL(target);
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let plan: Plan | null = null;
  let port = 0;
  let listening = false;

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: upstreamUrl.host, connection: "keep-alive" };
      const out = httpRequest(
        { host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", reject);
        },
      );
      out.on("error", reject);
      out.end(body);
    });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const n = seen.length + 1;
        const call = callName((req.url ?? "/").split("?")[0] ?? "/", body.toString("utf8"));
        const action = plan ? plan({ n, call }) : ({ kind: "pass" } as FaultAction);
        seen.push({ n, call, action: action.kind });
        const reset = () => req.socket.destroy();
        const answer = (upstream: Upstream, bodyOut: Buffer = upstream.body) => {
          if (res.destroyed) return;
          res.statusCode = upstream.status;
          for (const [key, value] of Object.entries(upstream.headers)) {
            if (value === undefined || key === "content-length" || key === "transfer-encoding") continue;
            if (key === "connection" || key === "keep-alive") continue;
            res.setHeader(key, value);
          }
          res.setHeader("content-length", bodyOut.length);
          res.end(bodyOut);
        };
        switch (action.kind) {
          case "refuse": {
            await action.before?.();
            if (action.stop) await stopListening();
            reset();
            return;
          }
          case "status": {
            if (action.forward) await forward(req, body);
            const page = `<html><body><h1>${action.status} ${action.status === 502 ? "Bad Gateway" : "Service Unavailable"}</h1></body></html>`;
            res.statusCode = action.status;
            res.setHeader("content-type", "text/html");
            res.end(page);
            return;
          }
          default:
            break;
        }
        let upstream: Upstream;
        try {
          upstream = await forward(req, body);
        } catch {
          reset();
          return;
        }
        switch (action.kind) {
          case "pass":
            await action.after?.();
            return answer(upstream);
          case "cut":
            await action.after?.();
            if (action.stop) await stopListening();
            reset();
            return;
          case "delay":
            setTimeout(() => answer(upstream), action.ms);
            return;
          case "truncate":
            return answer(upstream, upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
          case "truncate-wire": {
            res.statusCode = upstream.status;
            res.setHeader("content-type", String(upstream.headers["content-type"] ?? "application/json"));
            res.setHeader("content-length", upstream.body.length);
            res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)), () => reset());
            return;
          }
          case "non-json":
            return answer(
              { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: Buffer.alloc(0) },
              Buffer.from(NON_JSON_PAGE),
            );
        }
      })().catch(() => req.socket.destroy());
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      if (listening) return resolve();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        const address = server.address();
        port = typeof address === "object" && address ? address.port : port;
        listening = true;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
      // In-flight answers are dropped with their connections, as when Odoo's process stops.
      for (const socket of sockets) socket.destroy();
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    count: () => seen.length,
    since: (mark) => seen.slice(mark),
    setPlan(next) {
      plan = next;
    },
    stop: stopListening,
    start: listen,
    get listening() {
      return listening;
    },
    close: async () => {
      await stopListening();
    },
  };
}

/** A plan: the requests after `mark` pass up to the `k`-th, which gets `atK`; everything after is refused. */
export function stopAtStep(mark: number, k: number, atK: FaultAction): Plan {
  return ({ n }) => {
    const step = n - mark;
    if (step < k) return { kind: "pass" };
    if (step === k) return atK;
    return { kind: "refuse" };
  };
}
