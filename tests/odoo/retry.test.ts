import diagnostics from "node:diagnostics_channel";
import { once } from "node:events";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/mcp/log.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import {
  OdooAuthError,
  OdooConnectionError,
  OdooProtocolError,
  OdooUserError,
} from "../../src/mcp/odoo/errors.js";
import { isRetryable, RETRY_DELAYS_MS, withRetry } from "../../src/mcp/odoo/retry.js";
import type { Odoo, OdooConnectionSettings } from "../../src/mcp/odoo/types.js";
import { executeKwTarget, startRecordedOdoo } from "./helpers/recorded-odoo.js";
import { type Handler, type ScriptedServer, unusedPort } from "./helpers/scripted-server.js";
import { recordedReply, recordedStep } from "./helpers/transcripts.js";

const KEY = "retry-test-key-9a7d3c2b1e0f";

describe("withRetry", () => {
  it("backs off 1 s, 2 s, 4 s, 8 s, then throws the last error", async () => {
    const delays: number[] = [];
    const errors: OdooConnectionError[] = [];
    const failure = withRetry(
      async (attempt) => {
        const error = new OdooConnectionError(`refused #${attempt}`, false);
        errors.push(error);
        throw error;
      },
      { idempotent: false, sleep: async (ms) => void delays.push(ms) },
    );
    const thrown = await failure.catch((error: unknown) => error);
    expect(thrown).toBe(errors[4]);
    expect(RETRY_DELAYS_MS).toEqual([1000, 2000, 4000, 8000]);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(errors).toHaveLength(5);
  });

  it("stops as soon as an attempt succeeds", async () => {
    const delays: number[] = [];
    const result = await withRetry(
      async (attempt) => {
        if (attempt < 2) throw new OdooConnectionError("timeout", true);
        return "ok";
      },
      { idempotent: true, sleep: async (ms) => void delays.push(ms) },
    );
    expect(result).toBe("ok");
    expect(delays).toEqual([1000, 2000]);
  });

  it("retries only what may succeed when sent again", () => {
    const notSent = new OdooConnectionError("refused", false);
    const maybeApplied = new OdooConnectionError("timeout after sending", true);
    expect(isRetryable(notSent, false)).toBe(true);
    expect(isRetryable(notSent, true)).toBe(true);
    expect(isRetryable(maybeApplied, true)).toBe(true);
    expect(isRetryable(maybeApplied, false)).toBe(false);
    expect(isRetryable(new OdooAuthError("no", undefined, 401), true)).toBe(false);
    expect(isRetryable(new OdooUserError("no", "odoo.exceptions.UserError", 422), true)).toBe(false);
    expect(isRetryable(new OdooProtocolError("garbage"), true)).toBe(false);
    expect(isRetryable(new Error("other"), true)).toBe(false);
  });

  it("logs each retry at warn level, naming what is retried", async () => {
    const lines: string[] = [];
    const logger = createLogger("debug", "test", (line) => lines.push(line));
    await withRetry(
      async (attempt) => {
        if (attempt === 0)
          throw new OdooConnectionError("cannot connect to Odoo (connection refused)", false);
        return 1;
      },
      { idempotent: false, sleep: async () => {}, logger, what: "res.partner.create" },
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ WARN \[test\] Odoo request failed; retrying/);
    expect(lines[0]).toContain('"what":"res.partner.create"');
    expect(lines[0]).toContain('"retryInMs":1000');
  });

  it("does not retry once the caller has given up", async () => {
    const controller = new AbortController();
    const delays: number[] = [];
    const failure = withRetry(
      async () => {
        controller.abort();
        throw new OdooConnectionError("cancelled", false);
      },
      { idempotent: true, signal: controller.signal, sleep: async (ms) => void delays.push(ms) },
    );
    await expect(failure).rejects.toBeInstanceOf(OdooConnectionError);
    expect(delays).toEqual([]);
  });
});

describe("the client retries against a real server", () => {
  let server: ScriptedServer | undefined;
  let client: Odoo | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = undefined;
    server = undefined;
  });

  const delays: number[] = [];
  function makeClient(
    url: string,
    overrides: Partial<OdooConnectionSettings> = {},
    onSleep?: () => Promise<void>,
  ) {
    delays.length = 0;
    client = createOdooClient(
      {
        url,
        database: "odoo_test",
        username: "admin",
        secret: KEY,
        secretKind: "api_key",
        api: "auto",
        timeoutMs: 5_000,
        ...overrides,
      },
      {
        sleep: async (ms) => {
          delays.push(ms);
          await onSleep?.();
        },
      },
    );
    return client;
  }

  /** Requests for one `model.method` (JSON-2 path or execute_kw target). */
  function callsTo(target: string): number {
    return (server?.requests ?? []).filter(
      (r) => r.path === `/json/2/${target.replace(/\.(\w+)$/, "/$1")}` || executeKwTarget(r.json) === target,
    ).length;
  }

  /**
   * Odoo 19 whose faults hit the calls under test: the client's first contact (the key's user,
   * `res.users.context_get`, and its companies, answered by the helper) gets the recorded answers.
   */
  async function odoo19(handle: Handler, port?: number): Promise<ScriptedServer> {
    const login = recordedStep(19, "01-version-json2", "res.users context_get");
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request, index) =>
        request.path === "/json/2/res.users/context_get" ? recordedReply(login) : handle(request, index),
      port,
    });
    return server;
  }

  it("connection refused: a write is retried (nothing reached Odoo) and succeeds once Odoo is back", async () => {
    const created = recordedStep(19, "03-customer-invoice-json2", 'create customer "Invoice Customer Ltd"');
    const handle: Handler = () => recordedReply(created);
    const port = (await odoo19(handle)).port;
    const odoo = makeClient(`http://127.0.0.1:${port}`, {}, async () => {
      if (delays.length === 2) await odoo19(handle, port);
    });
    const clientSockets: Socket[] = [];
    const onSocket = (message: unknown) => clientSockets.push((message as { socket: Socket }).socket);
    diagnostics.subscribe("net.client.socket", onSocket);
    try {
      await odoo.version();
    } finally {
      diagnostics.unsubscribe("net.client.socket", onSocket);
    }
    expect(clientSockets.length).toBeGreaterThan(0);
    await server?.close();
    // The client's kept-alive socket has seen the server go (its close event, not a guessed delay), so the
    // create below meets a refused connection, not a dead socket.
    await Promise.all(
      clientSockets.filter((socket) => !socket.closed).map((socket) => once(socket, "close")),
    );

    const id = await odoo.create("res.partner", { name: "Invoice Customer Ltd" });
    expect(id).toBe(8);
    expect(delays).toEqual([1000, 2000]);
    expect(callsTo("res.partner.create")).toBe(1);
  });

  it("connection refused on every try: gives up after 1, 2, 4, 8 s with a connection error", async () => {
    const port = await unusedPort();
    const odoo = makeClient(`http://127.0.0.1:${port}`);
    const error = await odoo.version().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(false);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
  });

  it("timeout on a write: not retried, the outcome is unknown", async () => {
    await odoo19(() => ({ kind: "hang" }));
    const odoo = makeClient(server?.url ?? "", { timeoutMs: 150 });
    await odoo.version();
    const error = await odoo.create("res.partner", { name: "X" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(true);
    expect(delays).toEqual([]);
    expect(callsTo("res.partner.create")).toBe(1);
  });

  it("timeout on a read: retried", async () => {
    let count = 0;
    await odoo19(() => {
      count += 1;
      return count <= 2 ? { kind: "hang" } : { status: 200, body: "7" };
    });
    const odoo = makeClient(server?.url ?? "", { timeoutMs: 150 });
    expect(await odoo.searchCount("res.partner", [])).toBe(7);
    expect(delays).toEqual([1000, 2000]);
    expect(callsTo("res.partner.search_count")).toBe(3);
  });

  it("connection reset after sending: a write is not retried, a read is", async () => {
    let resets = 0;
    await odoo19((request) => {
      if (request.path.endsWith("/write") || resets === 0) {
        resets += 1;
        return { kind: "destroy" };
      }
      return { status: 200, body: "[]" };
    });
    const odoo = makeClient(server?.url ?? "");
    const error = await odoo.write("res.partner", [1], { name: "X" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as OdooConnectionError).maybeApplied).toBe(true);
    expect(callsTo("res.partner.write")).toBe(1);
    expect(delays).toEqual([]);

    resets = 0;
    expect(await odoo.searchRead("res.partner", [], ["name"])).toEqual([]);
    expect(callsTo("res.partner.search_read")).toBe(2);
    expect(delays).toEqual([1000]);
  });

  it("401: never retried", async () => {
    const unauthorized = recordedStep(19, "01-version-json2", "JSON-2 with a bad API key (401)");
    await odoo19(() => recordedReply(unauthorized));
    const odoo = makeClient(server?.url ?? "");
    await expect(odoo.searchRead("res.partner", [], ["name"])).rejects.toBeInstanceOf(OdooAuthError);
    expect(delays).toEqual([]);
    expect(callsTo("res.partner.search_read")).toBe(1);
  });

  it("a validation error: never retried", async () => {
    const refused = recordedStep(
      19,
      "03-customer-invoice-json2",
      "account.move action_post again (already posted)",
    );
    await odoo19(() => recordedReply(refused));
    const odoo = makeClient(server?.url ?? "");
    await expect(
      odoo.call({ model: "account.move", method: "action_post", ids: [1] }, { idempotent: true }),
    ).rejects.toBeInstanceOf(OdooUserError);
    expect(delays).toEqual([]);
  });

  it("503: retried, even for a write (Odoo did not take it)", async () => {
    let count = 0;
    await odoo19(() => {
      count += 1;
      return count <= 2
        ? { status: 503, contentType: "text/html", body: "<title>503 Service Unavailable</title>" }
        : { status: 200, body: "[5]" };
    });
    const odoo = makeClient(server?.url ?? "");
    expect(await odoo.create("res.partner", { name: "X" })).toBe(5);
    expect(delays).toEqual([1000, 2000]);
  });

  it("504: retried for a read, not for a write", async () => {
    await odoo19(() => ({
      status: 504,
      contentType: "text/html",
      body: "<title>504 Gateway Time-out</title>",
    }));
    const odoo = makeClient(server?.url ?? "");
    await expect(odoo.write("res.partner", [1], { name: "X" })).rejects.toBeInstanceOf(OdooConnectionError);
    expect(delays).toEqual([]);
    await expect(odoo.searchCount("res.partner", [])).rejects.toBeInstanceOf(OdooConnectionError);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
    expect(callsTo("res.partner.search_count")).toBe(5);
  });

  it("a call cancelled by its signal is not retried", async () => {
    const controller = new AbortController();
    // Odoo never answers; the caller gives up once the request has reached it (not after a guessed delay).
    await odoo19(() => {
      controller.abort();
      return { kind: "hang" };
    });
    const odoo = makeClient(server?.url ?? "");
    await odoo.version();
    const error = await odoo
      .call(
        { model: "res.partner", method: "search_count", args: { domain: [] } },
        {
          idempotent: true,
          signal: controller.signal,
        },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OdooConnectionError);
    expect((error as Error).message).toMatch(/cancelled/);
    expect(delays).toEqual([]);
    expect(callsTo("res.partner.search_count")).toBe(1);
  });

  it("a write the caller declares idempotent is retried after a timeout", async () => {
    let count = 0;
    await odoo19(() => {
      count += 1;
      return count === 1 ? { kind: "hang" } : { status: 200, body: "true" };
    });
    const odoo = makeClient(server?.url ?? "", { timeoutMs: 150 });
    await odoo.version();
    count = 0;
    const result = await odoo.call(
      { model: "mail.mail", method: "mark_outgoing", ids: [3] },
      { idempotent: true },
    );
    expect(result).toBe(true);
    expect(delays).toEqual([1000]);
  });
});
