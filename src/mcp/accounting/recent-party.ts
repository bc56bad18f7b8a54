/**
 * The flag on an approval of money going to a party: a partner that odoo-mcp's own Odoo user created recently
 * (`create_partner`, or any other way through that user), so that a person approving a bill or a payment to a vendor
 * the agent invented sees it before the money goes.
 *
 * Read from Odoo: `create_uid` and `create_date` are columns Odoo's ORM writes itself on every create, which no
 * client can set. Never from the audit log or any other file in the data folder: an agent with file tools can reach
 * that folder, and a flag that rests on a file it can edit is one it can remove.
 */
import type { RequestDocument } from "../../shared/document.js";
import type { Odoo } from "../odoo/types.js";
import type { AccountingSession } from "./session.js";
import { m2oId, str } from "./values.js";

/** How long a partner counts as recently created. */
export const RECENT_PARTNER_DAYS = 30;

const DAY_MS = 86_400_000;

/** Odoo's UTC `YYYY-MM-DD HH:MM:SS` as milliseconds, or null. */
function odooTime(value: unknown): number | null {
  const text = str(value);
  const at = text ? Date.parse(`${text.replace(" ", "T")}Z`) : Number.NaN;
  return Number.isNaN(at) ? null : at;
}

function ago(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  return days < 1 ? "less than a day ago" : days === 1 ? "1 day ago" : `${days} days ago`;
}

/**
 * The document's `flags` for the partners money goes to (the move's partner and its commercial partner; null and
 * repeated ids are skipped): one sentence per partner that the session's user created in the last
 * `RECENT_PARTNER_DAYS` days. Spread it into the document: `{ ...parts, ...(await recentPartnerFlags(...)) }`.
 * `role`: who the partner is to the company ("Vendor", "Customer").
 */
export async function recentPartnerFlags(
  odoo: Odoo,
  session: Pick<AccountingSession, "uid">,
  partnerIds: readonly (number | null | undefined)[],
  role: string,
  now: Date = new Date(),
): Promise<Pick<RequestDocument, "flags">> {
  const ids = [...new Set(partnerIds.filter((id): id is number => typeof id === "number" && id > 0))];
  if (ids.length === 0) return {};
  const rows = await odoo.read("res.partner", ids, ["name", "create_uid", "create_date"]);
  const flags: string[] = [];
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    const created = odooTime(row?.create_date);
    if (!row || m2oId(row.create_uid) !== session.uid || created === null) continue;
    const age = now.getTime() - created;
    if (age > RECENT_PARTNER_DAYS * DAY_MS) continue;
    flags.push(
      `${role} ${str(row.name) ?? "?"} (partner id ${id}) was created ${ago(Math.max(0, age))} by the agent's ` +
        "Odoo user: check that it is real before approving.",
    );
  }
  return flags.length > 0 ? { flags } : {};
}
