/**
 * Red team: the agent writes `.env` in the folder the server starts in (its file tools reach it), with
 * `ODOO_COMPANY=2`, to move itself into another company's books. `.env` may only say what the environment (the MCP
 * client's configuration) or the desktop app's settings window already chose; anything else is ignored, and a
 * warning says so (the plain server, `doctor`, `policy show`, the desktop app's tray and settings window).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openDesktopApp, SCOPE_ACCOUNT, writeAgentScope } from "../../src/main/desktop-config.js";
import { type App, createApp } from "../../src/mcp/app.js";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { silentLogger } from "../../src/mcp/log.js";
import { probeOdoo } from "../../src/mcp/odoo/connection-check.js";
import { sandboxEnv } from "../../src/sandbox/connection.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import { kw } from "../sandbox/helpers.js";

let sandbox: Sandbox;
let cwd: string;
let dataDir: string;
const apps: App[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ version: 19 });
  // A second company the user works in, made as a real Odoo makes it.
  await kw(sandbox, "res.company", "create", [[{ name: "Second Co", currency_id: 1 }]]);
  cwd = await mkdtemp(path.join(tmpdir(), "odoo-mcp-env-company-"));
});
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(cwd, "data-"));
});
afterAll(async () => {
  await sandbox?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await rm(path.join(cwd, ".env"), { force: true });
});

const env = (more: Record<string, string> = {}) => ({
  HOME: cwd,
  ...sandboxEnv(sandbox),
  ODOO_MCP_DATA_DIR: dataDir,
  ...more,
});
/** What the agent's file tools do: a `.env` in the folder the server starts in. */
const plantDotenv = (company: string) => writeFile(path.join(cwd, ".env"), `ODOO_COMPANY=${company}\n`);
/** The company every call of this app works in, as Odoo answers it. */
const companyOf = async (app: App) => {
  apps.push(app);
  return (await probeOdoo(app.odoo)).facts.company;
};

describe("the plain server (odoo-mcp serve, doctor, policy show)", () => {
  it("environment unset, .env sets ODOO_COMPANY: ignored with a warning, the user's current company", async () => {
    await plantDotenv("2");
    const config = loadConfig({ env: env(), cwd });
    expect(config.odoo.company).toBeUndefined();
    expect(config.warnings.join("\n")).toMatch(/ODOO_COMPANY in \.env is ignored/);
    expect(await companyOf(await createApp(config, { logger: silentLogger, keychain: null }))).toBe(
      "My Company (id 1)",
    );
  });

  it("by name too", async () => {
    await plantDotenv("Second Co");
    const config = loadConfig({ env: env(), cwd });
    expect(config.odoo.company).toBeUndefined();
    expect(config.warnings.join("\n")).toMatch(/ODOO_COMPANY in \.env is ignored/);
  });

  it("environment and .env name the same company: that company, no warning", async () => {
    await plantDotenv("2");
    const config = loadConfig({ env: env({ ODOO_COMPANY: "2" }), cwd });
    expect(config.odoo.company).toBe(2);
    expect(config.warnings).toEqual([]);
    expect(await companyOf(await createApp(config, { logger: silentLogger, keychain: null }))).toBe(
      "Second Co (id 2)",
    );
  });

  it("environment and .env differ: the environment wins, with a warning", async () => {
    await plantDotenv("2");
    const config = loadConfig({ env: env({ ODOO_COMPANY: "1" }), cwd });
    expect(config.odoo.company).toBe(1);
    expect(config.warnings.join("\n")).toMatch(/ODOO_COMPANY in \.env is ignored: it names another company/);
    expect(await companyOf(await createApp(config, { logger: silentLogger, keychain: null }))).toBe(
      "My Company (id 1)",
    );
  });
});

describe("the desktop app's server", () => {
  const chooseCompany = async (keychain: Keychain, company: number | null) =>
    writeAgentScope(keychain, {
      v: 1,
      scope: { company, toolsets: ["invoicing", "expenses", "reports", "read"], read_only: false },
      connection: { url: sandbox.url, database: sandbox.database, username: sandbox.login },
      set_by: "ada (odoo-mcp app)",
      set_at: new Date().toISOString(),
    });
  const desktop = async (keychain: Keychain) => {
    const { app, config } = await openDesktopApp({
      settings: { odoo: () => ({}) },
      env: env(),
      cwd,
      keychain,
      logger: silentLogger,
    });
    return { config, company: await companyOf(app) };
  };

  it('scope "the user\'s current company" in the settings window, .env sets ODOO_COMPANY: ignored with a warning', async () => {
    const keychain = createMemoryKeychain();
    await chooseCompany(keychain, null);
    expect(await keychain.get(SCOPE_ACCOUNT)).not.toBeNull();
    await plantDotenv("2");
    const { config, company } = await desktop(keychain);
    expect(config.odoo.company).toBeUndefined();
    expect(config.warnings.join("\n")).toMatch(/ODOO_COMPANY in \.env is ignored/);
    expect(company).toBe("My Company (id 1)");
  });

  it("nothing saved in the settings window, .env sets ODOO_COMPANY: ignored", async () => {
    await plantDotenv("2");
    const { config, company } = await desktop(createMemoryKeychain());
    expect(config.odoo.company).toBeUndefined();
    expect(company).toBe("My Company (id 1)");
  });

  it("a company chosen in the settings window: that company, whatever .env says", async () => {
    const keychain = createMemoryKeychain();
    await chooseCompany(keychain, 2);
    await plantDotenv("1");
    const moved = await desktop(keychain);
    expect(moved.config.odoo.company).toBe(2);
    expect(moved.config.warnings.join("\n")).toMatch(/ODOO_COMPANY in \.env is ignored/);
    expect(moved.company).toBe("Second Co (id 2)");
    await plantDotenv("2");
    const same = await desktop(keychain);
    expect(same.config.odoo.company).toBe(2);
    expect(same.config.warnings.join("\n")).not.toMatch(/ODOO_COMPANY/);
  });
});
