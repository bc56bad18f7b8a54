import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BatchInput,
  type BatchOperation,
  createBatchOperation,
  readBatchEffects,
  withBatch,
} from "../approvals/helpers/batch.js";
import { type Harness, startHarness } from "../support/harness.js";
import { type ChromiumApp, startChromiumApp } from "./chromium-app.js";

/**
 * A batch in the approval window, in a real headless Chromium over the real handlers: each item has a checkbox, all
 * checked at first; unchecking one turns "Approve" into "Approve 2 of 3", and only the items left checked run.
 * The history says "approved 2 of 3 items (1, 3)" and shows which items were approved. Hostile text in an item
 * (a bidi override, a line break, an escape sequence) is shown escaped.
 */
describe("a batch approved in part, in the approval window", () => {
  let h: Harness;
  let ui: ChromiumApp;
  let page: Page;
  let batch: BatchOperation;
  let folder: string;
  let effects: string;

  const HOSTILE = "Initech\u202e 57.00 USD\nTotal 0.00\u001b[2J";
  const THREE: BatchInput = {
    items: [
      { title: "Bank line 1 Dec, ACME → INV/2026/00001", amount: "100.00 USD", note: "same amount" },
      { title: "Bank line 2 Dec, Globex → INV/2026/00007", amount: "250.00 USD" },
      { title: HOSTILE, amount: "75.50 USD", note: "label\r\nsays paid" },
    ],
  };

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), "odoo-mcp-batch-window-"));
    effects = path.join(folder, "effects.jsonl");
    batch = createBatchOperation(effects);
    h = await startHarness({ operations: withBatch(batch) });
    const { ODOO_API_KEY: _secret, ...env } = h.env;
    ui = await startChromiumApp(h, env);
    page = ui.page;
    h.app.approvals.watch((ids) => ui.bridge.emit("approvals.changed", { ids }));
    await page.goto(`${ui.bridge.origin}/approvals.html`);
    await page.getByText("Nothing waits for you").waitFor();
  });
  afterAll(async () => {
    await ui?.close();
    await h?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const ask = async (input: BatchInput) => {
    const answer = (await h.app.approvals.request(batch, input, {
      clientName: "test-client",
      signal: AbortSignal.abort(),
    })) as { approval_id: string };
    return answer.approval_id;
  };
  const detail = () => page.getByRole("article", { name: "Request" });
  const items = () => detail().getByRole("list", { name: "Items" });

  it("lists the items with a checkbox each, all checked; 'Approve 2 of 3' runs the two left checked", async () => {
    const id = await ask(THREE);
    await page.locator(`li.card[data-id="${id}"]`).waitFor();
    await items().waitFor();
    const boxes = items().getByRole("checkbox");
    expect(await boxes.count()).toBe(3);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(true);
    expect(await detail().getByRole("button", { name: "Approve", exact: true }).isVisible()).toBe(true);

    // Every value escaped: the override, the line break and the escape sequence are shown, never obeyed.
    const text = (await items().textContent()) ?? "";
    expect(text).toContain("Initech\\u202e 57.00 USD\\nTotal 0.00\\x1b[2J");
    expect(text).toContain("label\\r\\nsays paid");
    for (const raw of ["\u202e", "\u001b", "\r", "\n"]) expect(text).not.toContain(raw);
    expect(await items().locator("li").nth(2).locator(".item-number").textContent()).toBe("3.");

    await items()
      .getByRole("checkbox", { name: /^Approve item 2:/ })
      .uncheck();
    const approve = detail().getByRole("button", { name: "Approve 2 of 3" });
    await approve.waitFor();
    await page.screenshot({ path: path.join(ui.shots, "approvals-batch-partial.png") });
    await approve.click();
    await expect.poll(async () => (await h.app.approvals.get(id))?.status).toBe("executed");
    expect(await readBatchEffects(effects)).toEqual([{ approvalId: id, applied: [0, 2] }]);
    expect(batch.refs.filter((ref) => ref.call === "apply")).toEqual([{ call: "apply", keep: [0, 2] }]);
    const record = await h.app.approvals.get(id);
    expect(record?.decision).toMatchObject({ channel: "tray", keep: [0, 2] });
  });

  it("with every item unchecked nothing can be approved (reject it instead)", async () => {
    const id = await ask(THREE);
    await page.locator(`li.card[data-id="${id}"]`).getByRole("button").click();
    await items().waitFor();
    for (const box of await items().getByRole("checkbox").all()) await box.uncheck();
    const approve = detail().getByRole("button", { name: /^Approve/ });
    expect(await approve.textContent()).toBe("Approve 0 of 3");
    expect(await approve.isDisabled()).toBe(true);
    await items().getByRole("checkbox").first().check();
    expect(await detail().getByRole("button", { name: "Approve 1 of 3" }).isEnabled()).toBe(true);
    await h.app.approvals.decide(id, { decision: "rejected", channel: "cli", actor: "test" });
  });

  it("the history says 'approved 2 of 3 items (1, 3) in the app' and shows which items were approved", async () => {
    const [decided] = await h.app.approvals.list({ status: "executed" });
    const id = decided!.id;
    await page.getByRole("button", { name: "History" }).click();
    const channel = page.locator(`tr[data-id="${id}"] [data-channel]`);
    await channel.waitFor();
    expect(await channel.textContent()).toBe("approved 2 of 3 items (1, 3) in the app · ada (odoo-mcp app)");
    await page.locator(`tr[data-id="${id}"] .request-name`).click();
    const dialog = page.getByRole("dialog", { name: "Request as decided" });
    await dialog.getByRole("list", { name: "Items" }).waitFor();
    const marks = await dialog.locator(".item-mark").allTextContents();
    expect(marks).toEqual(["approved", "not approved", "approved"]);
    // As decided: no checkbox to change it.
    expect(await dialog.getByRole("checkbox").count()).toBe(0);
    expect(ui.pageErrors).toEqual([]);
  });
});
