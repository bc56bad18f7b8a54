import { useEffect, useMemo, useState } from "react";
import { decidedWords } from "../../shared/channels.js";
import type { RequestDocument } from "../../shared/document.js";
import type { ApprovalItem } from "../../shared/ipc.js";
import { DocumentBody, DocumentHead, type ItemChoice, Row } from "../../ui/DocumentView.js";
import { TOOL_LABELS, t, toolLabel, when } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";

/**
 * The decided requests, newest first: each by its name as the person knows it now, its amount with its currency,
 * what became of it with a link to every Odoo record it made or changed, and where it was decided. A row opens the
 * request as it was decided (the document the person read then, checked against the signed decision) with its
 * outcome. Built by the main process (src/mcp/approvals/history.ts) from the stored records: Odoo is not asked again.
 */

const kindOf = (item: ApprovalItem) =>
  item.status === "executed" ? "ok" : item.status === "failed" ? "bad" : "neutral";

/**
 * Where the decision was given, in the words the CLI uses too (src/shared/channels.ts): an approval given in the MCP
 * client's prompt ("approved in the chat") is marked, since the agent may have answered that prompt itself.
 */
function DecidedBy({ item }: { item: ApprovalItem }) {
  const decision = item.decision;
  if (!decision) return <>—</>;
  const words = decidedWords(decision, item.requested_by, item.history?.shown?.document?.items?.length);
  const person = decision.channel === "cli" || decision.channel === "tray";
  return (
    <span className={`decided decided-${t(decision.channel, 20)}`} data-channel={t(decision.channel, 20)}>
      {decision.channel === "elicitation" ? <span className="flag small">{words}</span> : words}
      {person && <span className="by"> · {t(decision.by, 60)}</span>}
    </span>
  );
}

function Links({ item, open }: { item: ApprovalItem; open: (url: string) => void }) {
  return (
    <span className="links">
      {(item.history?.links ?? []).map((link) => (
        <button key={link.url} type="button" className="link" onClick={() => open(link.url)}>
          {t(link.label, 40)} ↗
        </button>
      ))}
    </span>
  );
}

/** A batch as it was decided: the items approved (all of them unless the decision kept some); none when rejected. */
function keptAsDecided(item: ApprovalItem, document: RequestDocument): ItemChoice | undefined {
  const count = document.items?.length ?? 0;
  if (count === 0 || !item.decision) return undefined;
  if (item.decision.decision === "rejected") return { kept: new Set() };
  return { kept: new Set(item.decision.keep ?? Array.from({ length: count }, (_, i) => i)) };
}

/** One decided request opened: the document as the person read it when deciding, then what became of it. */
function Decided({
  item,
  open,
  onClose,
}: {
  item: ApprovalItem;
  open: (url: string) => void;
  onClose: () => void;
}) {
  const shown = item.history?.shown;
  const verb = item.decision?.decision === "rejected" ? "rejected" : "approved";
  return (
    <section className="decided-request detail" role="dialog" aria-label="Request as decided">
      <header className="detail-head">
        <div>
          <span className="tool-badge">{toolLabel(item.tool)}</span>
          <p className="muted">
            As it was {verb}
            {item.decision ? ` ${when(item.decision.at)}` : ""}
          </p>
          {shown?.document ? (
            <DocumentHead document={shown.document} />
          ) : (
            <h2>{t(item.history?.name ?? item.title, 160)}</h2>
          )}
        </div>
        <button type="button" className="ghost small" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      {shown?.problem && (
        <div className="alert alert-danger" role="alert">
          <strong>Do not rely on this copy.</strong> {t(shown.problem, 300)}
        </div>
      )}
      {item.integrity.length > 0 && (
        <div className="alert alert-danger" role="alert">
          {item.integrity.map((problem) => (
            <p key={problem}>{t(problem, 400)}</p>
          ))}
        </div>
      )}
      {shown?.document ? (
        <DocumentBody document={shown.document} choice={keptAsDecided(item, shown.document)} />
      ) : (
        <>
          <p className="muted">
            {shown?.problem
              ? // Kept, then removed or spoilt: the warning above says so; "not kept" would excuse it.
                "These are the exact arguments that were approved."
              : "The document read when deciding was not kept (decided in the chat, automatically, or before documents were kept): these are the exact arguments that were approved."}
          </p>
          <dl className="facts">
            {item.details.map((row) => (
              <Row key={row.label} name={t(row.label, 60)} value={t(row.value, 300)} />
            ))}
          </dl>
        </>
      )}
      <h3>Outcome</h3>
      <p className={`outcome outcome-${kindOf(item)}`}>{t(item.history?.done ?? item.status, 400)}</p>
      <Links item={item} open={open} />
      <dl className="facts">
        <Row name="Decided" value={item.decision ? when(item.decision.at) : "—"} />
        <Row
          name="By"
          value={
            item.decision
              ? `${decidedWords(item.decision, item.requested_by, shown?.document?.items?.length)} · ${t(item.decision.by, 60)}`
              : "—"
          }
        />
        <Row name="Request id" value={t(item.approval_id, 40)} />
      </dl>
    </section>
  );
}

export function History({ refresh }: { refresh: number }) {
  const [tool, setTool] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [items, setItems] = useState<ApprovalItem[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);

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
  const opened = items.find((item) => item.approval_id === openId);

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
      {opened && <Decided item={opened} open={open} onClose={() => setOpenId(null)} />}
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
            {items.map((item) => (
              <tr
                key={item.approval_id}
                data-id={item.approval_id}
                className={item.approval_id === openId ? "selected" : undefined}
              >
                <td className="nowrap">{when(item.decision?.at ?? item.created_at)}</td>
                <td>
                  <span className="tool">{toolLabel(item.tool)}</span>
                  <button
                    type="button"
                    className="link request-name"
                    onClick={() => setOpenId(item.approval_id)}
                    title="Open the request as it was decided"
                  >
                    {t(item.history?.name ?? item.title, 160)}
                  </button>
                </td>
                <td className="num nowrap">{t(item.history?.amount ?? "", 60)}</td>
                <td>
                  <span className={`outcome outcome-${kindOf(item)}`}>
                    {t(item.history?.done ?? "", 400)}
                  </span>
                  <Links item={item} open={open} />
                </td>
                <td className="muted">
                  <DecidedBy item={item} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
