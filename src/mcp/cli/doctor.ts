import { existsSync } from "node:fs";
import path from "node:path";
import type { App } from "../app.js";
import { LEGACY_KEY_FILE } from "../approvals/keys.js";
import { describeRule, FIXED_RULES, type PolicyKey } from "../approvals/policy.js";
import { checkHistory, type HistoryCheck } from "../history-check.js";
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
  const { app, keychainMissing } = await openApp({ quiet: true });
  let report: DoctorReport;
  try {
    report = await doctorReport(app, keychainMissing);
  } finally {
    await app.close();
  }
  const { checks, facts } = report;
  if (parsed.values.json) {
    print(JSON.stringify({ ok: report.ok, checks, facts }, null, 2));
  } else {
    for (const [key, value] of Object.entries(facts)) print(`${key.padEnd(30)} ${String(value)}`);
    print();
    for (const check of checks) print(`${check.ok ? "ok  " : "FAIL"}  ${check.name}: ${check.detail}`);
  }
  return report.ok ? 0 : 1;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  facts: Record<string, unknown>;
}

/** What `doctor` finds for an open app (the command prints it; tests call it with their own keychain). */
export async function doctorReport(app: App, keychainMissing?: string): Promise<DoctorReport> {
  const config = app.config;
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
  // The one place a missing keychain is said from the command line (the other commands stay quiet about it).
  if (keychainMissing)
    checks.push({ name: "keychain", ok: true, detail: `no OS keychain: ${keychainMissing}` });
  for (const note of app.keychainNotes) checks.push({ name: "keychain", ok: true, detail: note });
  if (existsSync(path.join(config.dataDir, LEGACY_KEY_FILE)))
    checks.push({
      name: "old key file",
      ok: false,
      detail: `${path.join(config.dataDir, LEGACY_KEY_FILE)} is ignored (a key in a file could be read or planted by an agent); delete it`,
    });
  for (const key of Object.keys(config.policySources) as PolicyKey[])
    facts[`policy.${key}`] = `${describeRule(key, config.policy)} [${config.policySources[key]}]`;
  FIXED_RULES.forEach((rule, i) => {
    facts[`policy.always.${i + 1}`] = rule;
  });
  for (const warning of config.warnings) checks.push({ name: "configuration", ok: false, detail: warning });
  const probed = await probeOdoo(app.odoo);
  checks.push(...probed.checks);
  Object.assign(facts, probed.facts);
  facts.queued_operations = (await app.queue.pending()).length;
  facts.pending_approvals = (await app.approvals.list({ status: "pending" })).length;
  const history = await checkHistory({
    dataDir: config.dataDir,
    keychain: app.keyMode === "keychain" ? app.keychain : null,
  });
  facts.history = history.state;
  checks.push(...historyChecks(history));
  return { ok: checks.every((check) => check.ok), checks, facts };
}

/** The history check in doctor's words: each vanished log a failure naming it, with what to do. */
export function historyChecks(history: HistoryCheck): Check[] {
  const name = "history";
  switch (history.state) {
    case "vanished":
      return history.vanished.map((v) => ({
        name: `${name} (${v.name})`,
        ok: false,
        detail: `${v.message} On disk: ${v.found} (${v.where}). ${history.advice}`,
      }));
    case "intact":
      return [
        {
          name,
          ok: true,
          detail: `${history.logs.map((log) => `${log.log === "audit" ? "the audit log" : "the approval journal"} holds every line up to the one the OS keychain remembers (line ${log.remembered})`).join("; ")}`,
        },
      ];
    case "fresh":
      return [
        {
          name,
          ok: true,
          detail:
            "nothing recorded yet for this data folder (the OS keychain remembers no audit log or journal line): a new installation",
        },
      ];
    case "no_keychain":
      return [
        {
          name,
          ok: true,
          detail:
            "no OS keychain here, so nothing outside the data folder remembers how long the audit log and the approval journal were: a deleted data folder cannot be told from a new one (odoo-mcp audit verify checks what is there)",
        },
      ];
    default:
      return [
        {
          name,
          ok: true,
          detail: `could not be checked now: the OS keychain did not answer (${history.reason})`,
        },
      ];
  }
}
