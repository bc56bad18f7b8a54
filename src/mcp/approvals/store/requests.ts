import type { Binding } from "../../accounting/operation.js";
import { ToolError } from "../../errors.js";
import { canonicalJson, computeArgsHash, documentDigest, isApprovalId, newApprovalId } from "../ids.js";
import { notFound, type StoreContext } from "./context.js";
import type { Listing } from "./listing.js";
import type { Records } from "./records.js";
import type { ApprovalDecision, ApprovalRecord } from "./schema.js";
import type { ApprovalStore } from "./types.js";

/** A request made (within the caps) and decided: `pending` → `approved` | `rejected` (or `expired`). */
export function createRequests(
  ctx: StoreContext,
  records: Records,
  listing: Listing,
): Pick<ApprovalStore, "create" | "decide"> {
  const { limits, now } = ctx;
  return {
    async create(input) {
      if (!input.tool) throw new ToolError("VALIDATION_ERROR", "An approval request needs a tool name.");
      if (!(input.ttlMs > 0))
        throw new ToolError("VALIDATION_ERROR", "An approval request needs a positive lifetime.");
      const args = input.args === undefined ? null : (JSON.parse(JSON.stringify(input.args)) as unknown);
      const size = Buffer.byteLength(canonicalJson(args));
      if (size > limits.maxRequestBytes)
        throw new ToolError(
          "VALIDATION_ERROR",
          `This request is too large to be reviewed (${Math.ceil(size / 1024)} KiB of arguments; at most ${Math.floor(limits.maxRequestBytes / 1024)} KiB). Split it into smaller ones.`,
        );
      const client = input.requestedBy ?? "";
      const { everyone, waiting } = await listing.pendingCounts(client);
      // A client name is the client's own word: fresh names get no fresh allowance beyond the total cap.
      if (everyone >= limits.maxPendingTotal)
        throw new ToolError(
          "TOO_MANY_PENDING",
          `${everyone} requests already wait for a person's decision (at most ${limits.maxPendingTotal} in all). Ask the person to decide them (odoo-mcp approvals list) before making new ones.`,
        );
      if (waiting >= limits.maxPendingPerClient)
        throw new ToolError(
          "TOO_MANY_PENDING",
          `${waiting} requests from this client already wait for a person's decision (at most ${limits.maxPendingPerClient}). Ask the person to decide them (odoo-mcp approvals list) before making new ones.`,
        );
      const binding =
        input.binding === undefined ? undefined : (JSON.parse(JSON.stringify(input.binding)) as Binding);
      const created = now();
      const record: ApprovalRecord = {
        v: 2,
        id: newApprovalId(),
        tool: input.tool,
        args,
        ...(binding ? { binding } : {}),
        argsHash: computeArgsHash(input.tool, args, binding),
        ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
        meta: JSON.parse(JSON.stringify(input.meta)) as ApprovalRecord["meta"],
        status: "pending",
        createdAt: created.toISOString(),
        expiresAt: new Date(created.getTime() + input.ttlMs).toISOString(),
      };
      await input.beforeWrite?.(record);
      return records.write(record);
    },

    async decide(id, input) {
      if (!isApprovalId(id)) throw notFound(id);
      const outcome = await records.mutate<ApprovalRecord | "expired">(id, async (current) => {
        if (!current) throw notFound(id);
        const problems = ctx.integrity(current);
        if (problems.length > 0)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} failed its integrity check (${problems.join("; ")}); it cannot be decided. Nothing was done.`,
          );
        if (input.argsHash !== undefined && input.argsHash !== current.argsHash)
          throw new ToolError(
            "APPROVAL_INVALID",
            `Approval ${id} changed after it was shown to you; nothing was decided. Look at it again.`,
          );
        if (ctx.isExpired(current)) return { record: records.expired(current), result: "expired" as const };
        const redecidable =
          current.status === "approved" &&
          !ctx.decisionVerifies(current) &&
          !current.execution &&
          (await ctx.journal.state(id)).attempts === 0;
        if (current.status !== "pending" && !redecidable) {
          if (current.status === "expired")
            throw new ToolError(
              "APPROVAL_EXPIRED",
              `Approval ${id} expired at ${current.expiresAt}; nothing was done.`,
            );
          const by = current.decision
            ? ` by ${current.decision.actor} via ${current.decision.channel} at ${current.decision.at}`
            : "";
          throw new ToolError(
            "VALIDATION_ERROR",
            `Approval ${id} was already decided: it is ${current.status}${by}.`,
          );
        }
        const unsigned: Omit<ApprovalDecision, "signature"> = {
          decision: input.decision,
          channel: input.channel,
          actor: input.actor,
          ...(input.reason ? { reason: input.reason } : {}),
          at: now().toISOString(),
          key: ctx.decisionKey.source,
          ...(input.document !== undefined ? { documentSha256: documentDigest(input.document) } : {}),
          ...(input.keep ? { keep: [...input.keep] } : {}),
        };
        // A document kept with an earlier decision (one re-decided in passphrase mode) goes with it.
        const { shownDocument: _earlier, ...undecided } = current;
        const decided: ApprovalRecord = {
          ...undecided,
          status: input.decision,
          decision: ctx.signDecision(current, unsigned),
          ...(input.document !== undefined ? { shownDocument: input.document } : {}),
          ...(input.decision === "rejected" ? { completedAt: unsigned.at } : {}),
        };
        // The journal first: a decision it does not hold never runs (keychain mode).
        await ctx.journalEvent(id, "decided");
        return { record: decided, result: decided };
      });
      if (outcome === "expired")
        throw new ToolError(
          "APPROVAL_EXPIRED",
          `Approval ${id} has expired; nobody decided in time. Nothing was done.`,
        );
      return outcome;
    },
  };
}
