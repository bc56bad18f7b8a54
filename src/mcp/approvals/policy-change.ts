import type { AuditChannel, AuditLog } from "../audit/audit-log.js";
import type { Config, LoadConfigOptions, POLICY_VARIABLES } from "../config/config.js";
import type { ApprovalKey } from "./keys.js";
import { describeRule, type PolicyKey } from "./policy.js";
import { readPersonPolicy, writePersonPolicy } from "./policy-file.js";

/**
 * Changing the person's own approval rules, shared by the person's surfaces: `odoo-mcp policy set` at a terminal
 * and the app's settings window. The rules are sealed with the keychain key (policy-file.ts), every change is an
 * audit line, and the environment (the MCP client's configuration) still wins over them.
 */
export type PolicyVariable = (typeof POLICY_VARIABLES)[number];

/** The rules as a person names them (`odoo-mcp policy set RULE VALUE`), the variable each sets, the rule it feeds. */
export const POLICY_RULES = {
  "expense-threshold": { variable: "ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD", key: "expenseThreshold" },
  "auto-daily-count": { variable: "ODOO_MCP_AUTO_APPROVAL_DAILY_COUNT", key: "autoBudget" },
  "auto-daily-total": { variable: "ODOO_MCP_AUTO_APPROVAL_DAILY_TOTAL", key: "autoBudget" },
  elicitation: { variable: "ODOO_MCP_ELICITATION", key: "elicitation" },
  "elicitation-max-amount": { variable: "ODOO_MCP_ELICITATION_MAX_AMOUNT", key: "elicitationMaxAmount" },
  "elicitation-daily-count": { variable: "ODOO_MCP_ELICITATION_DAILY_COUNT", key: "elicitationBudget" },
  "elicitation-daily-total": { variable: "ODOO_MCP_ELICITATION_DAILY_TOTAL", key: "elicitationBudget" },
  "ttl-hours": { variable: "ODOO_MCP_APPROVAL_TTL_HOURS", key: "ttlMs" },
  "wait-ms": { variable: "ODOO_MCP_APPROVAL_WAIT_MS", key: "waitMs" },
  "max-pending": { variable: "ODOO_MCP_MAX_PENDING", key: "maxPendingPerClient" },
  "max-pending-total": { variable: "ODOO_MCP_MAX_PENDING_TOTAL", key: "maxPendingTotal" },
} as const satisfies Record<string, { variable: PolicyVariable; key: PolicyKey }>;
export type PolicyRuleName = keyof typeof POLICY_RULES;

export function isPolicyRule(rule: string): rule is PolicyRuleName {
  return Object.hasOwn(POLICY_RULES, rule);
}

/** Each rule by its person-facing name: its effective value, where it comes from, and what it means. */
export function policyRules(
  config: Pick<Config, "policy" | "policySources">,
): { rule: PolicyRuleName; value: string | number | boolean; source: string; meaning: string }[] {
  const { policy } = config;
  const values: Record<PolicyRuleName, string | number | boolean> = {
    "expense-threshold": policy.expenseThreshold,
    "auto-daily-count": policy.autoBudget.count,
    "auto-daily-total": policy.autoBudget.total,
    elicitation: policy.elicitation,
    "elicitation-max-amount": policy.elicitationMaxAmount,
    "elicitation-daily-count": policy.elicitationBudget.count,
    "elicitation-daily-total": policy.elicitationBudget.total,
    "ttl-hours": policy.ttlMs / 3_600_000,
    "wait-ms": policy.waitMs,
    "max-pending": policy.maxPendingPerClient,
    "max-pending-total": policy.maxPendingTotal,
  };
  return (Object.keys(POLICY_RULES) as PolicyRuleName[]).map((rule) => ({
    rule,
    value: values[rule],
    source: config.policySources[POLICY_RULES[rule].key],
    meaning: describeRule(POLICY_RULES[rule].key, policy),
  }));
}

export interface PolicyChange {
  /** The person's rules after the change (what is sealed). */
  values: Record<string, string>;
  /** The configuration they give (throws the loader's ConfigError when a value is invalid). */
  next: Config;
  /** The rules whose effective value changes (the environment may decide a rule whatever is set here). */
  changed: PolicyKey[];
}

/**
 * What setting (`value`) or unsetting (`null`) a rule would do, from the sealed rules on disk. `load` builds the
 * configuration from the person's rules as the surface loads it (`loadConfig({ ...options, personPolicy })`).
 */
export async function planPolicyChange(options: {
  current: Config;
  key: ApprovalKey;
  rule: PolicyRuleName;
  value: string | null;
  load: (options: LoadConfigOptions) => Config;
}): Promise<PolicyChange> {
  const { current, key, rule, value, load } = options;
  const stored = await readPersonPolicy(current.dataDir, key);
  const values = { ...(stored.state === "valid" ? stored.values : {}) };
  const variable = POLICY_RULES[rule].variable;
  if (value === null) delete values[variable];
  else values[variable] = value;
  const next = load({ personPolicy: values });
  const changed = (Object.keys(next.policy) as PolicyKey[]).filter(
    (k) => JSON.stringify(next.policy[k]) !== JSON.stringify(current.policy[k]),
  );
  return { values, next, changed };
}

/** Writes the change: first the audit line (nothing changes if it cannot be written), then the sealed file. */
export async function commitPolicyChange(options: {
  audit: AuditLog;
  dataDir: string;
  key: ApprovalKey;
  rule: PolicyRuleName;
  value: string | null;
  values: Record<string, string>;
  actor: string;
  channel: AuditChannel;
}): Promise<void> {
  const { audit, dataDir, key, rule, value, values, actor, channel } = options;
  await audit.append({
    event: "policy_changed",
    action: "policy",
    actor: "user",
    target: rule,
    result: "success",
    channel,
    message: value === null ? `${rule} unset` : `${rule} = ${value}`,
  });
  await writePersonPolicy(dataDir, key, values, actor);
}
