import type { RequestDocument } from "../shared/document.js";
import { t, toolLabel, until, when } from "./text.js";

/**
 * Which of a batch's items are approved: `kept`, the indices of the items checked. With `onToggle` the person
 * checks and unchecks them (the approval window, before deciding); without it they are shown as decided (the
 * history). Absent: the items are listed, and nothing is chosen (the card in the chat, which decides nothing).
 */
export interface ItemChoice {
  kept: ReadonlySet<number>;
  onToggle?: (index: number) => void;
}

/** A batch's items (`document.items`), numbered from 1 as the terminal numbers them, each with its amount and rows. */
function ItemList({
  items,
  choice,
}: {
  items: NonNullable<RequestDocument["items"]>;
  choice: ItemChoice | undefined;
}) {
  return (
    <ol className="items" aria-label="Items">
      {items.map((item, index) => {
        const kept = choice?.kept.has(index);
        const title = t(item.title, 300);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: items have no id; their order is their identity
          <li key={index} className={`item${choice && !kept ? " left-out" : ""}`}>
            <div className="item-head">
              {choice?.onToggle ? (
                <input
                  type="checkbox"
                  aria-label={`Approve item ${index + 1}: ${title}`}
                  checked={kept}
                  onChange={() => choice.onToggle?.(index)}
                />
              ) : (
                choice && <span className="item-mark">{kept ? "approved" : "not approved"}</span>
              )}
              <span className="item-number">{index + 1}.</span>
              <span className="item-title">{title}</span>
              <span className="num nowrap item-amount">{t(item.amount, 60)}</span>
            </div>
            {item.rows.length > 0 && (
              <dl className="facts item-rows">
                {item.rows.map((row, at) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rows of an item may share a label
                  <Row key={at} name={t(row.label, 60)} value={t(row.value, 400)} />
                ))}
              </dl>
            )}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * A request document (src/shared/document.ts) as the window lays it out: what approving it does, its lines (the
 * description wraps in its own column, the numbers never wrap), a batch's items (`choice`: which are approved),
 * its money right-aligned with the currency, then the rest as labelled rows. The name and party are the caller's
 * (a heading of its own). Every value is escaped.
 */
export function DocumentBody({ document, choice }: { document: RequestDocument; choice?: ItemChoice }) {
  const lines = document.lines ?? [];
  const taxed = lines.some((line) => line.taxes);
  return (
    <>
      {lines.length > 0 && (
        <table className="lines">
          <colgroup>
            <col className="col-description" />
            <col />
            <col />
            {taxed && <col />}
            <col />
          </colgroup>
          <thead>
            <tr>
              <th>Description</th>
              <th className="num">Quantity</th>
              <th className="num">Unit price</th>
              {taxed && <th className="num">Taxes</th>}
              <th className="num">Subtotal</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines have no id; their order is their identity
              <tr key={index}>
                <td className="description">{t(line.description, 600)}</td>
                <td className="num nowrap">{t(line.quantity, 30)}</td>
                <td className="num nowrap">{t(line.unit_price, 40)}</td>
                {taxed && <td className="num nowrap">{t(line.taxes ?? "", 40)}</td>}
                <td className="num nowrap">{t(line.subtotal, 40)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {document.items && document.items.length > 0 && <ItemList items={document.items} choice={choice} />}
      {document.amounts.length > 0 && (
        <table className="amounts" aria-label="Amounts">
          <tbody>
            {document.amounts.map((amount) => (
              <tr key={amount.label} className={amount.strong ? "strong" : undefined}>
                <th scope="row">{t(amount.label, 80)}</th>
                <td className="num nowrap">{t(amount.amount, 60)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {document.rows.length > 0 && (
        <dl className="facts">
          {document.rows.map((row) => (
            <Row key={row.label} name={t(row.label, 60)} value={t(row.value, 400)} />
          ))}
        </dl>
      )}
    </>
  );
}

/** The document's heading: its name, what approving it does (a plain sentence), who it is about and its flags. */
export function DocumentHead({ document }: { document: RequestDocument }) {
  return (
    <>
      <h2>{t(document.name, 200)}</h2>
      <p className="effect">{t(document.effect, 400)}</p>
      {document.party && (
        <p className="party">
          <span className="muted">{t(document.party.role, 40)}</span> {t(document.party.name, 160)}
        </p>
      )}
      {(document.flags ?? []).slice(0, 10).map((flag) => (
        <p key={flag} className="party-flag">
          <span className="flag" role="note">
            {t(flag, 400)}
          </span>
        </p>
      ))}
    </>
  );
}

/** The amount that matters most (the total, this payment), for the head of the request. */
export const strongAmount = (document: RequestDocument) =>
  document.amounts.find((amount) => amount.strong)?.amount;

export function Row({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}

/** The head of a request: which tool asked, its name (its document's, else its title), and its amount large. */
export function RequestHead({
  tool,
  document,
  title,
  amount,
}: {
  tool: string;
  document: RequestDocument | undefined;
  title: string;
  amount: string | undefined;
}) {
  return (
    <header className="detail-head">
      <div>
        <span className="tool-badge">{toolLabel(tool)}</span>
        {document ? <DocumentHead document={document} /> : <h2>{t(title, 160)}</h2>}
      </div>
      {amount && (
        <div className="amount-big" data-testid="amount">
          {t(amount, 60)}
        </div>
      )}
    </header>
  );
}

/** The exact arguments, labelled, when there is no document to read (Odoo could not be reached). */
export function ArgumentRows({
  document,
  details,
}: {
  document: RequestDocument | undefined;
  details: readonly { label: string; value: string }[];
}) {
  if (document) return null;
  return details.map((row) => <Row key={row.label} name={t(row.label, 60)} value={t(row.value, 300)} />);
}

/** Who asked and when, when it expires, and its id. */
export function RequestRows({
  request,
}: {
  request: { approval_id: string; created_at: string; expires_at: string; requested_by?: string | undefined };
}) {
  return (
    <>
      <Row
        name="Requested"
        value={`${when(request.created_at)}${request.requested_by ? ` by ${t(request.requested_by, 80)}` : ""}`}
      />
      <Row name="Expires" value={`${when(request.expires_at)} (${until(request.expires_at)})`} />
      <Row name="Request id" value={t(request.approval_id, 40)} />
    </>
  );
}
