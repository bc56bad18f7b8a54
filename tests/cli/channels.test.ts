/**
 * Every decision says where it was given: `odoo-mcp approvals list --status all` shows "approved in the chat
 * (<client>)" for an approval given in the MCP client's own prompt (the one the agent may have answered itself),
 * beside "at the terminal", "in the app" and "automatically", in the words the app uses too (src/shared/channels.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { approvalsCommand } from "../../src/mcp/cli/approvals.js";
import { decidedWords } from "../../src/shared/channels.js";
import { invoiceFor } from "../redteam/helpers.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Runs the command in this process over the harness's data folder, as a person runs it; its stdout. */
async function listAll(harness: Harness): Promise<string> {
  const saved = { ...process.env };
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  Object.assign(process.env, harness.env, { ODOO_MCP_LOG_LEVEL: "silent" });
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    expect(await approvalsCommand(["list", "--status", "all"])).toBe(0);
  } finally {
    process.stdout.write = write;
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
  return out;
}

describe("the channel of each decision, in words", () => {
  it("one table: chat (with the client's name, escaped), terminal, app, automatically; rejections too", () => {
    expect(decidedWords({ decision: "approved", channel: "elicitation" }, "Claude Code")).toBe(
      "approved in the chat (Claude Code)",
    );
    expect(decidedWords({ decision: "approved", channel: "elicitation" })).toBe("approved in the chat");
    expect(decidedWords({ decision: "approved", channel: "cli" }, "Claude Code")).toBe(
      "approved at the terminal",
    );
    expect(decidedWords({ decision: "approved", channel: "tray" })).toBe("approved in the app");
    expect(decidedWords({ decision: "approved", channel: "auto" })).toBe("approved automatically");
    expect(decidedWords({ decision: "rejected", channel: "cli" })).toBe("rejected at the terminal");
    expect(decidedWords({ decision: "approved", channel: "elicitation" }, "Evil\u001b[2J\nClient")).toBe(
      "approved in the chat (Evil\\x1b[2J\\nClient)",
    );
    expect(decidedWords({ decision: "approved", channel: "later\u202e" })).toBe("approved via later\\u202e");
  });

  it("approvals list --status all shows where each request was decided", async () => {
    let answer: "approve" | "cancel" = "approve";
    h = await startHarness({ elicitation: () => answer });
    await seedCustomer(h);
    // Under the prompt's limit (1000 by default): the client's prompt is offered, and the client approves.
    const chat = await h.call("create_invoice", invoiceFor(100));
    expect(chat.isError, chat.text).toBe(false);
    const chatId = String(chat.data.approval_id);
    answer = "cancel";
    const pending = async () => {
      const made = await h!.call("create_invoice", INVOICE_INPUT);
      expect(made.data.status, made.text).toBe("pending_approval");
      return String(made.data.approval_id);
    };
    const terminalId = await pending();
    await h.approve(terminalId);
    const appId = await pending();
    await h.app.approvals.decide(appId, {
      decision: "approved",
      channel: "tray",
      actor: "ada (odoo-mcp app)",
    });
    const rejectedId = await pending();
    await h.reject(rejectedId, "wrong customer");
    const auto = await h.call("create_expense", {
      description: "Taxi",
      amount: 12,
      expense_date: new Date().toLocaleDateString("sv"),
      category: "meals",
    });
    expect(auto.isError, auto.text).toBe(false);
    const autoId = String(auto.data.approval_id);

    const lines = (await listAll(h)).split("\n");
    const lineOf = (id: string) => lines.find((line) => line.startsWith(id)) ?? "";
    expect(lineOf(chatId)).toMatch(/approved in the chat \(test-client\)$/);
    expect(lineOf(terminalId)).toMatch(/approved at the terminal$/);
    expect(lineOf(appId)).toMatch(/approved in the app$/);
    expect(lineOf(rejectedId)).toMatch(/rejected at the terminal$/);
    expect(lineOf(autoId)).toMatch(/approved automatically$/);

    // The audit log says it too: the decision's line carries its channel.
    const decided = (await h.app.audit.read(new Date().toLocaleDateString("sv"))).filter(
      (event) => event.event === "approval_decided",
    );
    expect(decided.find((event) => event.approval_id === chatId)?.channel).toBe("elicitation");
    expect(decided.find((event) => event.approval_id === autoId)?.channel).toBe("auto");
  });
});
