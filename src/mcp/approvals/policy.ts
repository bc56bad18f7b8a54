import { parseDecimal, rescale } from "../money.js";

/**
 * The approval policy: which request needs a person, how long a request lives, what may be approved without one
 * (expenses below a threshold, within a daily budget) and what the MCP client's own prompt (elicitation) may
 * approve. Pure: `config.ts` builds it from its sources, the approval core applies it.
 *
 * Where a rule comes from matters: a file the agent can write (`.env` in the folder the server starts in) may only
 * make a rule stricter; what loosens it comes from the process environment (the MCP client's configuration),
 * which the agent does not write. `doctor` shows every rule with its source.
 */
export interface ApprovalPolicy {
  /** How long an undecided request lives. */
  ttlMs: number;
  /** How long a gated call waits for a decision made elsewhere before answering `pending_approval`. */
  waitMs: number;
  /** Expenses below this amount (company currency, decimal string) are approved without a person... */
  expenseThreshold: string;
  /** ...as long as today's automatic approvals stay within this count and total (local day, all clients). */
  autoBudget: { count: number; total: string };
  /** Whether the MCP client's prompt (elicitation) may be used to ask the person. */
  elicitation: boolean;
  /** The largest amount the MCP client's prompt may approve; above it, the CLI or the app. */
  elicitationMaxAmount: string;
  /** Undecided requests one client may have at once. */
  maxPendingPerClient: number;
  /** Undecided requests in all (a client's name is its own word: the agent can take as many names as it likes). */
  maxPendingTotal: number;
}

export type PolicyKey = keyof ApprovalPolicy;
export type PolicySource = "default" | "environment" | "odoo-mcp policy" | ".env";
export type PolicySources = Record<PolicyKey, PolicySource>;

export const DEFAULT_POLICY: ApprovalPolicy = {
  ttlMs: 72 * 3_600_000,
  waitMs: 0,
  expenseThreshold: "100",
  autoBudget: { count: 10, total: "300" },
  elicitation: true,
  elicitationMaxAmount: "1000",
  maxPendingPerClient: 20,
  maxPendingTotal: 50,
};

/** a < b → negative, equal → 0, a > b → positive, for decimal strings (never floats). */
export function compareDecimal(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export function addDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  const sum = rescale(x, scale) + rescale(y, scale);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/** Whether `candidate` is at least as strict as `base` for this rule (what `.env` may set). */
export function isStricter<K extends PolicyKey>(
  key: K,
  candidate: ApprovalPolicy[K],
  base: ApprovalPolicy[K],
): boolean {
  switch (key) {
    case "elicitation":
      return candidate === false || base === true;
    case "autoBudget": {
      const c = candidate as ApprovalPolicy["autoBudget"];
      const b = base as ApprovalPolicy["autoBudget"];
      return c.count <= b.count && compareDecimal(c.total, b.total) <= 0;
    }
    case "expenseThreshold":
    case "elicitationMaxAmount":
      return compareDecimal(candidate as string, base as string) <= 0;
    case "waitMs":
      return true; // how long a call waits changes nothing about who decides
    default:
      return (candidate as number) <= (base as number);
  }
}

/**
 * Why the client's prompt may not approve a request of `amount` in `currency`, or null when it may. The limit is in
 * the company currency: another currency, or no known amount, is never the prompt's to approve (the person decides
 * in the CLI or the app).
 */
export function elicitationRefusal(
  policy: ApprovalPolicy,
  amount: string | undefined,
  currency: string | undefined,
  companyCurrency: string,
): string | null {
  if (!policy.elicitation) return "the MCP client's prompt is turned off";
  if (amount === undefined)
    return "its amount is not known before it runs, so the MCP client's prompt may not approve it.";
  if (currency !== undefined && currency !== companyCurrency)
    return `it is in ${currency}, not in the company's ${companyCurrency}: the MCP client's prompt may not approve it.`;
  if (compareDecimal(amount, policy.elicitationMaxAmount) > 0)
    return `Above ${policy.elicitationMaxAmount}, the MCP client's prompt may not approve it.`;
  return null;
}

/** Whether an expense of `amount` (in the company currency) is below the threshold. */
export function belowExpenseThreshold(
  policy: ApprovalPolicy,
  amount: string | undefined,
  currency: string | undefined,
  companyCurrency: string,
): boolean {
  if (amount === undefined || (currency !== undefined && currency !== companyCurrency)) return false;
  return compareDecimal(amount, policy.expenseThreshold) < 0;
}

/** Human text of one rule, for `doctor`. */
export function describeRule(key: PolicyKey, policy: ApprovalPolicy): string {
  switch (key) {
    case "ttlMs":
      return `undecided requests expire after ${policy.ttlMs / 3_600_000} h`;
    case "waitMs":
      return `a gated call waits ${policy.waitMs} ms for a decision made elsewhere`;
    case "expenseThreshold":
      return `expenses below ${policy.expenseThreshold} are approved automatically`;
    case "autoBudget":
      return `at most ${policy.autoBudget.count} automatic approvals and ${policy.autoBudget.total} in total per day`;
    case "elicitation":
      return policy.elicitation
        ? "the MCP client's prompt may ask the person"
        : "the MCP client's prompt is not used";
    case "elicitationMaxAmount":
      return `the MCP client's prompt may approve up to ${policy.elicitationMaxAmount}; above, the CLI or the app`;
    case "maxPendingPerClient":
      return `at most ${policy.maxPendingPerClient} undecided requests per MCP client`;
    case "maxPendingTotal":
      return `at most ${policy.maxPendingTotal} undecided requests in all`;
  }
}
