// What the lab scripts (lab-reports.mjs, lab-bank-balances.mjs) share: their options (--url, --db, --key-file,
// --allow-sandbox, flags and values of their own) and an Odoo client of the built product (dist/) for the lab's
// admin. The key is read from its file and never printed.
import { readFileSync } from "node:fs";
import os from "node:os";
import { createOdooClient } from "../dist/mcp/odoo/client.js";

/** The command line over `defaults`; `flags` name the options that take no value. */
export function labOptions(defaults = {}, flags = []) {
  const opts = {
    url: "http://127.0.0.1:8069",
    db: "odoo_test",
    keyFile: `${os.homedir()}/odoo-lab/apikey19.txt`,
    ...defaults,
  };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "").replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (name === "allowSandbox" || flags.includes(name)) opts[name] = true;
    else opts[name] = argv[++i];
  }
  return opts;
}

export function labOdoo(opts) {
  return createOdooClient({
    url: opts.url,
    database: opts.db,
    username: "admin",
    secret: readFileSync(opts.keyFile, "utf8").trim(),
    secretKind: "api_key",
    api: "auto",
    timeoutMs: 60_000,
    allowSandbox: opts.allowSandbox === true,
  });
}
