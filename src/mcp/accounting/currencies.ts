/**
 * A document's currency, named by its ISO code (`currency` of create_invoice and create_vendor_bill): one of the
 * company's active currencies, at Odoo's rate. Inactive currencies are looked up too (`active_test: false`), so
 * that the error can say which one it is and how to activate it; a code Odoo does not know is its own error.
 * Amounts are never converted here: Odoo converts with its rate when the document is created. A currency with no
 * rate in Odoo is refused: Odoo would book it at 1 (`res.currency.rate`, counted by `currency_id`).
 */
import { ToolError } from "../errors.js";
import type { Odoo } from "../odoo/types.js";
import type { AccountingSession } from "./session.js";
import { str } from "./values.js";

export interface DocumentCurrency {
  id: number;
  name: string;
  decimals: number;
  /** Whether this is the company's own currency (no conversion). */
  isCompany: boolean;
  /**
   * Odoo's `inverse_rate` today (company currency units per unit of this currency), as Odoo answers it; only for an
   * estimate a person reads, never for an amount written.
   */
  inverseRate: number | null;
}

const FIELDS = ["name", "active", "decimal_places", "rate", "inverse_rate"];

/** The company's currency when `code` is omitted; else the active currency of that ISO code. */
export async function documentCurrency(
  odoo: Odoo,
  session: AccountingSession,
  code: string | undefined,
): Promise<DocumentCurrency> {
  const { company } = session;
  const wanted = code?.trim().toUpperCase();
  if (!wanted || wanted === company.currency) {
    return {
      id: company.currencyId,
      name: company.currency,
      decimals: company.decimals,
      isCompany: true,
      inverseRate: 1,
    };
  }
  if (!/^[A-Z]{3}$/.test(wanted)) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `currency must be an ISO 4217 code such as EUR, got ${JSON.stringify(code)}.`,
    );
  }
  const [row] = await odoo.searchRead("res.currency", [["name", "=", wanted]], FIELDS, {
    limit: 2,
    context: { active_test: false },
  });
  if (!row || typeof row.id !== "number") {
    throw new ToolError(
      "VALIDATION_ERROR",
      `Odoo knows no currency ${wanted}. Give an ISO 4217 code (EUR, GBP...); the company's own is ${company.currency}.`,
      { currency: wanted },
    );
  }
  if (row.active !== true) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The currency ${wanted} is not active in Odoo. A person activates it there (Accounting > Configuration > ` +
        `Currencies, remove the "Active" filter, open ${wanted} and tick Active), and sets its rate; then try again.`,
      { currency: wanted, active: false },
    );
  }
  // Activated without a rate, a currency reads `rate` 1, and Odoo books it at one per unit of the company currency
  // (recording 17): no figure in it would mean what it says.
  if (
    row.id !== company.currencyId &&
    (await odoo.searchCount("res.currency.rate", [["currency_id", "=", row.id]])) === 0
  ) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `Odoo has no rate for ${wanted}: it would book ${wanted} amounts at 1 ${company.currency} each. A person sets ` +
        `its rate in Odoo (Accounting > Configuration > Currencies, open ${wanted}, add a rate); then try again.`,
      { currency: wanted, rate: null },
    );
  }
  return {
    id: row.id,
    name: str(row.name) ?? wanted,
    decimals: typeof row.decimal_places === "number" ? row.decimal_places : company.decimals,
    isCompany: row.id === company.currencyId,
    inverseRate: typeof row.inverse_rate === "number" && row.inverse_rate > 0 ? row.inverse_rate : null,
  };
}
