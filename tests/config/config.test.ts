import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/mcp/approvals/policy.js";
import { ConfigError, defaultDataDir, loadConfig } from "../../src/mcp/config/config.js";
import { parseDotenv } from "../../src/mcp/config/dotenv.js";

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), "odoo-mcp-config-"));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

const base = { HOME: "/home/ada", ODOO_MCP_DATA_DIR: "/data/odoo" };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseDotenv", () => {
  it("reads KEY=value, export, quotes, escapes and comments", () => {
    const { values, errors } = parseDotenv(
      [
        "# a comment",
        "",
        "PLAIN=value with spaces   # trailing comment",
        "export EXPORTED=yes",
        "SINGLE='raw # not a comment \\n'",
        'DOUBLE="line1\\nline2 \\"quoted\\" # kept"',
        "HASH=abc#def",
        "EMPTY=",
        'MULTI="first',
        'second"',
        "  SPACED  =  trimmed  ",
      ].join("\n"),
    );
    expect(errors).toEqual([]);
    expect(values).toEqual({
      PLAIN: "value with spaces",
      EXPORTED: "yes",
      SINGLE: "raw # not a comment \\n",
      DOUBLE: 'line1\nline2 "quoted" # kept',
      HASH: "abc#def",
      EMPTY: "",
      MULTI: "first\nsecond",
      SPACED: "trimmed",
    });
  });

  it("reports bad lines by number, without their content", () => {
    const { errors } = parseDotenv('GOOD=1\nthis is the-secret-value\nBAD="unterminated');
    expect(errors).toHaveLength(2);
    expect(errors.join(" ")).toContain("line 2");
    expect(errors.join(" ")).not.toContain("the-secret-value");
  });
});

describe("loadConfig", () => {
  it("applies the defaults", () => {
    const config = loadConfig({ env: { HOME: "/home/ada" }, cwd });
    expect(config).toEqual({
      odoo: { url: "http://localhost:8069", database: "", username: "", api: "auto", timeoutMs: 30_000 },
      dataDir: path.resolve("/home/ada/.local/share/odoo-mcp"),
      dryRun: false,
      policy: DEFAULT_POLICY,
      policySources: {
        ttlMs: "default",
        waitMs: "default",
        expenseThreshold: "default",
        autoBudget: "default",
        elicitation: "default",
        elicitationMaxAmount: "default",
        elicitationBudget: "default",
        maxPendingPerClient: "default",
        maxPendingTotal: "default",
      },
      warnings: [],
      logLevel: "info",
      tools: { readOnly: false },
      reminderDays: 7,
    });
  });

  it("reads .env from cwd; the environment overrides it; aliases are accepted", async () => {
    await writeFile(
      path.join(cwd, ".env"),
      "ODOO_URL=https://books.example.com/\nODOO_DB=filedb\nODOO_USER=file-user\nODOO_API_KEY=file-key-123456\nDRY_RUN=1\n",
    );
    const config = loadConfig({ env: { ...base, ODOO_DATABASE: "envdb", DRY_RUN: "false" }, cwd });
    expect(config.odoo).toMatchObject({
      url: "https://books.example.com",
      database: "envdb",
      username: "file-user",
      apiKey: "file-key-123456",
    });
    expect(config.dryRun).toBe(false);
    expect(config.dataDir).toBe(path.resolve("/data/odoo"));
  });

  it("ODOO_MCP_REMINDER_DAYS: the environment sets it; .env may only lengthen it", async () => {
    expect(loadConfig({ env: { ...base, ODOO_MCP_REMINDER_DAYS: "3" }, cwd }).reminderDays).toBe(3);
    await writeFile(path.join(cwd, ".env"), "ODOO_MCP_REMINDER_DAYS=30\n");
    expect(loadConfig({ env: base, cwd }).reminderDays).toBe(30);
    await writeFile(path.join(cwd, ".env"), "ODOO_MCP_REMINDER_DAYS=0\n");
    const shortened = loadConfig({ env: base, cwd });
    expect(shortened.reminderDays).toBe(7);
    expect(shortened.warnings.join("\n")).toMatch(/ODOO_MCP_REMINDER_DAYS in \.env is ignored/);
    expect(() => loadConfig({ env: { ...base, ODOO_MCP_REMINDER_DAYS: "-1" }, cwd })).toThrow(
      /ODOO_MCP_REMINDER_DAYS/,
    );
  });

  it("reads an explicit envFile, and fails when it is missing", async () => {
    const file = path.join(cwd, "custom.env");
    await writeFile(file, "ODOO_MCP_PORT=8765\nODOO_MCP_HTTP_TOKEN=abcdefghijklmnopqrstuvwxyz\n");
    const config = loadConfig({ env: base, cwd: "/nonexistent", envFile: file });
    expect(config.httpPort).toBe(8765);
    expect(config.httpToken).toBe("abcdefghijklmnopqrstuvwxyz");
    expect(errorOf(() => loadConfig({ env: base, envFile: path.join(cwd, "missing.env") })).message).toMatch(
      /cannot read/,
    );
  });

  it("parses every setting", () => {
    const config = loadConfig({
      cwd,
      env: {
        ...base,
        ODOO_PASSWORD: "pw-123456",
        ODOO_API: "jsonrpc",
        ODOO_TIMEOUT_MS: "5000",
        DRY_RUN: "TRUE",
        ODOO_MCP_APPROVAL_WAIT_MS: "15000",
        ODOO_MCP_APPROVAL_TTL_HOURS: "1.5",
        ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "250.50",
        ODOO_MCP_ELICITATION: "0",
        ODOO_MCP_ELICITATION_DAILY_COUNT: "3",
        ODOO_MCP_ELICITATION_DAILY_TOTAL: "750.25",
        ODOO_MCP_LOG_LEVEL: "debug",
      },
    });
    expect(config.odoo).toMatchObject({ password: "pw-123456", api: "jsonrpc", timeoutMs: 5000 });
    expect(config.odoo.apiKey).toBeUndefined();
    expect(config.dryRun).toBe(true);
    expect(config.policy).toEqual({
      waitMs: 15_000,
      ttlMs: 5_400_000,
      expenseThreshold: "250.50",
      autoBudget: { count: 10, total: "300" },
      elicitation: false,
      elicitationMaxAmount: "1000",
      elicitationBudget: { count: 3, total: "750.25" },
      maxPendingPerClient: 20,
      maxPendingTotal: 50,
    });
    expect(config.policySources.expenseThreshold).toBe("environment");
    expect(config.policySources.autoBudget).toBe("default");
    expect(config.logLevel).toBe("debug");
  });

  it("names the key and the problem for every invalid value, and never echoes a secret", () => {
    const error = errorOf(() =>
      loadConfig({
        cwd,
        env: {
          ...base,
          ODOO_URL: "ftp://nope",
          ODOO_API: "soap",
          ODOO_TIMEOUT_MS: "soon",
          DRY_RUN: "maybe",
          ODOO_MCP_PORT: "70000",
          ODOO_MCP_HTTP_TOKEN: "short-secret",
          ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "-5",
        },
      }),
    );
    for (const key of [
      "ODOO_URL",
      "ODOO_API",
      "ODOO_TIMEOUT_MS",
      "DRY_RUN",
      "ODOO_MCP_PORT",
      "ODOO_MCP_HTTP_TOKEN",
      "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD",
    ])
      expect(error.message).toContain(key);
    expect(error.message).not.toContain("short-secret");
    expect(error.message).toContain('"soap"');
  });

  it("refuses credentials inside the URL", () => {
    const error = errorOf(() =>
      loadConfig({ cwd, env: { ...base, ODOO_URL: "https://admin:hunter2@odoo.example.com" } }),
    );
    expect(error.message).toContain("ODOO_URL");
  });

  it("does not read the environment at import time", async () => {
    const module = await import("../../src/mcp/config/config.js");
    expect(typeof module.loadConfig).toBe("function");
    process.env.ODOO_MCP_LOG_LEVEL = "bogus";
    try {
      expect(() => module.loadConfig({ cwd })).toThrow(/ODOO_MCP_LOG_LEVEL/);
    } finally {
      delete process.env.ODOO_MCP_LOG_LEVEL;
    }
  });
});

describe("defaultDataDir", () => {
  it("follows each platform's per-user data folder", () => {
    expect(defaultDataDir({ HOME: "/home/ada" }, "linux")).toBe("/home/ada/.local/share/odoo-mcp");
    expect(defaultDataDir({ HOME: "/home/ada", XDG_DATA_HOME: "/xdg" }, "linux")).toBe("/xdg/odoo-mcp");
    expect(defaultDataDir({ HOME: "/home/ada", XDG_DATA_HOME: "relative" }, "linux")).toBe(
      "/home/ada/.local/share/odoo-mcp",
    );
    expect(defaultDataDir({ HOME: "/Users/ada" }, "darwin")).toBe(
      "/Users/ada/Library/Application Support/odoo-mcp",
    );
    expect(defaultDataDir({ APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }, "win32")).toBe(
      "C:\\Users\\ada\\AppData\\Roaming\\odoo-mcp",
    );
  });
});

describe("a .env the agent can write may tighten the approval policy, never loosen it", () => {
  it("ignores a .env that raises the expense threshold, lengthens the expiry, moves the data folder or re-enables the prompt", async () => {
    await writeFile(
      path.join(cwd, ".env"),
      [
        "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=1000000000",
        "ODOO_MCP_APPROVAL_TTL_HOURS=8000",
        `ODOO_MCP_DATA_DIR=${path.join(cwd, "elsewhere")}`,
        "ODOO_MCP_ELICITATION=true",
        "ODOO_MCP_ELICITATION_MAX_AMOUNT=99999999",
        "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT=100000",
        "ODOO_MCP_MAX_PENDING=10000",
      ].join("\n"),
    );
    const config = loadConfig({
      cwd,
      env: { HOME: "/home/ada", ODOO_MCP_ELICITATION: "false", ODOO_MCP_DATA_DIR: "" },
    });
    expect(config.policy).toEqual({ ...DEFAULT_POLICY, elicitation: false });
    expect(config.dataDir).toBe("/home/ada/.local/share/odoo-mcp");
    expect(config.policySources.expenseThreshold).toBe("default");
    expect(config.policySources.elicitation).toBe("environment");
    expect(config.warnings.join("\n")).toMatch(/ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD in \.env is ignored/);
    expect(config.warnings.join("\n")).toMatch(/ODOO_MCP_DATA_DIR in \.env is ignored/);
    // Six rules from .env ignored; ODOO_MCP_ELICITATION is the environment's anyway (it wins over .env).
    expect(config.warnings).toHaveLength(6);
  });

  it("takes a stricter rule from .env, and says where each rule came from", async () => {
    await writeFile(
      path.join(cwd, ".env"),
      "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD=20\nODOO_MCP_APPROVAL_TTL_HOURS=4\nODOO_MCP_ELICITATION=false\n",
    );
    const config = loadConfig({ cwd, env: { HOME: "/home/ada", ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL: "50" } });
    expect(config.policy.expenseThreshold).toBe("20");
    expect(config.policy.ttlMs).toBe(4 * 3_600_000);
    expect(config.policy.elicitation).toBe(false);
    expect(config.policy.autoBudget).toEqual({ count: 10, total: "50" });
    expect(config.policySources).toMatchObject({
      expenseThreshold: ".env",
      ttlMs: ".env",
      elicitation: ".env",
      autoBudget: "environment",
      maxPendingPerClient: "default",
    });
    expect(config.warnings).toEqual([]);
  });

  it("lets the environment (the MCP client's configuration) loosen it", () => {
    const config = loadConfig({
      cwd,
      env: {
        HOME: "/home/ada",
        ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "500",
        ODOO_MCP_DATA_DIR: "/data/books",
      },
    });
    expect(config.policy.expenseThreshold).toBe("500");
    expect(config.policySources.expenseThreshold).toBe("environment");
    expect(config.dataDir).toBe("/data/books");
  });
});
