/**
 * `propose_matches` (read-only): the bank journal's unreconciled statement lines against the open invoices and bills
 * and the registered payments Odoo has not matched with the bank yet (odoo-recordings/19/20-reconcile-*: three
 * search_reads). Each line gets at most three proposals, best first, each with its reason: the document's number or
 * reference in the line's label, the same amount, the same partner (or its name in the label); several documents
 * named in one label that the amount covers together are proposed together. A line without any is unmatched.
 * Nothing is written; `reconcile_bank_lines` takes the proposals a person approves.
 */
import { z } from "zod";
import { assertIsoDate } from "../dates.js";
import { ToolError } from "../errors.js";
import { formatMinor, fromOdooAmount, minorToNumber } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import {
  bankJournals,
  findBankJournal,
  OPEN_MOVE_FIELDS,
  PAYMENT_FIELDS,
  STATEMENT_LINE_FIELDS,
} from "./bank-lines.js";
import { INVOICE_MOVE_TYPES } from "./records.js";
import { getSession } from "./session.js";
import { m2oId, m2oName, type OdooRecord, str } from "./values.js";

export interface ProposeInput {
  journal?: string | number;
  limit?: number;
  /** Lines dated on or after it (YYYY-MM-DD): the way to the lines past a page of ones left unmatched. */
  date_from?: string;
}

const pays = z.object({
  kind: z.enum(["invoice", "payment"]),
  id: z.string(),
  record_id: z.number().int(),
  amount_due: z.number(),
});
export const proposalsSchema = z.object({
  currency: z.string(),
  lines: z.array(
    z.object({
      statement_line_id: z.number().int(),
      date: z.string(),
      label: z.string(),
      partner: z.string().nullable(),
      amount: z.number(),
      proposals: z.array(
        z.object({ pays: z.array(pays), confidence: z.enum(["high", "medium"]), reason: z.string() }),
      ),
    }),
  ),
  unmatched: z.array(z.number().int()),
  more: z.boolean(),
});
export type Proposals = z.infer<typeof proposalsSchema>;

/** A document a line may pay, amounts signed like a statement line (money in > 0). */
export interface Candidate {
  kind: "invoice" | "payment";
  recordId: number;
  name: string;
  refs: string[];
  partnerId: number | null;
  partner: string;
  open: bigint;
  date: string;
}

export interface BankLineView {
  id: number;
  date: string;
  label: string;
  partnerId: number | null;
  partner: string | null;
  open: bigint;
}

/** Upper case, every run of other characters one space: "inv/2026/00001" and "INV 2026 00001" compare equal. */
export function normalise(text: string): string {
  return ` ${text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, " ")
    .trim()} `;
}

function inLabel(label: string, ref: string): boolean {
  const wanted = normalise(ref);
  return wanted.trim().length >= 4 && normalise(label).includes(wanted);
}

function nameInLabel(label: string, partner: string): boolean {
  const words = normalise(partner)
    .trim()
    .split(" ")
    .filter((w) => w.length >= 4);
  const text = normalise(label);
  return words.length > 0 && text.includes(` ${words[0]} `);
}

interface Scored {
  candidate: Candidate;
  score: number;
  reasons: string[];
  byRef: boolean;
}

function score(line: BankLineView, c: Candidate, decimals: number, currency: string): Scored | null {
  if (c.open === 0n || c.open > 0n !== line.open > 0n) return null;
  const reasons: string[] = [];
  let points = 0;
  const ref = [c.name, ...c.refs].find((r) => inLabel(line.label, r));
  if (ref) {
    points += 4;
    reasons.push(`${ref} is in the label`);
  }
  const money = (v: bigint) => `${formatMinor(v < 0n ? -v : v, decimals)} ${currency}`;
  if (c.open === line.open) {
    points += 2;
    reasons.push(`same amount, ${money(c.open)}`);
  } else if ((c.open < 0n ? -c.open : c.open) > (line.open < 0n ? -line.open : line.open)) {
    points += 1;
    reasons.push(`pays ${money(line.open)} of ${money(c.open)} due (in part)`);
  } else
    reasons.push(`${money(line.open - c.open)} more than the ${money(c.open)} due would stay on suspense`);
  if (line.partnerId !== null && line.partnerId === c.partnerId) {
    points += 2;
    reasons.push("same partner");
  } else if (nameInLabel(line.label, c.partner)) {
    points += 1;
    reasons.push(`${c.partner}'s name is in the label`);
  }
  if (points < 3) return null;
  return { candidate: c, score: points, reasons, byRef: ref !== undefined };
}

/** The proposals for one line, best first (pure: what `propose_matches` answers for it). */
export function proposeFor(
  line: BankLineView,
  candidates: Candidate[],
  decimals: number,
  currency: string,
): Proposals["lines"][number]["proposals"] {
  const scored = candidates
    .map((c) => score(line, c, decimals, currency))
    .filter((s): s is Scored => s !== null)
    .sort((a, b) => b.score - a.score || a.candidate.date.localeCompare(b.candidate.date));
  const item = (c: Candidate) => ({
    kind: c.kind,
    id: c.name,
    record_id: c.recordId,
    amount_due: minorToNumber(c.open < 0n ? -c.open : c.open, decimals),
  });
  const out: Proposals["lines"][number]["proposals"] = [];
  const named = scored.filter((s) => s.byRef);
  const together = named.reduce((sum, s) => sum + s.candidate.open, 0n);
  if (named.length > 1 && (line.open > 0n ? together <= line.open : together >= line.open)) {
    const rest = line.open - together;
    out.push({
      pays: named.map((s) => item(s.candidate)),
      confidence: "high",
      reason:
        `${named.map((s) => s.candidate.name).join(", ")} are in the label; together ${formatMinor(together < 0n ? -together : together, decimals)} ${currency}` +
        (rest === 0n
          ? ", the same amount"
          : `, ${formatMinor(rest < 0n ? -rest : rest, decimals)} ${currency} would stay on suspense`),
    });
  }
  for (const s of scored) {
    if (out.length >= 3) break;
    out.push({
      pays: [item(s.candidate)],
      confidence: s.byRef && s.candidate.open === line.open ? "high" : "medium",
      reason: s.reasons.join("; "),
    });
  }
  return out;
}

function signedOpen(move: OdooRecord, decimals: number): bigint {
  const residual = fromOdooAmount(move.amount_residual, decimals);
  return move.move_type === "out_invoice" || move.move_type === "in_refund" ? residual : -residual;
}

export async function proposeMatches(odoo: Odoo, input: ProposeInput): Promise<Proposals> {
  const session = await getSession(odoo);
  const decimals = session.company.decimals;
  const currency = session.company.currency;
  const journals = await bankJournals(odoo);
  if (journals.length === 0)
    throw new ToolError(
      "VALIDATION_ERROR",
      "The company has no bank journal in Odoo; import a statement first.",
    );
  const journal = input.journal === undefined ? null : findBankJournal(journals, input.journal);
  const limit = input.limit ?? 20;
  // The lines shown only, in the domain: a line left out (a cash journal's, another currency's) must not take the
  // place of one shown, since the limit counts what Odoo answers and there is no next page.
  const domain: unknown[] = [
    journal
      ? ["journal_id", "=", journal.id]
      : [
          "journal_id",
          "in",
          journals.filter((j) => j.currency === null || j.currency === currency).map((j) => j.id),
        ],
    ["is_reconciled", "=", false],
    ["foreign_currency_id", "=", false],
    ...(input.date_from ? [["date", ">=", assertIsoDate(input.date_from, "date_from")]] : []),
  ];
  const [rows, moves, payments] = await Promise.all([
    odoo.searchRead("account.bank.statement.line", domain as never, STATEMENT_LINE_FIELDS, {
      order: "date, id",
      limit: limit + 1,
    }),
    odoo.searchRead(
      "account.move",
      [
        ["state", "=", "posted"],
        ["move_type", "in", [...INVOICE_MOVE_TYPES]],
        ["payment_state", "in", ["not_paid", "partial"]],
      ],
      OPEN_MOVE_FIELDS,
      { order: "invoice_date_due, id", limit: 1000 },
    ),
    odoo.searchRead(
      "account.payment",
      [
        ["is_matched", "=", false],
        ["state", "in", ["in_process", "paid"]],
        ["outstanding_account_id", "!=", false],
      ],
      PAYMENT_FIELDS,
      { order: "date, id", limit: 1000 },
    ),
  ]);
  const inCompanyCurrency = (row: OdooRecord) => {
    const id = m2oId(row.currency_id);
    return id === null || id === session.company.currencyId;
  };
  const candidates: Candidate[] = [
    ...moves.filter(inCompanyCurrency).map((m) => ({
      kind: "invoice" as const,
      recordId: m.id as number,
      name: str(m.name) ?? String(m.id),
      refs: [str(m.ref), str(m.payment_reference)].filter((r): r is string => r !== null),
      partnerId: m2oId(m.commercial_partner_id) ?? m2oId(m.partner_id),
      partner: m2oName(m.partner_id) ?? "",
      open: signedOpen(m, decimals),
      date: str(m.invoice_date_due) ?? "",
    })),
    ...payments.filter(inCompanyCurrency).map((p) => {
      const amount = fromOdooAmount(p.amount, decimals);
      return {
        kind: "payment" as const,
        recordId: p.id as number,
        name: str(p.name) ?? String(p.id),
        refs: [str(p.memo)].filter((r): r is string => r !== null),
        partnerId: m2oId(p.partner_id),
        partner: m2oName(p.partner_id) ?? "",
        open: p.payment_type === "outbound" ? -amount : amount,
        date: str(p.date) ?? "",
      };
    }),
  ];
  const bankIds = new Set(journals.map((j) => j.id));
  const lines = rows
    .slice(0, limit)
    .filter(
      (row) =>
        bankIds.has(m2oId(row.journal_id) ?? 0) && inCompanyCurrency(row) && !m2oId(row.foreign_currency_id),
    )
    .map((row) => {
      const view: BankLineView = {
        id: row.id as number,
        date: str(row.date) ?? "",
        label: str(row.payment_ref) ?? "",
        partnerId: m2oId(row.partner_id),
        partner: m2oName(row.partner_id),
        open: -fromOdooAmount(row.amount_residual, decimals),
      };
      return {
        statement_line_id: view.id,
        date: view.date,
        label: view.label,
        partner: view.partner,
        amount: minorToNumber(view.open, decimals),
        proposals: proposeFor(view, candidates, decimals, currency),
      };
    });
  return {
    currency,
    lines,
    unmatched: lines.filter((l) => l.proposals.length === 0).map((l) => l.statement_line_id),
    more: rows.length > limit,
  };
}
