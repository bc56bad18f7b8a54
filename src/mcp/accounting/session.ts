/**
 * What the accounting code needs to know about the Odoo it talks to and that does not change while it runs:
 * version, user, time zone, company and its currency, journals with their payment method lines, sale and
 * purchase taxes, and the base URL for deep links. Read once per client (one promise per `Odoo` instance) and
 * cached; a failed read is forgotten so that the next call tries again.
 *
 * Deep links use `{url}/web#id={id}&model=account.move&view_type=form`, which every Odoo version (17, 18, 19)
 * opens; the newer `/odoo/...` paths do not exist on 17.
 */
import { effectiveTimeZone } from "../dates.js";
import type { Odoo } from "../odoo/types.js";
import { ids, m2oId, m2oName, num, type OdooRecord, str } from "./values.js";

export type JournalType = "sale" | "purchase" | "bank" | "cash";

export interface PaymentMethodLine {
  id: number;
  name: string;
  code: string;
  paymentType: "inbound" | "outbound";
  journalId: number;
}

export interface Journal {
  id: number;
  name: string;
  code: string;
  type: JournalType;
  /** Payment method lines for money coming in (customer payments). */
  inbound: PaymentMethodLine[];
  /** Payment method lines for money going out (vendor payments). */
  outbound: PaymentMethodLine[];
}

export interface Tax {
  id: number;
  name: string;
  /** Odoo's `amount`: a percentage for `percent` taxes (15 = 15 %). */
  amount: number;
  amountType: string;
  priceInclude: boolean;
  typeTaxUse: "sale" | "purchase";
}

export interface Company {
  id: number;
  name: string;
  email: string | null;
  currencyId: number;
  currency: string;
  /** `res.currency.decimal_places`: the precision of every amount in outputs. */
  decimals: number;
  /**
   * `res.company.tax_calculation_rounding_method`: how Odoo rounds an invoice's amounts. `round_per_line` rounds
   * each line's subtotal and tax; `round_globally` (the field's default on Odoo 19) rounds the sum per tax, so the
   * untaxed amount of 3 × (1.5 × 0.05) is 0.23, not 3 × 0.08.
   */
  taxRounding: TaxRounding;
}

export type TaxRounding = "round_per_line" | "round_globally";

export interface AccountingSession {
  /** Major version: 17, 18, 19... */
  major: number;
  serverVersion: string;
  uid: number;
  /** IANA zone of the configured user (`res.users` `tz`), UTC when Odoo has none. */
  timeZone: string;
  company: Company;
  /**
   * Every company the user may work in (`res.users.company_ids`), the current one among them. With more than one,
   * what a person approves names the company (`companyFact`).
   */
  companies: { id: number; name: string }[];
  journals: Journal[];
  taxes: Tax[];
  /** The Odoo base URL without a trailing slash. */
  baseUrl: string;
}

const sessions = new WeakMap<Odoo, Promise<AccountingSession>>();

export function getSession(odoo: Odoo): Promise<AccountingSession> {
  let session = sessions.get(odoo);
  if (!session) {
    session = loadSession(odoo);
    sessions.set(odoo, session);
    session.catch(() => {
      if (sessions.get(odoo) === session) sessions.delete(odoo);
    });
  }
  return session;
}

/** Drops the cached data (e.g. after the user changed journals or taxes in Odoo). */
export function forgetSession(odoo: Odoo): void {
  sessions.delete(odoo);
}

/**
 * The `company` fact of a request a person approves: the company's name when the user has several companies (so
 * that nobody approves a payment believing it is another company's), nothing otherwise.
 */
export function companyFact(session: Pick<AccountingSession, "company" | "companies">): {
  company?: string;
} {
  return session.companies.length > 1 ? { company: session.company.name } : {};
}

/** The document's row naming the company, when the user has several (the request says which one it is for). */
export function companyRows(
  session: Pick<AccountingSession, "company" | "companies">,
): { label: string; value: string }[] {
  return session.companies.length > 1 ? [{ label: "Company", value: session.company.name }] : [];
}

/** The approval summary, led by a line naming the company when the user has several. */
export function withCompany(
  session: Pick<AccountingSession, "company" | "companies">,
  summary: string,
): string {
  return session.companies.length > 1 ? `Company: ${session.company.name}\n${summary}` : summary;
}

export function recordUrl(session: Pick<AccountingSession, "baseUrl">, model: string, id: number): string {
  return `${session.baseUrl}/web#id=${id}&model=${model}&view_type=form`;
}

export function moveUrl(session: Pick<AccountingSession, "baseUrl">, id: number): string {
  return recordUrl(session, "account.move", id);
}

async function loadSession(odoo: Odoo): Promise<AccountingSession> {
  const [version, uid] = await Promise.all([odoo.version(), odoo.uid()]);
  const [context, users, scope] = await Promise.all([
    odoo.call<OdooRecord>({ model: "res.users", method: "context_get" }, { idempotent: true }),
    odoo.read("res.users", [uid], ["company_id", "tz"]),
    odoo.company?.(),
  ]);
  const user = users[0];
  // The company every call is scoped to (ODOO_COMPANY, else the user's current one): its journals, taxes, books.
  const companyId = scope?.current.id ?? m2oId(user?.company_id) ?? 1;
  const timeZone = effectiveTimeZone(str(context?.tz) ?? str(user?.tz));

  const [companies, journalRows, taxRows] = await Promise.all([
    odoo.read(
      "res.company",
      [companyId],
      ["name", "currency_id", "email", "tax_calculation_rounding_method"],
    ),
    odoo.searchRead(
      "account.journal",
      [["type", "in", ["sale", "purchase", "bank", "cash"]]],
      [
        "name",
        "code",
        "type",
        "company_id",
        "inbound_payment_method_line_ids",
        "outbound_payment_method_line_ids",
      ],
    ),
    odoo.searchRead(
      "account.tax",
      [["type_tax_use", "in", ["sale", "purchase"]]],
      ["name", "amount", "amount_type", "type_tax_use", "price_include", "company_id"],
    ),
  ]);
  const companyRow = companies[0];
  if (!companyRow) throw new Error(`Odoo did not return the user's company (id ${companyId}).`);
  const currencyId = m2oId(companyRow.currency_id);
  if (currencyId === null) throw new Error("The company has no currency in Odoo.");
  const [currency] = await odoo.read("res.currency", [currencyId], ["name", "decimal_places"]);

  const ofCompany = (row: OdooRecord) => {
    const owner = m2oId(row.company_id);
    return owner === null || owner === companyId;
  };
  const journalsOfCompany = journalRows.filter(ofCompany);
  const lineIds = journalsOfCompany.flatMap((row) => [
    ...ids(row.inbound_payment_method_line_ids),
    ...ids(row.outbound_payment_method_line_ids),
  ]);
  const lineRows =
    lineIds.length === 0
      ? []
      : await odoo.read("account.payment.method.line", lineIds, [
          "name",
          "code",
          "payment_type",
          "journal_id",
        ]);
  const lines = new Map<number, PaymentMethodLine>();
  for (const row of lineRows) {
    if (typeof row.id !== "number") continue;
    lines.set(row.id, {
      id: row.id,
      name: str(row.name) ?? "",
      code: str(row.code) ?? "",
      paymentType: row.payment_type === "outbound" ? "outbound" : "inbound",
      journalId: m2oId(row.journal_id) ?? 0,
    });
  }
  const pick = (value: unknown) =>
    ids(value)
      .map((id) => lines.get(id))
      .filter((line): line is PaymentMethodLine => line !== undefined);

  return {
    major: version.major,
    serverVersion: version.serverVersion,
    uid,
    timeZone,
    company: {
      id: companyId,
      name: str(companyRow.name) ?? m2oName(user?.company_id) ?? "",
      email: str(companyRow.email),
      currencyId,
      currency: str(currency?.name) ?? m2oName(companyRow.currency_id) ?? "",
      decimals: typeof currency?.decimal_places === "number" ? currency.decimal_places : 2,
      taxRounding:
        companyRow.tax_calculation_rounding_method === "round_globally" ? "round_globally" : "round_per_line",
    },
    journals: journalsOfCompany.map((row) => ({
      id: row.id as number,
      name: str(row.name) ?? "",
      code: str(row.code) ?? "",
      type: row.type as JournalType,
      inbound: pick(row.inbound_payment_method_line_ids),
      outbound: pick(row.outbound_payment_method_line_ids),
    })),
    taxes: taxRows.filter(ofCompany).map((row) => ({
      id: row.id as number,
      name: str(row.name) ?? "",
      amount: num(row.amount),
      amountType: str(row.amount_type) ?? "percent",
      priceInclude: row.price_include === true,
      typeTaxUse: row.type_tax_use === "purchase" ? "purchase" : "sale",
    })),
    companies: scope?.choices ?? [{ id: companyId, name: str(companyRow.name) ?? "" }],
    baseUrl: odoo.settings.url.replace(/\/+$/, ""),
  };
}
