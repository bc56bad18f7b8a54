import { toToolError } from "../error-map.js";
import type { ToolError } from "../errors.js";
import { OdooScopeError } from "./errors.js";
import type { CompanyScope, Odoo } from "./types.js";
import { versionSupport } from "./version.js";

/**
 * The connection checks `odoo-mcp doctor` and the app's "Test connection" share: the credentials found, Odoo's
 * version, the API used, the login, the company (and the ones the user can choose), the modules the tools need and the API key's expiry. Never a secret.
 */
export interface Check {
  /** A stable key (`module hr_expense`): what doctor prints and scripts look for. */
  name: string;
  ok: boolean;
  detail: string;
}

/** A check the settings window shows too: with its name in a bookkeeper's words (`Expenses app`). */
export interface ConnectionCheck extends Check {
  label: string;
}
export type Facts = Record<string, string | number | boolean | null>;

/** The modules the tools need: the app's name in Odoo's Apps, and what needs it. */
export const NEEDED_MODULES: Record<string, { app: string; usedBy: string }> = {
  account: { app: "Invoicing", usedBy: "invoices, bills, payments and reports" },
  hr_expense: { app: "Expenses", usedBy: "create_expense" },
  mail: { app: "Discuss", usedBy: "send_invoice (the email)" },
};

export function credentialsCheck(source: "keychain" | "env" | null): ConnectionCheck {
  return {
    name: "credentials",
    label: "API key",
    ok: source !== null,
    detail: source ? `found (${source})` : "none: run `odoo-mcp credentials set` or set ODOO_API_KEY",
  };
}

/**
 * Asks Odoo: version, API, login, modules, key expiry. A failure is one failed `odoo` check, never a throw, worded
 * by `failure` (doctor's default names the error code; the settings window says what to do in the window).
 */
export async function probeOdoo(
  odoo: Odoo,
  failure: (error: ToolError) => string = (error) => `${error.code}: ${error.message}`,
): Promise<{ checks: ConnectionCheck[]; facts: Facts }> {
  const checks: ConnectionCheck[] = [];
  const facts: Facts = {};
  try {
    await probe(odoo, checks, facts);
  } catch (error) {
    const mapped = toToolError(error);
    checks.push({
      name: "odoo",
      label: "Connection to Odoo",
      ok: false,
      // A key refused for its scope is fixed by making another key: its message says which, wherever it is shown.
      detail: error instanceof OdooScopeError ? mapped.message : failure(mapped),
    });
  }
  return { checks, facts };
}

/**
 * The company every call works in, and the ones the user can choose. A company the user cannot work in
 * (`ODOO_COMPANY` wrong) fails the check; every later call would fail the same way, so the probe stops there.
 */
async function companyCheck(odoo: Odoo, checks: ConnectionCheck[], facts: Facts): Promise<boolean> {
  if (!odoo.company) return true;
  let scope: CompanyScope;
  try {
    scope = await odoo.company();
  } catch (error) {
    const mapped = toToolError(error);
    if (mapped.code !== "PERMISSION_DENIED") throw error;
    checks.push({
      name: "company",
      label: "Company",
      ok: false,
      detail: mapped.message.replace(/^Odoo refused access: /, ""),
    });
    return false;
  }
  const { current, choices, source } = scope;
  facts.company = `${current.name} (id ${current.id})`;
  facts.companies = choices.map((c) => `${c.id} ${c.name}`).join(", ");
  const others = choices.filter((c) => c.id !== current.id);
  checks.push({
    name: "company",
    label: "Company",
    ok: true,
    detail:
      source === "configured"
        ? `${current.name} (id ${current.id}), chosen by ODOO_COMPANY`
        : others.length === 0
          ? `${current.name} (id ${current.id}), the user's only company`
          : `${current.name} (id ${current.id}), the user's current company in Odoo; the user can also work in ${others.map((c) => `${c.name} (id ${c.id})`).join(", ")}: set ODOO_COMPANY (id or name) to choose`,
  });
  return true;
}

async function probe(odoo: Odoo, checks: ConnectionCheck[], facts: Facts): Promise<void> {
  const version = await odoo.version();
  facts.odoo_version = version.serverVersion;
  checks.push({ name: "odoo version", label: "Odoo version", ...versionSupport(version) });
  facts.api = await odoo.api();
  const uid = await odoo.uid();
  checks.push({ name: "login", label: "Signed in", ok: true, detail: `as user id ${uid}` });
  if (!(await companyCheck(odoo, checks, facts))) {
    facts.odoo_round_trips = odoo.stats().roundTrips;
    return;
  }
  const modules = await odoo.searchRead<{ name: string; state: string }>(
    "ir.module.module",
    [["name", "in", Object.keys(NEEDED_MODULES)]],
    ["name", "state"],
  );
  const installed = new Set(
    modules.filter((module) => module.state === "installed").map((module) => module.name),
  );
  facts.installed_modules = [...installed].sort().join(", ");
  for (const [name, { app, usedBy }] of Object.entries(NEEDED_MODULES)) {
    checks.push({
      name: `module ${name}`,
      label: `${app} app`,
      ok: installed.has(name),
      detail: installed.has(name) ? "installed" : `missing: install ${app} in Odoo (Apps) to use ${usedBy}`,
    });
  }
  checks.push(await expiryCheck(odoo, version.major, uid));
  facts.odoo_round_trips = odoo.stats().roundTrips;
}

/**
 * When the user's API key stops working, as far as Odoo tells: a date, never, or unknown. Unknown is not never: an
 * Odoo that refuses the read (or lists no key) says nothing about the key in use. A key past its date is not the one
 * in use (Odoo just accepted that one). Odoo does not say which of the others it is either: several give the
 * earliest date, or "never, or on ..." when some have none.
 */
async function expiryCheck(odoo: Odoo, major: number, uid: number): Promise<ConnectionCheck> {
  const check = (detail: string): ConnectionCheck => ({
    name: "api key expiry",
    label: "API key expiry",
    ok: true,
    detail,
  });
  if (major < 18) return check("never expires (Odoo 17 API keys do not expire)");
  let keys: { expiration_date: string | false }[];
  try {
    keys = await odoo.searchRead("res.users.apikeys", [["user_id", "=", uid]], ["name", "expiration_date"]);
  } catch {
    keys = [];
  }
  const today = new Date().toISOString().slice(0, 10);
  const dates = keys.map((key) => (key.expiration_date || "").slice(0, 10));
  const live = dates.filter((date) => date === "" || date >= today);
  if (live.length === 0) return check("unknown (this Odoo does not tell)");
  const first = live.filter(Boolean).sort()[0];
  if (first === undefined) return check("never expires");
  return check(
    live.every(Boolean)
      ? `expires on ${first}`
      : `never, or on ${first} (the user has several API keys and Odoo does not say which one this is)`,
  );
}
