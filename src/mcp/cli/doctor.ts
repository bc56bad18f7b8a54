import { existsSync } from "node:fs";
import path from "node:path";
import type { App } from "../app.js";
import { LEGACY_KEY_FILE } from "../approvals/keys.js";
import { describeRule, type PolicyKey } from "../approvals/policy.js";
import { toToolError } from "../error-map.js";
import { openApp, parseCommand, print } from "./context.js";

const DOCTOR = {
  name: "doctor",
  usage: `Usage:
  odoo-mcp doctor [--json]   check configuration, connection, version, modules and API key expiry`,
  options: { json: { type: "boolean" } },
  maxPositionals: 0,
} as const;

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

const NEEDED_MODULES: Record<string, string> = {
  account: "invoices, bills, payments and reports",
  hr_expense: "create_expense",
  mail: "send_invoice",
};

/** `odoo-mcp doctor`: what works, what does not, and what to do about it. Never prints a secret. */
export async function doctorCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, DOCTOR);
  if (typeof parsed === "number") return parsed;
  const { app, config } = await openApp({ quiet: true });
  const checks: Check[] = [];
  const facts: Record<string, unknown> = {
    odoo_url: config.odoo.url,
    database: config.odoo.database,
    username: config.odoo.username,
    data_dir: config.dataDir,
    dry_run: config.dryRun,
    credential_source: app.credentialSource,
    approval_key: app.keyMode === "keychain" ? "OS keychain" : "none: passphrase at the terminal",
  };
  checks.push({
    name: "credentials",
    ok: app.credentialSource !== null,
    detail: app.credentialSource
      ? `found (${app.credentialSource})`
      : "none: run `odoo-mcp credentials set` or set ODOO_API_KEY",
  });
  checks.push({
    name: "approval key",
    ok: true,
    detail:
      app.keyMode === "keychain"
        ? "in the OS keychain: decisions and requests are signed with it, out of reach of file tools"
        : "no OS keychain here: every approval needs the approval passphrase typed at a terminal (odoo-mcp approvals passphrase), and only that terminal's process runs it",
  });
  if (existsSync(path.join(config.dataDir, LEGACY_KEY_FILE)))
    checks.push({
      name: "old key file",
      ok: false,
      detail: `${path.join(config.dataDir, LEGACY_KEY_FILE)} is ignored (a key in a file could be read or planted by an agent); delete it`,
    });
  for (const key of Object.keys(config.policySources) as PolicyKey[])
    facts[`policy.${key}`] = `${describeRule(key, config.policy)} [${config.policySources[key]}]`;
  for (const warning of config.warnings) checks.push({ name: "configuration", ok: false, detail: warning });
  try {
    await probeOdoo(app, checks, facts);
  } catch (error) {
    const mapped = toToolError(error);
    checks.push({ name: "odoo", ok: false, detail: `${mapped.code}: ${mapped.message}` });
  }
  facts.queued_operations = (await app.queue.pending()).length;
  facts.pending_approvals = (await app.approvals.list({ status: "pending" })).length;
  await app.close();

  if (parsed.values.json) {
    print(JSON.stringify({ ok: checks.every((check) => check.ok), checks, facts }, null, 2));
  } else {
    for (const [key, value] of Object.entries(facts)) print(`${key.padEnd(30)} ${String(value)}`);
    print();
    for (const check of checks) print(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);
  }
  return checks.every((check) => check.ok) ? 0 : 1;
}

async function probeOdoo(app: App, checks: Check[], facts: Record<string, unknown>): Promise<void> {
  const { odoo } = app;
  const version = await odoo.version();
  facts.odoo_version = version.serverVersion;
  checks.push({
    name: "odoo version",
    ok: version.major >= 17,
    detail:
      version.major >= 17 ? version.serverVersion : `${version.serverVersion} is not supported (17, 18, 19)`,
  });
  facts.api = await odoo.api();
  const uid = await odoo.uid();
  checks.push({ name: "login", ok: true, detail: `user id ${uid}` });
  const modules = await odoo.searchRead<{ name: string; state: string }>(
    "ir.module.module",
    [["name", "in", Object.keys(NEEDED_MODULES)]],
    ["name", "state"],
  );
  const installed = new Set(
    modules.filter((module) => module.state === "installed").map((module) => module.name),
  );
  facts.installed_modules = [...installed].sort().join(", ");
  for (const [name, usedBy] of Object.entries(NEEDED_MODULES)) {
    checks.push({
      name: `module ${name}`,
      ok: installed.has(name),
      detail: installed.has(name) ? "installed" : `missing: install it in Odoo (Apps) to use ${usedBy}`,
    });
  }
  if (version.major >= 18) {
    const keys = await odoo
      .searchRead<{ name: string; expiration_date: string | false }>(
        "res.users.apikeys",
        [["user_id", "=", uid]],
        ["name", "expiration_date"],
      )
      .catch(() => []);
    const expiries = keys.map((key) => key.expiration_date).filter((date): date is string => Boolean(date));
    facts.api_key_expiry = expiries.length > 0 ? expiries.sort()[0] : "never (or not readable)";
  } else {
    facts.api_key_expiry = "Odoo 17 API keys do not expire";
  }
  facts.odoo_round_trips = odoo.stats().roundTrips;
}
