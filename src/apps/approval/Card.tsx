import type { App } from "@modelcontextprotocol/ext-apps";
import { type ApprovalCard, approvalCard } from "../../shared/views.js";
import {
  ArgumentRows,
  DocumentBody,
  RequestHead,
  RequestRows,
  Row,
  strongAmount,
} from "../../ui/DocumentView.js";
import { RequestWarnings } from "../../ui/RequestWarnings.js";
import { t } from "../../ui/text.js";
import { callTool, errorText, type ToolResult } from "../connect.js";

/** How often a card whose request waits reads it again (a read of the approval store and Odoo's look-ups). */
export const REFRESH_MS = 5_000;

export type CardState =
  | { phase: "waiting" }
  | { phase: "nothing" }
  | { phase: "card"; card: ApprovalCard }
  | { phase: "failed"; message: string };

/**
 * What the card shows for a gated tool's answer. It takes one thing from the chat, the id of the request the answer
 * names (status pending_approval); everything it shows is read again from the server (`approval_view`), looked up
 * in Odoo now, never what the agent or the answer wrote.
 */
export async function cardFor(app: App, result: ToolResult): Promise<CardState> {
  const answer = result.structuredContent as { status?: unknown; approval_id?: unknown } | undefined;
  if (answer?.status !== "pending_approval" || typeof answer.approval_id !== "string")
    return { phase: "nothing" };
  try {
    const card = approvalCard.parse(
      await callTool(app, "approval_view", { approval_id: answer.approval_id }),
    );
    return { phase: "card", card };
  } catch (error) {
    return { phase: "failed", message: errorText(error) };
  }
}

export function ApprovalCardView({ state }: { state: CardState }) {
  switch (state.phase) {
    case "waiting":
      return <p className="muted app-note">Waiting for the request…</p>;
    case "nothing":
      return <p className="muted app-note">Nothing waits for an approval here.</p>;
    case "failed":
      return (
        <p className="alert alert-danger app-note" role="alert">
          The request cannot be shown: {t(state.message, 400)}
        </p>
      );
    case "card":
      return <Card card={state.card} />;
  }
}

/**
 * Where it is decided: never here (the card has no buttons). Money going out only at the terminal or in the
 * odoo-mcp app (approvals/policy.ts says it in these words); the rest there too, or in the chat's own prompt.
 */
function whereToDecide(card: ApprovalCard): string {
  if (card.status !== "pending") return `This request is ${card.status}: nothing is left to decide.`;
  const command = `odoo-mcp approvals approve ${card.approval_id}`;
  const some = card.document?.items?.length
    ? ` Some of its items only: check them in the app, or ${command} --only 1,3 (the items' numbers).`
    : "";
  if (card.person_only)
    return `A bank reconciliation (or its undo) is decided only by a person, at the terminal or in the odoo-mcp app, never in the chat: approve or reject it there (${command}).${some}`;
  return card.money_out
    ? `Money going out is approved only at the terminal or in the odoo-mcp app, never in the chat: approve or reject it there (${command}).${some}`
    : `Approve or reject it in the odoo-mcp app or at the terminal (${command}), or in the chat's own prompt when it asks.${some}`;
}

/** The request as the approval window shows it (src/renderer/approvals/Detail.tsx), read-only. */
function Card({ card }: { card: ApprovalCard }) {
  const document = card.document;
  const amount = document ? strongAmount(document) : undefined;
  return (
    <article className="detail app-card" aria-label="Request">
      <RequestHead tool={card.tool} document={document} title={card.title} amount={amount} />
      <RequestWarnings
        integrity={card.integrity}
        refused={card.refused}
        fromArguments={card.derived_from === "arguments"}
        recipientDiffers={card.recipient_differs}
        newContact={card.new_contact}
      />
      {document && <DocumentBody document={document} />}
      <dl className="facts">
        <ArgumentRows document={document} details={card.details} />
        {card.receipt && (
          <Row
            name="Receipt"
            value={`${t(card.receipt.name, 120)} · ${t(card.receipt.mimetype, 60)} · ${Math.max(1, Math.round(card.receipt.size / 1024))} KiB (shown in the odoo-mcp app)`}
          />
        )}
        <RequestRows request={card} />
      </dl>
      <footer className="read-only" role="note">
        {t(whereToDecide(card), 400)}
      </footer>
    </article>
  );
}
