/**
 * Credit notes on Odoo 19, as odoo-recordings/19/15-credit-notes-* shows them: the reversal wizard
 * (`account.move.reversal`: `refund_moves` drafts a credit note that copies the invoice; `modify_moves` posts a
 * reversal reconciled with it and drafts a copy of the invoice), a posted reversal reconciled with what is still
 * open on the invoice (Odoo's `_reconcile_reversed_moves` at `_post`), and the invoice's `reversed` payment state
 * when only credit notes cleared it. Odoo 17 and 18 have the same wizard in their source, but no recording: their
 * sandbox has none of this.
 */
import { moveCompany, postMove, reconcile, refreshPaymentState } from "./accounting.js";
import { doCreate, hooks } from "./base-methods.js";
import { dropFailed } from "./companies.js";
import { userError, validationError } from "./fault.js";
import { char, date, define, m2m, m2o, money, o2m } from "./fields.js";
import { browse, createGeneric, type Database, type Env, type Rec, today, type Vals } from "./orm.js";

const MISSING_JOURNAL =
  "The operation cannot be completed: Missing required value for the field 'Journal' (journal_id).\n" +
  "Model: 'Account Move Reversal' (account.move.reversal)\n" +
  "- create/update: a mandatory field is not set\n" +
  "- delete: another model requires the record being deleted, you can archive it instead\n";

const REVERSE_TYPE: Record<string, string> = {
  out_invoice: "out_refund",
  in_invoice: "in_refund",
  out_refund: "out_invoice",
  in_refund: "in_invoice",
  entry: "entry",
};

const linesOf = (env: Env, moveId: number) =>
  [...env.db.model("account.move.line").records.values()].filter((l) => l.move_id === moveId);

/** The receivable/payable items of a move: what a reversal is reconciled with. */
const openItems = (env: Env, move: Rec) =>
  linesOf(env, move.id).filter(
    (l) => l.display_type === "payment_term" && Math.abs(Number(l.amount_residual ?? 0)) >= 0.005,
  );

/** `account.move._reverse_moves` without `cancel`: a draft copy of each move, its type reversed. */
function reverseMoves(env: Env, wizard: Rec, moves: Rec[]): Rec[] {
  const model = env.db.model("account.move");
  return moves.map((move) => {
    const reason = typeof wizard.reason === "string" && wizard.reason ? wizard.reason : null;
    const reverseDate = String(wizard.date);
    const lines = linesOf(env, move.id)
      .filter((l) => l.display_type === "product")
      .sort((a, b) => a.id - b.id)
      .map((l) => [
        0,
        0,
        {
          name: l.name,
          quantity: l.quantity,
          price_unit: l.price_unit,
          account_id: l.account_id,
          product_id: l.product_id ?? false,
          tax_ids: [[6, 0, (l.tax_ids as number[] | undefined) ?? []]],
        },
      ]);
    const [created] = doCreate(env, model, {
      move_type: REVERSE_TYPE[String(move.move_type)] ?? "entry",
      partner_id: move.partner_id,
      reversed_entry_id: move.id,
      ref: reason ? `Reversal of: ${String(move.name)}, ${reason}` : `Reversal of: ${String(move.name)}`,
      date: reverseDate,
      invoice_date: reverseDate,
      invoice_date_due: reverseDate,
      journal_id: wizard.journal_id,
      currency_id: move.currency_id,
      invoice_user_id: move.invoice_user_id,
      invoice_line_ids: lines,
    });
    if (String(move.invoice_date_due) !== reverseDate) renewTermLine(env, (created as Rec).id);
    return created as Rec;
  });
}

/**
 * Odoo copies every line of the invoice, its payment term line too; that line's due date is the invoice's, the
 * credit note's is the reversal date, so Odoo's line sync replaces it with a new one: one more line id is used
 * (recorded: the line ids after three credit notes).
 */
function renewTermLine(env: Env, moveId: number): void {
  const lineModel = env.db.model("account.move.line");
  for (const line of linesOf(env, moveId).filter((l) => l.display_type === "payment_term")) {
    const { id: _old, ...values } = line;
    lineModel.records.delete(line.id);
    lineModel.insert(values);
  }
}

/** `_reconcile_reversed_moves` at posting: the reversal's receivable/payable items against the invoice's open ones. */
export function reconcileReversal(env: Env, reversal: Rec): void {
  const original = env.db.model("account.move").rec(reversal.reversed_entry_id as number);
  if (original?.state !== "posted") return;
  for (const a of openItems(env, reversal))
    for (const b of openItems(env, original)) if (a.account_id === b.account_id) reconcile(env, a, b, false);
  refreshPaymentState(env, reversal);
  refreshPaymentState(env, original);
  if (original.payment_state === "paid" && clearedOnlyByReversals(env, original))
    original.payment_state = "reversed";
}

/** Whether every item the invoice's receivable/payable was matched with belongs to one of its reversals. */
function clearedOnlyByReversals(env: Env, move: Rec): boolean {
  const lineModel = env.db.model("account.move.line");
  const partials = [...env.db.model("account.partial.reconcile").records.values()];
  const own = new Set(linesOf(env, move.id).map((l) => l.id));
  const others = partials.flatMap((p) =>
    own.has(p.debit_move_id as number)
      ? [p.credit_move_id]
      : own.has(p.credit_move_id as number)
        ? [p.debit_move_id]
        : [],
  );
  return (
    others.length > 0 &&
    others.every((id) => {
      const line = lineModel.rec(id as number);
      const counterpart = line ? env.db.model("account.move").rec(line.move_id as number) : undefined;
      return counterpart?.reversed_entry_id === move.id;
    })
  );
}

export function defineReversal(db: Database): void {
  if (db.version !== 19) return;
  const moves = db.model("account.move");
  moves.fields.reversed_entry_id = m2o("account.move", "Reversal of");
  moves.fields.reversal_move_ids = o2m("account.move", "reversed_entry_id", "Reversal Move");
  // Posting a reversal reconciles it with its invoice (account.move._post).
  const post = moves.methods.get("action_post");
  if (post)
    moves.methods.set("action_post", {
      ...post,
      fn: (call) => {
        const result = post.fn(call);
        for (const move of browse(moves, call.ids))
          if (move.reversed_entry_id) reconcileReversal(call.env, move);
        return result;
      },
    });

  const wizard = define(
    db,
    "account.move.reversal",
    {
      move_ids: m2m("account.move", "Move"),
      new_move_ids: m2m("account.move", "New Move"),
      date: date("Reversal date"),
      reason: char("Reason displayed on Credit Note"),
      journal_id: m2o("account.journal", "Journal", { required: true }),
      company_id: m2o("res.company", "Company", { required: true, readonly: true }),
      residual: money("Residual", {
        compute: (r, env) => {
          const ids = (r.move_ids as number[] | undefined) ?? [];
          return ids.length === 1
            ? Number(env.db.model("account.move").rec(ids[0] as number)?.amount_residual ?? 0)
            : 0;
        },
      }),
      move_type: char("Move Type", {
        compute: (r, env) => {
          const ids = (r.move_ids as number[] | undefined) ?? [];
          return ids.length === 1
            ? (env.db.model("account.move").rec(ids[0] as number)?.move_type ?? false)
            : false;
        },
      }),
    },
    { transient: true },
    {
      refund_moves: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => reverse(env, browse(model, ids), false),
      },
      modify_moves: {
        kind: "records",
        params: [],
        fn: ({ env, model, ids }) => reverse(env, browse(model, ids), true),
      },
    },
  );
  hooks.set(wizard, {
    create: (env, model, vals) => {
      // default_get: the moves of the context (the invoice form's "Credit Note" button passes them).
      const activeIds =
        env.context.active_model === "account.move" && Array.isArray(env.context.active_ids)
          ? (env.context.active_ids as number[])
          : [];
      const selected = browse(moves, activeIds);
      if (selected.some((m) => m.state !== "posted"))
        throw userError("To reverse a journal entry, it has to be posted first.");
      const first = selected[0];
      const defaults: Vals = {
        move_ids: selected.map((m) => m.id),
        new_move_ids: [],
        date: today(env),
        reason: false,
        company_id: first ? moveCompany(first) : 1,
      };
      const wizard = createGeneric(env, model, { ...defaults, ...vals });
      // journal_id is computed from the moves in the form only: a create without it is refused at the insert,
      // its id consumed (recorded).
      if (!vals.journal_id) {
        dropFailed(model, wizard);
        throw validationError(MISSING_JOURNAL);
      }
      return wizard;
    },
  });
}

/** `reverse_moves`: the credit notes (and with `modify`, the reversal posted and the invoice's draft copy). */
function reverse(env: Env, wizards: Rec[], modify: boolean): Vals {
  const [wizard] = wizards;
  if (!wizard) throw userError("Expected singleton: account.move.reversal()");
  const moves = browse(env.db.model("account.move"), wizard.move_ids);
  const reversals = reverseMoves(env, wizard, moves);
  let redirect = reversals;
  if (modify) {
    for (const reversal of reversals) {
      postMove(env, reversal);
      reconcileReversal(env, reversal);
    }
    redirect = moves.map((move) => copyMove(env, move, String(wizard.date)));
  }
  wizard.new_move_ids = redirect.map((m) => m.id);
  const one = redirect.length === 1 ? redirect[0] : undefined;
  return {
    name: "Reverse Moves",
    type: "ir.actions.act_window",
    res_model: "account.move",
    ...(one
      ? { view_mode: "form", res_id: one.id, context: { default_move_type: one.move_type } }
      : { view_mode: "list,form", domain: [["id", "in", redirect.map((m) => m.id)]] }),
  };
}

/** `modify_moves`' new draft: the invoice copied with its product lines, dated the reversal's date. */
function copyMove(env: Env, move: Rec, moveDate: string): Rec {
  const lines = linesOf(env, move.id)
    .filter((l) => l.display_type === "product")
    .sort((a, b) => a.id - b.id)
    .map((l) => [
      0,
      0,
      {
        name: l.name,
        quantity: l.quantity,
        price_unit: l.price_unit,
        account_id: l.account_id,
        tax_ids: [[6, 0, (l.tax_ids as number[] | undefined) ?? []]],
      },
    ]);
  const [copy] = doCreate(env, env.db.model("account.move"), {
    move_type: move.move_type,
    partner_id: move.partner_id,
    date: moveDate,
    journal_id: move.journal_id,
    currency_id: move.currency_id,
    invoice_line_ids: lines,
  });
  return copy as Rec;
}
