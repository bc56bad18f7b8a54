import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/mcp/log.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import type { Odoo, OdooConnectionSettings } from "../../src/mcp/odoo/types.js";
import { startRecordedOdoo } from "./helpers/recorded-odoo.js";
import { type Handler, requestId, type ScriptedServer, unusedPort } from "./helpers/scripted-server.js";
import { recordedReply, recordedStep } from "./helpers/transcripts.js";

/**
 * The secret travels in every JSON-RPC body and every JSON-2 Authorization header. Whatever goes wrong, it
 * must appear in no error (message, cause, inspection) and no log line, even when the server echoes it.
 */

const SECRET = "s3cret-Api-Key-d41d8cd98f00b204e980";

let server: ScriptedServer | undefined;
let client: Odoo | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger("debug", "odoo", (line) => lines.push(line)) };
}

function makeClient(
  url: string,
  logger: ReturnType<typeof capture>["logger"],
  overrides: Partial<OdooConnectionSettings> = {},
) {
  client = createOdooClient(
    {
      url,
      database: "odoo_test",
      username: "admin",
      secret: SECRET,
      secretKind: "api_key",
      api: "auto",
      timeoutMs: 150,
      ...overrides,
    },
    { logger, sleep: async () => {} },
  );
  return client;
}

function expectNoSecret(error: unknown, lines: string[]): void {
  expect(error).toBeInstanceOf(Error);
  const texts = [
    (error as Error).message,
    String(error),
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    ...lines,
  ];
  for (const text of texts) expect(text).not.toContain(SECRET);
}

/** A reply that echoes everything the client sent, as an Odoo error message and traceback. */
const echoAsJsonRpcError: Handler = (request) => ({
  status: 200,
  body: JSON.stringify({
    jsonrpc: "2.0",
    id: requestId(request),
    error: {
      code: 200,
      message: "Odoo Server Error",
      data: {
        name: "odoo.exceptions.AccessDenied",
        message: `Access Denied for ${request.body}`,
        arguments: [request.body],
        debug: `Traceback: ${request.body}`,
      },
    },
  }),
});

describe("no secret in errors or logs", () => {
  const scenarios: { name: string; major: 17 | 18 | 19; api?: "jsonrpc"; handle: Handler }[] = [
    { name: "JSON-RPC AccessDenied echoing the request", major: 18, handle: echoAsJsonRpcError },
    {
      name: "JSON-2 401 echoing the Authorization header",
      major: 19,
      handle: (request) => ({
        status: 401,
        body: JSON.stringify({
          name: "werkzeug.exceptions.Unauthorized",
          message: `Invalid apikey ${String(request.headers.authorization)}`,
          debug: String(request.headers.authorization),
        }),
      }),
    },
    {
      name: "JSON-2 500 whose message and traceback hold the key",
      major: 19,
      handle: (request) => ({
        status: 500,
        body: JSON.stringify({
          name: "builtins.ValueError",
          message: `bad ${String(request.headers.authorization)}`,
        }),
      }),
    },
    {
      name: "a short plain-text answer echoing the request body",
      major: 17,
      handle: (request) => ({ status: 400, contentType: "text/plain", body: request.body.slice(0, 190) }),
    },
    {
      name: "garbage echoing the request body",
      major: 18,
      handle: (request) => ({ status: 200, body: `<${request.body}` }),
    },
    { name: "a timeout after sending", major: 18, handle: () => ({ kind: "hang" }) },
    { name: "a connection reset after sending", major: 19, handle: () => ({ kind: "destroy" }) },
    {
      name: "503 on every try (retries logged)",
      major: 19,
      handle: () => ({ status: 503, contentType: "text/plain", body: "Service Unavailable" }),
    },
  ];

  for (const scenario of scenarios) {
    it(scenario.name, async () => {
      const { lines, logger } = capture();
      server = await startRecordedOdoo({ major: scenario.major, secret: SECRET, handle: scenario.handle });
      const odoo = makeClient(server.url, logger, {
        database: scenario.major === 19 ? "odoo_test" : `odoo${scenario.major}_test`,
      });
      const error = await odoo.searchRead("res.partner", [], ["name"]).catch((e: unknown) => e);
      expectNoSecret(error, lines);
      // The secret was really sent, so the test would see a leak.
      const sent = server.requests.map((r) => r.body + String(r.headers.authorization));
      expect(sent.join("\n")).toContain(SECRET);
    });
  }

  it("a refused connection, retried and logged", async () => {
    const { lines, logger } = capture();
    const odoo = makeClient(`http://127.0.0.1:${await unusedPort()}`, logger);
    const error = await odoo.create("res.partner", { name: "x" }).catch((e: unknown) => e);
    expectNoSecret(error, lines);
    expect(lines.some((line) => line.includes(" WARN "))).toBe(true);
  });

  it("a refused login (false) names the user and database, not the secret", async () => {
    const { lines, logger } = capture();
    server = await startRecordedOdoo({ major: 17, secret: "another-one-entirely" });
    const odoo = makeClient(server.url, logger, { database: "odoo17_test" });
    const error = await odoo.uid().catch((e: unknown) => e);
    expectNoSecret(error, lines);
    expect((error as Error).message).toContain('"admin"');
  });

  it("the client itself does not show the secret when inspected", async () => {
    const { logger } = capture();
    const step = recordedStep(19, "01-version-json2", "res.users context_get");
    server = await startRecordedOdoo({ major: 19, secret: SECRET, handle: () => recordedReply(step) });
    const odoo = makeClient(server.url, logger);
    await odoo.uid();
    expect(inspect(odoo, { depth: 6, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(odoo.settings)).not.toContain(SECRET);
  });
});
