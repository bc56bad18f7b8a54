import { readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { toToolError } from "../../src/mcp/error-map.js";
import { type Channel, channels, type Handlers } from "../../src/shared/ipc.js";

/**
 * The loopback test bridge: serves the built windows (dist/renderer) and, in place of Electron's IPC, the REAL
 * handlers over HTTP, with a small script injected as `window.odooMcp` that forwards each named function over
 * fetch and each event over server-sent events. Only these served copies get `connect-src` for this origin: the
 * built files keep the production CSP.
 */
export interface BridgeServer {
  origin: string;
  /** Every answer the handlers sent (to check that no secret ever travels back). */
  answers: string[];
  emit(event: string, payload: unknown): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

function bridgeScript(): string {
  const names = JSON.stringify(Object.keys(channels));
  return `(() => {
  const bridge = {};
  for (const name of ${names})
    bridge[name] = (request) =>
      fetch("/__call/" + name, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request ?? {}) })
        .then((response) => response.json());
  const source = new EventSource("/__events");
  bridge.on = (event, listener) => {
    const handler = (message) => listener(JSON.parse(message.data));
    source.addEventListener(event, handler);
    return () => source.removeEventListener(event, handler);
  };
  window.odooMcp = Object.freeze(bridge);
})();
`;
}

export async function startBridgeServer(options: {
  handlers: Partial<Handlers>;
  /** The built windows. */
  root: string;
}): Promise<BridgeServer> {
  const streams = new Set<ServerResponse>();
  const answers: string[] = [];
  let origin = "";
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", origin);
    try {
      if (request.method === "POST" && url.pathname.startsWith("/__call/")) {
        const name = url.pathname.slice("/__call/".length) as Channel;
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        let answer: unknown;
        try {
          const channel = channels[name];
          const handler = options.handlers[name] as ((req: unknown) => Promise<unknown>) | undefined;
          if (!channel || !handler) throw new Error(`no handler for ${name}`);
          const parsed = channel.request.parse(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
          answer = { ok: true, value: channel.answer.parse(await handler(parsed)) };
        } catch (error) {
          const mapped = toToolError(error);
          answer = { ok: false, error: { code: mapped.code, message: mapped.message } };
        }
        const text = JSON.stringify(answer);
        answers.push(text);
        response.writeHead(200, { "content-type": "application/json" }).end(text);
        return;
      }
      if (url.pathname === "/__events") {
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
        response.write(": connected\n\n");
        streams.add(response);
        request.on("close", () => streams.delete(response));
        return;
      }
      if (url.pathname === "/favicon.ico") {
        response.writeHead(204).end(); // a browser asks for it; the app's windows have none
        return;
      }
      if (url.pathname === "/__test-bridge.js") {
        response.writeHead(200, { "content-type": TYPES[".js"]! }).end(bridgeScript());
        return;
      }
      const file = path.join(options.root, path.normalize(url.pathname).replace(/^([/\\])+/, ""));
      if (!file.startsWith(options.root)) throw new Error("outside the root");
      let body: Buffer | string = await readFile(file);
      if (file.endsWith(".html")) {
        const html = body.toString("utf8");
        if (!html.includes("default-src 'none'")) throw new Error("the built page lost its CSP");
        body = html
          .replace("img-src 'self' data:", `img-src 'self' data:; connect-src ${origin}`)
          .replace("<title>", `<script src="/__test-bridge.js"></script>\n    <title>`);
      }
      response
        .writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" })
        .end(body);
    } catch {
      if (!response.headersSent) response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    answers,
    emit(event, payload) {
      for (const stream of streams) stream.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    },
    async close() {
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
