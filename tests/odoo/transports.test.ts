import { afterEach, describe, expect, it } from "vitest";
import { OdooAuthError, OdooProtocolError } from "../../src/mcp/odoo/errors.js";
import { HttpPool } from "../../src/mcp/odoo/http.js";
import { Json2Transport } from "../../src/mcp/odoo/json2.js";
import { JsonRpcTransport } from "../../src/mcp/odoo/jsonrpc.js";
import type { OdooCall } from "../../src/mcp/odoo/types.js";
import { startRecordedOdoo } from "./helpers/recorded-odoo.js";
import {
  type Reply,
  requestId,
  type ScriptedServer,
  startScriptedServer,
} from "./helpers/scripted-server.js";
import { type OdooMajor, recordedReply, recordedStep, withSecret } from "./helpers/transcripts.js";

const KEY = "test-key-7f3a9c1e5b2d8046";
const READ = { idempotent: true };

let server: ScriptedServer | undefined;
let pool: HttpPool | undefined;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  server = undefined;
  pool = undefined;
});

function json2(database = "odoo_test"): Json2Transport {
  if (!server) throw new Error("start the server first");
  pool = new HttpPool(server.url, { timeoutMs: 5_000 });
  return new Json2Transport(pool, { database, secret: KEY });
}

function jsonrpc(database: string): JsonRpcTransport {
  if (!server) throw new Error("start the server first");
  pool = new HttpPool(server.url, { timeoutMs: 5_000 });
  return new JsonRpcTransport(pool, { database, username: "admin", secret: KEY });
}

/** The last request the server got. */
function lastRequest() {
  const request = server?.requests.at(-1);
  if (!request) throw new Error("no request");
  return request;
}

describe("JSON-2 transport against recorded Odoo 19 answers", () => {
  const cases: { step: string; call: OdooCall }[] = [
    { step: "account.move action_post", call: { model: "account.move", method: "action_post", ids: [1] } },
    {
      step: "find the 15% sale tax",
      call: {
        model: "account.tax",
        method: "search_read",
        args: {
          domain: [
            ["type_tax_use", "=", "sale"],
            ["amount_type", "=", "percent"],
            ["amount", "=", 15],
          ],
          fields: ["name", "amount", "amount_type", "type_tax_use", "price_include"],
          limit: 1,
        },
      },
    },
    {
      step: 'create customer "Invoice Customer Ltd"',
      call: {
        model: "res.partner",
        method: "create",
        args: {
          vals_list: [
            { name: "Invoice Customer Ltd", is_company: true, email: "ap@invoice-customer.example" },
          ],
        },
      },
    },
  ];

  for (const { step, call } of cases) {
    it(`sends exactly the recorded request and returns the recorded result: ${step}`, async () => {
      const recorded = recordedStep(19, "03-customer-invoice-json2", step);
      server = await startScriptedServer(() => recordedReply(recorded));
      const result = await json2().call(call, READ);

      const received = lastRequest();
      expect(received.method).toBe("POST");
      expect(received.path).toBe(recorded.request.path);
      expect(received.json).toEqual(recorded.request.body);
      expect(received.headers["content-type"]).toBe("application/json");
      expect(received.headers.authorization).toBe(`bearer ${KEY}`);
      expect(received.headers["x-odoo-database"]).toBe("odoo_test");
      expect(result).toEqual(recorded.response.body);
    });
  }

  it("puts ids and context in the body beside the named arguments", async () => {
    server = await startScriptedServer(() => ({ status: 200, body: "true" }));
    await json2().call(
      {
        model: "res.partner",
        method: "write",
        ids: [7, 8],
        args: { vals: { name: "X" } },
        context: { lang: "fr_FR" },
      },
      { idempotent: false },
    );
    expect(lastRequest().path).toBe("/json/2/res.partner/write");
    expect(lastRequest().json).toEqual({ ids: [7, 8], context: { lang: "fr_FR" }, vals: { name: "X" } });
  });

  it("answers null for a method that returns None", async () => {
    server = await startScriptedServer(() => ({ status: 200, body: "null" }));
    await expect(
      json2().call({ model: "hr.expense", method: "action_submit", ids: [1] }, READ),
    ).resolves.toBeNull();
  });

  it("takes the uid from res.users.context_get, once", async () => {
    const recorded = recordedStep(19, "01-version-json2", "res.users context_get");
    server = await startScriptedServer(() => recordedReply(recorded));
    const transport = json2();
    expect(await transport.uid()).toBe(2);
    expect(await transport.uid()).toBe(2);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe("/json/2/res.users/context_get");
  });
});

describe("JSON-RPC transport against recorded answers", () => {
  const versions: { major: OdooMajor; database: string }[] = [
    { major: 17, database: "odoo17_test" },
    { major: 18, database: "odoo18_test" },
    { major: 19, database: "odoo_test" },
  ];
  const steps: { step: string; call: OdooCall }[] = [
    { step: "account.move action_post", call: { model: "account.move", method: "action_post", ids: [1] } },
    {
      step: 'create customer "Invoice Customer Ltd"',
      call: {
        model: "res.partner",
        method: "create",
        args: {
          vals_list: [
            { name: "Invoice Customer Ltd", is_company: true, email: "ap@invoice-customer.example" },
          ],
        },
      },
    },
  ];

  for (const { major, database } of versions) {
    for (const { step, call } of steps) {
      it(`Odoo ${major}: logs in, then sends the recorded execute_kw for ${step}`, async () => {
        const recorded = recordedStep(major, "03-customer-invoice-jsonrpc", step);
        server = await startRecordedOdoo({
          major,
          secret: KEY,
          handle: (request) => recordedReply(recorded, requestId(request)),
        });
        const result = await jsonrpc(database).call(call, READ);

        const [login, execute] = server.requests;
        expect(server.requests).toHaveLength(2);
        expect(login?.json).toEqual({
          jsonrpc: "2.0",
          method: "call",
          id: 1,
          params: { service: "common", method: "login", args: [database, "admin", KEY] },
        });
        expect(execute?.path).toBe("/jsonrpc");
        expect(execute?.headers["content-type"]).toBe("application/json");
        const expected = withSecret(recorded.request.body, KEY) as { id: number };
        expect(execute?.json).toEqual({ ...expected, id: 2 });
        expect(result).toEqual((recorded.response.body as { result: unknown }).result);
      });
    }
  }

  it("sends named arguments and the context as execute_kw keyword arguments", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) => ({
        status: 200,
        body: JSON.stringify({ jsonrpc: "2.0", id: requestId(request), result: [] }),
      }),
    });
    await jsonrpc("odoo_test").call(
      {
        model: "res.partner",
        method: "search_read",
        args: { domain: [["name", "=", "Acme"]], fields: ["name"], limit: 5 },
        context: { active_test: false },
      },
      READ,
    );
    expect(lastRequest().json).toEqual({
      jsonrpc: "2.0",
      method: "call",
      id: 2,
      params: {
        service: "object",
        method: "execute_kw",
        args: [
          "odoo_test",
          2,
          KEY,
          "res.partner",
          "search_read",
          [],
          { domain: [["name", "=", "Acme"]], fields: ["name"], limit: 5, context: { active_test: false } },
        ],
      },
    });
  });

  it("answers null when the recorded answer has no result key (a method returning None)", async () => {
    const recorded = recordedStep(
      19,
      "07-expense-jsonrpc",
      'hr.expense action_submit (returns None: JSON-RPC has no "result" key, JSON-2 answers null)',
    );
    expect(recorded.response.body).not.toHaveProperty("result");
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) => recordedReply(recorded, requestId(request)),
    });
    await expect(
      jsonrpc("odoo_test").call({ model: "hr.expense", method: "action_submit", ids: [1] }, READ),
    ).resolves.toBeNull();
  });

  it("a login answered false is an OdooAuthError, and the login is asked again next time", async () => {
    server = await startRecordedOdoo({ major: 18, secret: "another-secret-entirely" });
    const transport = jsonrpc("odoo18_test");
    await expect(transport.uid()).rejects.toBeInstanceOf(OdooAuthError);
    await expect(
      transport.call({ model: "res.partner", method: "search_count", args: { domain: [] } }, READ),
    ).rejects.toThrow(/refused the login of user "admin" on database "odoo18_test"/);
    expect(server.requests).toHaveLength(2);
  });
});

describe("answers that are not Odoo's", () => {
  const garbage: { name: string; reply: Reply }[] = [
    {
      name: "200 text/plain",
      reply: { status: 200, contentType: "text/plain", body: "hello, I am not Odoo" },
    },
    {
      name: "truncated JSON",
      reply: { status: 200, body: '{"jsonrpc": "2.0", "id": 2, "result": [{"id": 1, "na' },
    },
    { name: "JSON without result or error", reply: { status: 200, body: '{"status": "ok"}' } },
    { name: "a JSON array", reply: { status: 200, body: "[1, 2, 3]" } },
    { name: "an empty body", reply: { status: 200, body: "" } },
    {
      name: "an HTML page with 200",
      reply: { status: 200, contentType: "text/html", body: "<html><title>Login</title></html>" },
    },
  ];

  for (const { name, reply } of garbage) {
    it(`JSON-RPC: ${name} is an OdooProtocolError`, async () => {
      server = await startRecordedOdoo({ major: 19, secret: KEY, handle: () => reply });
      await expect(
        jsonrpc("odoo_test").call(
          { model: "res.partner", method: "search_count", args: { domain: [] } },
          READ,
        ),
      ).rejects.toBeInstanceOf(OdooProtocolError);
    });
  }

  it("JSON-RPC: an answer to another request id is an OdooProtocolError", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: () => ({ status: 200, body: '{"jsonrpc": "2.0", "id": 999, "result": 1}' }),
    });
    await expect(
      jsonrpc("odoo_test").call({ model: "res.partner", method: "search_count", args: { domain: [] } }, READ),
    ).rejects.toThrow(/another request's id/);
  });

  for (const body of ["hello, I am not Odoo", '{"ids": [1, 2', ""]) {
    it(`JSON-2: ${JSON.stringify(body)} with 200 is an OdooProtocolError`, async () => {
      server = await startScriptedServer(() => ({ status: 200, contentType: "text/plain", body }));
      await expect(
        json2().call({ model: "res.partner", method: "search_count", args: { domain: [] } }, READ),
      ).rejects.toBeInstanceOf(OdooProtocolError);
    });
  }
});
