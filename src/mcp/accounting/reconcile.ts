/**
 * `reconcile_bank_lines`: a batch of matches, each a bank statement line and what it pays, reconciled the way
 * Odoo's own reconciliation does it on Community (OCA account_reconcile_oca, "edit" mode,
 * `_reconcile_bank_line_edit`; odoo-recordings/19/20-reconcile-*):
 *
 * 1. `account.move` `write` on the line's posted entry, context `skip_readonly_check` (refused without it): the
 *    suspense item becomes the first counterpart (`(1, id, {account_id, partner_id, name, credit|debit})`), the
 *    others are created (`(0, 0, …)`), and what the documents do not take stays on the suspense account;
 * 2. `account.move.line` `reconcile` of each counterpart with the open items of its invoice, bill or payment;
 * 3. an internal note "Reconciled by odoo-mcp, approval apr_…" on the line's entry (approval-tag.ts).
 *
 * Exactly once per line: a line whose entry carries this approval's note is done; a line whose suspense item
 * (its id in the attempt's marker) left the suspense account to become the counterpart of this match's first
 * document was written by this approval and is finished (reconciled, noted), never written again. Everything else
 * is checked against what the person approved (the line's amount and state, each document's amount due, partner,
 * currency) right before its write: a line that changed fails alone (`APPROVAL_INVALID`, nothing written for it)
 * and the others proceed, since each line is reconciled on its own in Odoo; when every approved line changed, the
 * request fails. Lines the person did not approve (`keep`) are left alone.
 */
import { z } from "zod";
import type { RequestDocument } from "../../shared/document.js";
import { dateText, documentText } from "../../shared/document-text.js";
import { toToolError } from "../error-map.js";
import { ToolError } from "../errors.js";
import { displayMoney, formatMinor, minorToNumber } from "../money.js";
import type { Odoo } from "../odoo/types.js";
import { approvalNotes } from "./approval-tag.js";
import {
  type BankJournal,
  bankJournals,
  type Item,
  type StatementLine,
  statementLines,
} from "./bank-lines.js";
import { type Allocation, allocate, readTargets, type Target, targetBinding } from "./bank-targets.js";
import { tagQuietly } from "./moves.js";
import { type AttemptMarker, type Binding, bindingChanges, type WriteOperation } from "./operation.js";
import { type AccountingSession, companyFact, companyRows, getSession, withCompany } from "./session.js";

export interface BankMatch {
  statement_line_id: number;
  invoice_ids?: string[];
  payment_ids?: number[];
}
export interface ReconcileInput {
  matches: BankMatch[];
}

const paidItem = z.object({
  kind: z.enum(["invoice", "payment"]),
  id: z.string(),
  record_id: z.number().int(),
  amount: z.number(),
  amount_due: z.number(),
  payment_state: z.string().optional(),
});
export const reconcileResult = z.object({
  status: z.literal("reconciled"),
  currency: z.string(),
  lines: z.array(
    z.object({
      statement_line_id: z.number().int(),
      status: z.enum(["reconciled", "failed", "not_approved"]),
      paid: z.array(paidItem),
      left_on_suspense: z.number(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});
export type ReconcileOutput = z.infer<typeof reconcileResult>;
type LineResult = ReconcileOutput["lines"][number];

const RECONCILED = "Reconciled";

interface LinePlan {
  index: number;
  line: StatementLine;
  targets: Target[];
  allocations: Allocation[];
  rest: bigint;
}

function lineState(line: StatementLine): string {
  if (!line.suspense) return "reconciled";
  return line.counterparts.length > 0 ? "partly reconciled" : "unreconciled";
}

/** What a person approves about one match: the line (amount, what is open, its state) and each document. */
function lineBinding(plan: Pick<LinePlan, "index" | "line" | "targets">, decimals: number): Binding {
  const out: Binding = {
    [`${plan.index}.line.amount`]: formatMinor(plan.line.amount, decimals),
    [`${plan.index}.line.open`]: formatMinor(plan.line.open, decimals),
    [`${plan.index}.line.state`]: lineState(plan.line),
  };
  for (const target of plan.targets)
    for (const [key, value] of Object.entries(targetBinding(target, decimals)))
      out[`${plan.index}.${target.kind}${target.recordId}.${key}`] = value;
  return out;
}

/** The part of a batch's binding about match `index`, per record (`line`, `invoice12`), keys as approved. */
function bindingOf(binding: Binding, index: number): Map<string, Binding> {
  const out = new Map<string, Binding>();
  for (const [key, value] of Object.entries(binding)) {
    const [at, record, field] = key.split(".");
    if (at !== String(index) || !record || !field) continue;
    const group = out.get(record) ?? {};
    group[field] = value;
    out.set(record, group);
  }
  return out;
}

function money(session: AccountingSession, minor: bigint): string {
  return displayMoney(minor, session.company.decimals, session.company.currency);
}

const abs = (v: bigint) => (v < 0n ? -v : v);

function matchTargets(match: BankMatch): { invoices: string[]; payments: number[] } {
  return { invoices: match.invoice_ids ?? [], payments: match.payment_ids ?? [] };
}

/** Every check of a batch, read-only: the lines, what they pay, how each line's amount is spread. */
async function planBatch(odoo: Odoo, input: ReconcileInput) {
  const session = await getSession(odoo);
  const journals = await bankJournals(odoo);
  const ids = input.matches.map((m) => m.statement_line_id);
  const twice = ids.filter((id, k) => ids.indexOf(id) !== k);
  if (twice.length)
    throw new ToolError(
      "VALIDATION_ERROR",
      `Bank line ${twice[0]} is in the batch twice; give it once with everything it pays.`,
    );
  const lines = await statementLines(odoo, session, ids, journals);
  const seen = new Set<string>();
  const plans: LinePlan[] = [];
  for (const [index, match] of input.matches.entries()) {
    const line = lines.get(match.statement_line_id) as StatementLine;
    const { invoices, payments } = matchTargets(match);
    if (!line.suspense)
      throw new ToolError(
        "INVALID_STATUS",
        `Bank line ${line.id} (${line.label}) is reconciled already; unreconcile_bank_line undoes it first.`,
      );
    const targets = await readTargets(odoo, session, invoices, payments);
    for (const target of targets) {
      const key = `${target.kind}${target.recordId}`;
      if (seen.has(key))
        throw new ToolError(
          "VALIDATION_ERROR",
          `The ${target.label} is paid by two lines of the batch; reconcile the second in another batch.`,
        );
      seen.add(key);
    }
    const { allocations, rest } = allocate(line.open, targets);
    plans.push({ index, line, targets, allocations, rest });
  }
  return { session, journals, plans };
}

function itemDocument(
  session: AccountingSession,
  plan: LinePlan,
): NonNullable<RequestDocument["items"]>[number] {
  const m = (v: bigint) => money(session, v);
  const rows = [
    {
      label: "Bank line",
      value: `${plan.line.label || "(no label)"}${plan.line.partner ? `, ${plan.line.partner}` : ""}`,
    },
    { label: "Date", value: `${dateText(plan.line.date)} (${plan.line.moveName})` },
    ...plan.allocations.map(({ target, amount }) => {
      const left = abs(target.open) - amount;
      return {
        label: `Pays ${target.label}`,
        value: `${m(amount)} of ${m(abs(target.open))} due, ${target.partner}: ${left === 0n ? "paid in full" : `${m(left)} left to pay`}`,
      };
    }),
    ...(plan.rest !== 0n ? [{ label: "Stays on suspense", value: m(plan.rest) }] : []),
  ];
  return {
    title: `Bank line ${plan.line.id}: ${m(plan.line.open)}, ${plan.line.label || plan.line.moveName}`,
    rows,
    amount: m(plan.line.open),
  };
}

function batchDocument(session: AccountingSession, plans: LinePlan[]): RequestDocument {
  const m = (v: bigint) => money(session, v);
  const incoming = plans.filter((p) => p.line.open > 0n).reduce((s, p) => s + p.line.open, 0n);
  const outgoing = plans.filter((p) => p.line.open < 0n).reduce((s, p) => s - p.line.open, 0n);
  const count = plans.reduce((s, p) => s + p.allocations.length, 0);
  const n = plans.length;
  return {
    name: `Reconcile ${n} bank line${n === 1 ? "" : "s"} with ${count} document${count === 1 ? "" : "s"}`,
    effect:
      `Matches each bank line with what it pays, in Odoo: the line's suspense item becomes a counterpart reconciled ` +
      `with the invoice, bill or payment, which is then paid (or paid in part). No money moves. ` +
      `unreconcile_bank_line undoes a line.`,
    amounts: [
      ...(incoming ? [{ label: "Money in", amount: m(incoming), strong: true }] : []),
      ...(outgoing ? [{ label: "Money out", amount: m(outgoing), strong: true }] : []),
    ],
    rows: [...companyRows(session)],
    items: plans.map((plan) => itemDocument(session, plan)),
  };
}

function batchBinding(session: AccountingSession, plans: LinePlan[]): Binding {
  return Object.assign({}, ...plans.map((plan) => lineBinding(plan, session.company.decimals)));
}

/** The suspense item of each line before this attempt: the marker that recognises this approval's own write. */
async function markLines(odoo: Odoo, input: ReconcileInput): Promise<AttemptMarker> {
  const session = await getSession(odoo);
  const lines = await statementLines(
    odoo,
    session,
    input.matches.map((m) => m.statement_line_id),
    await bankJournals(odoo),
  );
  const marker: AttemptMarker = {};
  for (const line of lines.values()) marker[`suspense_${line.id}`] = line.suspense?.id ?? null;
  return marker;
}

/** Counterparts of this approval's plan still to reconcile (named after their document, on its account). */
function unreconciledCounterparts(line: StatementLine, target: Target): Item[] {
  return line.counterparts.filter(
    (i) => !i.reconciled && i.account === target.account && i.name === target.name,
  );
}

/** What a line paid, read back from its counterparts (named after the documents) and the documents now. */
async function lineResult(
  odoo: Odoo,
  session: AccountingSession,
  line: StatementLine,
  match: BankMatch,
): Promise<LineResult> {
  const d = session.company.decimals;
  const { invoices, payments } = matchTargets(match);
  const targets = await readTargets(odoo, session, invoices, payments);
  const paid = targets.map((target) => {
    const amount = line.counterparts
      .filter((i) => i.account === target.account && i.name === target.name)
      .reduce((s, i) => s + abs(i.balance), 0n);
    return {
      kind: target.kind,
      id: target.name,
      record_id: target.recordId,
      amount: minorToNumber(amount, d),
      amount_due: minorToNumber(abs(target.open), d),
      ...(target.kind === "invoice" ? { payment_state: String(target.row.payment_state) } : {}),
    };
  });
  return {
    statement_line_id: line.id,
    status: "reconciled",
    paid,
    left_on_suspense: minorToNumber(line.open, d),
  };
}

async function reconcileCounterparts(odoo: Odoo, line: StatementLine, targets: Target[]): Promise<void> {
  for (const target of targets)
    for (const counterpart of unreconciledCounterparts(line, target))
      await odoo.call({
        model: "account.move.line",
        method: "reconcile",
        ids: [counterpart.id, ...target.items.map((i) => i.id)],
      });
}

/** Re-reads one line (its items) after a write. */
async function reread(odoo: Odoo, session: AccountingSession, journals: BankJournal[], id: number) {
  const lines = await statementLines(odoo, session, [id], journals);
  return lines.get(id) as StatementLine;
}

function writeCommands(plan: LinePlan, session: AccountingSession) {
  const suspense = plan.line.suspense as Item;
  const side = suspense.balance < 0n ? "credit" : "debit";
  const d = session.company.decimals;
  const commands: unknown[] = plan.allocations.map(({ target, amount }, k) => {
    const vals = {
      account_id: target.account,
      partner_id: target.partnerId ?? false,
      name: target.name,
      [side]: minorToNumber(amount, d),
    };
    return k === 0 ? [1, suspense.id, vals] : [0, 0, vals];
  });
  if (plan.rest !== 0n)
    commands.push([
      0,
      0,
      {
        account_id: suspense.account,
        partner_id: suspense.partnerId ?? false,
        name: suspense.name,
        [side]: minorToNumber(abs(plan.rest), d),
      },
    ]);
  return commands;
}

interface RunRef {
  approvalId: string;
  marker?: AttemptMarker;
  bound?: Binding;
  keep?: readonly number[];
}

/**
 * The batch as Odoo holds it for this approval: each approved line done (noted), finished (this approval's write
 * found by the marker: reconciled and noted now), or still to do. `write`: also do those (apply); without it,
 * only look (findApplied).
 */
async function runBatch(
  odoo: Odoo,
  input: ReconcileInput,
  ref: RunRef,
  write: boolean,
): Promise<ReconcileOutput | null> {
  const session = await getSession(odoo);
  const journals = await bankJournals(odoo);
  const ids = input.matches.map((m) => m.statement_line_id);
  const lines = await statementLines(odoo, session, ids, journals);
  const noted = new Set(
    (await approvalNotes(odoo, "account.move", ref.approvalId, RECONCILED)).map((n) => n.resId),
  );
  const results: LineResult[] = [];
  let pending = false;
  let failed = 0;
  for (const [index, match] of input.matches.entries()) {
    let line = lines.get(match.statement_line_id) as StatementLine;
    const notApproved = {
      statement_line_id: line.id,
      status: "not_approved" as const,
      paid: [],
      left_on_suspense: minorToNumber(line.open, session.company.decimals),
    };
    if (ref.keep && !ref.keep.includes(index)) {
      results.push(notApproved);
      continue;
    }
    if (noted.has(line.moveId)) {
      results.push(await lineResult(odoo, session, line, match));
      continue;
    }
    const { invoices, payments } = matchTargets(match);
    const suspenseBefore = ref.marker?.[`suspense_${line.id}`];
    const was = line.counterparts.find((i) => i.id === suspenseBefore);
    // This approval's write makes the suspense item the counterpart of its first document (writeCommands); a
    // reconciliation made otherwise meanwhile (by hand in Odoo, which reuses the suspense item too) is not ours.
    const before =
      was && line.suspense?.id !== suspenseBefore ? await readTargets(odoo, session, invoices, payments) : [];
    const ours = was !== undefined && was.account === before[0]?.account && was.name === before[0]?.name;
    if (ours) {
      // This approval's write went through before Odoo stopped: finish it, never write it again.
      await reconcileCounterparts(odoo, line, before);
      await tagQuietly(odoo, "account.move", line.moveId, RECONCILED, ref.approvalId);
      line = await reread(odoo, session, journals, line.id);
      results.push(await lineResult(odoo, session, line, match));
      continue;
    }
    if (!write) {
      pending = true;
      continue;
    }
    const refusal = await lineRefusal(odoo, session, line, match, index, ref.bound);
    if (refusal) {
      failed++;
      results.push({
        ...notApproved,
        status: "failed",
        error: { code: refusal.code, message: refusal.message },
      });
      continue;
    }
    const targets = await readTargets(odoo, session, invoices, payments);
    const { allocations, rest } = allocate(line.open, targets);
    const plan: LinePlan = { index, line, targets, allocations, rest };
    await odoo.write(
      "account.move",
      [line.moveId],
      { line_ids: writeCommands(plan, session) },
      { skip_readonly_check: true },
    );
    line = await reread(odoo, session, journals, line.id);
    await reconcileCounterparts(odoo, line, targets);
    await tagQuietly(odoo, "account.move", line.moveId, RECONCILED, ref.approvalId);
    line = await reread(odoo, session, journals, line.id);
    results.push(await lineResult(odoo, session, line, match));
  }
  if (pending) return null;
  const approved = results.filter((r) => r.status !== "not_approved").length;
  if (write && approved > 0 && failed === approved)
    throw new ToolError(
      "APPROVAL_INVALID",
      `Every approved bank line changed since it was approved; nothing was written. ${results
        .map((r) => r.error?.message)
        .filter(Boolean)
        .join(" ")}`,
    );
  return { status: "reconciled", currency: session.company.currency, lines: results };
}

/**
 * Why line `index` may not run as approved, or null: its binding now (line and documents, read again) against the
 * approved one. A document that cannot be paid any more (paid meanwhile, cancelled) is a change too.
 */
async function lineRefusal(
  odoo: Odoo,
  session: AccountingSession,
  line: StatementLine,
  match: BankMatch,
  index: number,
  bound: Binding | undefined,
): Promise<ToolError | null> {
  const what = `bank line ${line.id} (${line.label || line.moveName})`;
  let targets: Target[];
  try {
    const { invoices, payments } = matchTargets(match);
    targets = await readTargets(odoo, session, invoices, payments);
    if (line.suspense) allocate(line.open, targets);
  } catch (error) {
    const mapped = toToolError(error);
    if (mapped.code === "ODOO_CONNECTION_ERROR") throw error;
    return new ToolError(
      "APPROVAL_INVALID",
      `The ${what} cannot run as approved: ${mapped.message} Nothing was written for it.`,
    );
  }
  if (!line.suspense)
    return new ToolError(
      "APPROVAL_INVALID",
      `The ${what} was reconciled meanwhile, outside this approval. Nothing was written for it.`,
    );
  if (!bound) return null;
  const approved = bindingOf(bound, index);
  const now = bindingOf(lineBinding({ index, line, targets }, session.company.decimals), index);
  const changes: string[] = [];
  for (const [record, values] of approved) {
    const name =
      record === "line"
        ? "bank line"
        : (targets.find((t) => `${t.kind}${t.recordId}` === record)?.label ?? record);
    for (const c of bindingChanges(values, now.get(record) ?? {}))
      changes.push(`${name}: its ${c.label} was ${c.approved} when approved, ${c.now} now`);
  }
  if (changes.length === 0) return null;
  return new ToolError(
    "APPROVAL_INVALID",
    `The ${what} changed since it was approved (${changes.join("; ")}). Nothing was written for it.`,
  );
}

export const reconcileBankLinesOperation: WriteOperation<ReconcileInput, ReconcileOutput> = {
  tool: "reconcile_bank_lines",
  result: reconcileResult,

  async prepare(odoo, input) {
    const { session, plans } = await planBatch(odoo, input);
    const document = batchDocument(session, plans);
    const total = plans.reduce((s, p) => s + abs(p.line.open), 0n);
    const d = session.company.decimals;
    return {
      document,
      summary: withCompany(session, documentText(document)),
      direction: "none",
      personOnly: true,
      target: document.name,
      amount: formatMinor(total, d),
      currency: session.company.currency,
      facts: {
        ...companyFact(session),
        lines: plans.map((p) => ({
          statement_line_id: p.line.id,
          open: formatMinor(p.line.open, d),
          pays: p.allocations.map((a) => ({
            kind: a.target.kind,
            id: a.target.name,
            amount: formatMinor(a.amount, d),
          })),
          left_on_suspense: formatMinor(p.rest, d),
        })),
      },
      binding: batchBinding(session, plans),
    };
  },

  mark: markLines,

  async findApplied(odoo, input, ref) {
    return runBatch(odoo, input, ref, false);
  },

  async apply(odoo, input, ref) {
    const done = await runBatch(odoo, input, ref, true);
    if (!done) throw new ToolError("INTERNAL_ERROR", "The reconciliation left a bank line undone.");
    return done;
  },

  async dryRun(odoo, prepared, input) {
    const { session, plans } = await planBatch(odoo, input);
    const d = session.company.decimals;
    return {
      fields: {
        currency: session.company.currency,
        lines: plans.map((p) => ({
          statement_line_id: p.line.id,
          status: "reconciled" as const,
          paid: p.allocations.map((a) => ({
            kind: a.target.kind,
            id: a.target.name,
            record_id: a.target.recordId,
            amount: minorToNumber(a.amount, d),
            amount_due: minorToNumber(abs(a.target.open) - a.amount, d),
          })),
          left_on_suspense: minorToNumber(p.rest, d),
        })),
      },
      would: {
        odoo_calls: [
          "account.move write line_ids (context skip_readonly_check)",
          "account.move.line reconcile",
          "account.move message_post (internal note with the approval id)",
        ],
        ...prepared.facts,
      },
    };
  },
};
