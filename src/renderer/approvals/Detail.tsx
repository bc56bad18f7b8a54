import { useEffect, useState } from "react";
import type { ApprovalItem } from "../../shared/ipc.js";
import { call, errorText } from "../bridge.js";
import { money, t, toolLabel, until, when } from "../text.js";

type Facts = Record<string, unknown>;
type Line = { description?: unknown; quantity?: unknown; unit_price?: unknown; subtotal?: unknown };

/** Facts laid out by hand below; every other fact is shown as a labelled row. */
const LAID_OUT = new Set([
  "customer",
  "vendor",
  "partner",
  "employee",
  "recipient",
  "lines",
  "subtotal",
  "tax",
  "taxes",
  "total",
  "receipt",
  "odoo_version",
  "odoo_calls",
  "currency",
]);

const LABELS: Record<string, string> = {
  invoice_date: "Invoice date",
  due_date: "Due date",
  payment_date: "Payment date",
  expense_date: "Expense date",
  amount_due: "Amount due",
  remaining_after: "Remaining after",
  payment_method_line: "Payment method",
  sent_to: "Sent to",
  will_post: "Posts the draft first",
  move_type: "Kind",
  record_id: "Odoo record",
  invoice_id: "Invoice",
};

const label = (key: string) =>
  LABELS[key] ?? `${key.charAt(0).toUpperCase()}${key.slice(1).replace(/_/g, " ")}`;

/** A fact as one line of text: a record reads as its name, a list as its items. */
function factText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(factText).join(", ");
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record.name !== undefined) return t(record.name);
    return Object.entries(record)
      .map(([key, v]) => `${label(key)}: ${factText(v)}`)
      .join(", ");
  }
  return t(value);
}

function partyOf(item: ApprovalItem, facts: Facts): { role: string; name: string } | null {
  for (const [key, role] of [
    ["customer", item.tool === "record_payment" ? "Partner" : "Customer"],
    ["vendor", "Vendor"],
    ["partner", "Partner"],
    ["employee", "Employee"],
  ] as const) {
    const value = facts[key];
    if (value !== undefined && value !== null) return { role, name: factText(value) };
  }
  return null;
}

function taxText(facts: Facts): string | null {
  const tax = facts.tax ?? facts.taxes;
  if (tax === undefined) return null;
  if (tax === null) return "No tax";
  if (typeof tax === "object" && !Array.isArray(tax)) {
    const { name, rate } = tax as { name?: unknown; rate?: unknown };
    const named = t(name ?? "");
    return rate === undefined || named.includes(String(rate)) ? named : `${named} (${t(rate)} %)`;
  }
  return factText(tax);
}

export function Receipt({ item }: { item: ApprovalItem }) {
  const [shown, setShown] = useState<{ name: string; mimetype: string; data_url: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const receipt = item.receipt;
  useEffect(() => {
    setShown(null);
    setProblem(null);
    if (!receipt) return;
    let live = true;
    call("approvals.receipt", { id: item.approval_id })
      .then((answer) => live && setShown(answer))
      .catch((error) => live && setProblem(errorText(error)));
    return () => {
      live = false;
    };
  }, [item.approval_id, receipt]);
  if (!receipt) return null;
  const isImage = /^image\/(png|jpeg|gif|webp)$/.test(shown?.mimetype ?? "");
  return (
    <section className="receipt" aria-label="Receipt">
      <h3>Receipt</h3>
      <p className="muted">
        {t(receipt.name, 120)} · {t(receipt.mimetype, 60)} · {Math.max(1, Math.round(receipt.size / 1024))}{" "}
        KiB
      </p>
      {problem && <p className="alert alert-danger">{t(problem, 400)}</p>}
      {shown && isImage && (
        <img className="receipt-image" src={shown.data_url} alt={`Receipt ${t(shown.name, 120)}`} />
      )}
      {shown && !isImage && (
        <a className="button" href={shown.data_url} download={t(shown.name, 120)}>
          Open the PDF receipt
        </a>
      )}
      {!shown && !problem && <p className="muted">Loading the receipt…</p>}
    </section>
  );
}

/** Everything a person needs to decide one request without opening Odoo. */
export function Detail({
  item,
  busy,
  onDecide,
}: {
  item: ApprovalItem;
  busy: boolean;
  onDecide: (decision: "approved" | "rejected", reason?: string) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const facts = (item.facts ?? {}) as Facts;
  const party = partyOf(item, facts);
  const lines = Array.isArray(facts.lines) ? (facts.lines as Line[]) : [];
  const recipient = facts.recipient as { email?: unknown; name?: unknown; kind?: unknown } | undefined;
  const tax = taxText(facts);
  const broken = item.integrity.length > 0;
  const rows = Object.entries(facts).filter(([key]) => !LAID_OUT.has(key));

  return (
    <article className="detail" aria-label="Request">
      <header className="detail-head">
        <div>
          <span className="tool-badge">{toolLabel(item.tool)}</span>
          <h2>{t(item.title, 160)}</h2>
          {party && (
            <p className="party">
              <span className="muted">{party.role}</span> {party.name}
            </p>
          )}
        </div>
        {item.amount !== undefined && (
          <div className="amount-big" data-testid="amount">
            {money(item.amount, item.currency)}
          </div>
        )}
      </header>

      {broken && (
        <div className="alert alert-danger" role="alert">
          <strong>Do not trust this request.</strong> It cannot be approved:
          <ul>
            {item.integrity.map((problem) => (
              <li key={problem}>{t(problem, 400)}</li>
            ))}
          </ul>
        </div>
      )}
      {item.refused && (
        <div className="alert alert-warning" role="alert">
          <strong>Odoo would refuse this now:</strong> {t(item.refused, 400)}
        </div>
      )}
      {item.derived_from === "arguments" && (
        <div className="alert alert-warning">
          Odoo cannot be reached: shown from the exact arguments the agent sent, nothing looked up.
        </div>
      )}

      {recipient?.email !== undefined && (
        <p className={`recipient${item.recipient_differs ? " differs" : ""}`}>
          <span className="muted">Sent to</span> {t(recipient.email, 200)}
          {item.recipient_differs && (
            <span className="flag" role="note">
              not the customer's own address
              {recipient.kind === "new_contact" ? " — a new contact will be created" : ""}
            </span>
          )}
        </p>
      )}

      {lines.length > 0 && (
        <table className="lines">
          <thead>
            <tr>
              <th>Description</th>
              <th className="num">Quantity</th>
              <th className="num">Unit price</th>
              <th className="num">Subtotal</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id; their order is their identity
              <tr key={index}>
                <td>{t(line.description, 300)}</td>
                <td className="num">{t(line.quantity, 30)}</td>
                <td className="num">{t(line.unit_price, 30)}</td>
                <td className="num">{t(line.subtotal, 30)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            {facts.subtotal !== undefined && (
              <tr>
                <td colSpan={3}>Subtotal</td>
                <td className="num">{money(facts.subtotal, item.currency)}</td>
              </tr>
            )}
            {tax !== null && (
              <tr>
                <td colSpan={3}>Taxes</td>
                <td className="num">{tax}</td>
              </tr>
            )}
            {facts.total !== undefined && (
              <tr className="total">
                <td colSpan={3}>Total</td>
                <td className="num">{t(facts.total, 60)}</td>
              </tr>
            )}
          </tfoot>
        </table>
      )}

      <dl className="facts">
        {lines.length === 0 && tax !== null && (
          <>
            <dt>Taxes</dt>
            <dd>{tax}</dd>
          </>
        )}
        {lines.length === 0 && facts.total !== undefined && (
          <>
            <dt>Total</dt>
            <dd>{t(facts.total, 60)}</dd>
          </>
        )}
        {rows.map(([key, value]) => (
          <FactRow key={key} name={label(key)} value={factText(value)} />
        ))}
        {!item.facts &&
          item.details.map((row) => (
            <FactRow key={row.label} name={t(row.label, 60)} value={t(row.value, 300)} />
          ))}
        <FactRow
          name="Requested"
          value={`${when(item.created_at)}${item.requested_by ? ` by ${t(item.requested_by, 80)}` : ""}`}
        />
        <FactRow name="Expires" value={`${when(item.expires_at)} (${until(item.expires_at)})`} />
        <FactRow name="Request id" value={t(item.approval_id, 40)} />
      </dl>

      <Receipt item={item} />

      <footer className="actions">
        {rejecting ? (
          <form
            className="reject-form"
            onSubmit={(event) => {
              event.preventDefault();
              onDecide("rejected", reason.trim() || undefined);
            }}
          >
            <label>
              Why reject it? <span className="muted">(the agent reads this)</span>
              <textarea
                name="reason"
                value={reason}
                maxLength={500}
                onChange={(event) => setReason(event.target.value)}
                placeholder="e.g. wrong customer, the hours are 8 not 10"
              />
            </label>
            <div className="row">
              <button type="button" className="ghost" onClick={() => setRejecting(false)}>
                Cancel
              </button>
              <button type="submit" className="danger" disabled={busy}>
                Reject
              </button>
            </div>
          </form>
        ) : (
          <div className="row">
            <button
              type="button"
              className="ghost danger-text"
              disabled={busy}
              onClick={() => setRejecting(true)}
            >
              Reject…
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy || broken}
              title={broken ? "This request failed its integrity checks" : undefined}
              onClick={() => onDecide("approved")}
            >
              Approve
            </button>
          </div>
        )}
      </footer>
    </article>
  );
}

function FactRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}
