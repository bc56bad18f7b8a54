import path from "node:path";
import { PassThrough } from "node:stream";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDesktopApp } from "../../src/main/desktop-config.js";
import { connectionSettings } from "../../src/main/settings-handlers.js";
import { serveStdio } from "../../src/main/stdio.js";
import { loadKeychainKey } from "../../src/mcp/approvals/keys.js";
import { readPersonPolicy } from "../../src/mcp/approvals/policy-file.js";
import { keychainAccount } from "../../src/mcp/credentials/keychain.js";
import { ERROR_CODES } from "../../src/mcp/errors.js";
import { silentLogger } from "../../src/mcp/log.js";
import { allTools } from "../../src/mcp/tools/index.js";
import { kw } from "../sandbox/helpers.js";
import { type Harness, startHarness } from "../support/harness.js";
import { type ChromiumApp, startChromiumApp } from "./chromium-app.js";

/**
 * The settings window in a real headless Chromium, over the loopback test bridge that serves the REAL handlers for
 * an app on the sandbox (as tests/renderer/windows.test.ts does for the approval window). The app's environment
 * starts as an MCP client's configuration gives it (the connection and its API key); a test may take the key out.
 */
describe("the settings window in Chromium", () => {
  let h: Harness;
  let ui: ChromiumApp;
  let bridge: ChromiumApp["bridge"];
  let page: Page;
  let shots: string;
  let pageErrors: string[];
  /** The environment the app was started with: read again at every call, as the handlers read process.env. */
  let env: Record<string, string>;
  let store: ChromiumApp["store"];

  beforeAll(async () => {
    h = await startHarness();
    env = { ...h.env };
    ui = await startChromiumApp(h, env);
    ({ bridge, page, shots, pageErrors, store } = ui);
  });

  afterAll(async () => {
    await ui?.close();
    await h?.close();
  });

  const openSettings = async () => {
    await page.goto(`${bridge.origin}/settings.html`);
    await page.getByRole("heading", { name: "Odoo connection" }).waitFor();
  };
  const secretState = () => page.getByTestId("secret-state").textContent();
  const report = () => page.getByLabel("Connection report");
  const testConnection = async () => {
    await page.getByRole("button", { name: "Test connection" }).click();
    await report().waitFor();
    return (await report().textContent()) ?? "";
  };
  /** The report's lines, as the person reads them. */
  const reportLines = () => report().locator("li").allTextContents();
  /** No error code (VALIDATION_ERROR...) anywhere the person reads. */
  const noErrorCode = async () => {
    const text = (await page.locator("body").textContent()) ?? "";
    expect(ERROR_CODES.filter((code) => text.includes(code))).toEqual([]);
  };
  /** A select is as wide as its longest choice: the one the browser gives it when nothing squeezes it. */
  const cutOff = (select: Locator) =>
    select.evaluate((element) => {
      const probe = element.cloneNode(true) as typeof element;
      probe.style.cssText = "position: absolute; width: auto; min-width: 0; max-width: none";
      element.ownerDocument.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      return element.getBoundingClientRect().width < needed - 0.5;
    });

  it("an API key from the MCP client's configuration: said as such, and the window works with it", async () => {
    // The approval window of the same app says Odoo is connected...
    await page.goto(`${bridge.origin}/approvals.html`);
    await page.getByText("Odoo connected").waitFor();
    // ...and the settings window says where the key comes from instead of asking for it.
    await openSettings();
    expect(await secretState()).toBe(
      "✓ The API key comes from the MCP client's configuration (ODOO_API_KEY in the environment this app was started with). Nothing needs to be saved here; one pasted here is kept in your system's keychain and used instead.",
    );
    expect(await page.locator("input[name=secret]").getAttribute("placeholder")).toBe(
      "•••••••• (from the environment)",
    );
    const company = page.locator("select[name=company]");
    await expect
      .poll(() => company.locator("option").allTextContents())
      .toEqual(["The user's current company (My Company)", "My Company (id 1)"]);
    expect(await testConnection()).toContain("Everything works.");
    expect((await reportLines())[0]).toBe(
      "✓ API key — from the environment this app was started with (ODOO_API_KEY)",
    );
    await noErrorCode();
    // Nothing was put in the keychain to make it work.
    const { url, database, login } = h.sandbox;
    expect(await h.app.keychain?.get(keychainAccount(url, database, login, "api_key"))).toBeNull();
  });

  it("no API key anywhere: every problem is a sentence that says what to do, never an error code", async () => {
    delete env.ODOO_API_KEY;
    await openSettings();
    expect(await secretState()).toBe(
      "No API key yet: paste it here and Save. It is kept only in your system's keychain and never shown again.",
    );
    const scope = page.getByRole("region", { name: "What the agent sees" });
    await scope
      .getByText(
        "The companies are read from Odoo, and there is no API key for it yet: paste it under Odoo connection and Save (or set ODOO_API_KEY in the MCP client's configuration).",
      )
      .waitFor();
    await testConnection();
    expect(await reportLines()).toEqual([
      "✗ API key — none yet: paste it above and Save (or set ODOO_API_KEY in the MCP client's configuration)",
    ]);

    const url = page.locator("input[name=url]");
    await url.fill("ftp://odoo.example.com");
    await page.getByRole("button", { name: "Save" }).click();
    await page
      .getByText(
        "The Odoo URL must start with http:// or https:// and hold no user name or password, e.g. https://odoo.example.com: correct it and Save again.",
      )
      .waitFor();
    await url.fill(h.sandbox.url);
    await page.locator("input[name=secret]").fill("not-the-key");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("✓ Saved in the keychain.").waitFor();
    await testConnection();
    expect(await reportLines()).toContain(
      "✗ Connection to Odoo — Odoo refused the user, database or API key: correct them under Odoo connection, Save, and test again.",
    );
    await noErrorCode();
  });

  it("saves the key (it never comes back), and the report says each thing once, in words", async () => {
    const secret = h.sandbox.apiKey;
    await openSettings();
    await page.locator("input[name=secret]").fill(secret);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Connection saved.").waitFor();
    expect(await secretState()).toMatch(
      /^✓ Saved in the keychain\. It is kept only in your system's keychain/,
    );
    expect(await page.locator("input[name=secret]").inputValue()).toBe("");

    expect(await testConnection()).toContain("Everything works.");
    expect(await reportLines()).toEqual([
      "✓ API key — saved in the keychain",
      expect.stringMatching(/^✓ Odoo version — 19\.\d/),
      "✓ Signed in — as user id 2",
      "✓ Company — My Company (id 1), the user's only company",
      "✓ Invoicing app — installed",
      "✓ Expenses app — installed",
      "✓ Discuss app — installed",
      // The admin's key real Odoo 19 was recorded with has no expiry date (tests/odoo/connection-check.test.ts: a date, unknown).
      "✓ API key expiry — never expires",
    ]);
    // Nothing after the checklist repeats it as raw labels.
    const text = (await report().textContent()) ?? "";
    for (const raw of [
      "Installed Modules",
      "Api Key Expiry",
      "Credential Source",
      "Api",
      "json2",
      "not readable",
    ])
      expect(text).not.toContain(raw);
    expect(text.split("19.0").length - 1).toBe(1);

    // The company choice is shown whole, not cut at the edge of its column.
    const company = page.locator("select[name=company]");
    await expect.poll(() => company.locator("option").first().textContent()).toContain("(My Company)");
    expect(await cutOff(company)).toBe(false);
    await page.screenshot({ path: path.join(shots, "settings.png"), fullPage: true });

    const rule = page.locator('[data-rule="expense-threshold"]');
    await rule.locator("input[name=expense-threshold]").fill("lots");
    await rule.getByRole("button", { name: "Set" }).click();
    await rule
      .getByText(
        '"lots" cannot be used for this rule: it must be a non-negative decimal number, e.g. 100 or 99.50. Type another value and Set.',
      )
      .waitFor();
    await noErrorCode();
    await rule.getByRole("button", { name: "Always ask" }).click();
    await expect.poll(() => rule.textContent()).toContain("set by you");
    expect(await rule.textContent()).toContain("expenses below 0");
    const sealed = await readPersonPolicy(h.dataDir, await loadKeychainKey(h.app.keychain));
    expect(sealed).toMatchObject({ state: "valid", values: { ODOO_MCP_EXPENSE_APPROVAL_THRESHOLD: "0" } });
    expect(await page.locator("[data-testid=data-dir]").textContent()).toBe(h.dataDir);
    expect(await page.content()).not.toContain(secret);
    expect(bridge.answers.some((answer) => answer.includes(secret))).toBe(false);
  });

  it("chooses a company, unticks a toolset, turns read-only on; the app's stdio server then lists only those tools", async () => {
    // A second company the admin can work in (as a real Odoo creates one); the window reads the list from Odoo.
    await kw(h.sandbox, "res.company", "create", [[{ name: "Second Co", currency_id: 1 }]]);
    await page.goto(`${bridge.origin}/settings.html`);
    const scope = page.getByRole("region", { name: "What the agent sees" });
    await scope.waitFor();
    const company = scope.locator("select[name=company]");
    await expect
      .poll(() => company.locator("option").allTextContents())
      .toEqual(["The user's current company (My Company)", "My Company (id 1)", "Second Co (id 2)"]);
    expect(await cutOff(company)).toBe(false);
    // Each toolset says what it contains, from the tool definitions.
    expect(await scope.locator('[data-toolset="reports"]').textContent()).toContain("generate_report");
    expect(await scope.locator('[data-toolset="invoicing"]').textContent()).toContain("record_payment");
    expect(await scope.textContent()).toContain("Every tool that writes to Odoo");
    expect(await scope.getByTestId("scope-tools").textContent()).toContain(`offers ${allTools.length} tools`);

    await company.selectOption("2");
    await scope.locator("input[name=toolset-reports]").uncheck();
    await scope.locator("input[name=read-only]").check();
    await scope.getByRole("button", { name: "Use these choices" }).click();
    await scope.getByText(/keeps what it had until it starts again/).waitFor();
    const readTools = [
      "find_partners",
      "list_invoices",
      "get_invoice",
      "list_journals",
      "list_taxes",
      "list_expense_categories",
      "get_approval",
      "list_approvals",
      // the bank toolset's reads
      "propose_matches",
      "list_overdue",
      "get_bank_balances",
    ];
    expect(await scope.getByTestId("scope-tools").textContent()).toBe(
      `A server started now offers 11 tools: ${readTools.join(", ")}.`,
    );
    expect(await scope.locator('[data-scope="company"]').textContent()).toContain(
      "Now: Second Co (id 2)set by you",
    );
    await scope.screenshot({ path: path.join(shots, "settings-scope.png") });

    // The server the app runs for an MCP client (`--stdio`), from the saved settings and the keychain.
    const saved = await store.getConnection();
    const { app } = await openDesktopApp({
      settings: { odoo: () => (saved ? connectionSettings(saved) : {}) },
      env,
      cwd: h.dataDir,
      keychain: h.app.keychain,
      logger: silentLogger,
    });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out: string[] = [];
    stdout.on("data", (chunk) => out.push(String(chunk)));
    const served = await serveStdio(app, { stdin, stdout, stderr: new PassThrough() });
    try {
      const send = (message: unknown) => stdin.write(`${JSON.stringify(message)}\n`);
      const answer = async (id: number) => {
        await expect
          .poll(() => out.join("").includes(`"id":${id},`) || out.join("").includes(`"id":${id}}`))
          .toBe(true);
        return out
          .join("")
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line))
          .find((message) => message.id === id);
      };
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      });
      await answer(1);
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      const listed = await answer(2);
      expect(listed.result.tools.map((tool: { name: string }) => tool.name)).toEqual(readTools);
      // A tool that writes is not there to call either.
      send({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "create_invoice", arguments: {} },
      });
      expect(JSON.stringify(await answer(3))).toMatch(/read-only/);
      // And it works in the chosen company.
      expect((await app.odoo.company?.())?.current).toEqual({ id: 2, name: "Second Co" });
    } finally {
      await served.stop();
      await app.close();
    }
  });

  it("kept the production CSP: no inline script, no violation, no page error", async () => {
    expect(pageErrors).toEqual([]);
  });
});
