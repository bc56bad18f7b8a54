import type { MoneyDirection } from "../accounting/operation.js";
import { addDecimal, compareDecimal } from "../money.js";

/**
 * The approval policy: which request needs a person, how long a request lives, what may be approved without one
 * (expenses below a threshold, within a daily budget) and what the MCP client's own prompt (elicitation) may
 * approve. Pure: `config.ts` builds it from its sources, the approval core applies it.
 *
 * Two channels approve without the person at the terminal or in the app, and each has limits of its own: the
 * policy itself (`auto`: expenses below a threshold) and the MCP client's prompt (`elicitation`), which is only as
 * trustworthy as the client — and the client may be the agent itself (an agent framework that speaks MCP, a hook
 * that answers prompts). So neither ever approves money going out (a vendor bill posted, a bill paid, a refund or
 * credit note: `MoneyDirection` "out", declared by each operation), each has a maximum per request judged with
 * what the same channel already approved for the same partner today and for the same invoice ever (installments),
 * and a daily budget (a count and a total), counted in the approval journal under its lock.
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
  /** At most this many approvals, and this total, given in the MCP client's prompt per day (local day, all clients). */
  elicitationBudget: { count: number; total: string };
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
  elicitationBudget: { count: 5, total: "2000" },
  maxPendingPerClient: 20,
  maxPendingTotal: 50,
};

/** Whether `candidate` is at least as strict as `base` for this rule (what `.env` may set). */
export function isStricter<K extends PolicyKey>(
  key: K,
  candidate: ApprovalPolicy[K],
  base: ApprovalPolicy[K],
): boolean {
  switch (key) {
    case "elicitation":
      return candidate === false || base === true;
    case "autoBudget":
    case "elicitationBudget": {
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

/** The channels that approve without the person at the terminal or in the app. */
export type LimitedChannel = "auto" | "elicitation";

/** What a limited channel judges of a request: as `prepare` found it in Odoo, never as a file says. */
export interface Ask {
  /** Decimal string in `currency`; undefined when not known before it runs. */
  amount: string | undefined;
  currency: string | undefined;
  direction: MoneyDirection;
  /** Decided by a person only (`PreparedWrite.personOnly`): no limited channel approves it. */
  personOnly?: boolean;
  /** The partner (customer, vendor) and the invoice or bill it concerns, by Odoo id, when it has them. */
  partnerId?: number;
  moveId?: number;
}

/** How much of a channel's allowance is used, per budget key (see `budgetKeys`). */
export interface BudgetUse {
  count: number;
  total: string;
}

const CHANNEL_WORDS: Record<LimitedChannel, string> = {
  auto: "automatic approvals",
  elicitation: "approvals in the chat (the MCP client's prompt)",
};
/** "1 earlier automatic approval", "2 earlier approvals in the chat (...)". */
const earlier = (channel: LimitedChannel, count: number) =>
  `${count} earlier ${count === 1 ? CHANNEL_WORDS[channel].replace("approvals", "approval") : CHANNEL_WORDS[channel]}`;
const dayKey = (channel: LimitedChannel, day: string) => `${channel}|day:${day}`;
const partnerKey = (channel: LimitedChannel, day: string, partnerId: number) =>
  `${channel}|day:${day}|partner:${partnerId}`;
const moveKey = (channel: LimitedChannel, moveId: number) => `${channel}|move:${moveId}`;

/**
 * The journal's counters an approval through `channel` on `day` adds to: the day's budget, what the channel
 * approved for the same partner that day, and for the same invoice or bill ever (installments of one payment).
 */
export function budgetKeys(channel: LimitedChannel, day: string, ask: Ask): string[] {
  return [
    dayKey(channel, day),
    ...(ask.partnerId !== undefined ? [partnerKey(channel, day, ask.partnerId)] : []),
    ...(ask.moveId !== undefined ? [moveKey(channel, ask.moveId)] : []),
  ];
}

/** The largest amount one approval through `channel` may have, and whether it must be strictly below it. */
function maximumOf(policy: ApprovalPolicy, channel: LimitedChannel): { limit: string; below: boolean } {
  return channel === "auto"
    ? { limit: policy.expenseThreshold, below: true }
    : { limit: policy.elicitationMaxAmount, below: false };
}
const over = (amount: string, max: { limit: string; below: boolean }) => {
  const c = compareDecimal(amount, max.limit);
  return max.below ? c >= 0 : c > 0;
};

/**
 * Why `channel` may not approve this request on its own terms (pure: before any budget is looked at), or null.
 * Money going out is never a limited channel's to approve, whatever the amount; an amount not known beforehand or
 * in another currency neither (the limits are in the company currency).
 */
export function channelRefusal(
  policy: ApprovalPolicy,
  channel: LimitedChannel,
  ask: Ask,
  companyCurrency: string,
): string | null {
  const who = channel === "auto" ? "the policy" : "the MCP client's prompt";
  if (channel === "elicitation" && !policy.elicitation) return "the MCP client's prompt is turned off";
  if (ask.personOnly)
    return `a bank reconciliation (or its undo) is decided only by a person, at the terminal or in the odoo-mcp app, never by ${who}`;
  if (ask.direction === "out")
    return `money going out (a vendor bill posted, a bill paid, a refund or a credit note) is approved only at the terminal or in the odoo-mcp app, never by ${who}`;
  if (ask.amount === undefined) return `its amount is not known before it runs, so ${who} may not approve it`;
  if (ask.currency !== undefined && ask.currency !== companyCurrency)
    return `it is in ${ask.currency}, not in the company's ${companyCurrency}: ${who} may not approve it`;
  const max = maximumOf(policy, channel);
  if (over(ask.amount, max))
    return channel === "auto"
      ? `it is not below the approval threshold of ${max.limit}`
      : `above ${max.limit}, the MCP client's prompt may not approve it`;
  return null;
}

/**
 * Why `channel`'s allowance does not cover this request, given what it already approved (`used`, per key of
 * `budgetKeys`), or null. Installments are judged together: what the channel approved for the same partner today,
 * or for the same invoice or bill ever, plus this amount, must stay within its maximum per request.
 */
export function budgetRefusal(
  policy: ApprovalPolicy,
  channel: LimitedChannel,
  day: string,
  ask: Ask,
  used: (key: string) => BudgetUse,
): string | null {
  const amount = ask.amount ?? "0";
  const budget = channel === "auto" ? policy.autoBudget : policy.elicitationBudget;
  const words = CHANNEL_WORDS[channel];
  const today = used(dayKey(channel, day));
  if (today.count + 1 > budget.count) return `today's ${budget.count} ${words} are used up`;
  if (compareDecimal(addDecimal(today.total, amount), budget.total) > 0)
    return `it would take today's ${words} past ${budget.total} (${today.total} so far)`;
  const max = maximumOf(policy, channel);
  if (ask.partnerId !== undefined) {
    const partner = used(partnerKey(channel, day, ask.partnerId));
    if (partner.count > 0 && over(addDecimal(partner.total, amount), max))
      return `with the ${earlier(channel, partner.count)} for the same partner today (${partner.total}), it comes to ${addDecimal(partner.total, amount)}, ${max.below ? "not below" : "above"} ${max.limit}`;
  }
  if (ask.moveId !== undefined) {
    const move = used(moveKey(channel, ask.moveId));
    if (move.count > 0 && over(addDecimal(move.total, amount), max))
      return `with the ${earlier(channel, move.count)} on the same invoice or bill (${move.total}), it comes to ${addDecimal(move.total, amount)}, ${max.below ? "not below" : "above"} ${max.limit}`;
  }
  return null;
}

/** The rules no setting changes, in the words `doctor`, `policy show` and the settings window use. */
export const FIXED_RULES: readonly string[] = [
  "money going out (posting a vendor bill, paying a bill, any refund or credit note) is approved only at the terminal or in the odoo-mcp app, whatever the amount: never in the chat, never automatically",
  "a bank reconciliation and its undo are decided only by a person, at the terminal or in the odoo-mcp app: never in the chat, never automatically",
  "installments are judged together: what the chat (or the automatic approvals) approved for the same partner today, or for the same invoice or bill ever, counts with the new amount against its limit",
];

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
    case "elicitationBudget":
      return `at most ${policy.elicitationBudget.count} approvals and ${policy.elicitationBudget.total} in total per day in the MCP client's prompt; past that, the CLI or the app`;
    case "maxPendingPerClient":
      return `at most ${policy.maxPendingPerClient} undecided requests per MCP client`;
    case "maxPendingTotal":
      return `at most ${policy.maxPendingTotal} undecided requests in all`;
  }
}
