import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  openDesktopApp,
  readAgentScope,
  type SavedScope,
  SCOPE_ACCOUNT,
  scopeEnv,
} from "../../src/main/desktop-config.js";
import { connectionSettings, settingsHandlers } from "../../src/main/settings-handlers.js";
import type { App } from "../../src/mcp/app.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { channels } from "../../src/shared/ipc.js";
import { kw } from "../sandbox/helpers.js";
import { type Harness, startHarness } from "../support/harness.js";
import { jsonSettingsStore, memoryLoginItems } from "../support/settings-store.js";

/** What the agent sees and where it works, chosen in the settings window, over a real app and the sandbox. */
describe("settings: company, toolsets and read-only mode", () => {
  let h: Harness | undefined;
  const apps: App[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await h?.close();
    h = undefined;
  });

  const setup = async (
    options: { env?: Record<string, string>; keychain?: Keychain | null; dotenv?: string } = {},
  ) => {
    const keychain = options.keychain === undefined ? createMemoryKeychain() : options.keychain;
    h = await startHarness({ keychain });
    const harness = h;
    // A second company the admin works in, created as the recordings of a real Odoo create it.
    await kw(harness.sandbox, "res.company", "create", [[{ name: "Second Co", currency_id: 1 }]]);
    if (options.dotenv) await writeFile(path.join(harness.dataDir, ".env"), options.dotenv);
    const file = path.join(harness.dataDir, "settings.json");
    const store = jsonSettingsStore(file);
    const changes: string[] = [];
    const env = {
      ODOO_MCP_DATA_DIR: harness.dataDir,
      ODOO_MCP_ALLOW_SANDBOX: "true",
      ...options.env,
    };
    const handlers = settingsHandlers({
      app: () => harness.app,
      store,
      loginItems: memoryLoginItems(),
      openExternal: () => {},
      configOptions: { env, cwd: harness.dataDir },
      actor: "ada (odoo-mcp app)",
      onChange: (what) => void changes.push(what),
    });
    await handlers["settings.saveConnection"](
      channels["settings.saveConnection"].request.parse({
        url: harness.sandbox.url,
        database: harness.sandbox.database,
        username: harness.sandbox.login,
        ...(keychain ? { secret: harness.sandbox.apiKey } : {}),
      }),
    );
    /** The app the desktop starts (`--stdio` too) from the same saved settings, environment and keychain. */
    const started = async () => {
      const saved = await store.getConnection();
      const { app, config } = await openDesktopApp({
        settings: { odoo: () => (saved ? connectionSettings(saved) : {}) },
        env: keychain ? env : { ...env, ODOO_API_KEY: harness.sandbox.apiKey },
        cwd: harness.dataDir,
        keychain,
        logger: silentLogger,
      });
      apps.push(app);
      return config;
    };
    return { h: harness, keychain, handlers, file, changes, started };
  };

  it("lists the user's companies from Odoo, saves the choice in the keychain (audited), and the app's server takes it", async () => {
    const { h, keychain, handlers, file, changes, started } = await setup();
    expect(await handlers["settings.companies"]({})).toEqual({
      user_current: { id: 1, name: "My Company" },
      choices: [
        { id: 1, name: "My Company" },
        { id: 2, name: "Second Co" },
      ],
    });

    const before = await handlers["settings.get"]({});
    expect(before.scope).toMatchObject({
      saved: {
        company: null,
        toolsets: ["invoicing", "expenses", "reports", "read", "bank"],
        read_only: false,
      },
      effective: { company: null, read_only: false, tools: allTools.map((tool) => tool.name) },
      sources: { company: "default", toolsets: "default", read_only: "default" },
      can_save: true,
    });
    // The toolsets and their tools come from the tool definitions.
    const listed = before.scope?.toolsets.find((set) => set.name === "reports");
    expect(listed?.tools).toEqual([{ name: "generate_report", title: expect.any(String), read_only: true }]);
    for (const tool of allTools)
      for (const set of tool.toolsets)
        expect(before.scope?.toolsets.find((s) => s.name === set)?.tools.map((t) => t.name)).toContain(
          tool.name,
        );

    const saved = await handlers["settings.setScope"](
      channels["settings.setScope"].request.parse({
        company: 2,
        toolsets: ["read", "invoicing"],
        read_only: true,
      }),
    );
    expect(channels["settings.setScope"].answer.parse(saved)).toEqual(saved);
    const readTools = [
      "find_partners",
      "list_invoices",
      "get_invoice",
      "list_journals",
      "list_taxes",
      "list_expense_categories",
      "get_approval",
      "list_approvals",
    ];
    expect(saved.scope).toMatchObject({
      saved: { company: 2, toolsets: ["invoicing", "read"], read_only: true },
      effective: { company: 2, toolsets: ["invoicing", "read"], read_only: true, tools: readTools },
      sources: { company: "settings", toolsets: "settings", read_only: "settings" },
    });
    expect(changes).toEqual(["connection", "scope"]);
    // In the keychain, never in the settings file the agent could edit.
    expect(JSON.parse((await keychain?.get(SCOPE_ACCOUNT)) ?? "null")).toMatchObject({
      scope: { company: 2, toolsets: ["invoicing", "read"], read_only: true },
      connection: { url: h.sandbox.url, database: h.sandbox.database, username: h.sandbox.login },
      set_by: "ada (odoo-mcp app)",
    });
    expect(await readFile(file, "utf8")).not.toMatch(/toolsets|read_only|company/);
    const audit = (await h.app.audit.read(new Date().toLocaleDateString("sv"))).filter(
      (e) => e.event === "policy_changed",
    );
    expect(audit).toMatchObject([
      {
        action: "agent-scope",
        actor: "user",
        channel: "tray",
        message: "company = Second Co (id 2); toolsets = invoicing, read; read-only = on",
      },
    ]);

    const config = await started();
    expect(config.odoo.company).toBe(2);
    expect(config.tools).toEqual({ toolsets: ["invoicing", "read"], readOnly: true });
    // Test connection now checks the chosen company, as doctor does.
    const report = await handlers["settings.testConnection"]({});
    expect(report.checks.find((check) => check.name === "company")?.detail).toMatch(/Second Co \(id 2\)/);

    // Back to every tool and the user's current company: the person's act in the window widens again.
    const back = await handlers["settings.setScope"]({
      company: null,
      toolsets: ["invoicing", "expenses", "reports", "read", "bank"],
      read_only: false,
    });
    expect(back.scope?.effective).toMatchObject({ company: null, read_only: false });
    expect(back.scope?.effective.tools).toHaveLength(allTools.length);
    const wide = await started();
    expect(wide.odoo.company).toBeUndefined();
    expect(wide.tools).toEqual({
      toolsets: ["invoicing", "expenses", "reports", "read", "bank"],
      readOnly: false,
    });
  });

  it("refuses a company the user cannot work in, naming the ones they can; nothing is saved", async () => {
    const { keychain, handlers } = await setup();
    await expect(
      handlers["settings.setScope"]({ company: 7, toolsets: ["read"], read_only: false }),
    ).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      message: expect.stringMatching(/id 7.*My Company \(id 1\), Second Co \(id 2\)/),
    });
    expect(await keychain?.get(SCOPE_ACCOUNT)).toBeNull();
    expect(
      channels["settings.setScope"].request.safeParse({ company: null, toolsets: [], read_only: true })
        .success,
    ).toBe(false);
  });

  it("the environment (the MCP client's configuration) wins over the saved choice; .env may only narrow it", async () => {
    const { handlers, started } = await setup({
      env: { ODOO_MCP_READ_ONLY: "false", ODOO_COMPANY: "1" },
      dotenv: "ODOO_MCP_TOOLSETS=read,reports\nODOO_MCP_READ_ONLY=false\n",
    });
    const view = await handlers["settings.setScope"]({
      company: 2,
      toolsets: ["read", "expenses"],
      read_only: true,
    });
    expect(view.scope).toMatchObject({
      saved: { company: 2, toolsets: ["expenses", "read"], read_only: true },
      // .env's reports is not among the saved toolsets: narrowed to read; the environment keeps read-only off.
      effective: { company: 1, toolsets: ["read"], read_only: false },
      sources: { company: "environment", toolsets: "settings", read_only: "environment" },
    });
    expect(view.warnings.join("\n")).toMatch(/ODOO_MCP_TOOLSETS in \.env names reports/);
    const config = await started();
    expect(config.odoo.company).toBe(1);
    expect(config.tools).toEqual({ toolsets: ["read"], readOnly: false });
  });

  it("a file the agent can write cannot widen the choice; an entry odoo-mcp did not write means read-only", async () => {
    const { keychain, handlers, file, started } = await setup();
    await handlers["settings.setScope"]({ company: null, toolsets: ["read"], read_only: true });
    // The agent edits the settings file: nothing of the scope is read from it.
    const stored = JSON.parse(await readFile(file, "utf8"));
    await writeFile(
      file,
      JSON.stringify({ ...stored, scope: { toolsets: ["invoicing"], read_only: false }, read_only: false }),
    );
    expect((await started()).tools).toEqual({ toolsets: ["read"], readOnly: true });

    await keychain?.set(SCOPE_ACCOUNT, JSON.stringify({ scope: { read_only: false } }));
    const view = await handlers["settings.get"]({});
    expect(view.scope?.effective).toMatchObject({
      read_only: true,
      toolsets: ["invoicing", "expenses", "reports", "read", "bank"],
    });
    expect(view.warnings.join("\n")).toMatch(/read-only until you choose again/);
    expect((await started()).tools.readOnly).toBe(true);
  });

  it("without an OS keychain the choice is not saved (it could not be protected)", async () => {
    const { handlers } = await setup({ keychain: null });
    expect((await handlers["settings.get"]({})).scope?.can_save).toBe(false);
    await expect(
      handlers["settings.setScope"]({ company: null, toolsets: ["read"], read_only: true }),
    ).rejects.toMatchObject({ code: "VALIDATION_ERROR", message: expect.stringMatching(/no OS keychain/) });
    expect(await readAgentScope(null)).toEqual({ state: "none" });
  });
});

describe("the saved scope in the environment", () => {
  const saved = (company: number | null, database = "books"): SavedScope => ({
    state: "valid",
    stored: {
      v: 1,
      scope: { company, toolsets: ["expenses"], read_only: true },
      connection: { url: "https://odoo.example", database, username: "ada" },
      set_by: "ada",
      set_at: "2026-11-02T10:00:00.000Z",
    },
  });
  const connection = { url: "https://odoo.example", database: "books", username: "ada" };

  it("fills what the environment leaves unset", () => {
    expect(scopeEnv(saved(2), { ODOO_COMPANY: "" }, connection)).toEqual({
      env: { ODOO_COMPANY: "2", ODOO_MCP_TOOLSETS: "expenses", ODOO_MCP_READ_ONLY: "true" },
      sources: { company: "settings", toolsets: "settings", read_only: "settings" },
      warnings: [],
    });
    expect(scopeEnv({ state: "none" }, { ODOO_MCP_TOOLSETS: "read" }, connection)).toEqual({
      env: { ODOO_MCP_TOOLSETS: "read" },
      sources: { company: "default", toolsets: "environment", read_only: "default" },
      warnings: [],
    });
  });

  it("applies a company only to the connection it was chosen for", () => {
    const other = scopeEnv(saved(2, "other-books"), {}, connection);
    expect(other.env.ODOO_COMPANY).toBeUndefined();
    expect(other.env.ODOO_MCP_READ_ONLY).toBe("true");
    expect(other.warnings.join("")).toMatch(/chosen for ada on other-books/);
    expect(scopeEnv(saved(2), {}, null).env.ODOO_COMPANY).toBeUndefined();
  });

  it("a keychain that does not answer: the environment alone decides, and a warning says so", () => {
    const down = scopeEnv(
      { state: "unavailable", reason: "no OS keychain available: locked" },
      {},
      connection,
    );
    expect(down.env).toEqual({});
    expect(down.warnings.join("")).toMatch(/did not answer \(no OS keychain available: locked\)/);
  });
});
