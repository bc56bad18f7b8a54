import { toToolError } from "../error-map.js";
import type { CompanyScope, Odoo } from "./types.js";

/**
 * The connection checks `odoo-mcp doctor` and the app's "Test connection" share: the credentials found, Odoo's
 * version, the API used, the login, the company (and the ones the user can choose), the modules the tools need and the API key's expiry. Never a secret.
 */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
export type Facts = Record<string, string | number | boolean | null>;

export const NEEDED_MODULES: Record<string, string> = {
  account: "invoices, bills, payments and reports",
  hr_expense: "create_expense",
  mail: "send_invoice",
};

export function credentialsCheck(source: "keychain" | "env" | null): Check {
  return {
    name: "credentials",
    ok: source !== null,
    detail: source ? `found (${source})` : "none: run `odoo-mcp credentials set` or set ODOO_API_KEY",
  };
}

/** Asks Odoo: version, API, login, modules, key expiry. A failure is one failed `odoo` check, never a throw. */
export async function probeOdoo(odoo: Odoo): Promise<{ checks: Check[]; facts: Facts }> {
  const checks: Check[] = [];
  const facts: Facts = {};
  try {
    await probe(odoo, checks, facts);
  } catch (error) {
    const mapped = toToolError(error);
    checks.push({ name: "odoo", ok: false, detail: `${mapped.code}: ${mapped.message}` });
  }
  return { checks, facts };
}

/**
 * The company every call works in, and the ones the user can choose. A company the user cannot work in
 * (`ODOO_COMPANY` wrong) fails the check; every later call would fail the same way, so the probe stops there.
 */
async function companyCheck(odoo: Odoo, checks: Check[], facts: Facts): Promise<boolean> {
  if (!odoo.company) return true;
  let scope: CompanyScope;
  try {
    scope = await odoo.company();
  } catch (error) {
    const mapped = toToolError(error);
    if (mapped.code !== "PERMISSION_DENIED") throw error;
    checks.push({ name: "company", ok: false, detail: mapped.message.replace(/^Odoo refused access: /, "") });
    return false;
  }
  const { current, choices, source } = scope;
  facts.company = `${current.name} (id ${current.id})`;
  facts.companies = choices.map((c) => `${c.id} ${c.name}`).join(", ");
  const others = choices.filter((c) => c.id !== current.id);
  checks.push({
    name: "company",
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

async function probe(odoo: Odoo, checks: Check[], facts: Facts): Promise<void> {
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
    facts.api_key_expiry = expiries.length > 0 ? (expiries.sort()[0] ?? null) : "never (or not readable)";
  } else {
    facts.api_key_expiry = "Odoo 17 API keys do not expire";
  }
  facts.odoo_round_trips = odoo.stats().roundTrips;
}
