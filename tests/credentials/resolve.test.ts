import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/mcp/config/config.js";
import { createMemoryKeychain, keychainAccount } from "../../src/mcp/credentials/keychain.js";
import { resolveCredentials } from "../../src/mcp/credentials/resolve.js";

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), "odoo-mcp-credentials-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const base = { HOME: "/home/ada", ODOO_MCP_DATA_DIR: "/data/odoo" };

describe("resolveCredentials", () => {
  const env = { ...base, ODOO_URL: "https://odoo.example.com", ODOO_DATABASE: "db", ODOO_USERNAME: "ada" };

  it("prefers the keychain, then the environment", async () => {
    const config = loadConfig({ cwd, env: { ...env, ODOO_API_KEY: "env-key-123456" } });
    const keychain = createMemoryKeychain({
      [keychainAccount("https://odoo.example.com", "db", "ada", "password")]: "kc-password",
    });
    expect(await resolveCredentials(config, keychain)).toEqual({
      secret: "kc-password",
      secretKind: "password",
      source: "keychain",
    });
    expect(await resolveCredentials(config, createMemoryKeychain())).toEqual({
      secret: "env-key-123456",
      secretKind: "api_key",
      source: "env",
    });
    expect(await resolveCredentials(loadConfig({ cwd, env }), null)).toBeNull();
  });

  it("falls back to the environment when the keychain cannot be reached", async () => {
    const config = loadConfig({ cwd, env: { ...env, ODOO_PASSWORD: "env-pw-123456" } });
    const broken = {
      get: async () => {
        throw new Error("no OS keychain available: x");
      },
      set: async () => {},
      delete: async () => false,
    };
    expect(await resolveCredentials(config, broken)).toMatchObject({ secretKind: "password", source: "env" });
  });
});
