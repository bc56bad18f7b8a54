import { useEffect, useState } from "react";
import type { SettingsView } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";

type Rule = SettingsView["policy"][number];

/**
 * What each approval rule really does, in the words the window shows. The rules exist in the approval core; this
 * window only sets them (sealed with the keychain key, as `odoo-mcp policy set` does).
 */
const RULES: Record<
  string,
  { title: string; tools: string; explain: string; kind: "amount" | "count" | "hours" | "ms" | "toggle" }
> = {
  "expense-threshold": {
    title: "File expense: ask above an amount",
    tools: "create_expense",
    explain:
      "Expenses below this amount are approved without asking you, as long as the daily budget below is not used up. Set 0 to always be asked. Invoices, payments, sending and posting always wait for you: no rule approves them on its own.",
    kind: "amount",
  },
  "auto-daily-count": {
    title: "Daily budget: number of automatic approvals",
    tools: "create_expense",
    explain:
      "At most this many expenses a day are approved automatically (all MCP clients together); after that you are asked.",
    kind: "count",
  },
  "auto-daily-total": {
    title: "Daily budget: total of automatic approvals",
    tools: "create_expense",
    explain: "Automatic approvals stop for the day once their total reaches this amount.",
    kind: "amount",
  },
  elicitation: {
    title: "Ask in the chat (the MCP client's prompt)",
    tools: "every gated tool",
    explain:
      "When on, a client that supports it (Claude Code and Cursor do; Claude Desktop does not) shows an Approve/Reject prompt in the chat, up to the amount below. When off, you decide only here or with the odoo-mcp command.",
    kind: "toggle",
  },
  "elicitation-max-amount": {
    title: "Largest amount the chat prompt may approve",
    tools: "every gated tool with an amount",
    explain:
      "Above this amount the chat prompt is not offered: the request waits for you in this window (or the odoo-mcp command).",
    kind: "amount",
  },
  "elicitation-daily-count": {
    title: "Daily budget: approvals in the chat",
    tools: "every gated tool",
    explain:
      "At most this many requests a day may be approved in the chat (all MCP clients together); after that they wait for you here. A chat prompt is only as trustworthy as the client, and the client may be the agent itself.",
    kind: "count",
  },
  "elicitation-daily-total": {
    title: "Daily budget: total approved in the chat",
    tools: "every gated tool with an amount",
    explain:
      "Approvals in the chat stop for the day once their total reaches this amount. Money going out (posting a vendor bill, paying a bill, refunds and credit notes) is never approved in the chat, whatever these rules say.",
    kind: "amount",
  },
  "ttl-hours": {
    title: "Undecided requests expire after",
    tools: "every gated tool",
    explain: "A request nobody decides in this time expires and never runs; the agent has to ask again.",
    kind: "hours",
  },
  "wait-ms": {
    title: "How long the agent's call waits for your decision",
    tools: "every gated tool",
    explain:
      "0: the agent is told at once that the request waits for you, and checks back later. Nothing about who decides changes.",
    kind: "ms",
  },
  "max-pending": {
    title: "Undecided requests per MCP client",
    tools: "every gated tool",
    explain: "A client with this many requests waiting is refused new ones until you decide some.",
    kind: "count",
  },
  "max-pending-total": {
    title: "Undecided requests in all",
    tools: "every gated tool",
    explain:
      "All clients together: a client's name is its own word, so this is the cap an agent cannot get around by changing names.",
    kind: "count",
  },
};

const SOURCES: Record<string, string> = {
  default: "default",
  environment: "set in the MCP client's configuration — it wins over this window",
  "odoo-mcp policy": "set by you",
  ".env": "set by a .env file (it may only make rules stricter)",
};

/** The approval rules, each with where its value comes from, and the rules no setting changes. */
export function Policy({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  return (
    <section className="card-panel wide" aria-labelledby="policy-title">
      <h2 id="policy-title">Approval rules</h2>
      <p className="muted">
        Every action that moves money waits for you, except what these rules allow. Changes are sealed with
        your keychain and written to the audit log; MCP servers already running take them when they restart.
      </p>
      <div className="rules">
        {view.policy.map((rule) => (
          <RuleEditor key={rule.rule} rule={rule} onSaved={onSaved} />
        ))}
      </div>
      <h3>Always, whatever the rules above say</h3>
      <ul className="fixed-rules">
        {view.fixed_rules.map((rule) => (
          <li key={rule}>{t(rule.charAt(0).toUpperCase() + rule.slice(1), 400)}.</li>
        ))}
      </ul>
    </section>
  );
}

function RuleEditor({ rule, onSaved }: { rule: Rule; onSaved: (view: SettingsView) => void }) {
  const about = RULES[rule.rule];
  const current = String(rule.value);
  const [value, setValue] = useState(current);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setValue(String(rule.value)), [rule.value]);
  if (!about) return null;
  const send = async (next: string | null) => {
    setBusy(true);
    setProblem(null);
    try {
      onSaved(await call("settings.setPolicy", { rule: rule.rule, value: next }));
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  };
  const alwaysAsk = rule.rule === "expense-threshold" && current === "0";
  return (
    <div className="rule" data-rule={rule.rule}>
      <div className="rule-text">
        <h3>{about.title}</h3>
        <p className="muted">{about.explain}</p>
        <p className="rule-now">
          Now: {t(rule.meaning, 200)}{" "}
          <span className={`source source-${rule.source.replace(/\W/g, "")}`}>
            {SOURCES[rule.source] ?? t(rule.source, 40)}
          </span>
        </p>
        {problem && <p className="inline-notice error">{t(problem, 300)}</p>}
      </div>
      <form
        className="rule-edit"
        onSubmit={(event) => {
          event.preventDefault();
          void send(value);
        }}
      >
        {about.kind === "toggle" ? (
          <label className="switch">
            <input
              type="checkbox"
              name={rule.rule}
              checked={rule.value === true}
              disabled={busy}
              onChange={(event) => void send(event.target.checked ? "true" : "false")}
            />
            {rule.value === true ? "On" : "Off"}
          </label>
        ) : (
          <>
            {rule.rule === "expense-threshold" && (
              <button
                type="button"
                className={`ghost small${alwaysAsk ? " active" : ""}`}
                disabled={busy}
                onClick={() => void send("0")}
              >
                Always ask
              </button>
            )}
            <input
              name={rule.rule}
              inputMode={about.kind === "amount" ? "decimal" : "numeric"}
              value={value}
              onChange={(event) => setValue(event.target.value)}
              aria-label={about.title}
            />
            <span className="unit">
              {{ amount: "", count: "", hours: "h", ms: "ms", toggle: "" }[about.kind]}
            </span>
            <button type="submit" className="small" disabled={busy || value === current}>
              Set
            </button>
          </>
        )}
        {rule.source === "odoo-mcp policy" && (
          <button type="button" className="ghost small" disabled={busy} onClick={() => void send(null)}>
            Reset
          </button>
        )}
      </form>
    </div>
  );
}
