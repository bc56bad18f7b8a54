import { parseArgs } from "node:util";
import { loadKeychainKey } from "../approvals/keys.js";
import { describeRule, FIXED_RULES, type PolicyKey } from "../approvals/policy.js";
import {
  commitPolicyChange,
  isPolicyRule,
  POLICY_RULES,
  type PolicyRuleName,
  planPolicyChange,
} from "../approvals/policy-change.js";
import { ConfigError, loadConfig } from "../config/config.js";
import { openApp, print } from "./context.js";
import { confirm, hasTerminal } from "./terminal.js";

const USAGE = `Usage:
  odoo-mcp policy show [--json]          every approval rule, its value and where it comes from
  odoo-mcp policy set RULE VALUE         set a rule (at a terminal; it may loosen the policy)
  odoo-mcp policy unset RULE             back to the environment's value or the default

Rules: ${Object.keys(POLICY_RULES).join(", ")}
The environment (the MCP client's configuration) still wins over what is set here; .env may only tighten it.
A running server takes a change when it starts again.`;

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
  const usage = (problem: string) => {
    process.stderr.write(`odoo-mcp policy: ${problem}\n\n${USAGE}\n`);
    return 2;
  };
  if (!["show", "set", "unset"].includes(sub)) return usage(`unknown subcommand "${sub}"`);
  if (sub !== "show" && (!rule || !isPolicyRule(rule))) return usage(`name one of the rules`);
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
      if (parsed.values.json)
        print(JSON.stringify({ rules, always: FIXED_RULES, warnings: config.warnings }, null, 2));
      else {
        for (const r of rules) print(`${r.meaning}  [${r.source}]`);
        for (const rule of FIXED_RULES) print(`${rule}  [always]`);
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
    let plan: Awaited<ReturnType<typeof planPolicyChange>>;
    try {
      plan = await planPolicyChange({
        current: config,
        key,
        rule: rule as PolicyRuleName,
        value: sub === "set" ? value! : null,
        load: loadConfig,
      });
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`odoo-mcp policy: ${error.problems.join("; ")}\n`);
        return 2;
      }
      throw error;
    }
    const { changed, next } = plan;
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
    await commitPolicyChange({
      audit: app.audit,
      dataDir: config.dataDir,
      key,
      rule: rule as PolicyRuleName,
      value: sub === "set" ? value! : null,
      values: plan.values,
      actor,
      channel: "cli",
    });
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
