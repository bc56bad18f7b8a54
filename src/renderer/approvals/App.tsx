import { useCallback, useEffect, useState } from "react";
import type { AgentStatus, AnswerOf, ApprovalItem } from "../../shared/ipc.js";
import { strongAmount } from "../../ui/DocumentView.js";
import { money, t, toolLabel, until, when } from "../../ui/text.js";
import { call, errorText, on } from "../bridge.js";
import { Detail, toggled } from "./Detail.js";
import { History } from "./History.js";

type Notice = { kind: "ok" | "error"; text: string };
type Results = AnswerOf<"approvals.decide">["results"];

const newestFirst = (a: ApprovalItem, b: ApprovalItem) => b.created_at.localeCompare(a.created_at);

/**
 * What the decision did, said from each request's outcome ("INV/2026/00001 posted and emailed to …", "Rejected:
 * wrong customer"), or what stopped it, naming the request as the list did.
 */
function summarize(results: Results, nameOf: (id: string) => string): Notice {
  const failed = results.filter((r) => !r.ok);
  const done = results.filter((r) => r.ok).map((r) => t(r.done ?? r.status ?? "", 300));
  const failures = failed.map(
    (r) => `${nameOf(r.id)} — ${t(r.error?.code ?? r.status ?? "", 40)}: ${t(r.error?.message ?? "", 200)}`,
  );
  if (failed.length === 0) return { kind: "ok", text: done.join(" · ") };
  return {
    kind: "error",
    text: `${done.length > 0 ? `${done.join(" · ")} · ` : ""}${failed.length} not done: ${failures.join("; ")}`,
  };
}

/** How long a banner saying what was done stays, unless the person moves on first. */
const NOTICE_MS = 8_000;

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

  // A banner says what was just done: it goes once the person moves on (another request, the other tab) or after
  // a few seconds, so that it never stands over a request it is not about.
  useEffect(() => {
    if (notice?.kind !== "ok") return;
    const timer = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  const select = (id: string) => {
    setNotice(null);
    setSelectedId(id);
  };
  const switchTo = (next: "pending" | "history") => {
    if (next !== tab) setNotice(null);
    setTab(next);
  };

  const decide = async (
    ids: string[],
    decision: "approved" | "rejected",
    reason?: string,
    keep?: number[],
  ) => {
    setBusy(true);
    setNotice(null);
    try {
      const hashes = ids.map((id) => pending.find((item) => item.approval_id === id)?.args_hash ?? "");
      const { results } = await call("approvals.decide", {
        ids,
        decision,
        ...(reason ? { reason } : {}),
        ...(hashes.every(Boolean) ? { args_hashes: hashes } : {}),
        ...(keep ? { keep } : {}),
      });
      const named = (id: string) => {
        const item = pending.find((i) => i.approval_id === id);
        return t(item ? (item.document?.name ?? item.title) : id, 120);
      };
      setNotice(summarize(results, named));
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
  const toggle = (id: string) => setChecked((current) => toggled(current, id));

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
            onClick={() => switchTo("pending")}
          >
            Pending <span className="count">{pending.length}</span>
          </button>
          <button
            type="button"
            className={tab === "history" ? "active" : ""}
            aria-pressed={tab === "history"}
            onClick={() => switchTo("history")}
          >
            History
          </button>
        </nav>
        <StatusPill status={status} />
      </header>

      <HistoryBanner status={status} />

      {notice && tab === "pending" && (
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
                    aria-label={`Select ${t(item.document?.name ?? item.title, 80)}`}
                    disabled={item.integrity.length > 0}
                    checked={checked.has(item.approval_id)}
                    onChange={() => toggle(item.approval_id)}
                  />
                  <button type="button" className="card-body" onClick={() => select(item.approval_id)}>
                    <span className="card-top">
                      <span className="tool">{toolLabel(item.tool)}</span>
                      <span className="amount">
                        {item.document
                          ? t(strongAmount(item.document) ?? "", 60)
                          : money(item.amount, item.currency)}
                      </span>
                    </span>
                    <span className="card-title">{t(item.document?.name ?? item.title, 160)}</span>
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
                onDecide={(d, r, keep) => decide([selected.approval_id], d, r, keep)}
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
