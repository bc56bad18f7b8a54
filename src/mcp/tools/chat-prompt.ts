import { randomBytes, randomUUID } from "node:crypto";
import {
  acceptedContent,
  type CallToolResult,
  createRequestStateCodec,
  type ElicitRequestFormParams,
  type ElicitResult,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Approvals, ChatAnswer } from "../approvals/core.js";
import { ToolError } from "../errors.js";
import { callTool, checkedAnswer, errorResult } from "./call.js";
import type { AnyToolDefinition, ToolCallContext } from "./definition.js";

/**
 * The approval question asked in the chat, in each protocol era; the gate (`approvals/core.ts`) asks it through
 * `GateCall.elicit` and judges the answer the same way in both (the `elicitation` channel: its budget and limits,
 * never money going out). These adapters only carry the question and the answer.
 */

/** The form the client shows: approve or reject. */
const DECISION_FORM: ElicitRequestFormParams["requestedSchema"] = {
  type: "object",
  properties: {
    decision: {
      type: "string",
      title: "Decision",
      enum: ["approve", "reject"],
      enumNames: ["Approve", "Reject"],
      description: "Approve runs the action in Odoo now; reject cancels it.",
    },
  },
  required: ["decision"],
};
const DECISION = z.object({ decision: z.enum(["approve", "reject"]) });

/** How a 2025-era server sends elicitation/create: on the request it serves, or on the connection. */
export type ElicitQuestion = (params: ElicitRequestFormParams) => Promise<ElicitResult>;

/** 2025 era: the server asks the client (elicitation/create) and waits for the answer within the same call. */
export async function elicitDecision(ask: ElicitQuestion, message: string): Promise<ChatAnswer> {
  const result = await ask({ message, requestedSchema: DECISION_FORM });
  if (result.action !== "accept") return "dismissed";
  const decision = result.content?.decision;
  return decision === "approve" || decision === "reject" ? decision : "dismissed";
}

/** What the round trip's request state carries, sealed: which request the question was about, once. */
interface ChatState {
  approvalId: string;
  tool: string;
  nonce: string;
}

/**
 * 2026-07-28: the question is an input round trip. The gated call answers `input_required` (the question, and a
 * request state naming the approval, sealed with a key that lives only in this process); the client's next call
 * carries the person's answer and the state back, and the gate decides through the same channel as above. A
 * state that was forged, altered or expired is refused by the SDK before any handler runs; one already answered
 * is refused here. Either way nothing is decided.
 */
export function chatRoundTrip(approvals: Pick<Approvals, "answerInChat">, ttlMs: number) {
  // A question stays answerable as long as its request.
  const ttlSeconds = Math.ceil(ttlMs / 1000);
  const codec = createRequestStateCodec<ChatState>({
    key: randomBytes(32),
    ttlSeconds,
    bind: (ctx) => ctx.mcpReq.method,
  });
  // The states already answered, until they expire (a replay of one decides nothing).
  const answered = new Map<string, number>();
  const spend = (nonce: string): boolean => {
    const now = Date.now();
    for (const [seen, until] of answered) if (until < now) answered.delete(seen);
    if (answered.has(nonce)) return false;
    answered.set(nonce, now + ttlSeconds * 1000);
    return true;
  };

  const answer = (tool: AnyToolDefinition, state: ChatState, ctx: ServerContext, base: ToolCallContext) => {
    if (state.tool !== tool.name)
      return errorResult(
        new ToolError(
          "APPROVAL_INVALID",
          `This answer was asked for by ${state.tool}, not ${tool.name}; nothing was decided.`,
        ),
      );
    if (!spend(state.nonce))
      return errorResult(
        new ToolError(
          "APPROVAL_INVALID",
          `The question about approval ${state.approvalId} was answered already; nothing was decided. Check it with get_approval.`,
          { approval_id: state.approvalId },
        ),
      );
    const given = inputResponse(ctx.mcpReq.inputResponses, "decision");
    const content = acceptedContent(ctx.mcpReq.inputResponses, "decision", DECISION);
    const decision: ChatAnswer = given.kind === "elicit" && content ? content.decision : "dismissed";
    return checkedAnswer(tool, () => approvals.answerInChat(state.approvalId, decision, base.call), base);
  };

  return {
    verify: codec.verify,
    /** One 2026-era call: the tool, or the answer to its question when the call carries one. */
    async serve(
      tool: AnyToolDefinition,
      args: unknown,
      base: ToolCallContext,
      ctx: ServerContext,
      elicits: boolean,
    ): Promise<CallToolResult | InputRequiredResult> {
      const state = ctx.mcpReq.requestState<ChatState>();
      if (state !== undefined) return answer(tool, state, ctx, base);
      if (!elicits) return callTool(tool, args, base);
      let asked: { approvalId: string; message: string } | undefined;
      const result = await callTool(tool, args, {
        ...base,
        call: {
          ...base.call,
          elicit: async (message, approvalId) => {
            asked = { message, approvalId };
            return "asked";
          },
        },
      });
      const pending = result.structuredContent as { status?: unknown; approval_id?: unknown } | undefined;
      if (
        !asked ||
        result.isError ||
        pending?.status !== "pending_approval" ||
        pending.approval_id !== asked.approvalId
      )
        return result;
      return inputRequired({
        inputRequests: {
          decision: inputRequired.elicit({ message: asked.message, requestedSchema: DECISION_FORM }),
        },
        requestState: await codec.mint(
          { approvalId: asked.approvalId, tool: tool.name, nonce: randomUUID() },
          ctx,
        ),
      });
    },
  };
}
