import { parseArgs } from "node:util";
import { loadKeychainKey } from "../approvals/keys.js";
import { describeRule, type PolicyKey } from "../approvals/policy.js";
import { readPersonPolicy, writePersonPolicy } from "../approvals/policy-file.js";
import { ConfigError, loadConfig, type POLICY_VARIABLES } from "../config/config.js";
import { openApp, print } from "./context.js";
import { confirm, hasTerminal } from "./terminal.js";

const USAGE = `Usage:
  odoo-mcp policy show [--json]          every approval rule, its value and where it comes from
  odoo-mcp policy set RULE VALUE         set a rule (at a terminal; it may loosen the policy)
  odoo-mcp policy unset RULE             back to the environment's value or the default

Rules: ${Object.keys(ruleVariables()).join(", ")}
The environment (the MCP client's configuration) still wins over what is set here; .env may only tighten it.
A running server takes a change when it starts again.`;

function ruleVariables(): Record<string, (typeof POLICY_VARIABLES)[number]> {
  return {
    "expense-threshold": "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD",
    "auto-daily-count": "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT",
    "auto-daily-total": "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL",
    elicitation: "ODOO_MCP_ELICITATION",
    "elicitation-max-amount": "ODOO_MCP_ELICITATION_MAX_AMOUNT",
    "ttl-hours": "ODOO_MCP_APPROVAL_TTL_HOURS",
    "wait-ms": "ODOO_MCP_APPROVAL_WAIT_MS",
    "max-pending": "ODOO_MCP_MAX_PENDING",
    "max-pending-total": "ODOO_MCP_MAX_PENDING_TOTAL",
  };
}

/**
 * `odoo-mcp policy`: the person's own approval rules, sealed with the keychain key (so a policy file the agent
 * writes is not honoured), set only at a terminal, each change in the audit log.
 */
export async function policyCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`odoo-mcp policy: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [sub = "show", rule, value, ...extra] = parsed.positionals;
  if (parsed.values.help) {
    print(USAGE);
    return 0;
  }
  const variables = ruleVariables();
  const usage = (problem: string) => {
    process.stderr.write(`odoo-mcp policy: ${problem}\n\n${USAGE}\n`);
    return 2;
  };
  if (!["show", "set", "unset"].includes(sub)) return usage(`unknown subcommand "${sub}"`);
  if (sub !== "show" && (!rule || !variables[rule])) return usage(`name one of the rules`);
  if ((sub === "set" && value === undefined) || extra.length > 0 || (sub === "unset" && value !== undefined))
    return usage(sub === "set" ? "set takes a rule and a value" : "too many arguments");

  const { app, config } = await openApp({ quiet: true });
  try {
    if (sub === "show") {
      const rules = (Object.keys(config.policySources) as PolicyKey[]).map((key) => ({
        rule: key,
        value: config.policy[key],
        source: config.policySources[key],
        meaning: describeRule(key, config.policy),
      }));
      if (parsed.values.json) print(JSON.stringify({ rules, warnings: config.warnings }, null, 2));
      else {
        for (const r of rules) print(`${r.meaning}  [${r.source}]`);
        for (const warning of config.warnings) print(`!! ${warning}`);
      }
      return 0;
    }
    const key = await loadKeychainKey(app.keychain);
    if (!key) {
      process.stderr.write(
        "odoo-mcp policy: this machine has no OS keychain, so a policy set here could not be protected from a file written by the agent; set the rules in the MCP client's configuration (environment variables) instead\n",
      );
      return 1;
    }
    if (!hasTerminal()) {
      process.stderr.write(
        "odoo-mcp policy: changing the approval rules needs a person at a terminal; run it yourself, in a terminal\n",
      );
      return 1;
    }
    const current = await readPersonPolicy(config.dataDir, key);
    const values = { ...(current.state === "valid" ? current.values : {}) };
    const variable = variables[rule!]!;
    if (sub === "set") values[variable] = value!;
    else delete values[variable];
    let next: ReturnType<typeof loadConfig>;
    try {
      next = loadConfig({ personPolicy: values });
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`odoo-mcp policy: ${error.problems.join("; ")}\n`);
        return 2;
      }
      throw error;
    }
    const changed = (Object.keys(next.policy) as PolicyKey[]).filter(
      (k) => JSON.stringify(next.policy[k]) !== JSON.stringify(config.policy[k]),
    );
    for (const k of changed)
      print(`now:   ${describeRule(k, config.policy)}\nafter: ${describeRule(k, next.policy)}`);
    if (changed.length === 0)
      print(
        "This changes nothing in effect (the environment or .env decides this rule); it is recorded anyway.",
      );
    if (!(await confirm("Change the approval policy?"))) {
      print("Nothing was changed.");
      return 1;
    }
    const actor = `${process.env.USER ?? process.env.USERNAME ?? "user"} (command line)`;
    await app.audit.append({
      event: "policy_changed",
      action: "policy",
      actor: "user",
      target: rule!,
      result: "success",
      channel: "cli",
      message: sub === "set" ? `${rule} = ${value}` : `${rule} unset`,
    });
    await writePersonPolicy(config.dataDir, key, values, actor);
    print("The approval policy is changed. A running server takes it when it starts again.");
    return 0;
  } finally {
    await app.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
}
