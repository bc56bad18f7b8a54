import { afterEach, describe, expect, it } from "vitest";
import { toToolError } from "../../src/mcp/error-map.js";
import { createOdooClient } from "../../src/mcp/odoo/client.js";
import { probeOdoo } from "../../src/mcp/odoo/connection-check.js";
import { OdooScopeError } from "../../src/mcp/odoo/errors.js";
import type { Odoo } from "../../src/mcp/odoo/types.js";
import { parseVersionInfo, versionSupport } from "../../src/mcp/odoo/version.js";
import { sandboxConnection } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";

/**
 * Odoo 20, as far as it can be known without a server: its version answer (the shape 17–19 were recorded giving)
 * and its refusal of an API key for its scope (built from Odoo 20's source, `odoo/service/api_scope.py`; the
 * sandbox's `apiKeyScope` answers it, marked as not recorded).
 */
describe("Odoo 20's version", () => {
  it("is recognised, and said to be built from Odoo's documentation, not verified", () => {
    const twenty = parseVersionInfo({
      server_version: "20.0",
      server_version_info: [20, 0, 0, "final", 0, ""],
    });
    expect(twenty.major).toBe(20);
    expect(versionSupport(twenty)).toEqual({
      ok: true,
      detail: "20.0 (built from Odoo's documentation, not verified on a real server)",
    });
  });

  it("counts the saas~19.x releases that led to 20 with it, and 17–19 as verified", () => {
    const saas = parseVersionInfo({
      server_version: "saas~19.3+e",
      server_version_info: ["saas~19", 3, 0, "final", 0, "e"],
    });
    expect(saas.major).toBe(19);
    expect(versionSupport(saas).detail).toBe(
      "saas~19.3+e (built from Odoo's documentation, not verified on a real server)",
    );
    for (const major of [17, 18, 19]) {
      const version = parseVersionInfo({
        server_version: `${major}.0`,
        server_version_info: [major, 0, 0, "final", 0, ""],
      });
      expect(versionSupport(version)).toEqual({ ok: true, detail: `${major}.0` });
    }
    expect(versionSupport(parseVersionInfo({ server_version: "16.0" })).ok).toBe(false);
    expect(versionSupport(parseVersionInfo({ server_version: "21.0" })).detail).toContain(
      "newer than odoo-mcp knows",
    );
  });
});

describe.each(["json2", "jsonrpc"] as const)("an API key refused for its scope (%s)", (api) => {
  let sandbox: Sandbox | undefined;
  let odoo: Odoo | undefined;
  afterEach(async () => {
    await odoo?.close();
    await sandbox?.close();
  });

  it("is a clear error naming the scope to create and where, without the key", async () => {
    sandbox = await startSandbox({ apiKeyScope: "invoices" });
    odoo = createOdooClient({ ...sandboxConnection(sandbox), api });
    const refused = await odoo.searchRead("res.partner", [], ["name"]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OdooScopeError);
    expect((refused as OdooScopeError).scope).toBe("invoices");
    const mapped = toToolError(refused);
    expect(mapped.code).toBe("AUTHENTICATION_ERROR");
    expect(mapped.message).toContain(
      `the API key's scope "invoices": The API key's scope 'invoices' does not reach`,
    );
    expect(mapped.message).toContain("needs an API key with the `rpc` scope, or with no scope");
    expect(mapped.message).toContain("My Profile → Account Security → New API Key");
    expect(mapped.message).not.toContain(sandbox.apiKey);
  });

  it("is what the connection check says, whatever the window's wording of other failures", async () => {
    sandbox = await startSandbox({ apiKeyScope: "invoices" });
    odoo = createOdooClient({ ...sandboxConnection(sandbox), api });
    const { checks } = await probeOdoo(odoo, () => "Odoo refused the user, database or API key.");
    const failed = checks.find((check) => !check.ok);
    expect(failed?.name).toBe("odoo");
    expect(failed?.detail).toContain("New API Key (scope `rpc`, or none)");
  });
});

describe.each(["json2", "jsonrpc"] as const)("a key refused at sign-in (%s)", (api) => {
  let sandbox: Sandbox | undefined;
  let odoo: Odoo | undefined;
  afterEach(async () => {
    await odoo?.close();
    await sandbox?.close();
  });

  it("says that Odoo 20 refuses a key of another scope as it refuses a wrong one (it cannot tell them apart)", async () => {
    sandbox = await startSandbox();
    odoo = createOdooClient({ ...sandboxConnection(sandbox), secret: "not-the-key", api });
    const mapped = toToolError(
      await odoo.searchRead("res.partner", [], ["name"]).catch((error: unknown) => error),
    );
    expect(mapped.code).toBe("AUTHENTICATION_ERROR");
    expect(mapped.message).toContain(
      "on Odoo 20 an API key made for a scope other than `rpc` is refused the same way",
    );
    expect(mapped.message).not.toContain("not-the-key");
  });
});
