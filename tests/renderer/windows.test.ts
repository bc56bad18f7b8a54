import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { clientsHandlers } from "../../src/main/clients-handlers.js";
import { settingsHandlers } from "../../src/main/settings-handlers.js";
import { pngBytes, type TempFiles, tempFiles } from "../expenses/files.js";
import { type BridgeServer, startBridgeServer } from "../support/bridge-server.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { jsonSettingsStore, memoryLoginItems } from "../support/settings-store.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const ROOT = path.join(REPO, "dist/renderer");
const CHROMIUM = "/usr/bin/chromium";

/**
 * The approval window in a real headless Chromium, over the loopback test bridge that serves the
 * REAL handlers for an app on the sandbox. End to end: an MCP client asks, the window shows it live, a click
 * decides, Odoo has (or has not) the record, and the history shows it with its link.
 */
describe("the app's windows in Chromium", () => {
  let h: Harness;
  let chatAnswer: "approve" | "cancel" = "cancel";
  let bridge: BridgeServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let files: TempFiles;
  let shots: string;
  const opened: string[] = [];
  const pageErrors: string[] = [];
  /** The app's environment (no Odoo secret in it: the window saves that) and its settings store. */
  let env: Record<string, string>;
  let store: ReturnType<typeof jsonSettingsStore>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-test-deps.sh`);
    await build({ configFile: path.join(REPO, "vite.renderer.config.ts"), logLevel: "warn" });
    // The MCP client shows the chat prompt; it answers "approve" only where a test says so (else it is dismissed).
    h = await startHarness({ elicitation: () => chatAnswer });
    await seedCustomer(h);
    files = await tempFiles();
    const harness = h;
    const { ODOO_API_KEY: _secret, ...rest } = h.env;
    env = rest;
    store = jsonSettingsStore(path.join(h.dataDir, "settings.json"));
    bridge = await startBridgeServer({
      root: ROOT,
      handlers: {
        ...approvalHandlers(h.app, { actor: "ada (odoo-mcp app)", historyCheckMs: 0 }),
        ...settingsHandlers({
          app: () => harness.app,
          store,
          loginItems: memoryLoginItems(),
          openExternal: (url) => void opened.push(url),
          configOptions: { env, cwd: h.dataDir },
          actor: "ada (odoo-mcp app)",
        }),
        ...clientsHandlers({
          command: "/Applications/Odoo MCP.app/Contents/MacOS/Odoo MCP",
          claudeDesktopConfigPath: path.join(h.dataDir, "Claude", "claude_desktop_config.json"),
          platform: "darwin",
        }),
      },
    });
    // Live refresh: what the Electron glue does with the core's watch.
    h.app.approvals.watch((ids) => bridge.emit("approvals.changed", { ids }));
    profile = await mkdtemp(path.join(tmpdir(), "odoo-mcp-chromium-"));
    shots = process.env.ODOO_MCP_SCREENSHOTS
      ? path.resolve(REPO, process.env.ODOO_MCP_SCREENSHOTS)
      : path.join(profile, "screenshots");
    await mkdir(shots, { recursive: true });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 820 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-sync",
        "--disable-component-update",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(`${bridge.origin}/approvals.html`);
    await page.getByText("Nothing waits for you").waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await bridge?.close();
    await files?.close();
    await h?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const invoices = () => h.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]]);
  const card = (id: string) => page.locator(`li.card[data-id="${id}"]`);
  const ask = async (tool: string, args: unknown) => {
    const asked = await h.call(tool, args);
    expect(asked.data.status).toBe("pending_approval");
    return String(asked.data.approval_id);
  };

  it("shows a new request live with everything to decide; Approve creates the invoice; the history links to it", async () => {
    const id = await ask("create_invoice", INVOICE_INPUT);
    await card(id).waitFor(); // no reload: the approvals.changed event
    await card(id).locator(".card-body").click();
    const detail = page.getByRole("article", { name: "Request" });
    await expect.poll(() => detail.textContent()).toContain("Acme Corp");
    const text = (await detail.textContent()) ?? "";
    for (const expected of [
      "Consulting services (hours)",
      "Travel costs",
      "120",
      "85.5",
      "billing@acme.example",
      "Due date",
      "Expires",
      "Taxes",
      "Total",
    ])
      expect(text).toContain(expected);
    expect(await detail.locator("table.lines tbody tr").count()).toBe(2);
    await page.screenshot({ path: path.join(shots, "approvals-pending.png") });

    const before = await invoices();
    await detail.getByRole("button", { name: "Approve" }).click();
    await page.getByText("1 request approved.").waitFor();
    expect(await invoices()).toBe(before + 1);
    expect((await h.app.approvals.get(id))?.status).toBe("executed");
    await expect.poll(() => card(id).count()).toBe(0);

    await page.getByRole("button", { name: "History" }).click();
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("Done in Odoo");
    expect(await row.locator("[data-channel]").textContent()).toBe(
      "approved in the app · ada (odoo-mcp app)",
    );
    await row.getByRole("button", { name: /Open in Odoo/ }).click();
    await expect.poll(() => opened.length).toBe(1);
    const record = await h.app.approvals.get(id);
    expect(opened[0]).toBe((record!.outcome as { output: { odoo_url: string } }).output.odoo_url);
    expect(opened[0]?.startsWith(h.sandbox.url)).toBe(true);
    await page.getByRole("button", { name: /Pending/ }).click();
  });

  it("rejects with a reason: nothing in Odoo, the reason in the history", async () => {
    const id = await ask("create_invoice", { ...INVOICE_INPUT, notes: "reject me" });
    await card(id).locator(".card-body").click();
    const before = await invoices();
    await page.getByRole("button", { name: "Reject…" }).click();
    await page.locator("textarea[name=reason]").fill("wrong customer");
    await page.getByRole("button", { name: "Reject", exact: true }).click();
    await page.getByText("1 request rejected.").waitFor();
    expect(await invoices()).toBe(before);
    expect((await h.app.approvals.get(id))?.decision).toMatchObject({
      decision: "rejected",
      reason: "wrong customer",
    });
    await page.getByRole("button", { name: "History" }).click();
    await expect
      .poll(() => page.locator(`tr[data-id="${id}"]`).textContent())
      .toContain("Rejected: wrong customer");
    await page.getByRole("button", { name: /Pending/ }).click();
  });

  it("approves a batch of three in one decision", async () => {
    const ids = [];
    for (const notes of ["one", "two", "three"])
      ids.push(await ask("create_invoice", { ...INVOICE_INPUT, notes }));
    for (const id of ids) await card(id).waitFor();
    const before = await invoices();
    await page.getByLabel("Select all").check();
    await page.getByRole("button", { name: "Approve 3" }).click();
    await page.getByText("3 requests approved.").waitFor();
    expect(await invoices()).toBe(before + 3);
    for (const id of ids) expect((await h.app.approvals.get(id))?.status).toBe("executed");
  });

  it("shows an expense's receipt inline and files the expense on Approve", async () => {
    const receipt = await files.write("taxi.png", pngBytes());
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const id = await ask("create_expense", {
      description: "Taxi to the client",
      amount: 250,
      expense_date: day,
      category: "travel",
      receipt_path: receipt,
    });
    await card(id).locator(".card-body").click();
    const image = page.getByRole("img", { name: /Receipt taxi\.png/ });
    await image.waitFor();
    expect(await image.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    expect(await page.getByRole("article", { name: "Request" }).textContent()).toContain("250");
    await page.screenshot({ path: path.join(shots, "approvals-expense.png") });
    const before = await h.app.odoo.searchCount("hr.expense", []);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByText("1 request approved.").waitFor();
    expect(await h.app.odoo.searchCount("hr.expense", [])).toBe(before + 1);

    await page.getByRole("button", { name: "History" }).click();
    await page.locator(`tr[data-id="${id}"]`).waitFor();
    expect(await page.locator("tbody tr").count()).toBe(6);
    await page.screenshot({ path: path.join(shots, "approvals-history.png") });
    await page.locator("select[name=tool]").selectOption("create_expense");
    await expect.poll(() => page.locator("tbody tr").count()).toBe(1);
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString("sv");
    await page.locator("select[name=tool]").selectOption("");
    await page.locator("input[name=from]").fill(tomorrow);
    await page.getByText("No decided request matches.").waitFor();
  });

  it("the history says where each request was decided: an approval given in the chat is marked, with its client", async () => {
    await page.getByRole("button", { name: /Pending/ }).click();
    // The MCP client's prompt answered "approve": a small invoice, within what the chat may approve.
    chatAnswer = "approve";
    const inChat = await h
      .call("create_invoice", {
        ...INVOICE_INPUT,
        notes: "chat",
        line_items: [{ description: "Consulting", quantity: 1, unit_price: 100 }],
      })
      .finally(() => {
        chatAnswer = "cancel";
      });
    expect(inChat.data.status, inChat.text).toBe("draft");
    const chat = String(inChat.data.approval_id);
    const terminal = await ask("create_invoice", { ...INVOICE_INPUT, notes: "terminal" });
    await h.approve(terminal);
    await page.getByRole("button", { name: "History" }).click();
    const channel = (id: string) => page.locator(`tr[data-id="${id}"] [data-channel]`);
    await channel(chat).waitFor();
    expect(await channel(chat).textContent()).toBe("approved in the chat (test-client)");
    expect(await channel(chat).locator(".flag").count()).toBe(1);
    expect(await channel(terminal).textContent()).toBe("approved at the terminal · test");
    await page.getByRole("button", { name: /Pending/ }).click();
  });

  it("a vanished history: the approval window shows a banner naming each log and what to do", async () => {
    await page.goto(`${bridge.origin}/approvals.html`);
    await page.getByRole("button", { name: /Pending/ }).waitFor();
    expect(await page.getByRole("alert", { name: "History vanished" }).count()).toBe(0);
    // The agent's file tools delete the audit log and the approvals with their journal.
    for (const dir of ["Logs", "approvals"])
      await rm(path.join(h.dataDir, dir), { recursive: true, force: true });
    bridge.emit("approvals.changed", { ids: [] });
    const banner = page.getByRole("alert", { name: "History vanished" });
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("Part of the history has vanished.");
    expect(text).toMatch(/The audit log is gone: the OS keychain remembers line \d+/);
    expect(text).toMatch(/The approval journal is gone: the OS keychain remembers line \d+/);
    expect(text).toContain("odoo-mcp audit accept-loss");
  });

  it("kept the production CSP: no inline script, no violation, no page error", async () => {
    expect(pageErrors).toEqual([]);
  });
});
