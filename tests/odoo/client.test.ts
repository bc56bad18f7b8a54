import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { chooseApi, chooseCompany, createOdooClient } from "../../src/mcp/odoo/client.js";
import {
  OdooAccessError,
  OdooAuthError,
  OdooNotFoundError,
  OdooProtocolError,
} from "../../src/mcp/odoo/errors.js";
import { HttpPool } from "../../src/mcp/odoo/http.js";
import type { Odoo, OdooConnectionSettings, OdooVersion } from "../../src/mcp/odoo/types.js";
import { parseVersionInfo, webVersion } from "../../src/mcp/odoo/version.js";
import { until } from "../support/wait.js";
import { executeKwTarget, rpcParams, startRecordedOdoo, VERSION_FILE } from "./helpers/recorded-odoo.js";
import {
  type Handler,
  requestId,
  type ScriptedServer,
  startScriptedServer,
} from "./helpers/scripted-server.js";
import { type OdooMajor, recordedReply, recordedStep } from "./helpers/transcripts.js";

const KEY = "client-test-key-5e8b1f2a93c4";
const noSleep = async () => {};

let server: ScriptedServer | undefined;
let client: Odoo | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

function settings(overrides: Partial<OdooConnectionSettings> = {}): OdooConnectionSettings {
  if (!server) throw new Error("start the server first");
  return {
    url: server.url,
    database: "odoo_test",
    username: "admin",
    secret: KEY,
    secretKind: "api_key",
    api: "auto",
    timeoutMs: 5_000,
    ...overrides,
  };
}

function makeClient(overrides: Partial<OdooConnectionSettings> = {}): Odoo {
  client = createOdooClient(settings(overrides), { sleep: noSleep });
  return client;
}

/** Answers JSON-2 and JSON-RPC model calls with recorded steps, chosen by `model.method`. */
function byTarget(major: OdooMajor, file: string, steps: Record<string, string>): Handler {
  return (request) => {
    const target = request.path.startsWith("/json/2/")
      ? request.path.slice("/json/2/".length).replace("/", ".")
      : executeKwTarget(request.json);
    const name = target ? steps[target] : undefined;
    if (!name) return { status: 599, body: `not scripted: ${target}` };
    return recordedReply(recordedStep(major, file, name), requestId(request));
  };
}

describe("version detection", () => {
  for (const major of [17, 18, 19] as const) {
    it(`reads Odoo ${major}'s recorded version_info answer`, async () => {
      server = await startRecordedOdoo({ major, secret: KEY });
      const version = await makeClient().version();
      expect(version).toEqual({
        serverVersion: `${major}.0`,
        versionInfo: [major, 0, 0, "final", 0, ""],
        major,
      });
      const request = server.requests[0];
      expect(request?.method).toBe("POST");
      expect(request?.path).toBe("/web/webclient/version_info");
      expect(request?.json).toEqual(
        recordedStep(major, VERSION_FILE, "POST /web/webclient/version_info").request.body,
      );
    });
  }

  it("falls back to common.version when version_info is not routed", async () => {
    const commonVersion = recordedStep(18, VERSION_FILE, "common.version");
    server = await startScriptedServer((request) =>
      request.path === "/web/webclient/version_info"
        ? { status: 404, contentType: "text/html", body: "<title>404 Not Found</title>" }
        : recordedReply(commonVersion, requestId(request)),
    );
    expect((await makeClient().version()).major).toBe(18);
    expect(rpcParams(server.requests[1]?.json)).toEqual({ service: "common", method: "version", args: [] });
  });

  it("is detected once, even when asked concurrently", async () => {
    server = await startRecordedOdoo({ major: 19, secret: KEY });
    const odoo = makeClient({ api: "jsonrpc" });
    const [a, b, uid] = await Promise.all([odoo.version(), odoo.version(), odoo.uid()]);
    expect(a).toEqual(b);
    expect(uid).toBe(2);
    expect(server.requests.filter((r) => r.path === "/web/webclient/version_info")).toHaveLength(1);
    await odoo.version();
    expect(server.requests).toHaveLength(2);
  });

  it("is asked again after a failure", async () => {
    let first = true;
    const versionInfo = recordedStep(19, VERSION_FILE, "POST /web/webclient/version_info");
    server = await startScriptedServer((request) => {
      if (first) {
        first = false;
        return { status: 200, contentType: "text/plain", body: "maintenance" };
      }
      return recordedReply(versionInfo, requestId(request));
    });
    const odoo = makeClient();
    await expect(odoo.version()).rejects.toBeInstanceOf(OdooProtocolError);
    expect((await odoo.version()).major).toBe(19);
  });

  for (const major of [17, 18, 19] as const) {
    it(`GET /web/version on Odoo ${major}: ${major >= 19 ? "the version" : "undefined (404 page)"}`, async () => {
      const step = recordedStep(major, VERSION_FILE, "GET /web/version");
      server = await startScriptedServer(() => recordedReply(step));
      const http = new HttpPool(server.url, { timeoutMs: 5_000 });
      try {
        const version = await webVersion(http);
        expect(version?.major).toBe(major >= 19 ? 19 : undefined);
        expect(server.requests[0]?.method).toBe("GET");
        expect(server.requests[0]?.path).toBe("/web/version");
      } finally {
        await http.close();
      }
    });
  }

  it("parses other version shapes", () => {
    expect(
      parseVersionInfo({
        server_version: "saas~18.3+e",
        server_version_info: ["saas~18", 3, 0, "final", 0, "e"],
      }).major,
    ).toBe(18);
    expect(parseVersionInfo({ server_version: "17.0" }).major).toBe(17);
    expect(() => parseVersionInfo({ server_version: "unknown" })).toThrow(OdooProtocolError);
    expect(() => parseVersionInfo("19.0")).toThrow(OdooProtocolError);
  });
});

describe("API choice", () => {
  const v = (major: number): OdooVersion => ({ serverVersion: `${major}.0`, versionInfo: [major, 0], major });

  it("auto: JSON-2 only on 19+ with an API key", () => {
    expect(chooseApi({ api: "auto", secretKind: "api_key" }, v(19))).toBe("json2");
    expect(chooseApi({ api: "auto", secretKind: "api_key" }, v(20))).toBe("json2");
    expect(chooseApi({ api: "auto", secretKind: "password" }, v(19))).toBe("jsonrpc");
    expect(chooseApi({ api: "auto", secretKind: "api_key" }, v(18))).toBe("jsonrpc");
    expect(chooseApi({ api: "auto", secretKind: "api_key" }, v(17))).toBe("jsonrpc");
    expect(chooseApi({ api: "jsonrpc", secretKind: "api_key" }, v(19))).toBe("jsonrpc");
  });

  it("explicit json2 on Odoo < 19 or with a password is a clear error", () => {
    expect(() => chooseApi({ api: "json2", secretKind: "api_key" }, v(18))).toThrow(
      /JSON-2 API needs Odoo 19 or later, and this server runs Odoo 18\.0/,
    );
    expect(() => chooseApi({ api: "json2", secretKind: "password" }, v(19))).toThrow(OdooAuthError);
  });

  it("Odoo 19 with an API key talks JSON-2 end to end", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: byTarget(19, "01-version-json2", {
        "res.users.context_get": "res.users context_get",
        "res.users.read": "res.users read of the current user",
      }),
    });
    const odoo = makeClient();
    expect(await odoo.api()).toBe("json2");
    expect(await odoo.uid()).toBe(2);
    const [user] = await odoo.read("res.users", [2], ["name", "login"]);
    expect(user?.name).toBe("Administrator");
    expect(server.requests.map((r) => r.path)).toEqual([
      "/web/webclient/version_info",
      "/json/2/res.users/context_get",
      // the user's companies, once, before the first model call (see "one company per call")
      "/json/2/res.users/read",
      "/json/2/res.users/read",
    ]);
    expect(server.requests[2]?.json).toEqual({ ids: [2], fields: ["company_id", "company_ids"] });
    expect(server.requests[3]?.json).toEqual({
      ids: [2],
      fields: ["name", "login"],
      context: { allowed_company_ids: [1] },
    });
  });

  for (const major of [17, 18] as const) {
    it(`Odoo ${major} talks JSON-RPC, logging in once`, async () => {
      server = await startRecordedOdoo({
        major,
        secret: KEY,
        handle: byTarget(major, "01-version-jsonrpc", { "res.users.context_get": "res.users context_get" }),
      });
      const odoo = makeClient({ database: `odoo${major}_test` });
      expect(await odoo.api()).toBe("jsonrpc");
      await odoo.call({ model: "res.users", method: "context_get" });
      await odoo.call({ model: "res.users", method: "context_get" });
      const logins = server.requests.filter((r) => rpcParams(r.json)?.method === "login");
      expect(logins).toHaveLength(1);
      // version, login, the user's companies (once), two calls
      expect(server.requests).toHaveLength(5);
    });
  }

  it("JSON-RPC logs in again after Odoo refuses the secret on a call (a revoked key)", async () => {
    const denied = recordedStep(
      19,
      "01-version-jsonrpc",
      "execute_kw with a bad password (AccessDenied error)",
    );
    const ok = recordedStep(19, "01-version-jsonrpc", "res.users context_get");
    let deny = true;
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) => recordedReply(deny ? denied : ok, requestId(request)),
    });
    const odoo = makeClient({ api: "jsonrpc" });
    await expect(odoo.call({ model: "res.users", method: "context_get" })).rejects.toBeInstanceOf(
      OdooAuthError,
    );
    deny = false;
    await odoo.call({ model: "res.users", method: "context_get" });
    expect(server.requests.filter((r) => rpcParams(r.json)?.method === "login")).toHaveLength(2);
  });

  it("passes a per-call timeout to the request", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) =>
        request.path.endsWith("/context_get")
          ? recordedReply(recordedStep(19, "01-version-json2", "res.users context_get"))
          : { status: 200, body: "true", delayMs: 300 },
    });
    const odoo = makeClient({ timeoutMs: 100 });
    await odoo.company?.();
    await expect(
      odoo.call({ model: "mail.mail", method: "send", ids: [1] }, { timeoutMs: 3_000 }),
    ).resolves.toBe(true);
    await expect(odoo.call({ model: "mail.mail", method: "send", ids: [1] })).rejects.toThrow(
      /within 100 ms/,
    );
  });

  it("explicit json2 against Odoo 18 fails before any model call", async () => {
    server = await startRecordedOdoo({ major: 18, secret: KEY });
    const odoo = makeClient({ api: "json2" });
    await expect(odoo.searchCount("res.partner", [])).rejects.toBeInstanceOf(OdooNotFoundError);
    expect(server.requests.map((r) => r.path)).toEqual(["/web/webclient/version_info"]);
  });

  it("a wrong secret on JSON-RPC is an OdooAuthError that is not retried", async () => {
    server = await startRecordedOdoo({ major: 17, secret: "the-right-secret-123" });
    const odoo = makeClient({ database: "odoo17_test" });
    await expect(odoo.searchRead("res.partner", [], ["name"])).rejects.toBeInstanceOf(OdooAuthError);
    expect(server.requests.filter((r) => rpcParams(r.json)?.method === "login")).toHaveLength(1);
  });
});

describe("client helpers", () => {
  it("searchRead, read, searchCount, create, write send named arguments and narrow the answers (JSON-2)", async () => {
    const answers: Record<string, unknown> = {
      "/json/2/res.partner/search_read": [{ id: 3, name: "Acme" }],
      "/json/2/res.partner/search_count": 4,
      "/json/2/res.partner/create": [42],
      "/json/2/res.partner/write": true,
      "/json/2/res.partner/read": [{ id: 3, name: "Acme" }],
    };
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) =>
        request.path.endsWith("/context_get")
          ? recordedReply(recordedStep(19, "01-version-json2", "res.users context_get"))
          : { status: 200, body: JSON.stringify(answers[request.path] ?? null) },
    });
    const odoo = makeClient();
    expect(
      await odoo.searchRead("res.partner", [["name", "=", "Acme"]], ["name"], {
        limit: 2,
        offset: 1,
        order: "id",
        context: { lang: "en_US" },
      }),
    ).toEqual([{ id: 3, name: "Acme" }]);
    expect(await odoo.searchCount("res.partner", [])).toBe(4);
    expect(await odoo.create("res.partner", { name: "New" })).toBe(42);
    expect(await odoo.write("res.partner", [42], { name: "Newer" })).toBe(true);
    expect(await odoo.read("res.partner", [], ["name"])).toEqual([]);
    // after version detection, the key's user and their companies
    const bodies = server.requests.slice(3).map((r) => [r.path, r.json]);
    const scoped = { allowed_company_ids: [1] };
    expect(bodies).toEqual([
      [
        "/json/2/res.partner/search_read",
        {
          context: { lang: "en_US", ...scoped },
          domain: [["name", "=", "Acme"]],
          fields: ["name"],
          limit: 2,
          offset: 1,
          order: "id",
        },
      ],
      ["/json/2/res.partner/search_count", { domain: [], context: scoped }],
      ["/json/2/res.partner/create", { vals_list: [{ name: "New" }], context: scoped }],
      ["/json/2/res.partner/write", { ids: [42], vals: { name: "Newer" }, context: scoped }],
    ]);
  });

  it("an answer of the wrong type is an OdooProtocolError", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: () => ({ status: 200, body: '"not a list"' }),
    });
    const odoo = makeClient();
    await expect(odoo.searchRead("res.partner", [], ["name"])).rejects.toBeInstanceOf(OdooProtocolError);
    await expect(odoo.searchCount("res.partner", [])).rejects.toBeInstanceOf(OdooProtocolError);
    await expect(odoo.create("res.partner", { name: "x" })).rejects.toBeInstanceOf(OdooProtocolError);
    await expect(odoo.write("res.partner", [1], { name: "x" })).rejects.toBeInstanceOf(OdooProtocolError);
  });

  it("create on JSON-RPC sends vals_list positionally, as Odoo 17 and 18 require", async () => {
    const step = recordedStep(17, "03-customer-invoice-jsonrpc", 'create customer "Invoice Customer Ltd"');
    server = await startRecordedOdoo({
      major: 17,
      secret: KEY,
      handle: (r) => recordedReply(step, requestId(r)),
    });
    const odoo = makeClient({ database: "odoo17_test" });
    const id = await odoo.create("res.partner", {
      name: "Invoice Customer Ltd",
      is_company: true,
      email: "ap@invoice-customer.example",
    });
    expect(id).toBe(9);
    const args = rpcParams(server.requests.at(-1)?.json)?.args as unknown[];
    expect(args.slice(3)).toEqual([
      "res.partner",
      "create",
      [[{ name: "Invoice Customer Ltd", is_company: true, email: "ap@invoice-customer.example" }]],
      { context: { allowed_company_ids: [1] } },
    ]);
  });

  it("does nothing on the network until first used, and exposes no secret in its settings", async () => {
    const odooServer = await startRecordedOdoo({ major: 19, secret: KEY });
    server = odooServer;
    const odoo = makeClient();
    // A connection of the test's own, opened after the client was made: once the server has accepted it (the
    // server counts connections, in the order they come), a client that connects on its own would have been
    // counted before it.
    const probe = connect(odooServer.port, "127.0.0.1");
    await until(() => odooServer.connections() >= 1, "the server accepts the test's own connection");
    probe.destroy();
    expect(odooServer.connections()).toBe(1);
    expect(odooServer.requests).toHaveLength(0);
    expect(odoo.stats()).toEqual({ roundTrips: 0, odooMs: 0 });
    expect(JSON.stringify(odoo.settings)).not.toContain(KEY);
    expect(odoo.settings).not.toHaveProperty("secret");
  });

  it("an invalid URL does not throw at construction, and fails the first call without retrying", async () => {
    let sleeps = 0;
    const odoo = createOdooClient(
      {
        url: "not a url",
        database: "db",
        username: "admin",
        secret: KEY,
        secretKind: "api_key",
        api: "auto",
        timeoutMs: 1_000,
      },
      {
        sleep: async () => {
          sleeps += 1;
        },
      },
    );
    await expect(odoo.version()).rejects.toThrow(/not a valid URL/);
    expect(sleeps).toBe(0);
    await odoo.close();
  });
});

describe("stats and the connection pool", () => {
  it("counts every round trip (version detection and login included) on one reused socket", async () => {
    server = await startRecordedOdoo({
      major: 18,
      secret: KEY,
      handle: byTarget(18, "01-version-jsonrpc", { "res.users.context_get": "res.users context_get" }),
    });
    const odoo = makeClient({ database: "odoo18_test" });
    for (let i = 0; i < 5; i += 1)
      await odoo.call({ model: "res.users", method: "context_get" }, { idempotent: true });
    const stats = odoo.stats();
    // version, login, the user's companies (once), five calls
    expect(server.requests).toHaveLength(8);
    expect(stats.roundTrips).toBe(8);
    expect(stats.odooMs).toBeGreaterThanOrEqual(0);
    expect(server.connections()).toBe(1);
    expect(new Set(server.requests.map((r) => r.connection))).toEqual(new Set([1]));
  });

  it("counts the time Odoo took", async () => {
    server = await startRecordedOdoo({
      major: 19,
      secret: KEY,
      handle: (request) =>
        request.path.endsWith("/context_get")
          ? recordedReply(recordedStep(19, "01-version-json2", "res.users context_get"))
          : { status: 200, body: "3", delayMs: 60 },
    });
    const odoo = makeClient();
    await odoo.searchCount("res.partner", []);
    await odoo.searchCount("res.partner", []);
    // version, the key's user, their companies, two counts
    expect(odoo.stats().roundTrips).toBe(5);
    expect(odoo.stats().odooMs).toBeGreaterThanOrEqual(110);
  });
});

describe("one company per call (ODOO_COMPANY)", () => {
  const choices = [
    { id: 1, name: "My Company" },
    { id: 2, name: "Second Co" },
    { id: 3, name: "second co" },
    { id: 4, name: "Twin" },
    { id: 5, name: "Twin" },
  ];

  it("chooses by id, by exact name, then by name ignoring case and spaces", () => {
    expect(chooseCompany(4, choices, "admin")).toEqual({ id: 4, name: "Twin" });
    expect(chooseCompany("Second Co", choices, "admin")).toEqual({ id: 2, name: "Second Co" });
    expect(chooseCompany("second co", choices, "admin")).toEqual({ id: 3, name: "second co" });
    expect(chooseCompany("  my company ", choices, "admin")).toEqual({ id: 1, name: "My Company" });
  });

  it("refuses a company the user is not in, or a name two companies share, listing the choices", () => {
    expect(() => chooseCompany(9, choices, "admin")).toThrow(OdooAccessError);
    expect(() => chooseCompany(9, choices, "admin")).toThrow(
      /ODOO_COMPANY 9: .*1 "My Company", 2 "Second Co"/,
    );
    expect(() => chooseCompany("Nope", choices, "admin")).toThrow(/no company of this name/);
    expect(() => chooseCompany("Twin", choices, "admin")).toThrow(
      /\(ids 4, 5\)\. Set ODOO_COMPANY to the id/,
    );
    expect(() => chooseCompany("SECOND CO", choices, "admin")).toThrow(/ids 2, 3/);
  });

  it("reads the user's companies once, and sends the current one with every call", async () => {
    server = await startRecordedOdoo({
      major: 17,
      secret: KEY,
      handle: byTarget(17, "01-version-jsonrpc", { "res.users.context_get": "res.users context_get" }),
    });
    const odoo = makeClient({ database: "odoo17_test" });
    await odoo.call({ model: "res.users", method: "context_get" });
    await odoo.call({ model: "res.users", method: "context_get", context: { lang: "en_US" } });
    // A caller naming the companies itself keeps its own.
    await odoo.call({ model: "res.users", method: "context_get", context: { allowed_company_ids: [1, 2] } });
    const calls = server.requests.filter((r) => executeKwTarget(r.json) === "res.users.context_get");
    const contexts = calls.map(
      (r) =>
        ((rpcParams(r.json)?.args as unknown[] | undefined)?.[6] as { context?: unknown } | undefined)
          ?.context,
    );
    expect(contexts).toEqual([
      { allowed_company_ids: [1] },
      { lang: "en_US", allowed_company_ids: [1] },
      { allowed_company_ids: [1, 2] },
    ]);
    expect(server.requests.filter((r) => executeKwTarget(r.json) === "res.users.read")).toHaveLength(1);
    expect(await odoo.company?.()).toEqual({
      current: { id: 1, name: "My Company" },
      choices: [{ id: 1, name: "My Company" }],
      source: "user",
    });
  });
});
