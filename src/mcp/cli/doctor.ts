import { existsSync } from "node:fs";
import path from "node:path";
import { LEGACY_KEY_FILE } from "../approvals/keys.js";
import { describeRule, type PolicyKey } from "../approvals/policy.js";
import { type Check, credentialsCheck, probeOdoo } from "../odoo/connection-check.js";
import { openApp, parseCommand, print } from "./context.js";

const DOCTOR = {
  name: "doctor",
  usage: `Usage:
  odoo-mcp doctor [--json]   check configuration, connection, version, modules and API key expiry`,
  options: { json: { type: "boolean" } },
  maxPositionals: 0,
} as const;

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
    odoo_company: config.odoo.company ?? "not set (the user's current company in Odoo)",
    odoo_company_source:
      config.odoo.company !== undefined
        ? "environment (the MCP client's configuration, or the desktop app's settings window)"
        : "none (ODOO_COMPANY is never taken from .env)",
    data_dir: config.dataDir,
    dry_run: config.dryRun,
    credential_source: app.credentialSource,
    approval_key: app.keyMode === "keychain" ? "OS keychain" : "none: passphrase at the terminal",
  };
  checks.push(credentialsCheck(app.credentialSource));
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
  const probed = await probeOdoo(app.odoo);
  checks.push(...probed.checks);
  Object.assign(facts, probed.facts);
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
