import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APPROVAL_CARD_URI } from "../../src/mcp/apps/index.js";
import { type BatchInput, createBatchOperation, withBatch } from "../approvals/helpers/batch.js";
import { type Harness, startHarness } from "../support/harness.js";
import { type ChromiumHost, connectChat, startChromiumHost } from "./chromium-host.js";

/**
 * A batch's approval card in the chat (src/apps/approval): its items listed, numbered as the terminal numbers them,
 * every value escaped, and nothing to check or click: the card decides nothing, it says where to approve some items.
 */
describe("the approval card of a batch", () => {
  let h: Harness;
  let host: ChromiumHost;
  let chat: Client;
  let folder: string;
  let operation: ReturnType<typeof createBatchOperation>;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), "odoo-mcp-batch-card-"));
    operation = createBatchOperation(path.join(folder, "effects.jsonl"));
    h = await startHarness({ operations: withBatch(operation) });
    chat = await connectChat(h.app);
    host = await startChromiumHost(async ({ name, arguments: args = {} }) =>
      chat.callTool({ name, arguments: args }),
    );
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await chat?.close();
    await h?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  /** The batch requested (the chat's call answers it pending) and its card as the chat shows it. */
  async function showCard(input: BatchInput) {
    const answer = (await h.app.approvals.request(operation, input, {
      clientName: "apps-test",
      signal: AbortSignal.abort(),
    })) as { status: string; approval_id: string };
    const frame = await host.show(APPROVAL_CARD_URI, input as unknown as Record<string, unknown>, {
      content: [],
      structuredContent: answer,
    });
    return { answer, frame, card: frame.getByRole("article", { name: "Request" }) };
  }

  it("lists the items, escaped, read-only, and says where some of them can be approved", async () => {
    const input: BatchInput = {
      items: [
        { title: "Bank line 1 Dec, ACME → INV/2026/00001", amount: "100.00 USD", note: "same amount" },
        { title: "Globex\u202e\nTotal 0.00 USD", amount: "250.00 USD" },
      ],
    };
    const { answer, frame, card } = await showCard(input);
    const items = card.getByRole("list", { name: "Items" });
    await items.waitFor();
    expect(await items.locator("li").count()).toBe(2);
    expect(await items.locator(".item-number").allTextContents()).toEqual(["1.", "2."]);
    const text = (await items.textContent()) ?? "";
    expect(text).toContain("Globex\\u202e\\nTotal 0.00 USD");
    expect(text).toContain("same amount");
    for (const raw of ["\u202e", "\n"]) expect(text).not.toContain(raw);
    // Nothing to choose or click here.
    expect(await frame.locator("button, form, input, textarea").count()).toBe(0);
    expect(await card.getByRole("note").last().textContent()).toContain(
      `odoo-mcp approvals approve ${answer.approval_id} --only 1,3`,
    );
    expect(host.pageErrors).toEqual([]);
  });

  it("a batch only a person decides (a bank reconciliation) says so, and never points to the chat", async () => {
    const input: BatchInput = {
      items: [{ title: "Bank line 2 Dec → INV/2026/00002", amount: "80.00 USD" }],
      personOnly: true,
    };
    const { answer, card } = await showCard(input);
    await card.getByRole("list", { name: "Items" }).waitFor();
    const where = (await card.getByRole("note").last().textContent()) ?? "";
    expect(where).toContain(
      "decided only by a person, at the terminal or in the odoo-mcp app, never in the chat",
    );
    expect(where).toContain(`odoo-mcp approvals approve ${answer.approval_id}`);
    expect(where).not.toContain("chat's own prompt");
    expect(host.pageErrors).toEqual([]);
  });
});
