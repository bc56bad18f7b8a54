import { type AppendOptions, type AuditEvent, auditUnavailableReason } from "../audit/audit-log.js";
import { toToolError } from "../error-map.js";
import { ToolError } from "../errors.js";
import type { ToolCallContext } from "./definition.js";

type EventFields = Omit<AuditEvent, "timestamp" | "event" | "action" | "result">;

/**
 * Runs a tool that needs no approval with its audit lines: for a write, the intent is on disk before Odoo is
 * touched (no line, no write); for everything, the outcome is on disk before the tool answers. A read's line
 * does not wait for the chain's head to be saved in the keychain (it is, right after, before any later line):
 * a read changes nothing that the head's few milliseconds would protect.
 */
export async function audited<T>(
  ctx: ToolCallContext,
  action: string,
  kind: "read" | "write",
  fields: EventFields,
  run: () => Promise<T>,
  describe?: (result: T) => Partial<EventFields>,
): Promise<T> {
  const { audit } = ctx;
  const base = {
    action,
    actor: "agent" as const,
    channel: "mcp" as const,
    approval_status: "not_required",
    ...fields,
  };
  const options = { untilOnDisk: kind === "read" };
  if (kind === "write") {
    await appendOrRefuse(ctx, { ...base, event: "tool_call", result: "pending" }, options);
  }
  let result: T;
  try {
    result = await run();
  } catch (error) {
    const mapped = toToolError(error);
    await audit
      .append(
        { ...base, event: "tool_call", result: "failed", error_code: mapped.code, message: mapped.message },
        options,
      )
      .catch(() => {});
    throw mapped;
  }
  await appendOrRefuse(
    ctx,
    { ...base, ...describe?.(result), event: "tool_call", result: "success" },
    options,
  );
  return result;
}

async function appendOrRefuse(
  ctx: ToolCallContext,
  event: Omit<AuditEvent, "timestamp">,
  options: AppendOptions,
): Promise<void> {
  try {
    await ctx.audit.append(event, options);
  } catch (error) {
    throw new ToolError(
      "AUDIT_LOG_UNAVAILABLE",
      `The audit log cannot be written; odoo-mcp does not act without it: ${auditUnavailableReason(error)}.`,
    );
  }
}
