import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";

/**
 * A counting HTTP proxy between the server and Odoo (the sandbox), so that a server running as its own process is
 * measured from outside: the Odoo requests it makes, the wall time with one of them in flight (concurrent
 * requests are not counted twice) and the bytes each way. The time starts when a request's head arrives and ends
 * when its answer is written, so it holds Odoo's own time (the sandbox's injected latency and work) and the
 * loopback hop after the proxy; what the server spends before and after the wire is its own.
 */
export interface ProxyCounts {
  requests: number;
  odooMs: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface CountingProxy {
  readonly url: string;
  counts(): ProxyCounts;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const totals: ProxyCounts = { requests: 0, odooMs: 0, bytesSent: 0, bytesReceived: 0 };
  let inFlight = 0;
  let busySince = 0;
  const begin = () => {
    if (inFlight === 0) busySince = performance.now();
    inFlight += 1;
  };
  const end = () => {
    inFlight -= 1;
    if (inFlight === 0) totals.odooMs += performance.now() - busySince;
  };

  const server = http.createServer((req, res) => {
    begin();
    totals.requests += 1;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      end();
    };
    res.on("close", finish);
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on("data", (chunk: Buffer) => {
          totals.bytesReceived += chunk.length;
        });
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    req.on("data", (chunk: Buffer) => {
      totals.bytesSent += chunk.length;
    });
    req.pipe(forward);
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ ...totals }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
