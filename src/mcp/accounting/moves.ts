/**
 * Helpers the write operations on moves and payments share: the watermark that bounds "created after this
 * attempt started", the approval note that does not undo a write when Odoo refuses it, and posting a draft with
 * Odoo's refusals checked first. `post_invoice` (invoices.ts), `send_invoice` (send.ts, which posts a draft before
 * sending it) and `record_payment` (payments.ts) use them.
 */
import { ToolError } from "../errors.js";
import { OdooConnectionError, OdooUserError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";
import { postApprovalNote } from "./approval-tag.js";
import { type MoveRecord, moveLabel } from "./records.js";
import { m2oId, maxId } from "./values.js";

/** The highest id of `model` now: records created after it have larger ids. */
export async function highestId(odoo: Odoo, model: string): Promise<number> {
  const rows = await odoo.searchRead(model, [], ["id"], { limit: 1, order: "id desc" });
  return maxId(rows);
}

/**
 * Posts the approval note; answers false when Odoo refuses it (e.g. no right to post on the chatter), so that
 * a write that did happen is still answered. A lost connection propagates: the replay finds the record by the
 * watermark and tags it then.
 */
export async function tagQuietly(
  odoo: Odoo,
  model: string,
  id: number,
  what: string,
  approvalId: string,
): Promise<boolean> {
  try {
    await postApprovalNote(odoo, model, id, what, approvalId);
    return true;
  } catch (error) {
    if (error instanceof OdooConnectionError) throw error;
    return false;
  }
}

/** Refusals Odoo would give at posting, checked before anyone is asked to approve. */
export async function assertPostable(odoo: Odoo, move: MoveRecord): Promise<void> {
  const isBill = move.move_type === "in_invoice" || move.move_type === "in_refund";
  if (m2oId(move.partner_id) === null) {
    throw new ToolError(
      "VALIDATION_ERROR",
      `The ${moveLabel(move)} has no ${isBill ? "vendor" : "customer"}; Odoo refuses to post it. Set one in Odoo first.`,
    );
  }
  const lines = await odoo.searchCount("account.move.line", [
    ["move_id", "=", move.id],
    ["display_type", "=", "product"],
  ]);
  if (lines === 0) {
    throw new ToolError("VALIDATION_ERROR", `The ${moveLabel(move)} has no lines; Odoo refuses to post it.`);
  }
}

/** `action_post` on a draft; Odoo's own refusal (a UserError) becomes `VALIDATION_ERROR` with its message. */
export async function postMove(odoo: Odoo, move: MoveRecord): Promise<void> {
  try {
    await odoo.call({ model: "account.move", method: "action_post", ids: [move.id] });
  } catch (error) {
    if (error instanceof OdooUserError) {
      throw new ToolError(
        "VALIDATION_ERROR",
        `Odoo refused to post the ${moveLabel(move)}: ${error.message}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
