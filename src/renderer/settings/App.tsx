import { useEffect, useState } from "react";
import { multiline } from "../../shared/display.js";
import type { AnswerOf, SettingsView } from "../../shared/ipc.js";
import { call, errorText } from "../bridge.js";
import { t } from "../text.js";

type Report = AnswerOf<"settings.testConnection">;
type Configs = AnswerOf<"clients.configs">;
type Rule = SettingsView["policy"][number];
type Scope = NonNullable<SettingsView["scope"]>;
type Companies = AnswerOf<"settings.companies">;
type Toolset = Scope["saved"]["toolsets"][number];
type Notice = { kind: "ok" | "error"; text: string } | null;

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

export function App() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  useEffect(() => {
    call("settings.get", {})
      .then(setView)
      .catch((error) => setNotice({ kind: "error", text: errorText(error) }));
  }, []);

  return (
    <div className="window settings">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <h1>Settings</h1>
        </div>
      </header>
      {notice && (
        <div className={`notice notice-${notice.kind}`} role="status">
          {t(notice.text, 600)}
        </div>
      )}
      {view && (
        <main className="settings-grid">
          {view.warnings.length > 0 && (
            <div className="alert alert-warning wide">
              {view.warnings.map((warning) => (
                <p key={warning}>{t(warning, 400)}</p>
              ))}
            </div>
          )}
          <Connection view={view} onSaved={setView} />
          <div className="stack">
            <UseWith />
            <General view={view} onSaved={setView} />
          </div>
          {view.scope && <AgentScope view={view} scope={view.scope} onSaved={setView} />}
          <Policy view={view} onSaved={setView} />
        </main>
      )}
    </div>
  );
}

function Connection({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const [url, setUrl] = useState(view.odoo.url);
  const [database, setDatabase] = useState(view.odoo.database);
  const [username, setUsername] = useState(view.odoo.username);
  const [secret, setSecret] = useState("");
  const [kind, setKind] = useState<"api_key" | "password">("api_key");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [report, setReport] = useState<Report | null>(null);

  const save = async () => {
    setBusy(true);
    setNotice(null);
    try {
      const saved = await call("settings.saveConnection", {
        url,
        database,
        username,
        ...(secret ? { secret, secret_kind: kind } : {}),
      });
      setSecret("");
      onSaved(saved);
      setNotice({ kind: "ok", text: "Connection saved." });
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };
  const test = async () => {
    setBusy(true);
    setReport(null);
    try {
      setReport(await call("settings.testConnection", {}));
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card-panel" aria-labelledby="connection-title">
      <h2 id="connection-title">Odoo connection</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label>
          Odoo URL
          <input
            name="url"
            type="url"
            required
            value={url}
            placeholder="https://odoo.example.com"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <div className="two">
          <label>
            Database
            <input name="database" required value={database} onChange={(e) => setDatabase(e.target.value)} />
          </label>
          <label>
            User (login)
            <input name="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
        </div>
        <fieldset className="segmented">
          <legend>Sign in with</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === "api_key"}
              onChange={() => setKind("api_key")}
            />{" "}
            API key
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === "password"}
              onChange={() => setKind("password")}
            />{" "}
            Password
          </label>
        </fieldset>
        <label>
          {kind === "api_key" ? "API key" : "Password"}
          <input
            name="secret"
            type="password"
            autoComplete="off"
            value={secret}
            placeholder={view.odoo.secret_saved ? "•••••••• (saved in the keychain)" : "Paste it here"}
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
        <p className="hint" data-testid="secret-state">
          {view.odoo.secret_saved ? <span className="good">✓ Saved in the keychain</span> : "Not saved yet."}{" "}
          It is kept only in your system's keychain and never shown again; leave the field empty to keep the
          saved one.
        </p>
        <div className="row">
          <button type="button" className="ghost" disabled={busy} onClick={test}>
            Test connection
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
        {notice && <p className={`inline-notice ${notice.kind}`}>{t(notice.text, 400)}</p>}
      </form>
      {report && <ConnectionReport report={report} />}
    </section>
  );
}

function ConnectionReport({ report }: { report: Report }) {
  const shown = ["odoo_version", "api", "installed_modules", "api_key_expiry", "credential_source"];
  return (
    <section className={`report ${report.ok ? "report-ok" : "report-bad"}`} aria-label="Connection report">
      <p className="report-title">{report.ok ? "Everything works." : "Something needs fixing."}</p>
      <ul className="checks">
        {report.checks.map((check) => (
          <li key={check.name} className={check.ok ? "good" : "bad"}>
            <span aria-hidden="true">{check.ok ? "✓" : "✗"}</span> <strong>{t(check.name, 60)}</strong> —{" "}
            {t(check.detail, 300)}
          </li>
        ))}
      </ul>
      <dl className="facts compact">
        {shown
          .filter((key) => report.facts[key] !== undefined)
          .map((key) => (
            <div key={key} className="fact">
              <dt>{key.replace(/_/g, " ")}</dt>
              <dd>{t(report.facts[key] ?? "—", 120)}</dd>
            </div>
          ))}
      </dl>
    </section>
  );
}

function Policy({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
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

/** What each toolset is for, in the window's words; the tools in it come from the tool definitions (scope.toolsets). */
const TOOLSET_TEXT: Record<Toolset, { title: string; explain: string }> = {
  invoicing: {
    title: "Invoicing",
    explain: "Create, post and send invoices, record payments, and look them up.",
  },
  expenses: { title: "Expenses", explain: "File expenses with their receipts, and the expense categories." },
  reports: { title: "Reports", explain: "Profit and loss, balance sheet and the other accounting reports." },
  read: {
    title: "Read",
    explain: "Look up customers, invoices, journals, taxes and approvals; nothing is written.",
  },
};

const SCOPE_SOURCES: Record<Scope["sources"]["company"], string> = {
  environment: "set in the MCP client's configuration — it wins over this window",
  settings: "set by you",
  default: "default",
};

/**
 * The company the agent works in, the toolsets it sees and read-only mode. Saved in the keychain (never in a file
 * the agent could write); a server takes them when it starts.
 */
function AgentScope({
  view,
  scope,
  onSaved,
}: {
  view: SettingsView;
  scope: Scope;
  onSaved: (view: SettingsView) => void;
}) {
  const [company, setCompany] = useState<number | null>(scope.saved.company);
  const [toolsets, setToolsets] = useState<Toolset[]>(scope.saved.toolsets);
  const [readOnly, setReadOnly] = useState(scope.saved.read_only);
  const [companies, setCompanies] = useState<Companies | null>(null);
  const [companiesProblem, setCompaniesProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const { url, database, username, secret_saved } = view.odoo;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the companies are asked again when a secret is saved
  useEffect(() => {
    setCompaniesProblem(null);
    if (!url || !database || !username) return;
    let live = true;
    call("settings.companies", {})
      .then((answer) => live && setCompanies(answer))
      .catch((error) => live && setCompaniesProblem(errorText(error)));
    return () => {
      live = false;
    };
  }, [url, database, username, secret_saved]);

  const changed =
    company !== scope.saved.company ||
    readOnly !== scope.saved.read_only ||
    toolsets.length !== scope.saved.toolsets.length ||
    toolsets.some((set) => !scope.saved.toolsets.includes(set));
  const toggle = (set: Toolset, on: boolean) =>
    setToolsets((now) => (on ? [...now, set] : now.filter((s) => s !== set)));
  const save = async () => {
    setBusy(true);
    setNotice(null);
    try {
      onSaved(await call("settings.setScope", { company, toolsets, read_only: readOnly }));
      setNotice({
        kind: "ok",
        text: "Kept. A server that is already running keeps what it had until it starts again: restart your MCP client (or Quit in the tray for the app's own).",
      });
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };
  const choices = companies?.choices ?? [];
  const savedMissing = company !== null && !choices.some((choice) => choice.id === company);

  return (
    <section className="card-panel wide" aria-labelledby="scope-title">
      <h2 id="scope-title">What the agent sees</h2>
      <p className="muted">
        The company the agent works in and the tools it is offered. Kept in your keychain, where the agent
        cannot change it; a server takes it when it starts (a running one at its next start).
      </p>
      <div className="rule" data-scope="company">
        <div className="rule-text">
          <h3>Company</h3>
          <p className="muted">
            Every call works in this company: invoices, payments, expenses, journals, taxes and reports are
            its own. The user's current company is the one Odoo opens with.
          </p>
          <p className="rule-now">
            Now:{" "}
            {scope.effective.company === null
              ? "the user's current company"
              : t(companyName(scope.effective.company, choices), 120)}
            <span className={`source source-${scope.sources.company}`}>
              {SCOPE_SOURCES[scope.sources.company]}
            </span>
          </p>
          {companiesProblem && <p className="inline-notice error">{t(companiesProblem, 300)}</p>}
        </div>
        <div className="rule-edit">
          <select
            name="company"
            aria-label="Company"
            value={company === null ? "" : String(company)}
            disabled={busy}
            onChange={(event) => setCompany(event.target.value === "" ? null : Number(event.target.value))}
          >
            <option value="">
              The user's current company{companies ? ` (${t(companies.user_current.name, 60)})` : ""}
            </option>
            {choices.map((choice) => (
              <option key={choice.id} value={String(choice.id)}>
                {t(choice.name, 80)} (id {choice.id})
              </option>
            ))}
            {savedMissing && <option value={String(company)}>Company id {company}</option>}
          </select>
        </div>
      </div>
      <div className="rule" data-scope="toolsets">
        <div className="rule-text">
          <h3>Toolsets</h3>
          <p className="muted">
            The agent is offered only the tools of the toolsets ticked here (a tool in several is offered when
            one of them is).
          </p>
          <p className="rule-now">
            Now: {scope.effective.toolsets.join(", ") || "none"}
            <span className={`source source-${scope.sources.toolsets}`}>
              {SCOPE_SOURCES[scope.sources.toolsets]}
            </span>
          </p>
        </div>
        <div className="toolsets">
          {scope.toolsets.map((set) => (
            <label key={set.name} className="toolset" data-toolset={set.name}>
              <input
                type="checkbox"
                name={`toolset-${set.name}`}
                checked={toolsets.includes(set.name)}
                disabled={busy}
                onChange={(event) => toggle(set.name, event.target.checked)}
              />
              <span>
                <strong>{TOOLSET_TEXT[set.name].title}</strong> — {TOOLSET_TEXT[set.name].explain}
                <span className="tool-list">
                  {set.tools.map((tool) => (
                    <code
                      key={tool.name}
                      title={t(tool.title, 120)}
                      className={tool.read_only ? "" : "writes"}
                    >
                      {t(tool.name, 60)}
                    </code>
                  ))}
                </span>
              </span>
            </label>
          ))}
        </div>
      </div>
      <div className="rule" data-scope="read-only">
        <div className="rule-text">
          <h3>Read-only mode</h3>
          <p className="muted">
            Every tool that writes to Odoo (creating, posting or sending invoices, payments, expenses) is
            hidden from the agent: it can only look things up and make reports.
          </p>
          <p className="rule-now">
            Now: {scope.effective.read_only ? "on" : "off"}
            <span className={`source source-${scope.sources.read_only}`}>
              {SCOPE_SOURCES[scope.sources.read_only]}
            </span>
          </p>
        </div>
        <div className="rule-edit">
          <label className="switch">
            <input
              type="checkbox"
              name="read-only"
              checked={readOnly}
              disabled={busy}
              onChange={(event) => setReadOnly(event.target.checked)}
            />
            Read-only
          </label>
        </div>
      </div>
      <p className="hint" data-testid="scope-tools">
        A server started now offers {scope.effective.tools.length} tools:{" "}
        {scope.effective.tools.map((name) => t(name, 60)).join(", ") || "none"}.
      </p>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={busy || !changed || toolsets.length === 0 || !scope.can_save}
          onClick={() => void save()}
        >
          Use these choices
        </button>
        {toolsets.length === 0 && <span className="inline-notice error">Tick at least one toolset.</span>}
        {!scope.can_save && (
          <span className="inline-notice error">
            No OS keychain here: set ODOO_COMPANY, ODOO_MCP_TOOLSETS and ODOO_MCP_READ_ONLY in the MCP
            client's configuration instead.
          </span>
        )}
      </div>
      {notice && <p className={`inline-notice ${notice.kind}`}>{t(notice.text, 400)}</p>}
    </section>
  );
}

function companyName(company: number | string, choices: Companies["choices"]): string {
  const known = choices.find((choice) => choice.id === company || choice.name === company);
  return known
    ? `${known.name} (id ${known.id})`
    : typeof company === "number"
      ? `company id ${company}`
      : company;
}

function UseWith() {
  const [configs, setConfigs] = useState<Configs | null>(null);
  const [tab, setTab] = useState<keyof Configs>("claude_desktop");
  const [notice, setNotice] = useState<Notice>(null);
  useEffect(() => {
    call("clients.configs", {})
      .then(setConfigs)
      .catch((error) => setNotice({ kind: "error", text: errorText(error) }));
  }, []);
  const add = async () => {
    try {
      const answer = await call("clients.addToClaudeDesktop", {});
      setNotice({
        kind: "ok",
        text: answer.added
          ? `Added to ${answer.path}${answer.backup ? ` (the previous file is kept as ${answer.backup})` : ""}. Restart Claude Desktop to use it.`
          : `Claude Desktop already has it (${answer.path}).`,
      });
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    }
  };
  const names: Record<keyof Configs, string> = {
    claude_desktop: "Claude Desktop",
    claude_code: "Claude Code",
    generic: "Other MCP client",
  };
  return (
    <section className="card-panel" aria-labelledby="use-title">
      <h2 id="use-title">Use with…</h2>
      <p className="muted">The app itself is the MCP server: your client starts it in the background.</p>
      <div className="tabs small-tabs">
        {(Object.keys(names) as (keyof Configs)[]).map((key) => (
          <button
            key={key}
            type="button"
            className={tab === key ? "active" : ""}
            aria-pressed={tab === key}
            onClick={() => setTab(key)}
          >
            {names[key]}
          </button>
        ))}
      </div>
      {configs && (
        <pre className="snippet" data-testid="snippet">
          {multiline(configs[tab], 60, 400)}
        </pre>
      )}
      <p className="hint">
        {tab === "claude_desktop" && "Goes into claude_desktop_config.json, or let the app add it:"}
        {tab === "claude_code" && "Run this once in a terminal."}
        {tab === "generic" && "Any client that starts MCP servers over stdio."}
      </p>
      {tab === "claude_desktop" && (
        <button type="button" className="primary" onClick={add}>
          Add to Claude Desktop
        </button>
      )}
      {notice && <p className={`inline-notice ${notice.kind}`}>{t(notice.text, 600)}</p>}
    </section>
  );
}

function General({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section className="card-panel" aria-labelledby="general-title">
      <h2 id="general-title">This computer</h2>
      <dl className="facts">
        <dt>Data folder</dt>
        <dd className="mono" data-testid="data-dir">
          {t(view.data_dir, 400)}
        </dd>
      </dl>
      <p className="hint">Approvals, the audit log and the offline queue live here.</p>
      <label className="switch">
        <input
          type="checkbox"
          name="start-at-login"
          checked={view.start_at_login}
          onChange={async (event) => {
            try {
              onSaved(await call("settings.setStartAtLogin", { enabled: event.target.checked }));
            } catch (error) {
              setProblem(errorText(error));
            }
          }}
        />
        Start at login
      </label>
      {problem && <p className="inline-notice error">{t(problem, 300)}</p>}
    </section>
  );
}
