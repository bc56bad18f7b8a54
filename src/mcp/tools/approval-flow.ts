import type { WriteOperation } from "../accounting/operation.js";
import type { GatedAnswer } from "../approvals/core.js";
import { toToolError } from "../error-map.js";
import { OdooConnectionError } from "../odoo/errors.js";
import type { ToolCallContext } from "./definition.js";

/** What a dry run answers (nothing was written). */
export interface DryRunAnswer {
  status: "dry_run";
  dry_run: true;
  summary?: string;
  would: Record<string, unknown>;
  validated_against_odoo: boolean;
  message: string;
}

/**
 * The `run` of a money-moving tool, declared from its operation: the approval core does the rest (prepare, the
 * signed request, the person's decision, exactly-once execution). Nothing in `input` can approve anything, and a
 * tool holds no way to decide: `ctx.gate` only requests and reads.
 */
export function gated<I extends object, R>(
  operation: WriteOperation<never, unknown>,
  toArgs: (input: I) => Promise<Record<string, unknown>> = async (input) =>
    ({ ...input }) as Record<string, unknown>,
): (input: I, ctx: ToolCallContext) => Promise<R> {
  return async (input, ctx) => {
    const args = await toArgs(input);
    if (ctx.dryRun) return (await dryRun(operation as WriteOperation<unknown, unknown>, args, ctx)) as R;
    return (await ctx.gate.request<R>(operation.tool, args, ctx.call)) as R;
  };
}

export type { GatedAnswer };

async function dryRun(
  operation: WriteOperation<unknown, unknown>,
  input: Record<string, unknown>,
  ctx: ToolCallContext,
): Promise<DryRunAnswer> {
  const tool = operation.tool;
  let answer: DryRunAnswer;
  try {
    const prepared = await operation.prepare(ctx.odoo, input);
    answer = {
      status: "dry_run",
      dry_run: true,
      summary: prepared.summary,
      would: operation.dryRun(prepared, input) as Record<string, unknown>,
      validated_against_odoo: true,
      message:
        "DRY_RUN is on: the input is valid and this is what would be asked for approval; nothing was written.",
    };
  } catch (error) {
    const mapped = toToolError(error);
    if (!(error instanceof OdooConnectionError) && mapped.code !== "ODOO_CONNECTION_ERROR") throw mapped;
    answer = {
      status: "dry_run",
      dry_run: true,
      validated_against_odoo: false,
      would: { tool, arguments: input },
      message:
        "DRY_RUN is on and Odoo cannot be reached: the input passed the schema checks; Odoo look-ups were skipped. Nothing was written.",
    };
  }
  await ctx.audit.append({
    event: "tool_call",
    action: tool,
    actor: "agent",
    target: typeof answer.summary === "string" ? answer.summary.split("\n")[0] : tool,
    approval_status: "not_required",
    result: "dry_run",
    channel: "mcp",
  });
  return answer;
}
