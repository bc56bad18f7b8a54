/**
 * Builds a small business's books in the sandbox through the wire API, the way Odoo users and the product
 * create them: customer invoices with several lines and taxes, credit notes, vendor bills and refunds, partial
 * and full payments through the payment-register wizard (they land on the outstanding receipts/payments
 * accounts), bank statement matching entries (outstanding → bank), and journal entries for capital, a loan,
 * equipment, bank fees, cost of goods and other income, across two years.
 *
 * `rawLedger` reads every posted journal item back (the test's independent source of truth; the product never
 * does this).
 */
import type { Odoo } from "../../src/mcp/odoo/types.js";

/** Deterministic pseudo-random numbers (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A payment through Odoo's payment-register wizard, as a person registers it (amount null: what is due). */
export async function registerPayment(
  odoo: Odoo,
  moveId: number,
  amount: number | null,
  date: string,
  journalId: number,
): Promise<void> {
  const context = { active_model: "account.move", active_ids: [moveId] };
  const wizard = await odoo.call<number[]>({
    model: "account.payment.register",
    method: "create",
    args: {
      vals_list: [{ ...(amount === null ? {} : { amount }), payment_date: date, journal_id: journalId }],
    },
    context,
  });
  await odoo.call({
    model: "account.payment.register",
    method: "action_create_payments",
    ids: wizard,
    context,
  });
}

export interface BuiltLedger {
  accounts: Map<string, number>;
  moves: number;
  customers: number[];
}

async function accountIds(odoo: Odoo): Promise<Map<string, number>> {
  const rows = await odoo.searchRead("account.account", [], ["code"], {
    context: { active_test: false },
  });
  return new Map(rows.map((row) => [String(row.code), row.id as number]));
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

export async function buildLedger(
  odoo: Odoo,
  options: { seed?: number; invoices?: number; years?: number[] } = {},
): Promise<BuiltLedger> {
  const rand = prng(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const cents = (min: number, max: number) => Math.round((min + rand() * (max - min)) * 100) / 100;
  const accounts = await accountIds(odoo);
  const acc = (code: string) => {
    const id = accounts.get(code);
    if (id === undefined) throw new Error(`no account ${code}`);
    return id;
  };
  const taxes = await odoo.searchRead("account.tax", [], ["type_tax_use", "amount"]);
  const saleTaxes = taxes.filter((t) => t.type_tax_use === "sale").map((t) => t.id as number);
  const purchaseTaxes = taxes.filter((t) => t.type_tax_use === "purchase").map((t) => t.id as number);
  const journals = await odoo.searchRead("account.journal", [], ["type"]);
  const bankJournal = journals.find((j) => j.type === "bank")?.id as number;
  const miscJournal = journals.find((j) => j.type === "general")?.id as number;

  const customers: number[] = [];
  for (let i = 0; i < 6; i++) {
    customers.push(
      await odoo.create("res.partner", {
        name: `Ledger Customer ${i + 1}`,
        is_company: true,
        email: `c${i}@ex.example`,
      }),
    );
  }
  const vendors: number[] = [];
  for (let i = 0; i < 4; i++) {
    vendors.push(await odoo.create("res.partner", { name: `Ledger Vendor ${i + 1}`, supplier_rank: 1 }));
  }
  let moves = 0;
  const post = async (id: number) => {
    await odoo.call({ model: "account.move", method: "action_post", ids: [id] });
    moves += 1;
  };
  const entry = async (
    date: string,
    lines: Array<[string, number]>,
    journal = miscJournal,
    ref = "Entry",
  ) => {
    const id = await odoo.create("account.move", {
      move_type: "entry",
      journal_id: journal,
      date,
      ref,
      line_ids: lines.map(([code, balance]) => [
        0,
        0,
        {
          account_id: acc(code),
          name: ref,
          debit: Math.max(balance, 0),
          credit: balance < 0 ? -balance : 0,
          balance,
        },
      ]),
    });
    await post(id);
    return id;
  };
  const invoice = async (moveType: string, partner: number, date: string, due: string, lineCount: number) => {
    const sale = moveType.startsWith("out_");
    const lines = [];
    for (let l = 0; l < lineCount; l++) {
      const taxChoice = rand();
      const pool = sale ? saleTaxes : purchaseTaxes;
      const taxIds =
        taxChoice < 0.5
          ? [pool[0]]
          : taxChoice < 0.7
            ? pool.slice(0, 2)
            : taxChoice < 0.85
              ? []
              : [pool[1] ?? pool[0]];
      lines.push([
        0,
        0,
        {
          name: `Item ${l + 1}`,
          quantity: pick([1, 2, 3, 5, 7.5]),
          price_unit: cents(3, 900),
          tax_ids: [[6, 0, taxIds.filter((t) => t !== undefined)]],
          ...(sale ? {} : { account_id: acc(pick(["600000", "612000", "500000", "620000"])) }),
        },
      ]);
    }
    const id = await odoo.create("account.move", {
      move_type: moveType,
      partner_id: partner,
      invoice_date: date,
      invoice_date_due: due,
      invoice_line_ids: lines,
    });
    await post(id);
    return id;
  };
  const pay = async (moveId: number, amount: number | null, date: string) => {
    await registerPayment(odoo, moveId, amount, date, bankJournal);
    moves += 1;
  };
  const residual = async (moveId: number) => {
    const [row] = await odoo.read("account.move", [moveId], ["amount_residual", "amount_total"]);
    return Number(row?.amount_residual ?? 0);
  };

  // Capital and a loan, in the earlier year.
  await entry(
    "2025-01-15",
    [
      ["101401", 50_000],
      ["301000", -50_000],
    ],
    bankJournal,
    "Capital contribution",
  );
  await entry(
    "2025-03-01",
    [
      ["101401", 20_000],
      ["291000", -20_000],
    ],
    bankJournal,
    "Bank loan",
  );
  await entry(
    "2025-03-10",
    [
      ["151000", 12_500],
      ["101401", -12_500],
    ],
    bankJournal,
    "Delivery van",
  );

  const years = options.years ?? [2025, 2026];
  const count = options.invoices ?? 60;
  for (const year of years) {
    const perYear = year === years[years.length - 1] ? count : Math.floor(count / 3);
    for (let i = 0; i < perYear; i++) {
      const month = 1 + Math.floor(rand() * 12);
      const day = 1 + Math.floor(rand() * 28);
      const date = `${year}-${pad(month)}-${pad(day)}`;
      const dueMonth = month === 12 ? 12 : month + 1;
      const due = `${year}-${pad(dueMonth)}-${pad(day)}`;
      const customer = pick(customers);
      const inv = await invoice("out_invoice", customer, date, due, 1 + Math.floor(rand() * 4));
      const r = rand();
      if (r < 0.35) await pay(inv, null, due < `${year}-12-28` ? due : date);
      else if (r < 0.55) {
        const open = await residual(inv);
        await pay(inv, Math.round(open * 40) / 100, date);
      }
      if (i % 8 === 3) {
        const refund = await invoice("out_refund", customer, date, date, 1);
        void refund;
      }
      if (i % 2 === 0) {
        const bill = await invoice("in_invoice", pick(vendors), date, due, 1 + Math.floor(rand() * 3));
        if (rand() < 0.6) await pay(bill, null, date);
      }
      if (i % 15 === 7) await invoice("in_refund", pick(vendors), date, date, 1);
      if (i % 5 === 1) {
        // The bank statement line that matches earlier receipts: outstanding receipts → bank.
        const amount = cents(50, 400);
        await entry(
          date,
          [
            ["101401", amount],
            ["101403", -amount],
          ],
          bankJournal,
          "Statement matching",
        );
      }
      if (i % 9 === 4)
        await entry(
          date,
          [
            ["620000", 12.5],
            ["101401", -12.5],
          ],
          bankJournal,
          "Bank fees",
        );
      if (i % 11 === 5) {
        const cost = cents(100, 800);
        await entry(
          date,
          [
            ["500000", cost],
            ["110100", -cost],
          ],
          miscJournal,
          "Cost of goods sold",
        );
      }
      if (i % 13 === 6) {
        const gain = cents(10, 200);
        await entry(
          date,
          [
            ["101401", gain],
            ["450000", -gain],
          ],
          bankJournal,
          "Interest received",
        );
      }
      if (i % 20 === 10)
        await entry(
          date,
          [
            ["291000", 1_000],
            ["101401", -1_000],
          ],
          bankJournal,
          "Loan repayment",
        );
    }
  }
  // Invoices and a bill in a foreign currency: amounts in EUR, journal items in the company currency.
  const [eur] = await odoo.searchRead("res.currency", [["name", "=", "EUR"]], ["name"], {
    context: { active_test: false },
  });
  if (eur) {
    await odoo.write("res.currency", [eur.id as number], { active: true });
    const last = years[years.length - 1] ?? 2026;
    for (const [moveType, partner, date, due] of [
      ["out_invoice", customers[1], `${last}-05-12`, `${last}-06-11`],
      ["out_invoice", customers[2], `${last}-11-20`, `${last}-12-20`],
      ["in_invoice", vendors[0], `${last}-04-03`, `${last}-05-03`],
    ] as const) {
      const id = await odoo.create("account.move", {
        move_type: moveType,
        partner_id: partner,
        currency_id: eur.id,
        invoice_date: date,
        invoice_date_due: due,
        invoice_line_ids: [
          [
            0,
            0,
            {
              name: "Export work",
              quantity: 3,
              price_unit: 333.33,
              tax_ids: [[6, 0, [(moveType === "out_invoice" ? saleTaxes : purchaseTaxes)[0]]]],
            },
          ],
          [0, 0, { name: "Export shipping", quantity: 1, price_unit: 87.61, tax_ids: [[6, 0, []]] }],
        ],
      });
      await post(id);
    }
  }
  // A draft that must not count anywhere.
  await odoo.create("account.move", {
    move_type: "out_invoice",
    partner_id: customers[0],
    invoice_date: `${years[years.length - 1]}-06-15`,
    invoice_line_ids: [[0, 0, { name: "Draft only", quantity: 1, price_unit: 99_999 }]],
  });
  return { accounts, moves, customers };
}

export interface RawLine {
  id: number;
  move: number;
  moveName: string;
  account: number;
  accountType: string;
  date: string;
  dueDate: string | null;
  partner: number | null;
  partnerName: string | null;
  /** cents, company currency */
  balance: number;
  /** cents, document currency */
  amountCurrency: number;
  debit: number;
  credit: number;
  residual: number;
  reconciled: boolean;
  /** The tax a tax line is of, the taxes a base line was taxed with. */
  taxLine: number | null;
  taxes: number[];
  journal: string;
  label: string;
}

const toCents = (value: unknown) => Math.round(Number(value ?? 0) * 100);

/** Every posted journal item, straight from Odoo, amounts in integer cents. */
export async function rawLedger(odoo: Odoo): Promise<RawLine[]> {
  const accounts = await odoo.searchRead("account.account", [], ["account_type"], {
    context: { active_test: false },
  });
  const types = new Map(accounts.map((a) => [a.id as number, String(a.account_type)]));
  const rows = await odoo.searchRead(
    "account.move.line",
    [["parent_state", "=", "posted"]],
    [
      "move_id",
      "move_name",
      "account_id",
      "date",
      "date_maturity",
      "partner_id",
      "balance",
      "amount_currency",
      "debit",
      "credit",
      "amount_residual",
      "reconciled",
      "tax_line_id",
      "tax_ids",
      "journal_id",
      "name",
    ],
  );
  return rows.map((row) => {
    const account = (row.account_id as [number, string])[0];
    const partner = Array.isArray(row.partner_id) ? (row.partner_id as [number, string]) : null;
    return {
      id: row.id as number,
      move: (row.move_id as [number, string])[0],
      moveName: String(row.move_name),
      account,
      accountType: types.get(account) ?? "",
      date: String(row.date),
      dueDate: typeof row.date_maturity === "string" ? row.date_maturity : null,
      partner: partner ? partner[0] : null,
      partnerName: partner ? partner[1] : null,
      balance: toCents(row.balance),
      amountCurrency: toCents(row.amount_currency),
      debit: toCents(row.debit),
      credit: toCents(row.credit),
      residual: toCents(row.amount_residual),
      reconciled: row.reconciled === true,
      taxLine: Array.isArray(row.tax_line_id) ? (row.tax_line_id[0] as number) : null,
      taxes: Array.isArray(row.tax_ids) ? (row.tax_ids as number[]) : [],
      journal: Array.isArray(row.journal_id) ? String(row.journal_id[1]) : "",
      label: typeof row.name === "string" ? row.name : "",
    };
  });
}
