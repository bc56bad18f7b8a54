import { useEffect, useState } from "react";
import type { ApprovalItem } from "../../shared/ipc.js";
import { ArgumentRows, DocumentBody, RequestHead, RequestRows, strongAmount } from "../../ui/DocumentView.js";
import { RequestWarnings } from "../../ui/RequestWarnings.js";
import { money, t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";

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

/** `set` with `value` added, or removed when it was there (a checkbox clicked). */
export function toggled<T>(set: ReadonlySet<T>, value: T): Set<T> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

/**
 * Everything a person needs to decide one request without opening Odoo: its document (src/shared/document.ts), or,
 * when Odoo could not be reached, the exact arguments the agent sent. A batch's items each have a checkbox, all
 * checked at first: approving with some unchecked approves the others only (`keep`, their indices).
 */
export function Detail({
  item,
  busy,
  onDecide,
}: {
  item: ApprovalItem;
  busy: boolean;
  onDecide: (decision: "approved" | "rejected", reason?: string, keep?: number[]) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const document = item.document;
  const broken = item.integrity.length > 0;
  const amount = document ? strongAmount(document) : money(item.amount, item.currency);
  const count = document?.items?.length ?? 0;
  // What the person unchecked: every item is checked until then, also one whose document arrives later.
  const [left, setLeft] = useState<ReadonlySet<number>>(() => new Set());
  const kept = new Set(Array.from({ length: count }, (_, i) => i).filter((i) => !left.has(i)));
  const toggle = (index: number) => setLeft((current) => toggled(current, index));
  const partial = count > 0 && kept.size < count;
  const approve = () =>
    onDecide("approved", undefined, partial ? [...kept].sort((a, b) => a - b) : undefined);

  return (
    <article className="detail" aria-label="Request">
      <RequestHead tool={item.tool} document={document} title={item.title} amount={amount} />

      <RequestWarnings
        integrity={item.integrity}
        refused={item.refused}
        fromArguments={item.derived_from === "arguments"}
        recipientDiffers={item.recipient_differs}
        newContact={(item.facts?.recipient as { kind?: unknown } | undefined)?.kind === "new_contact"}
      />

      {document && <DocumentBody document={document} choice={{ kept, onToggle: toggle }} />}

      <dl className="facts">
        <ArgumentRows document={document} details={item.details} />
        <RequestRows request={item} />
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
              disabled={busy || broken || (count > 0 && kept.size === 0)}
              title={
                broken
                  ? "This request failed its integrity checks"
                  : count > 0 && kept.size === 0
                    ? "Check at least one item, or reject the request"
                    : undefined
              }
              onClick={approve}
            >
              {partial ? `Approve ${kept.size} of ${count}` : "Approve"}
            </button>
          </div>
        )}
      </footer>
    </article>
  );
}
