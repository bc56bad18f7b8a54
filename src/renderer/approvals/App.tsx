import { useCallback, useEffect, useMemo, useState } from "react";
import { decidedWords } from "../../shared/channels.js";
import type { AgentStatus, AnswerOf, ApprovalItem } from "../../shared/ipc.js";
import { call, errorText, on } from "../bridge.js";
import { money, TOOL_LABELS, t, toolLabel, until, when } from "../text.js";
import { Detail } from "./Detail.js";

type Notice = { kind: "ok" | "error"; text: string };
type Results = AnswerOf<"approvals.decide">["results"];

const newestFirst = (a: ApprovalItem, b: ApprovalItem) => b.created_at.localeCompare(a.created_at);

function summarize(results: Results, decision: "approved" | "rejected"): Notice {
  const failed = results.filter((r) => !r.ok);
  const done = results.length - failed.length;
  const verb = decision === "approved" ? "approved" : "rejected";
  if (failed.length === 0)
    return { kind: "ok", text: `${done === 1 ? "1 request" : `${done} requests`} ${verb}.` };
  return {
    kind: "error",
    text: `${done} ${verb}; ${failed.length} not: ${failed
      .map(
        (r) =>
          `${t(r.id, 40)} — ${t(r.error?.code ?? r.status ?? "", 40)}: ${t(r.error?.message ?? "", 200)}`,
      )
      .join("; ")}`,
  };
}

export function App() {
  const [tab, setTab] = useState<"pending" | "history">("pending");
  const [pending, setPending] = useState<ApprovalItem[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [status, setStatus] = useState<AgentStatus | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [refresh, setRefresh] = useState(0);

  const load = useCallback(async () => {
    try {
      const { items } = await call("approvals.list", { scope: "pending" });
      const sorted = [...items].sort(newestFirst);
      setPending(sorted);
      setChecked((current) => new Set([...current].filter((id) => sorted.some((i) => i.approval_id === id))));
      setSelectedId((current) =>
        current && sorted.some((i) => i.approval_id === current) ? current : (sorted[0]?.approval_id ?? null),
      );
      setStatus(await call("agent.status", {}));
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setLoaded(true);
    }
  }, []);

  useEffect(() => {
    void load();
    const offChanged = on("approvals.changed", () => {
      void load();
      setRefresh((n) => n + 1);
    });
    const offStatus = on("agent.status", setStatus);
    return () => {
      offChanged();
      offStatus();
    };
  }, [load]);

  const selected = pending.find((item) => item.approval_id === selectedId) ?? null;

  const decide = async (ids: string[], decision: "approved" | "rejected", reason?: string) => {
    setBusy(true);
    setNotice(null);
    try {
      const hashes = ids.map((id) => pending.find((item) => item.approval_id === id)?.args_hash ?? "");
      const { results } = await call("approvals.decide", {
        ids,
        decision,
        ...(reason ? { reason } : {}),
        ...(hashes.every(Boolean) ? { args_hashes: hashes } : {}),
      });
      setNotice(summarize(results, decision));
      setChecked(new Set());
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
      await load();
      setRefresh((n) => n + 1);
    }
  };

  const checkable = pending.filter((item) => item.integrity.length === 0);
  const toggle = (id: string) =>
    setChecked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="window">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <h1>Approvals</h1>
        </div>
        <nav className="tabs" aria-label="View">
          <button
            type="button"
            className={tab === "pending" ? "active" : ""}
            aria-pressed={tab === "pending"}
            onClick={() => setTab("pending")}
          >
            Pending <span className="count">{pending.length}</span>
          </button>
          <button
            type="button"
            className={tab === "history" ? "active" : ""}
            aria-pressed={tab === "history"}
            onClick={() => setTab("history")}
          >
            History
          </button>
        </nav>
        <StatusPill status={status} />
      </header>

      <HistoryBanner status={status} />

      {notice && (
        <div className={`notice notice-${notice.kind}`} role="status">
          {notice.text}
          <button type="button" className="ghost small" onClick={() => setNotice(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}

      {tab === "pending" ? (
        <main className="split">
          <aside className="list" aria-label="Pending requests">
            {checkable.length > 0 && (
              <label className="select-all">
                <input
                  type="checkbox"
                  checked={checked.size > 0 && checked.size === checkable.length}
                  onChange={(event) =>
                    setChecked(
                      event.target.checked ? new Set(checkable.map((i) => i.approval_id)) : new Set(),
                    )
                  }
                />
                Select all
              </label>
            )}
            {loaded && pending.length === 0 && (
              <div className="empty">
                <p className="empty-title">Nothing waits for you</p>
                <p className="muted">
                  When the agent asks to create an invoice, record a payment or file an expense, it appears
                  here.
                </p>
              </div>
            )}
            <ul>
              {pending.map((item) => (
                <li
                  key={item.approval_id}
                  className={`card${item.approval_id === selectedId ? " selected" : ""}${item.integrity.length ? " broken" : ""}`}
                  data-id={item.approval_id}
                >
                  <input
                    type="checkbox"
                    aria-label={`Select ${t(item.title, 80)}`}
                    disabled={item.integrity.length > 0}
                    checked={checked.has(item.approval_id)}
                    onChange={() => toggle(item.approval_id)}
                  />
                  <button type="button" className="card-body" onClick={() => setSelectedId(item.approval_id)}>
                    <span className="card-top">
                      <span className="tool">{toolLabel(item.tool)}</span>
                      <span className="amount">{money(item.amount, item.currency)}</span>
                    </span>
                    <span className="card-title">{t(item.title, 90)}</span>
                    <span className="card-meta">
                      {item.integrity.length > 0 ? (
                        <span className="bad">integrity problem</span>
                      ) : (
                        <>
                          {when(item.created_at)} · expires {until(item.expires_at)}
                        </>
                      )}
                      {item.recipient_differs && <span className="flag small">other recipient</span>}
                      {item.receipt && <span className="chip">receipt</span>}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {checked.size > 0 && (
              <BatchBar count={checked.size} busy={busy} onDecide={(d, r) => decide([...checked], d, r)} />
            )}
          </aside>
          <section className="pane">
            {selected ? (
              <Detail
                key={selected.approval_id}
                item={selected}
                busy={busy}
                onDecide={(d, r) => decide([selected.approval_id], d, r)}
              />
            ) : (
              loaded && <div className="empty center muted">Select a request to see everything about it.</div>
            )}
          </section>
        </main>
      ) : (
        <History refresh={refresh} />
      )}
    </div>
  );
}

function StatusPill({ status }: { status: AgentStatus | null }) {
  if (!status) return <span className="pill" />;
  if (status.paused) return <span className="pill pill-warn">Agent paused</span>;
  const text = {
    connected: "Odoo connected",
    unreachable: "Odoo unreachable",
    not_configured: "Odoo not set up",
  }[status.connection];
  return (
    <span className={`pill ${status.connection === "connected" ? "pill-ok" : "pill-warn"}`}>
      {text}
      {status.queued > 0 ? ` · ${status.queued} queued` : ""}
    </span>
  );
}

/**
 * The audit log or the approval journal vanished (deleted, cut short, started over) while the OS keychain remembers
 * it: said above everything, with what to do. The same check as `odoo-mcp doctor` (src/mcp/history-check.ts).
 */
function HistoryBanner({ status }: { status: AgentStatus | null }) {
  const history = status?.history;
  if (history?.state !== "vanished") return null;
  return (
    <section className="alert alert-danger history-banner" role="alert" aria-label="History vanished">
      <strong>Part of the history has vanished.</strong>
      <ul>
        {history.vanished.map((entry) => (
          <li key={`${entry.log}:${entry.message}`}>{t(entry.message, 400)}</li>
        ))}
      </ul>
      {history.advice && <p>{t(history.advice, 600)}</p>}
    </section>
  );
}

function BatchBar({
  count,
  busy,
  onDecide,
}: {
  count: number;
  busy: boolean;
  onDecide: (decision: "approved" | "rejected", reason?: string) => void;
}) {
  const [reason, setReason] = useState("");
  return (
    <section className="batch" aria-label="Selected requests">
      <strong>{count} selected</strong>
      <input
        type="text"
        name="batch-reason"
        placeholder="Reason (for a rejection)"
        maxLength={500}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      <div className="row">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => onDecide("rejected", reason.trim() || undefined)}
        >
          Reject {count}
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => onDecide("approved")}>
          Approve {count}
        </button>
      </div>
    </section>
  );
}

function outcomeOf(item: ApprovalItem): { kind: "ok" | "bad" | "neutral"; text: string } {
  const outcome = item.outcome as { ok?: boolean; code?: string; message?: string } | undefined;
  if (item.status === "executed") return { kind: "ok", text: "Done in Odoo" };
  if (item.status === "failed")
    return { kind: "bad", text: `Failed — ${t(outcome?.code ?? "", 40)}: ${t(outcome?.message ?? "", 300)}` };
  if (item.status === "rejected")
    return {
      kind: "neutral",
      text: `Rejected${item.decision?.reason ? `: ${t(item.decision.reason, 300)}` : ""}`,
    };
  if (item.status === "expired") return { kind: "neutral", text: "Expired undecided" };
  if (item.status === "approved")
    return {
      kind: "neutral",
      text: item.queued ? "Approved — queued until Odoo answers" : "Approved — running",
    };
  return { kind: "neutral", text: t(item.status, 40) };
}

/** A decided request is shown from its verified arguments (Odoo is not asked again): who or what it was for. */
function historyTitle(item: ApprovalItem): string {
  if (item.derived_from === "odoo") return t(item.title, 120);
  const args = (item.arguments ?? {}) as Record<string, unknown>;
  const brief =
    args.customer_name ??
    args.vendor_name ??
    args.description ??
    (args.invoice_id ? `invoice ${String(args.invoice_id)}` : "");
  return t(brief, 120) || toolLabel(item.tool);
}

/**
 * Where the decision was given, in the words the CLI uses too (src/shared/channels.ts): an approval given in the MCP
 * client's prompt ("approved in the chat") is marked, since the agent may have answered that prompt itself.
 */
function DecidedBy({ item }: { item: ApprovalItem }) {
  const decision = item.decision;
  if (!decision) return <>—</>;
  const words = decidedWords(decision, item.requested_by);
  const person = decision.channel === "cli" || decision.channel === "tray";
  return (
    <span className={`decided decided-${t(decision.channel, 20)}`} data-channel={t(decision.channel, 20)}>
      {decision.channel === "elicitation" ? <span className="flag small">{words}</span> : words}
      {person && <span className="by"> · {t(decision.by, 60)}</span>}
    </span>
  );
}

function History({ refresh }: { refresh: number }) {
  const [tool, setTool] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [items, setItems] = useState<ApprovalItem[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` reloads the list when the store changes
  useEffect(() => {
    let live = true;
    call("approvals.list", {
      scope: "history",
      ...(tool ? { tool } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      limit: 200,
    })
      .then(({ items }) => {
        if (!live) return;
        setItems(
          [...items].sort((a, b) =>
            (b.decision?.at ?? b.created_at).localeCompare(a.decision?.at ?? a.created_at),
          ),
        );
        setProblem(null);
      })
      .catch((error) => live && setProblem(errorText(error)))
      .finally(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [tool, from, to, refresh]);

  const open = async (url: string) => {
    try {
      await call("links.openOdoo", { url });
    } catch (error) {
      setProblem(errorText(error));
    }
  };
  const tools = useMemo(() => Object.entries(TOOL_LABELS), []);

  return (
    <main className="history">
      <form className="filters" aria-label="Filter" onSubmit={(event) => event.preventDefault()}>
        <label>
          Tool
          <select name="tool" value={tool} onChange={(event) => setTool(event.target.value)}>
            <option value="">All tools</option>
            {tools.map(([value, name]) => (
              <option key={value} value={value}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" name="from" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label>
          To
          <input type="date" name="to" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
      </form>
      {problem && <div className="alert alert-danger">{t(problem, 400)}</div>}
      {loaded && items.length === 0 && <div className="empty muted">No decided request matches.</div>}
      {items.length > 0 && (
        <table className="history-table">
          <thead>
            <tr>
              <th>Decided</th>
              <th>Request</th>
              <th className="num">Amount</th>
              <th>Outcome</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const outcome = outcomeOf(item);
              return (
                <tr key={item.approval_id} data-id={item.approval_id}>
                  <td className="nowrap">{when(item.decision?.at ?? item.created_at)}</td>
                  <td>
                    <span className="tool">{toolLabel(item.tool)}</span>
                    <div>{historyTitle(item)}</div>
                  </td>
                  <td className="num nowrap">
                    {item.amount !== undefined
                      ? money(item.amount, item.currency)
                      : t((item.arguments as { amount?: unknown } | null)?.amount ?? "", 30)}
                  </td>
                  <td>
                    <span className={`outcome outcome-${outcome.kind}`}>{outcome.text}</span>
                    {item.odoo_url && (
                      <button type="button" className="link" onClick={() => open(item.odoo_url!)}>
                        Open in Odoo ↗
                      </button>
                    )}
                  </td>
                  <td className="muted">
                    <DecidedBy item={item} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
