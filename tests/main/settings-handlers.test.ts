import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { settingsHandlers } from "../../src/main/settings-handlers.js";
import { loadKeychainKey } from "../../src/mcp/approvals/keys.js";
import { readPersonPolicy } from "../../src/mcp/approvals/policy-file.js";
import { createMemoryKeychain, keychainAccount } from "../../src/mcp/credentials/keychain.js";
import { channels } from "../../src/shared/ipc.js";
import { type Harness, startHarness } from "../support/harness.js";
import { jsonSettingsStore, memoryLoginItems } from "../support/settings-store.js";

/** The settings window's handlers over a real app, its keychain and the sandbox. */
describe("settings handlers", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** `env`: more of the app's environment (a function: from the harness, e.g. its sandbox's URL and key). */
  const setup = async (more: Record<string, string> | ((h: Harness) => Record<string, string>) = {}) => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    const harness = h;
    const env = typeof more === "function" ? more(harness) : more;
    const opened: string[] = [];
    const file = path.join(harness.dataDir, "settings.json");
    const loginItems = memoryLoginItems();
    const changes: string[] = [];
    const handlers = settingsHandlers({
      app: () => harness.app,
      store: jsonSettingsStore(file),
      loginItems,
      openExternal: (url) => void opened.push(url),
      // The app's environment: no Odoo secret in it (the secret is saved through the window).
      configOptions: {
        env: { ODOO_MCP_DATA_DIR: harness.dataDir, ODOO_MCP_ALLOW_SANDBOX: "true", ...env },
        cwd: harness.dataDir,
      },
      actor: "ada (odoo-mcp app)",
      onChange: (what) => void changes.push(what),
    });
    return { h: harness, keychain, handlers, file, opened, loginItems, changes };
  };

  it("saves the connection (the secret only in the keychain, never answered back) and tests it like doctor", async () => {
    const { h, keychain, handlers, file, changes } = await setup();
    const { sandbox } = h;
    const before = await handlers["settings.get"]({});
    expect(before.odoo.secret).toBeNull();
    expect((await handlers["settings.testConnection"]({})).checks).toEqual([
      {
        name: "credentials",
        label: "API key",
        ok: false,
        detail: "none yet: paste it above and Save (or set ODOO_API_KEY in the MCP client's configuration)",
      },
    ]);

    const saved = await handlers["settings.saveConnection"](
      channels["settings.saveConnection"].request.parse({
        url: `${sandbox.url}/`,
        database: sandbox.database,
        username: sandbox.login,
        secret: sandbox.apiKey,
      }),
    );
    expect(saved.odoo).toEqual({
      url: sandbox.url,
      database: sandbox.database,
      username: sandbox.login,
      secret: { source: "keychain", kind: "api_key" },
    });
    expect(channels["settings.saveConnection"].answer.parse(saved)).toEqual(saved);
    expect(JSON.stringify(saved)).not.toContain(sandbox.apiKey);
    expect(await readFile(file, "utf8")).not.toContain(sandbox.apiKey);
    expect(await keychain.get(keychainAccount(sandbox.url, sandbox.database, sandbox.login, "api_key"))).toBe(
      sandbox.apiKey,
    );
    expect(changes).toEqual(["connection"]);

    const report = await handlers["settings.testConnection"]({});
    expect(JSON.stringify(report)).not.toContain(sandbox.apiKey);
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.name)).toEqual([
      "credentials",
      "odoo version",
      "login",
      "company",
      "module account",
      "module hr_expense",
      "module mail",
      "api key expiry",
    ]);
    // Each in words the window shows; the recorded admin key of real Odoo 19 has no expiry date.
    expect(report.checks.map((check) => `${check.label}: ${check.detail}`)).toEqual([
      "API key: saved in the keychain",
      expect.stringMatching(/^Odoo version: 19/),
      "Signed in: as user id 2",
      "Company: My Company (id 1), the user's only company",
      "Invoicing app: installed",
      "Expenses app: installed",
      "Discuss app: installed",
      "API key expiry: never expires",
    ]);
    expect(report.facts).toMatchObject({ credential_source: "keychain", api: expect.any(String) });

    // Saving again without a secret keeps the saved one.
    const again = await handlers["settings.saveConnection"](
      channels["settings.saveConnection"].request.parse({
        url: sandbox.url,
        database: sandbox.database,
        username: sandbox.login,
      }),
    );
    expect(again.odoo.secret).toEqual({ source: "keychain", kind: "api_key" });
  });

  it("reports a wrong key as a failed check, refuses an invalid URL, and stores nothing then", async () => {
    const { h, handlers, file } = await setup();
    await handlers["settings.saveConnection"](
      channels["settings.saveConnection"].request.parse({
        url: h.sandbox.url,
        database: h.sandbox.database,
        username: h.sandbox.login,
        secret: "not-the-key",
      }),
    );
    const report = await handlers["settings.testConnection"]({});
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => check.name === "odoo")).toEqual({
      name: "odoo",
      label: "Connection to Odoo",
      ok: false,
      detail:
        "Odoo refused the user, database or API key: correct them under Odoo connection, Save, and test again.",
    });
    expect(JSON.stringify(report)).not.toContain("not-the-key");

    const stored = await readFile(file, "utf8");
    await expect(
      handlers["settings.saveConnection"](
        channels["settings.saveConnection"].request.parse({
          url: "ftp://odoo.example.com",
          database: "db",
          username: "ada",
          secret: "other-secret",
        }),
      ),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message:
        "The Odoo URL must start with http:// or https:// and hold no user name or password, e.g. https://odoo.example.com: correct it and Save again.",
    });
    expect(await readFile(file, "utf8")).toBe(stored);
  });

  it("takes an API key from the environment the app was started with: said as such, and used", async () => {
    // An MCP client's configuration: the connection and its API key in the app's environment, nothing saved.
    const { h, handlers, keychain } = await setup((h) => ({
      ODOO_URL: h.sandbox.url,
      ODOO_DATABASE: h.sandbox.database,
      ODOO_USERNAME: h.sandbox.login,
      ODOO_API_KEY: h.sandbox.apiKey,
    }));
    const view = await handlers["settings.get"]({});
    expect(view.odoo.secret).toEqual({ source: "env", kind: "api_key" });
    expect(JSON.stringify(view)).not.toContain(h.sandbox.apiKey);
    expect(
      await keychain.get(keychainAccount(h.sandbox.url, h.sandbox.database, h.sandbox.login, "api_key")),
    ).toBeNull();
    expect((await handlers["settings.companies"]({})).choices).toEqual([{ id: 1, name: "My Company" }]);
    const report = await handlers["settings.testConnection"]({});
    expect(report.ok).toBe(true);
    expect(report.checks[0]).toMatchObject({
      label: "API key",
      detail: "from the environment this app was started with (ODOO_API_KEY)",
    });
  });

  it("asks for the companies only with a key, and says so in words when there is none", async () => {
    const { handlers } = await setup((h) => ({
      ODOO_URL: h.sandbox.url,
      ODOO_DATABASE: h.sandbox.database,
      ODOO_USERNAME: h.sandbox.login,
    }));
    await expect(handlers["settings.companies"]({})).rejects.toMatchObject({
      message:
        "The companies are read from Odoo, and there is no API key for it yet: paste it under Odoo connection and Save (or set ODOO_API_KEY in the MCP client's configuration).",
    });
  });

  it("sets the person's policy sealed (audited), refuses an invalid value, and the environment still wins", async () => {
    const { h, handlers, changes } = await setup({ ODOO_MCP_ELICITATION_MAX_AMOUNT: "500" });
    const rule = (view: Awaited<ReturnType<(typeof handlers)["settings.get"]>>, name: string) =>
      view.policy.find((r) => r.rule === name);
    expect(rule(await handlers["settings.get"]({}), "expense-threshold")).toMatchObject({
      value: "100",
      source: "default",
    });

    const set = await handlers["settings.setPolicy"]({ rule: "expense-threshold", value: "0" });
    expect(rule(set, "expense-threshold")).toMatchObject({ value: "0", source: "odoo-mcp policy" });
    expect(rule(set, "expense-threshold")?.meaning).toMatch(/below 0/);
    const sealed = await readPersonPolicy(h.dataDir, await loadKeychainKey(h.app.keychain));
    expect(sealed).toMatchObject({
      state: "valid",
      values: { ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "0" },
      setBy: "ada (odoo-mcp app)",
    });
    const audit = (await h.app.audit.read(new Date().toLocaleDateString("sv"))).filter(
      (e) => e.event === "policy_changed",
    );
    expect(audit).toMatchObject([
      { target: "expense-threshold", channel: "tray", message: "expense-threshold = 0" },
    ]);
    expect(changes).toEqual(["policy"]);

    await expect(
      handlers["settings.setPolicy"]({ rule: "expense-threshold", value: "lots" }),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message:
        '"lots" cannot be used for this rule: it must be a non-negative decimal number, e.g. 100 or 99.50. Type another value and Set.',
    });
    await expect(handlers["settings.setPolicy"]({ rule: "no-such-rule", value: "1" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    const env = await handlers["settings.setPolicy"]({ rule: "elicitation-max-amount", value: "5000" });
    expect(rule(env, "elicitation-max-amount")).toMatchObject({ value: "500", source: "environment" });

    const unset = await handlers["settings.setPolicy"]({ rule: "expense-threshold", value: null });
    expect(rule(unset, "expense-threshold")).toMatchObject({ value: "100", source: "default" });
  });

  it("sets start at login, shows the data folder, and opens only links to the configured Odoo", async () => {
    const { h, handlers, opened, loginItems } = await setup();
    const view = await handlers["settings.setStartAtLogin"]({ enabled: true });
    expect(view.start_at_login).toBe(true);
    expect(loginItems.get()).toBe(true);
    expect(view.data_dir).toBe(h.dataDir);
    await handlers["settings.saveConnection"](
      channels["settings.saveConnection"].request.parse({
        url: h.sandbox.url,
        database: h.sandbox.database,
        username: h.sandbox.login,
      }),
    );
    const link = `${h.sandbox.url}/odoo/action-account.action_move_out_invoice_type/7`;
    await handlers["links.openOdoo"]({ url: link });
    expect(opened).toEqual([link]);
    for (const url of [
      "https://evil.example/odoo/7",
      "javascript:alert(1)",
      `file:///etc/passwd`,
      link.replace("http://", "http://user:pw@"),
      "not a url",
    ])
      await expect(handlers["links.openOdoo"]({ url })).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
    expect(opened).toHaveLength(1);
  });
});
