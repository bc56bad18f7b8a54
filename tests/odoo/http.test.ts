import { afterEach, describe, expect, it } from "vitest";
import { OdooConnectionError, OdooProtocolError } from "../../src/mcp/odoo/errors.js";
import { HttpPool } from "../../src/mcp/odoo/http.js";
import {
  type Handler,
  type ScriptedServer,
  startScriptedServer,
  unusedPort,
} from "./helpers/scripted-server.js";

let server: ScriptedServer | undefined;
let pool: HttpPool | undefined;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  pool = undefined;
  server = undefined;
});

async function start(handler: Handler, timeoutMs = 5_000, maxResponseBytes?: number): Promise<HttpPool> {
  server = await startScriptedServer(handler);
  pool = new HttpPool(server.url, { timeoutMs, maxResponseBytes });
  return pool;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

describe("HttpPool", () => {
  it("posts JSON with a Content-Length and answers status, type and text", async () => {
    const http = await start(() => ({ status: 200, contentType: "application/json", body: '{"ok": true}' }));
    const answer = await http.postJson("/jsonrpc", { a: "é" }, { headers: { "X-Test": "1" } });
    expect(answer).toMatchObject({ status: 200, contentType: "application/json", body: '{"ok": true}' });
    const received = server?.requests[0];
    expect(received?.body).toBe('{"a":"é"}');
    expect(received?.headers["content-length"]).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(received?.headers["x-test"]).toBe("1");
  });

  it("keeps a path prefix of the URL and drops user info", async () => {
    server = await startScriptedServer(() => ({ status: 200, body: "{}" }));
    pool = new HttpPool(`${server.url.replace("http://", "http://user:pw@")}/odoo/`, { timeoutMs: 5_000 });
    await pool.get("/web/version");
    expect(server.requests[0]?.path).toBe("/odoo/web/version");
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(pool.origin).not.toContain("pw");
  });

  it("a slow server gives a timeout error within the configured timeout", async () => {
    const http = await start(() => ({ kind: "hang" }), 200);
    const started = performance.now();
    const error = await failure(http.postJson("/jsonrpc", {}));
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(true);
    expect((error as Error).message).toMatch(/did not answer POST \/jsonrpc within 200 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_500);
  });

  it("a per-request timeout overrides the pool's", async () => {
    const http = await start(() => ({ status: 200, body: "1", delayMs: 300 }), 50);
    await expect(http.get("/slow", { timeoutMs: 2_000 })).resolves.toMatchObject({ status: 200 });
    await expect(http.get("/slow")).rejects.toBeInstanceOf(OdooConnectionError);
  });

  it("connection refused: maybeApplied false, no round trip counted", async () => {
    pool = new HttpPool(`http://127.0.0.1:${await unusedPort()}`, { timeoutMs: 2_000 });
    const error = await failure(pool.postJson("/jsonrpc", {}));
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(false);
    expect((error as Error).message).toMatch(/connection refused/);
    expect(pool.stats().roundTrips).toBe(0);
  });

  it("an unknown host: maybeApplied false", async () => {
    pool = new HttpPool("http://odoo.invalid", { timeoutMs: 3_000 });
    const error = await failure(pool.get("/web/version"));
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(false);
  });

  it("a connection closed after the request was sent: maybeApplied true", async () => {
    const http = await start(() => ({ kind: "destroy" }));
    const error = await failure(http.postJson("/jsonrpc", {}));
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(true);
    expect(http.stats().roundTrips).toBe(1);
  });

  it("an answer cut off midway: maybeApplied true", async () => {
    const http = await start(() => ({
      kind: "truncate",
      status: 200,
      body: '{"jsonrpc": "2.0", "id": 1, "res',
    }));
    const error = await failure(http.postJson("/jsonrpc", {}));
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(true);
  });

  it("cancelled by the caller's signal", async () => {
    const controller = new AbortController();
    // The server never answers; the caller gives up once the request has reached it (not after a guessed delay).
    const http = await start(() => {
      controller.abort();
      return { kind: "hang" };
    });
    const error = await failure(http.postJson("/jsonrpc", {}, { signal: controller.signal }));
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as Error).message).toMatch(/cancelled/);
  });

  it("refuses an answer larger than the limit", async () => {
    const http = await start(() => ({ status: 200, body: JSON.stringify("x".repeat(5_000)) }), 5_000, 1_000);
    await expect(http.get("/big")).rejects.toBeInstanceOf(OdooProtocolError);
  });

  it("reuses one socket for sequential requests and counts each round trip", async () => {
    const http = await start(() => ({ status: 200, body: "1" }));
    for (let i = 0; i < 4; i += 1) await http.postJson("/jsonrpc", { i });
    expect(server?.connections()).toBe(1);
    expect(http.stats().roundTrips).toBe(4);
  });

  it("a closed pool refuses new requests", async () => {
    const http = await start(() => ({ status: 200, body: "1" }));
    await http.close();
    await expect(http.get("/x")).rejects.toBeInstanceOf(OdooConnectionError);
    expect(server?.requests).toHaveLength(0);
  });
});
