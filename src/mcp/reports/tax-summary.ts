/**
 * Tax summary for a period, what a VAT return is built from: per tax, the base and the tax amount of posted
 * journal items, sales and purchases apart, with the tax collected, the tax paid and the difference due.
 *
 * As Odoo's own tax report (`account.move.line._get_query_tax_details`): the tax amount is the balance of the tax
 * lines (`tax_line_id`), the base the balance of the lines the tax was computed on (`tax_ids`, a many2many: a line
 * with two taxes counts in the base of each). Two sums grouped inside Odoo, then one read of the taxes involved
 * (archived ones included). A 0% tax has no tax line but still has its base. Sales taxes are shown as their credit
 * balance, purchase taxes as their debit balance, so credit notes and refunds reduce both. Taxes of another use
 * (`type_tax_use` "none", such as the members of a group of taxes) are listed apart and left out of the totals.
 */
import { str } from "../accounting/values.js";
import { ToolError } from "../errors.js";
import { sumMinor } from "../money.js";
import { money, num } from "./format.js";
import type { GroupRow } from "./ledger.js";
import { profitLossFigures } from "./profit-loss.js";
import type { ComputedReport, DocTable, ReportRequest } from "./types.js";

const SECTIONS = [
  { key: "sales", use: "sale", title: "Sales taxes (collected)", sign: -1n },
  { key: "purchases", use: "purchase", title: "Purchase taxes (paid)", sign: 1n },
  { key: "other", use: null, title: "Other taxes (not in the totals)", sign: 1n },
] as const;

interface TaxFigures {
  id: number;
  name: string;
  rate: number | null;
  amountType: string | null;
  base: bigint;
  tax: bigint;
  /** Journal items behind the figures: base lines and tax lines. */
  items: number;
}

export async function taxSummary(request: ReportRequest): Promise<ComputedReport> {
  const { ledger, start, end } = request;
  const d = ledger.decimals;
  const period: Array<[string, string, unknown]> = [
    ["date", ">=", start],
    ["date", "<=", end],
  ];
  await request.step("Summing tax lines and their bases by tax");
  const [taxRows, baseRows, pl] = await Promise.all([
    ledger.sums([...period, ["tax_line_id", "!=", false]], "tax_line_id"),
    ledger.sums([...period, ["tax_ids", "!=", false]], "tax_ids"),
    profitLossFigures(ledger, start, end),
  ]);
  const byTax = (rows: GroupRow[]) =>
    new Map(rows.flatMap((row) => (row.id === null ? [] : [[row.id, row] as const])));
  const taxes = byTax(taxRows);
  const bases = byTax(baseRows);
  const ids = [...new Set([...taxes.keys(), ...bases.keys()])].sort((a, b) => a - b);
  if (ids.length === 0) {
    throw new ToolError("NO_DATA", `No posted journal items with a tax between ${start} and ${end}.`);
  }

  await request.step("Reading the taxes");
  const records = await ledger.odoo.searchRead(
    "account.tax",
    [["id", "in", ids]],
    ["name", "amount", "amount_type", "type_tax_use"],
    { context: { active_test: false } },
  );
  const recordOf = new Map(records.map((record) => [record.id as number, record]));
  const sections = SECTIONS.map((section) => {
    const lines: TaxFigures[] = ids.flatMap((id) => {
      const record = recordOf.get(id);
      const use = str(record?.type_tax_use);
      const inSection = section.use === null ? use !== "sale" && use !== "purchase" : use === section.use;
      if (!inSection) return [];
      const tax = taxes.get(id);
      const base = bases.get(id);
      return [
        {
          id,
          name: str(record?.name) ?? tax?.label ?? base?.label ?? `tax ${id}`,
          rate: typeof record?.amount === "number" ? record.amount : null,
          amountType: str(record?.amount_type),
          base: section.sign * (base?.balance ?? 0n),
          tax: section.sign * (tax?.balance ?? 0n),
          items: (base?.count ?? 0) + (tax?.count ?? 0),
        },
      ];
    });
    lines.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    return {
      section,
      lines,
      base: sumMinor(lines.map((line) => line.base)),
      tax: sumMinor(lines.map((line) => line.tax)),
    };
  });
  type Section = (typeof sections)[number];
  const [sales, purchases, other] = sections as [Section, Section, Section];
  const collected = sales.tax;
  const paid = purchases.tax;

  const sectionJson = (s: Section) => ({
    taxes: s.lines.map((line) => ({
      tax_id: line.id,
      name: line.name,
      rate: line.rate,
      amount_type: line.amountType,
      base: num(line.base, d),
      tax: num(line.tax, d),
      items: line.items,
    })),
    base: num(s.base, d),
    tax: num(s.tax, d),
  });
  const tables: DocTable[] = sections
    .filter((s) => s.lines.length > 0 || s.section.use !== null)
    .map((s) => ({
      title: s.section.title,
      columns: ["Tax", "Base", "Tax amount"],
      widths: [3, 1.2, 1.2],
      rows: [
        ...s.lines.map((line) => ({
          cells: [line.name, money(line.base, d), money(line.tax, d)],
          indent: 1,
        })),
        { cells: ["Total", money(s.base, d), money(s.tax, d)], bold: true },
      ],
    }));
  tables.push({
    title: "Tax due",
    columns: ["", "", "Amount"],
    widths: [3, 1.2, 1.2],
    rows: [
      { cells: ["Tax collected on sales", "", money(collected, d)] },
      { cells: ["Tax paid on purchases", "", money(paid, d)] },
      { cells: ["Net tax due (negative: to reclaim)", "", money(collected - paid, d)], bold: true },
    ],
  });

  return {
    revenue: pl.revenue,
    expenses: pl.expenses,
    netIncome: pl.netIncome,
    details: {
      sales: sectionJson(sales),
      purchases: sectionJson(purchases),
      ...(other.lines.length > 0 ? { other: sectionJson(other) } : {}),
      tax_collected: num(collected, d),
      tax_paid: num(paid, d),
      net_due: num(collected - paid, d),
      basis:
        "Posted journal items dated in the period (company currency). tax: the balance of the tax's lines " +
        "(tax_line_id); base: the balance of the lines it was computed on (tax_ids; a line with two taxes counts " +
        "in both). Sales taxes as credit balance, purchase taxes as debit balance, so credit notes reduce both. " +
        "net_due = tax_collected - tax_paid (negative: to reclaim). Per tax, not per tax grid.",
    },
    doc: {
      tables,
      notes: [
        "Tax: the balance of the tax's journal items; base: the balance of the items it was computed on (an item with two taxes counts in both). Credit notes and refunds reduce both.",
      ],
    },
  };
}
