import type { WriteOperation } from "../accounting/operation.js";
import type { GatedAnswer } from "../approvals/core.js";
import type { ToolCallContext } from "./definition.js";
import { dryRunAnswer } from "./dry-run.js";

/**
 * The `run` of a money-moving tool, declared from its operation: under DRY_RUN its preview, otherwise the
 * approval core does the rest (prepare, the sealed request, the person's decision, exactly-once execution).
 * Nothing in `input` can approve anything, and a tool holds no way to decide: `ctx.gate` only requests and reads.
 */
export function gated<I extends object, R>(
  operation: WriteOperation<I, unknown>,
  toArgs: (input: I, ctx: ToolCallContext) => Promise<I> = async (input) => ({ ...input }),
): (input: I, ctx: ToolCallContext) => Promise<R> {
  return async (input, ctx) => {
    const args = await toArgs(input, ctx);
    if (ctx.dryRun) return (await dryRunAnswer(operation, ctx.odoo, args, ctx.audit)) as R;
    return (await ctx.gate.request(operation, args, ctx.call)) as R;
  };
}

export type { GatedAnswer };
