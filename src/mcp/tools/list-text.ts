import type { InvoiceList } from "../accounting/index.js";

/**
 * list_invoices as the model reads it: one line per invoice, the columns named once, instead of compact JSON that
 * names sixteen fields on every row (20 invoices: about 3 KB instead of 9). The structured content keeps every
 * row with its field names. A cell that could be read as two cells or as another line (a `|`, a line break, a
 * control character, spaces at its ends: a partner's name is anyone's text) is written as a JSON string.
 */
export function invoiceListText(list: InvoiceList): string {
  const { invoices, total, offset } = list;
  if (invoices.length === 0) return `No invoices or bills match (total ${total}, offset ${offset}).`;
  const first = invoices[0]!;
  // Every row's link is its record id in the same address: said once, when the first row's address shows that.
  const pattern = first.odoo_url.includes(`id=${first.record_id}&`)
    ? first.odoo_url.replace(`id=${first.record_id}&`, "id={record_id}&")
    : undefined;
  const head =
    `Invoices and bills ${offset + 1}–${offset + invoices.length} of ${total}, newest first. ` +
    `${COLUMNS.join(" | ")}.` +
    (pattern ? ` odoo_url: ${pattern}.` : "") +
    " The structured content has each row with its field names" +
    (pattern ? ", its odoo_url and created_at." : " and created_at.");
  const rows = invoices.map((invoice) =>
    [
      cellOf(invoice.invoice_id),
      cellOf(invoice.record_id),
      cellOf(invoice.move_type),
      cellOf(invoice.state),
      cellOf(invoice.payment_state),
      invoice.partner ? `${cellOf(invoice.partner.name)} (${invoice.partner.id})` : "-",
      cellOf(invoice.invoice_date),
      cellOf(invoice.due_date),
      cellOf(invoice.amount_untaxed),
      cellOf(invoice.amount_tax),
      cellOf(invoice.total_amount),
      cellOf(invoice.amount_residual),
      cellOf(invoice.currency),
      invoice.is_move_sent ? "sent" : "not sent",
    ].join(" | "),
  );
  return [head, ...rows].join("\n");
}

const COLUMNS = [
  "invoice_id",
  "record_id",
  "move_type",
  "state",
  "payment_state",
  "partner (its id)",
  "invoice_date",
  "due_date",
  "amount_untaxed",
  "amount_tax",
  "total_amount",
  "amount_residual",
  "currency",
  "is_move_sent",
];

function cellOf(value: string | number | null): string {
  if (value === null) return "-";
  if (typeof value === "number") return String(value);
  return value === "" || value === "-" || AMBIGUOUS.test(value) ? JSON.stringify(value) : value;
}

/** A separator, a quote, a line break or another control character, or spaces at either end. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const AMBIGUOUS = /[|"\u0000-\u001f\u007f-\u009f\u2028\u2029]|^\s|\s$/;
