import type { DryRunnable } from "../accounting/operation.js";
import type { AuditLog } from "../audit/audit-log.js";
import { toToolError } from "../error-map.js";
import { OdooAuthError, OdooConnectionError } from "../odoo/errors.js";
import type { Odoo } from "../odoo/types.js";

/** A write tool's answer under DRY_RUN: its documented output fields (null where unknown) and what it would do. */
export interface DryRunAnswer {
  [field: string]: unknown;
  status: "dry_run";
  dry_run: true;
  validated_against_odoo: boolean;
  would: Record<string, unknown>;
  summary?: string;
  message: string;
}

/**
 * DRY_RUN: nothing is written to Odoo. The input is checked as for a real call (the operation's read-only
 * `prepare`: a bad input still gets its contract error), then the operation's read-only preview fills the output
 * fields it can know (ids of records not yet created are null; totals are Odoo's, computed read-only). When Odoo
 * cannot be reached (or no credentials are configured), the look-ups are skipped: every output field is null and
 * `would` holds the arguments. One audit line records the dry run.
 */
export async function dryRunAnswer<I>(
  operation: DryRunnable<I, unknown>,
  odoo: Odoo,
  input: I,
  audit: Pick<AuditLog, "append">,
): Promise<DryRunAnswer> {
  const unknown = Object.fromEntries(
    Object.keys(operation.result.shape)
      .filter((key) => key !== "status")
      .map((key) => [key, null]),
  );
  let answer: DryRunAnswer;
  try {
    const prepared = await operation.prepare(odoo, input);
    const preview = await operation.dryRun(odoo, prepared, input);
    answer = {
      ...unknown,
      ...preview.fields,
      status: "dry_run",
      dry_run: true,
      validated_against_odoo: true,
      summary: prepared.summary,
      would: preview.would,
      message:
        "DRY_RUN is on: the input is valid and this is what would be done (and asked for approval where needed); " +
        "nothing was written. Fields that only exist once Odoo has written the records (ids, numbers, dates) are null.",
    };
  } catch (error) {
    const reason = unreachable(error);
    if (reason === null) throw toToolError(error);
    answer = {
      ...unknown,
      status: "dry_run",
      dry_run: true,
      validated_against_odoo: false,
      would: { tool: operation.tool, arguments: input },
      message:
        `DRY_RUN is on and Odoo ${reason}: the input passed the schema checks; Odoo look-ups were skipped and ` +
        "the output fields are null. Nothing was written.",
    };
  }
  await audit.append({
    event: "tool_call",
    action: operation.tool,
    actor: "agent",
    target: typeof answer.summary === "string" ? (answer.summary.split("\n")[0] ?? "") : operation.tool,
    approval_status: "not_required",
    result: "dry_run",
    channel: "mcp",
  });
  return answer;
}

/** Why Odoo could not be asked, or null when the error is the input's (it is answered as in a real call). */
function unreachable(error: unknown): string | null {
  if (error instanceof OdooConnectionError) return "cannot be reached";
  if (error instanceof OdooAuthError) return "refused the credentials (or none are configured)";
  const code = toToolError(error).code;
  if (code === "ODOO_CONNECTION_ERROR") return "cannot be reached";
  return null;
}
