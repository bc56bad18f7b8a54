/**
 * `unreconcile_bank_line`: Odoo's own undo, `account.bank.statement.line.action_undo_reconciliation`
 * (odoo-recordings/19/20-reconcile-*): the reconciliations of the line's items are removed and its entry gets back
 * its liquidity and suspense items (new ids); the invoices it paid are open again. Odoo runs it on a line that was
 * not reconciled too (its items are recreated), so this refuses one first (`INVALID_STATUS`).
 *
 * Exactly once: an internal note "Unreconciled by odoo-mcp, approval apr_…" on the line's entry; for the window
 * between the undo and the note, the marker holds the counterpart items the undo removes: all gone and the line
 * back on suspense alone means this approval's undo ran.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { ToolError } from "../errors.js";
import { displayMoney, formatMinor, minorToNumber } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { recordsTaggedWith } from "./approval-tag.js";
import { bankJournals, type StatementLine, statementLines } from "./bank-lines.js";
import { tagQuietly } from "./moves.js";
import { assertBound, type Binding, type WriteOperation } from "./operation.js";
import { type AccountingSession, companyFact, companyRows, getSession, withCompany } from "./session.js";

export interface UnreconcileInput {
  statement_line_id: number;
}

export const unreconcileResult = z.object({
  status: z.literal("unreconciled"),
  statement_line_id: z.number().int(),
  amount: z.number(),
  open: z.number(),
  currency: z.string(),
});
export type UnreconcileOutput = z.infer<typeof unreconcileResult>;

const UNRECONCILED = "Unreconciled";

async function readLine(
  odoo: Odoo,
  id: number,
): Promise<{ session: AccountingSession; line: StatementLine }> {
  const session = await getSession(odoo);
  const lines = await statementLines(odoo, session, [id], await bankJournals(odoo));
  return { session, line: lines.get(id) as StatementLine };
}

function assertReconciled(line: StatementLine): void {
  if (line.counterparts.length === 0)
    throw new ToolError(
      "INVALID_STATUS",
      `Bank line ${line.id} (${line.label || line.moveName}) is not reconciled; there is nothing to undo.`,
    );
}

/** What the person approves: the line's amount and exactly the counterparts it has now (by id and amount). */
function unreconcileBinding(session: AccountingSession, line: StatementLine): Binding {
  const d = session.company.decimals;
  return {
    amount: formatMinor(line.amount, d),
    counterparts: line.counterparts.map((i) => `${i.id}:${formatMinor(i.balance, d)}`).join(","),
  };
}

function output(session: AccountingSession, line: StatementLine): UnreconcileOutput {
  const d = session.company.decimals;
  return {
    status: "unreconciled",
    statement_line_id: line.id,
    amount: minorToNumber(line.amount, d),
    open: minorToNumber(line.open, d),
    currency: session.company.currency,
  };
}

function unreconcileDocument(session: AccountingSession, line: StatementLine): RequestDocument {
  const m = (v: bigint) => displayMoney(v, session.company.decimals, session.company.currency);
  return {
    name: `Undo the reconciliation of bank line ${line.id}, ${m(line.amount)}`,
    effect:
      "Removes the bank line's reconciliation in Odoo (Odoo's own undo): what it paid is open again, and the line " +
      "waits on the suspense account to be matched anew. No money moves.",
    amounts: [{ label: "Bank line", amount: m(line.amount), strong: true }],
    rows: [
      ...companyRows(session),
      {
        label: "Bank line",
        value: `${line.label || "(no label)"}${line.partner ? `, ${line.partner}` : ""}`,
      },
      { label: "Date", value: `${dateText(line.date)} (${line.moveName})` },
      ...line.counterparts.map((i) => ({
        label: "Reconciled with",
        value: `${i.name || "(no label)"}: ${m(i.balance < 0n ? -i.balance : i.balance)}`,
      })),
    ],
  };
}

export const unreconcileBankLineOperation: WriteOperation<UnreconcileInput, UnreconcileOutput> = {
  tool: "unreconcile_bank_line",
  result: unreconcileResult,

  async prepare(odoo, input) {
    const { session, line } = await readLine(odoo, input.statement_line_id);
    assertReconciled(line);
    const document = unreconcileDocument(session, line);
    return {
      document,
      summary: withCompany(session, documentText(document)),
      direction: "none",
      personOnly: true,
      target: document.name,
      amount: formatMinor(line.amount < 0n ? -line.amount : line.amount, session.company.decimals),
      currency: session.company.currency,
      facts: {
        ...companyFact(session),
        statement_line_id: line.id,
        counterparts: line.counterparts.map((i) => i.id),
      },
      binding: unreconcileBinding(session, line),
    };
  },

  async mark(odoo, input) {
    const { line } = await readLine(odoo, input.statement_line_id);
    return { counterparts: line.counterparts.map((i) => i.id).join(",") };
  },

  async findApplied(odoo, input, ref) {
    const { session, line } = await readLine(odoo, input.statement_line_id);
    if ((await recordsTaggedWith(odoo, "account.move", ref.approvalId, UNRECONCILED)).includes(line.moveId))
      return output(session, line);
    const before =
      typeof ref.marker?.counterparts === "string" ? ref.marker.counterparts.split(",").map(Number) : [];
    const gone = before.length > 0 && !line.counterparts.some((i) => before.includes(i.id));
    if (gone && line.counterparts.length === 0 && line.suspense) {
      await tagQuietly(odoo, "account.move", line.moveId, UNRECONCILED, ref.approvalId);
      return output(session, line);
    }
    return null;
  },

  async apply(odoo, input, ref) {
    const { session, line } = await readLine(odoo, input.statement_line_id);
    assertBound(ref.bound, unreconcileBinding(session, line), `bank line ${line.id}`);
    assertReconciled(line);
    await odoo.call({
      model: "account.bank.statement.line",
      method: "action_undo_reconciliation",
      ids: [line.id],
    });
    await tagQuietly(odoo, "account.move", line.moveId, UNRECONCILED, ref.approvalId);
    return output(session, (await readLine(odoo, line.id)).line);
  },

  async dryRun(odoo, prepared, input) {
    const { session, line } = await readLine(odoo, input.statement_line_id);
    return {
      fields: { ...output(session, line), open: minorToNumber(line.amount, session.company.decimals) },
      would: {
        odoo_calls: [
          "account.bank.statement.line action_undo_reconciliation",
          "account.move message_post (note)",
        ],
        ...prepared.facts,
      },
    };
  },
};
