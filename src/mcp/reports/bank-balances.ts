/**
 * The bank and cash journals' balances, each figure one grouped read computed by Odoo (`grouped.ts`):
 *
 * - books: posted journal items on the journal's default (bank) account, summed by account: the statement lines
 *   (reconciled or not) and any direct payment or entry booked there;
 * - last_statement: the statement whose first line comes last (`first_line_index`, Odoo's own order), its ending
 *   balance (`balance_end_real`) as the bank printed it;
 * - unreconciled: the bank items of statement lines not yet reconciled (`statement_line_id.is_reconciled`), by
 *   journal; their counterpart is still the suspense account;
 * - incoming / outgoing: payments registered but not matched with a bank statement line (`is_matched` false, their
 *   entry posted), by journal, direction and currency, as Odoo's journal dashboard counts them
 *   (`account_journal_dashboard.py` `_get_journal_dashboard_outstanding_payments`). Odoo 17+ books them on the
 *   outstanding receipts/payments account, not yet on the bank account;
 * - after_clearing: books + incoming - outgoing.
 *
 * Amounts are in the journal's currency (`amount_currency` for a journal in another currency than the company's,
 * whose figures are then repeated in the company's under `company`), exact decimal strings.
 */
import { z } from "zod";
import { getSession } from "../accounting/session.js";
import { m2oId, m2oName, str } from "../accounting/values.js";
import { formatMinor, fromOdooAmount } from "../money.js";
import type { Domain, Odoo } from "../odoo/types.js";
import { type GroupedRow, groupedRead } from "./grouped.js";

const amount = z.string();
const figure = z.object({ count: z.number().int(), amount });

export const bankBalancesSchema = z.object({
  company_currency: z.string(),
  journals: z.array(
    z.object({
      journal_id: z.number().int(),
      name: z.string(),
      type: z.enum(["bank", "cash"]),
      currency: z.string(),
      books: amount,
      last_statement: z.object({ name: z.string(), date: z.string().nullable(), balance: amount }).nullable(),
      unreconciled: figure,
      incoming: figure,
      outgoing: figure,
      after_clearing: amount,
      company: z
        .object({
          books: amount,
          unreconciled: amount,
          incoming: amount,
          outgoing: amount,
          after_clearing: amount,
        })
        .optional(),
      warnings: z.array(z.string()).optional(),
    }),
  ),
});
export type BankBalances = z.infer<typeof bankBalancesSchema>;
type JournalBalance = BankBalances["journals"][number];
type Figure = z.infer<typeof figure>;

interface Money {
  journal: bigint;
  company: bigint;
}

const ZERO: Money = { journal: 0n, company: 0n };
const add = (a: Money, b: Money): Money => ({
  journal: a.journal + b.journal,
  company: a.company + b.company,
});

export async function bankBalances(odoo: Odoo, signal?: AbortSignal): Promise<BankBalances> {
  const session = await getSession(odoo);
  const { company } = session;
  const journals = await odoo.searchRead(
    "account.journal",
    [
      ["type", "in", ["bank", "cash"]],
      ["company_id", "=", company.id],
    ],
    ["name", "code", "type", "currency_id", "default_account_id"],
    { order: "sequence, id" },
  );
  if (journals.length === 0) return { company_currency: company.currency, journals: [] };
  const journalIds = journals.map((j) => j.id as number);
  const accountIds = journals.flatMap((j) => {
    const id = m2oId(j.default_account_id);
    return id === null ? [] : [id];
  });
  const posted: Domain = [
    ["parent_state", "=", "posted"],
    ["company_id", "=", company.id],
  ];
  const read = (model: string, domain: Domain, groupby: string[], aggregates: string[]) =>
    groupedRead(odoo, { model, domain, groupby, aggregates }, signal);
  const foreign = [
    ...new Set(
      journals.flatMap((j) => {
        const id = m2oId(j.currency_id);
        return id === null || id === company.currencyId ? [] : [id];
      }),
    ),
  ];

  const [books, unreconciled, statements, payments, currencies] = await Promise.all([
    read(
      "account.move.line",
      [...posted, ["account_id", "in", accountIds]],
      ["account_id"],
      ["balance:sum", "amount_currency:sum"],
    ),
    read(
      "account.move.line",
      [
        ...posted,
        ["account_id", "in", accountIds],
        ["statement_line_id", "!=", false],
        ["statement_line_id.is_reconciled", "=", false],
      ],
      ["journal_id"],
      ["balance:sum", "amount_currency:sum"],
    ),
    read(
      "account.bank.statement",
      [["journal_id", "in", journalIds]],
      ["journal_id"],
      ["first_line_index:max"],
    ),
    read(
      "account.payment",
      [
        ["journal_id", "in", journalIds],
        ["is_matched", "=", false],
        ["move_id.state", "=", "posted"],
      ],
      ["journal_id", "payment_type", "currency_id"],
      ["amount:sum", "amount_company_currency_signed:sum"],
    ),
    foreign.length === 0
      ? Promise.resolve([])
      : odoo.read("res.currency", foreign, ["name", "decimal_places"]),
  ]);
  const indexes = statements.flatMap((row) => {
    const index = str(row.values["first_line_index:max"]);
    return index === null ? [] : [index];
  });
  const lastStatements =
    indexes.length === 0
      ? []
      : await odoo.searchRead(
          "account.bank.statement",
          [
            ["journal_id", "in", journalIds],
            ["first_line_index", "in", indexes],
          ],
          ["name", "journal_id", "date", "balance_end_real", "first_line_index"],
        );

  const currencyOf = new Map(
    currencies.map((c) => [
      c.id as number,
      { name: str(c.name) ?? "", decimals: typeof c.decimal_places === "number" ? c.decimal_places : 2 },
    ]),
  );
  const byKey = (rows: GroupedRow[], field: string) => {
    const out = new Map<number | null, GroupedRow[]>();
    for (const row of rows) {
      const key = m2oId(row.keys[field]);
      out.set(key, [...(out.get(key) ?? []), row]);
    }
    return out;
  };
  const booksByAccount = byKey(books, "account_id");
  const unreconciledByJournal = byKey(unreconciled, "journal_id");
  const paymentsByJournal = byKey(payments, "journal_id");

  return {
    company_currency: company.currency,
    journals: journals.map((journal): JournalBalance => {
      const id = journal.id as number;
      const currencyId = m2oId(journal.currency_id) ?? company.currencyId;
      const isForeign = currencyId !== company.currencyId;
      const currency = isForeign
        ? (currencyOf.get(currencyId) ?? { name: m2oName(journal.currency_id) ?? "", decimals: 2 })
        : { name: company.currency, decimals: company.decimals };
      const itemsSum = (rows: GroupedRow[] | undefined): Figure & { money: Money } => {
        let money = ZERO;
        let count = 0;
        for (const row of rows ?? []) {
          const companyAmount = fromOdooAmount(row.values["balance:sum"], company.decimals);
          const journalAmount = isForeign
            ? fromOdooAmount(row.values["amount_currency:sum"], currency.decimals)
            : companyAmount;
          money = add(money, { journal: journalAmount, company: companyAmount });
          count += row.count;
        }
        return { count, amount: formatMinor(money.journal, currency.decimals), money };
      };
      const warnings: string[] = [];
      const transit = (direction: "inbound" | "outbound"): Figure & { money: Money } => {
        let money = ZERO;
        let count = 0;
        for (const row of paymentsByJournal.get(id) ?? []) {
          if (row.keys.payment_type !== direction) continue;
          const companyAmount = fromOdooAmount(
            row.values["amount_company_currency_signed:sum"],
            company.decimals,
          );
          const positive = direction === "inbound" ? companyAmount : -companyAmount;
          let journalAmount = positive;
          if (isForeign) {
            if (m2oId(row.keys.currency_id) === currencyId) {
              journalAmount = fromOdooAmount(row.values["amount:sum"], currency.decimals);
            } else {
              journalAmount = 0n;
              warnings.push(
                `${row.count} ${direction === "inbound" ? "incoming" : "outgoing"} payment(s) in ` +
                  `${m2oName(row.keys.currency_id) ?? "another currency"} are counted in the company's currency only.`,
              );
            }
          }
          money = add(money, { journal: journalAmount, company: positive });
          count += row.count;
        }
        return { count, amount: formatMinor(money.journal, currency.decimals), money };
      };
      const accountId = m2oId(journal.default_account_id);
      const booked = itemsSum(accountId === null ? [] : booksByAccount.get(accountId));
      const open = itemsSum(unreconciledByJournal.get(id));
      const incoming = transit("inbound");
      const outgoing = transit("outbound");
      const cleared = add(booked.money, {
        journal: incoming.money.journal - outgoing.money.journal,
        company: incoming.money.company - outgoing.money.company,
      });
      const statement = lastStatements.find((s) => m2oId(s.journal_id) === id);
      const companyText = (m: Money) => formatMinor(m.company, company.decimals);
      return {
        journal_id: id,
        name: str(journal.name) ?? "",
        type: journal.type === "cash" ? "cash" : "bank",
        currency: currency.name,
        books: booked.amount,
        last_statement: statement
          ? {
              name: str(statement.name) ?? "",
              date: str(statement.date),
              balance: formatMinor(
                fromOdooAmount(statement.balance_end_real, currency.decimals),
                currency.decimals,
              ),
            }
          : null,
        unreconciled: { count: open.count, amount: open.amount },
        incoming: { count: incoming.count, amount: incoming.amount },
        outgoing: { count: outgoing.count, amount: outgoing.amount },
        after_clearing: formatMinor(cleared.journal, currency.decimals),
        ...(isForeign
          ? {
              company: {
                books: companyText(booked.money),
                unreconciled: companyText(open.money),
                incoming: companyText(incoming.money),
                outgoing: companyText(outgoing.money),
                after_clearing: companyText(cleared),
              },
            }
          : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      };
    }),
  };
}
