import { useEffect, useState } from "react";
import type { AnswerOf, SettingsView } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";
import type { Notice } from "./notice.js";

type Scope = NonNullable<SettingsView["scope"]>;
type Companies = AnswerOf<"settings.companies">;
type Toolset = Scope["saved"]["toolsets"][number];

/** What each toolset is for, in the window's words; the tools in it come from the tool definitions (scope.toolsets). */
const TOOLSET_TEXT: Record<Toolset, { title: string; explain: string }> = {
  invoicing: {
    title: "Invoicing",
    explain:
      "Customer invoices and vendor bills: create, post, send, pay, credit; add customers and vendors; look them up.",
  },
  expenses: { title: "Expenses", explain: "File expenses with their receipts, and the expense categories." },
  reports: {
    title: "Reports",
    explain:
      "Profit and loss, balance sheet, aged receivables and payables, tax summary, account ledger and cash flow.",
  },
  read: {
    title: "Read",
    explain: "Look up customers, invoices, journals, taxes and approvals; nothing is written.",
  },
  bank: {
    title: "Bank and collections",
    explain:
      "Bring in bank statements, match and reconcile them with a person's yes, bank balances, overdue customers and their reminders.",
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
export function AgentScope({
  view,
  scope,
  connectionSaves,
  onSaved,
}: {
  view: SettingsView;
  scope: Scope;
  /** Counts the connection's saves: a new key (in place of a wrong one) may read companies the old one could not. */
  connectionSaves: number;
  onSaved: (view: SettingsView) => void;
}) {
  const [company, setCompany] = useState<number | null>(scope.saved.company);
  const [toolsets, setToolsets] = useState<Toolset[]>(scope.saved.toolsets);
  const [readOnly, setReadOnly] = useState(scope.saved.read_only);
  const [companies, setCompanies] = useState<Companies | null>(null);
  const [companiesProblem, setCompaniesProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const { url, database, username } = view.odoo;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the companies are asked again when the connection is saved
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
  }, [url, database, username, connectionSaves]);

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
