import { afterEach, describe, expect, it } from "vitest";
import {
  OdooAccessError,
  OdooAuthError,
  OdooConnectionError,
  type OdooError,
  OdooFaultError,
  OdooMissingError,
  OdooNotFoundError,
  OdooProtocolError,
  OdooServerError,
  OdooUserError,
} from "../../src/mcp/odoo/errors.js";
import { HttpPool } from "../../src/mcp/odoo/http.js";
import { Json2Transport } from "../../src/mcp/odoo/json2.js";
import { JsonRpcTransport } from "../../src/mcp/odoo/jsonrpc.js";
import { startRecordedOdoo } from "./helpers/recorded-odoo.js";
import {
  type Reply,
  requestId,
  type ScriptedServer,
  startScriptedServer,
} from "./helpers/scripted-server.js";
import { type OdooMajor, type RecordedStep, recordedReply, recordedStep } from "./helpers/transcripts.js";

/**
 * Every row of the fault table of `odoo/fault.ts`, driven through the real transports with the error answers
 * recorded from real Odoo servers.
 */

const KEY = "fault-test-key-0c4d2e9a71";
type ErrorClass = abstract new (...args: never[]) => OdooError;

let server: ScriptedServer | undefined;
let pool: HttpPool | undefined;
afterEach(async () => {
  await pool?.close();
  await server?.close();
  pool = undefined;
  server = undefined;
});

async function json2Error(reply: Reply): Promise<unknown> {
  server = await startScriptedServer(() => reply);
  pool = new HttpPool(server.url, { timeoutMs: 5_000 });
  const transport = new Json2Transport(pool, { database: "odoo_test", secret: KEY });
  return transport
    .call({ model: "res.partner", method: "search_read", args: { domain: [] } }, { idempotent: true })
    .then(
      () => {
        throw new Error("expected an error");
      },
      (error: unknown) => error,
    );
}

async function jsonRpcError(major: OdooMajor, reply: (id: unknown) => Reply): Promise<unknown> {
  server = await startRecordedOdoo({ major, secret: KEY, handle: (request) => reply(requestId(request)) });
  pool = new HttpPool(server.url, { timeoutMs: 5_000 });
  const transport = new JsonRpcTransport(pool, { database: "odoo_test", username: "admin", secret: KEY });
  return transport
    .call({ model: "res.partner", method: "search_count", args: { domain: [] } }, { idempotent: true })
    .then(
      () => {
        throw new Error("expected an error");
      },
      (error: unknown) => error,
    );
}

/** Odoo's own message of a recorded error, JSON-2 or JSON-RPC. */
function recordedMessage(step: RecordedStep): string {
  const body = step.response.body as { message?: string; error?: { data: { message: string } } };
  return (body.error?.data.message ?? body.message ?? "").trim();
}

/** A recorded JSON-2 error body with another exception name (for statuses Odoo documents but that were not recorded). */
function renamed(step: RecordedStep, name: string, message: string): Reply {
  const body = { ...(step.response.body as Record<string, unknown>), name, message, arguments: [message] };
  return {
    status: step.response.status,
    contentType: step.response.content_type,
    body: JSON.stringify(body),
  };
}

describe("JSON-2: HTTP status and error body → error", () => {
  const rows: { file: string; step: string; expected: ErrorClass; status: number; major?: OdooMajor }[] = [
    {
      file: "01-version-json2",
      step: "JSON-2 with a bad API key (401)",
      expected: OdooAuthError,
      status: 401,
    },
    {
      file: "01-version-json2",
      step: "JSON-2 without Authorization header (401)",
      expected: OdooAuthError,
      status: 401,
    },
    {
      file: "09-errors-json2",
      step: "private method (_read_group: AccessError)",
      expected: OdooAccessError,
      status: 403,
    },
    {
      file: "09-errors-json2",
      step: "create with a nonexistent many2one id (MissingError)",
      expected: OdooMissingError,
      status: 404,
    },
    {
      file: "03-customer-invoice-json2",
      step: "account.move write on a nonexistent id (MissingError)",
      expected: OdooMissingError,
      status: 404,
    },
    { file: "09-errors-json2", step: "unknown model", expected: OdooNotFoundError, status: 404 },
    { file: "09-errors-json2", step: "unknown method", expected: OdooNotFoundError, status: 404 },
    { file: "09-errors-json2", step: "JSON-2 path without method", expected: OdooNotFoundError, status: 404 },
    {
      file: "01-version-json2",
      step: "JSON-2 with an unknown X-Odoo-Database",
      expected: OdooNotFoundError,
      status: 404,
    },
    {
      file: "01-version-jsonrpc",
      step: "POST /json/2/res.partner/search_read on Odoo < 19 (no JSON-2)",
      expected: OdooNotFoundError,
      status: 404,
      major: 17,
    },
    {
      file: "01-version-jsonrpc",
      step: "POST /json/2/res.partner/search_read on Odoo < 19 (no JSON-2)",
      expected: OdooNotFoundError,
      status: 303,
      major: 18,
    },
    {
      file: "03-customer-invoice-json2",
      step: "account.move action_post again (already posted)",
      expected: OdooUserError,
      status: 422,
    },
    {
      file: "09-errors-json2",
      step: "create without a required value (ValidationError)",
      expected: OdooUserError,
      status: 422,
    },
    {
      file: "09-errors-json2",
      step: "missing required positional argument (create without vals_list)",
      expected: OdooUserError,
      status: 422,
    },
    {
      file: "09-errors-json2",
      step: "read with an invalid field name (ValueError)",
      expected: OdooServerError,
      status: 500,
    },
    {
      file: "09-errors-json2",
      step: "write with an unknown field (ValueError)",
      expected: OdooServerError,
      status: 500,
    },
    {
      file: "09-errors-json2",
      step: "JSON-2 with Content-Type text/plain",
      expected: OdooProtocolError,
      status: 415,
    },
    { file: "09-errors-json2", step: "JSON-2 GET instead of POST", expected: OdooProtocolError, status: 415 },
    {
      file: "09-errors-json2",
      step: "JSON-2 body that is not JSON (400)",
      expected: OdooProtocolError,
      status: 400,
    },
  ];

  for (const row of rows) {
    it(`${row.status} ${row.step} (Odoo ${row.major ?? 19}) → ${row.expected.name}`, async () => {
      const step = recordedStep(row.major ?? 19, row.file, row.step);
      expect(step.response.status).toBe(row.status);
      const error = await json2Error(recordedReply(step));
      expect(error).toBeInstanceOf(row.expected);
      const message = (error as Error).message;
      expect(message).not.toMatch(/Traceback|File "\/opt\/odoo/);
      if (error instanceof OdooFaultError) {
        expect(error.httpStatus).toBe(row.status);
        const odooMessage = recordedMessage(step);
        if (odooMessage && typeof step.response.body === "object") expect(message).toContain(odooMessage);
      }
    });
  }

  it("403 AccessDenied → OdooAuthError (the recorded 403 body with the AccessDenied name)", async () => {
    const step = recordedStep(19, "09-errors-json2", "private method (_read_group: AccessError)");
    const error = await json2Error(renamed(step, "odoo.exceptions.AccessDenied", "Access Denied"));
    expect(error).toBeInstanceOf(OdooAuthError);
    expect((error as OdooAuthError).odooName).toBe("odoo.exceptions.AccessDenied");
  });

  it("422 UnprocessableEntity keeps Odoo's message and name", async () => {
    const step = recordedStep(19, "09-errors-json2", "ids given to a model-level (@api.model) method (422)");
    const error = await json2Error(recordedReply(step));
    expect(error).toBeInstanceOf(OdooUserError);
    expect((error as OdooUserError).message).toBe("cannot call res.users.context_get with ids");
    expect((error as OdooUserError).odooName).toBe("werkzeug.exceptions.UnprocessableEntity");
  });

  it("a 404 HTML page for an unknown database says so", async () => {
    const step = recordedStep(19, "01-version-json2", "JSON-2 with an unknown X-Odoo-Database");
    const error = await json2Error(recordedReply(step));
    expect((error as Error).message).toMatch(/no database "odoo_test"/);
  });

  it("a 500 keeps the message and the exception name, never the traceback", async () => {
    const step = recordedStep(19, "09-errors-json2", "read with an invalid field name (ValueError)");
    expect(JSON.stringify(step.response.body)).toContain("Traceback");
    const error = (await json2Error(recordedReply(step))) as OdooServerError;
    expect(error.message).toBe("Invalid field 'no_such_field' on 'res.partner' (ValueError)");
    expect(error.odooName).toBe("builtins.ValueError");
  });

  for (const [status, maybeApplied] of [
    [502, true],
    [503, false],
    [504, true],
  ] as const) {
    it(`${status} from a gateway → OdooConnectionError with maybeApplied ${maybeApplied}`, async () => {
      const error = await json2Error({
        status,
        contentType: "text/html",
        body: "<title>Bad Gateway</title>",
      });
      expect(error).toBeInstanceOf(OdooConnectionError);
      expect((error as OdooConnectionError).maybeApplied).toBe(maybeApplied);
    });
  }

  it("a non-JSON body with an unexpected status is an OdooProtocolError", async () => {
    const error = await json2Error({ status: 418, contentType: "text/plain", body: "I'm a teapot" });
    expect(error).toBeInstanceOf(OdooProtocolError);
  });
});

describe("JSON-RPC: error.data.name → error", () => {
  const rows: { major: OdooMajor; file: string; step: string; expected: ErrorClass }[] = [
    {
      major: 19,
      file: "01-version-jsonrpc",
      step: "execute_kw with a bad password (AccessDenied error)",
      expected: OdooAuthError,
    },
    {
      major: 18,
      file: "01-version-jsonrpc",
      step: "execute_kw with a bad password (AccessDenied error)",
      expected: OdooAuthError,
    },
    {
      major: 17,
      file: "01-version-jsonrpc",
      step: "execute_kw with a bad password (AccessDenied error)",
      expected: OdooAuthError,
    },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "private method (_read_group: AccessError)",
      expected: OdooAccessError,
    },
    {
      major: 18,
      file: "03-customer-invoice-jsonrpc",
      step: "account.move action_post again (already posted)",
      expected: OdooUserError,
    },
    {
      major: 17,
      file: "04-vendor-bill-jsonrpc",
      step: "account.move action_post a bill without vendor (error)",
      expected: OdooUserError,
    },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "create without a required value (ValidationError)",
      expected: OdooUserError,
    },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "create with a nonexistent many2one id (MissingError)",
      expected: OdooMissingError,
    },
    {
      major: 17,
      file: "03-customer-invoice-jsonrpc",
      step: "account.move write on a nonexistent id (MissingError)",
      expected: OdooMissingError,
    },
    {
      major: 19,
      file: "01-version-jsonrpc",
      step: "execute_kw with an unknown database name",
      expected: OdooNotFoundError,
    },
    {
      major: 17,
      file: "01-version-jsonrpc",
      step: "execute_kw with an unknown database name",
      expected: OdooNotFoundError,
    },
    { major: 19, file: "09-errors-jsonrpc", step: "unknown model", expected: OdooNotFoundError },
    { major: 19, file: "09-errors-jsonrpc", step: "unknown method", expected: OdooNotFoundError },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "read with an invalid field name (ValueError)",
      expected: OdooServerError,
    },
    {
      major: 18,
      file: "06-send-invoice-jsonrpc",
      step: "account.move.send.wizard create without active_ids (error)",
      expected: OdooServerError,
    },
    {
      major: 17,
      file: "07-expense-jsonrpc",
      step: "ir.attachment create with invalid base64 (error)",
      expected: OdooServerError,
    },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "JSON-RPC body that is not JSON",
      expected: OdooProtocolError,
    },
    {
      major: 19,
      file: "09-errors-jsonrpc",
      step: "JSON-RPC with Content-Type text/plain",
      expected: OdooProtocolError,
    },
  ];

  for (const row of rows) {
    it(`Odoo ${row.major}: ${row.step} → ${row.expected.name}`, async () => {
      const step = recordedStep(row.major, row.file, row.step);
      const error = await jsonRpcError(row.major, (id) => recordedReply(step, id));
      expect(error).toBeInstanceOf(row.expected);
      const message = (error as Error).message;
      expect(message).not.toMatch(/Traceback|File "\/opt\/odoo/);
      if (error instanceof OdooFaultError) expect(error.httpStatus).toBeUndefined();
      if (
        error instanceof OdooFaultError &&
        !(error instanceof OdooNotFoundError && row.file === "01-version-jsonrpc")
      )
        expect(message).toContain(recordedMessage(step).split("\n")[0]);
    });
  }

  it("an unknown database is said plainly, not as a PostgreSQL connection string", async () => {
    const step = recordedStep(19, "01-version-jsonrpc", "execute_kw with an unknown database name");
    const error = (await jsonRpcError(19, (id) => recordedReply(step, id))) as Error;
    expect(error.message).toBe(
      'the database "no_such_db" does not exist on this Odoo server: check the database name',
    );
    expect(error.message).not.toContain("5432");
  });

  it("RedirectWarning → OdooUserError (a recorded UserError answer with that name)", async () => {
    const step = recordedStep(
      19,
      "03-customer-invoice-jsonrpc",
      "account.move action_post again (already posted)",
    );
    const body = structuredClone(step.response.body) as { error: { data: { name: string } } };
    body.error.data.name = "odoo.exceptions.RedirectWarning";
    const error = await jsonRpcError(19, (id) => ({
      status: 200,
      body: JSON.stringify({ ...body, id }),
    }));
    expect(error).toBeInstanceOf(OdooUserError);
    expect((error as OdooUserError).odooName).toBe("odoo.exceptions.RedirectWarning");
  });

  it("an error without data keeps its message as a server error", async () => {
    const error = await jsonRpcError(19, (id) => ({
      status: 200,
      body: JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid Request" } }),
    }));
    expect(error).toBeInstanceOf(OdooServerError);
    expect((error as Error).message).toBe("Invalid Request");
  });
});
