import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { settingsEnv } from "../../src/main/desktop-config.js";
import { createMainProcess, type MainProcess } from "../../src/main/main-process.js";
import { requestLabel, trayModel } from "../../src/main/tray.js";
import type { App } from "../../src/mcp/app.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import type { AgentStatus } from "../../src/shared/ipc.js";
import { invoiceFor } from "../redteam/helpers.js";
import { createFakeElectron, type FakeBrowserWindow, LockRegistry } from "../support/fake-electron.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { untilRan } from "../support/wait.js";
import { mainDeps, sharedApp, until } from "./helpers.js";

const status = (over: Partial<AgentStatus> = {}): AgentStatus => ({
  paused: false,
  connection: "connected",
  queued: 0,
  warnings: [],
  pending: 0,
  key_mode: "keychain",
  ...over,
});
const noop = { openApprovals() {}, openSettings() {}, setPaused() {}, quit() {} };

describe("tray model", () => {
  it("says in the tray when a rule was not honoured (a policy file someone else wrote), escaped, opening the settings", () => {
    let settings = 0;
    const model = trayModel(
      status({
        warnings: ["approval-policy.json was changed outside odoo-mcp\u001b[2J; every request waits for you"],
      }),
      [],
      { ...noop, openSettings: () => settings++ },
    );
    const warning = model.menu.find((item) => item.label?.startsWith("⚠"));
    expect(warning?.label).toBe(
      "⚠ approval-policy.json was changed outside odoo-mcp\\x1b[2J; every request waits for you",
    );
    warning?.click?.();
    expect(settings).toBe(1);
  });

  it("shows each state, the queue when Odoo is unreachable, the pending count and the menu", () => {
    expect(trayModel(status(), [], noop).state).toBe("connected");
    const unreachable = trayModel(status({ connection: "unreachable", queued: 3, pending: 2 }), [], noop);
    expect(unreachable).toMatchObject({ state: "unreachable", title: "2" });
    expect(unreachable.tooltip).toContain("Odoo unreachable, 3 queued");
    expect(trayModel(status({ connection: "not_configured" }), [], noop).state).toBe("not_configured");
    const paused = trayModel(status({ paused: true, connection: "unreachable" }), [], noop);
    expect(paused.state).toBe("paused");
    expect(paused.menu.map((item) => item.label)).toContain("Resume the agent");
    const opened: (string | undefined)[] = [];
    const model = trayModel(
      status({ pending: 1 }),
      [{ id: "apr_x", label: "invoice for Acme Corp, 1,650.00 USD" }],
      { ...noop, openApprovals: (id) => opened.push(id) },
    );
    expect(model.menu.filter((item) => item.type !== "separator").map((item) => item.label)).toEqual([
      "odoo-mcp: connected to Odoo",
      "1 waiting for approval",
      "invoice for Acme Corp, 1,650.00 USD",
      "Open approvals",
      "Settings",
      "Pause the agent",
      "Quit",
    ]);
    model.menu.find((item) => item.label?.startsWith("invoice"))?.click?.();
    expect(opened).toEqual(["apr_x"]);
    // After what approving it does, the amount before the name (whose text the agent may have chosen), always.
    expect(
      requestLabel({ tool: "record_payment", name: "Payment on INV/2026/00001", amount: "600.00 EUR" }),
    ).toBe("Record payment, 600.00 EUR: Payment on INV/2026/00001");
    expect(
      requestLabel({
        tool: "create_invoice",
        name: "Draft invoice for Acme, 1,650.00 USD",
        amount: "1,650.00 USD",
      }),
    ).toBe("Create invoice, 1,650.00 USD: Draft invoice for Acme, 1,650.00 USD");
  });
});

describe("settings feed the configuration like environment variables", () => {
  it("fills what the environment leaves unset; the environment (aliases too) wins", () => {
    const settings = { url: "https://saved.example", database: "saved", username: "ada@saved.example" };
    expect(settingsEnv(settings, { ODOO_DB: "from-env", ODOO_URL: "" })).toMatchObject({
      ODOO_URL: "https://saved.example",
      ODOO_DB: "from-env",
      ODOO_USERNAME: "ada@saved.example",
    });
    expect(settingsEnv(settings, { ODOO_DB: "from-env" }).ODOO_DATABASE).toBeUndefined();
    expect(settingsEnv({}, { ODOO_URL: "https://env.example" })).toEqual({ ODOO_URL: "https://env.example" });
  });
});

describe("the main process with the fake Electron", () => {
  let h: Harness | undefined;
  const mains: MainProcess[] = [];
  const apps: App[] = [];
  afterEach(async () => {
    for (const main of mains.splice(0)) await main.stop();
    for (const app of apps.splice(0)) await app.close().catch(() => {});
    await h?.close();
    h = undefined;
  });

  it("a request made by another instance sharing the data folder raises a notification on its file event; Approve runs it once", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await seedCustomer(h);
    const harness = h;
    const electron = createFakeElectron();
    const trayApp = await sharedApp(harness, keychain);
    apps.push(trayApp);
    const main = createMainProcess(
      electron,
      mainDeps(async () => trayApp, keychain),
    );
    mains.push(main);
    await main.start();
    expect(main.trayOwner).toBe(true);
    expect(electron.trays[0]?.image).toBe("/icons/connected.png");

    const id = String((await harness.call("create_invoice", INVOICE_INPUT)).data.approval_id);
    const notification = await until(() => electron.notifications.find((n) => n.shown), "a notification");
    // Raised by the request file's event: idle, within a second. The bound is the period of the store's safety net
    // (a read every 5 s, for lost events), not a speed a busy machine must reach.
    const created = Date.parse(String((await trayApp.approvals.get(id))?.createdAt));
    expect(notification.shownAt - created).toBeLessThan(5000);
    // Named as the approval window heads it, after what approving it does.
    expect(notification.options.body).toBe(
      "Create invoice, 1,478.33 USD: Draft invoice for Acme Corp, 1,478.33 USD, dated 2 Nov 2026. Approve?",
    );
    expect(notification.options.actions?.map((a) => a.text)).toEqual(["Approve", "Reject"]);
    await until(() => electron.trays[0]?.title === "1");
    expect(electron.trays[0]?.menu.map((item) => item.label)).toContain(
      "Create invoice, 1,478.33 USD: Draft invoice for Acme Corp, 1,478.33 USD, dated 2 Nov 2026",
    );

    notification.click();
    const window = electron.windows[0] as FakeBrowserWindow;
    expect(window.loaded).toEqual([`file:///opt/odoo-mcp/dist/renderer/approvals.html#${id}`]);

    // The decisions the presses ask for, observed (not replaced): how many, and how many are still running.
    const decide = trayApp.approvals.decide;
    let asked = 0;
    let running = 0;
    trayApp.approvals.decide = async (...args) => {
      asked++;
      running++;
      try {
        return await decide(...args);
      } finally {
        running--;
      }
    };
    notification.action(0);
    notification.action(0);
    await untilRan(trayApp, id);
    await until(() => asked > 0 && running === 0, "every decision asked for has settled");
    expect(asked).toBe(1); // one decision per notification, however often the button is pressed
    expect(await harness.app.odoo.searchCount("account.move", [["move_type", "=", "out_invoice"]])).toBe(1);
    const decisions = (await trayApp.audit.read(new Date().toLocaleDateString("sv"))).filter(
      (e) => e.event === "approval_decided" && e.approval_id === id,
    );
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ channel: "tray", approval_status: "approved" });
    expect(electron.notifications).toHaveLength(1); // a decided request is not announced again
  });

  it('an approval given in the MCP client\'s prompt raises "Approved in the chat: …" once; other channels do not', async () => {
    const keychain = createMemoryKeychain();
    let answer: "approve" | "cancel" = "approve";
    h = await startHarness({ keychain, elicitation: () => answer });
    await seedCustomer(h);
    const harness = h;
    const electron = createFakeElectron();
    const trayApp = await sharedApp(harness, keychain);
    apps.push(trayApp);
    const main = createMainProcess(
      electron,
      mainDeps(async () => trayApp, keychain),
    );
    mains.push(main);
    await main.start();

    // The agent's client answers its own prompt "approve": the invoice is made during the call.
    const chat = await harness.call("create_invoice", invoiceFor(100));
    expect(chat.isError, chat.text).toBe(false);
    const id = String(chat.data.approval_id);
    expect((await trayApp.approvals.get(id))?.decision?.channel).toBe("elicitation");
    const told = await until(() =>
      electron.notifications.find((n) => n.shown && n.options.body?.startsWith("Approved in the chat")),
    );
    if (!told) throw new Error("no chat notification");
    expect(told.options.body).toMatch(
      /^Approved in the chat: Create invoice, [\d,]+\.\d\d USD: Draft invoice for Acme Corp, [\d,]+\.\d\d USD, dated \d+ \w+ \d{4}$/,
    );
    expect(told.options.title).toBe("odoo-mcp: approved in the chat (test-client)");
    expect(told.options.actions).toBeUndefined(); // nothing left to decide
    // An "Approve …?" raised while it was briefly pending is closed: it is answered.
    for (const n of electron.notifications.filter((n) => n.options.body?.endsWith("Approve?")))
      expect(n.closed).toBe(true);
    told.click();
    expect(electron.windows.at(-1)?.loaded.at(-1)).toBe(
      `file:///opt/odoo-mcp/dist/renderer/approvals.html#${id}`,
    );

    // Decided at the terminal: the person knows already; only its "Approve …?" was raised.
    answer = "cancel";
    const pending = await harness.call("create_invoice", invoiceFor(120));
    const other = String(pending.data.approval_id);
    await until(() => electron.notifications.some((n) => n.options.body?.startsWith("Create invoice, ")));
    await harness.approve(other);
    await until(async () => (await trayApp.approvals.get(other))?.status === "executed");
    // The watch has delivered the decision once the tray shows nothing pending; still one chat notification.
    await until(() => electron.trays[0]?.title === "");
    expect(
      electron.notifications.filter((n) => n.options.body?.startsWith("Approved in the chat")),
    ).toHaveLength(1);
  });

  it("Pause in the tray pauses the agent through the core; new requests are refused until Resume", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await seedCustomer(h);
    const harness = h;
    const electron = createFakeElectron();
    const main = createMainProcess(
      electron,
      mainDeps(async () => harness.app, keychain),
    );
    mains.push(main);
    await main.start();
    const tray = electron.trays[0]!;
    tray.click("Pause the agent");
    await until(() => tray.image === "/icons/paused.png");
    expect(await harness.app.approvals.pause.isPaused()).toBe(true);
    expect((await harness.call("create_invoice", INVOICE_INPUT)).error?.code).toBe("AGENT_PAUSED");
    tray.click("Resume the agent");
    await until(() => tray.image === "/icons/connected.png");
    expect((await harness.call("create_invoice", INVOICE_INPUT)).data.status).toBe("pending_approval");
    tray.click("Settings");
    expect(electron.windows.map((w) => w.loaded[0])).toEqual([
      "file:///opt/odoo-mcp/dist/renderer/settings.html",
    ]);
    tray.click("Quit");
    await main.done;
    expect(electron.app.quitCalled).toBe(true);
    expect(tray.destroyed).toBe(true);
  });

  it("several instances: one tray; a launcher hands over to it; when it quits, a serving instance takes the tray", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    const harness = h;
    const locks = new LockRegistry();
    const first = createFakeElectron({ locks });
    const second = createFakeElectron({ locks });
    const launcher = createFakeElectron({ locks });
    const open = async () => {
      const app = await sharedApp(harness, keychain);
      apps.push(app);
      return app;
    };
    const a = createMainProcess(first, mainDeps(open, keychain));
    const stdin = new PassThrough();
    const b = createMainProcess(
      second,
      mainDeps(open, keychain, {
        argv: ["--stdio"],
        streams: { stdin, stdout: new PassThrough(), stderr: new PassThrough() },
      }),
    );
    mains.push(a, b);
    await a.start();
    await b.start();
    expect([a.trayOwner, b.trayOwner]).toEqual([true, false]);
    expect(second.trays).toHaveLength(0);

    // A launcher's request for the lock opens the tray instance's window...
    const c = createMainProcess(launcher, mainDeps(open, keychain));
    await c.start();
    await c.done;
    expect(launcher.app.quitCalled).toBe(true);
    expect(launcher.trays).toHaveLength(0);
    const approvalsWindow = ["file:///opt/odoo-mcp/dist/renderer/approvals.html"];
    expect(first.windows.map((w) => w.loaded[0])).toEqual(approvalsWindow);
    // ...b's polling for it never does (the person closed that window: a request to open it would show anew).
    first.windows[0]!.close();
    const polled = second.app.lockRequests;
    await until(() => second.app.lockRequests >= polled + 3, "b asks for the lock again, three times");
    expect(first.windows.map((w) => w.loaded[0])).toEqual(approvalsWindow);

    first.trays[0]!.click("Quit");
    await a.done;
    await until(() => b.trayOwner, "b takes the tray over");
    // The tray icon appears with the first status (connection, history check) the new owner reads.
    await until(() => second.trays.length === 1, "b's tray icon");
    expect(locks.owner).toBe(second.app);
    stdin.end(); // its MCP client goes away: it stops serving and quits
    await b.done;
    expect(second.app.quitCalled).toBe(true);
    expect(locks.owner).toBe(null);
  });

  it("--stdio serves MCP over the given streams and nothing but MCP reaches stdout", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    const harness = h;
    const electron = createFakeElectron({ locks: new LockRegistry() });
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: string[] = [];
    const err: string[] = [];
    stdout.on("data", (chunk) => out.push(String(chunk)));
    stderr.on("data", (chunk) => err.push(String(chunk)));
    const app = await sharedApp(harness, keychain);
    apps.push(app);
    const main = createMainProcess(
      electron,
      mainDeps(async () => app, keychain, { argv: ["/app", "--stdio"], streams: { stdin, stdout, stderr } }),
    );
    mains.push(main);
    await main.start();
    expect(electron.app.switches).toContainEqual(["log-level", "3"]);
    // Anything else that writes to the process's stdout (console.log, Electron's JavaScript) lands on stderr.
    stdout.write("Electron noise\n");
    const send = (message: unknown) => stdin.write(`${JSON.stringify(message)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    await until(() => out.join("").includes('"id":1'));
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    await until(() => out.join("").includes('"id":2'));
    const lines = out.join("").split("\n").filter(Boolean);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" });
    const tools = lines.map((line) => JSON.parse(line)).find((m) => m.id === 2);
    expect(tools.result.tools.map((t: { name: string }) => t.name)).toContain("create_invoice");
    expect(err.join("")).toContain("Electron noise");
    expect(main.trayOwner).toBe(true);
    stdin.end();
    await main.done;
    expect(electron.app.quitCalled).toBe(true);
  });
});
