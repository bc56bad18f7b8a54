/**
 * The import's own fingerprint of a statement line, stored in Odoo on the line it creates, so that the same file
 * or the same lines imported again create nothing twice. It hashes the journal, the date, the amount, the label
 * (case and spacing aside), the bank's transaction id when the file has one, and the line's occurrence among the
 * file's identical lines (two coffees of 3.50 on one day are two lines; the same two in the next month's
 * overlapping file are the same two). A person sees it as the entry's reference: "odoo-mcp import 3c1f0a9e...".
 */
import { createHash } from "node:crypto";
import { parseDecimal } from "../../money.js";
import { decimalText, type StatementLine } from "./statement-line.js";

export const FINGERPRINT_PREFIX = "odoo-mcp import ";

const normalLabel = (label: string) => label.normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim();

/** The amount in one spelling (`-42.50` and `-42.5` are one amount). */
const normalAmount = (amount: string) => {
  const value = parseDecimal(amount);
  return value ? decimalText(value) : amount;
};

/** One fingerprint per line, in the lines' order. */
export function fingerprints(journalId: number, lines: readonly StatementLine[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const identity = JSON.stringify([
      journalId,
      line.date,
      normalAmount(line.amount),
      normalLabel(line.label),
      line.reference ?? "",
    ]);
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    const hash = createHash("sha256").update(`${identity}#${occurrence}`).digest("hex");
    return `${FINGERPRINT_PREFIX}${hash.slice(0, 20)}`;
  });
}
