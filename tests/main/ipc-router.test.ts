import { afterEach, describe, expect, it } from "vitest";
import { CHANNEL_NAMES, eventChannel } from "../../src/main/channel-names.js";
import { createIpcRouter } from "../../src/main/ipc-router.js";
import { createMainProcess } from "../../src/main/main-process.js";
import { createWindows } from "../../src/main/windows.js";
import { createMemoryKeychain } from "../../src/mcp/credentials/keychain.js";
import { ToolError } from "../../src/mcp/errors.js";
import { createLogger } from "../../src/mcp/log.js";
import type { Channel, Handlers } from "../../src/shared/ipc.js";
import { createFakeElectron, type FakeBrowserWindow } from "../support/fake-electron.js";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { mainDeps, until } from "./helpers.js";

const APR = "apr_abcdefghijklmnopqrstuvwxyz";

/** Malformed payloads, per channel: each must be refused before any handler runs. */
const BAD: Record<Channel, unknown[]> = {
  "approvals.list": [
    undefined,
    null,
    "pending",
    { scope: "all" },
    { scope: "pending", limit: 0 },
    { scope: "pending", limit: 501 },
    { scope: "pending", limit: 1.5 },
    { scope: "pending", from: "02/11/2026" },
    { scope: "pending", tool: "x".repeat(65) },
    { scope: "pending", extra: true },
  ],
  "approvals.decide": [
    {},
    { ids: [], decision: "approved" },
    { ids: ["apr_1"], decision: "approved" },
    { ids: [APR], decision: "yes" },
    { ids: [APR], decision: "approved", approved: true },
    { ids: Array.from({ length: 51 }, () => APR), decision: "approved" },
    { ids: [APR], decision: "rejected", reason: "r".repeat(501) },
    { ids: APR, decision: "approved" },
  ],
  "approvals.receipt": [{}, { id: "../../etc/passwd" }, { id: 42 }, { id: APR, path: "/etc/passwd" }],
  "agent.status": [{ verbose: true }, [], "x"],
  "agent.setPaused": [{}, { paused: "yes" }, { paused: true, by: "agent" }],
  "settings.get": [{ include_secret: true }],
  "settings.saveConnection": [
    {},
    { url: "https://o.example", database: "d" },
    { url: "u".repeat(2049), database: "d", username: "u" },
    { url: "https://o.example", database: "d", username: "u", secret: "" },
    { url: "https://o.example", database: "d", username: "u", secret_kind: "token" },
    { url: "https://o.example", database: "d", username: "u", data_dir: "/tmp" },
  ],
  "settings.testConnection": [{ url: "https://evil.example" }],
  "settings.setPolicy": [{ rule: "x" }, { rule: 1, value: "1" }, { rule: "x", value: "v".repeat(65) }],
  "settings.setStartAtLogin": [{}, { enabled: 1 }],
  "settings.companies": [{ user: "admin" }, [], "all"],
  "settings.setScope": [
    {},
    { company: null, toolsets: ["read"] },
    { company: null, toolsets: [], read_only: false },
    { company: null, toolsets: ["admin"], read_only: false },
    { company: null, toolsets: ["read", "read", "read", "read", "read"], read_only: false },
    { company: 0, toolsets: ["read"], read_only: false },
    { company: -2, toolsets: ["read"], read_only: false },
    { company: 1.5, toolsets: ["read"], read_only: false },
    { company: "Second Co", toolsets: ["read"], read_only: false },
    { company: null, toolsets: "read", read_only: false },
    { company: null, toolsets: ["read"], read_only: "yes" },
    { company: null, toolsets: ["read"], read_only: false, env: { ODOO_MCP_READ_ONLY: "false" } },
  ],
  "clients.configs": [{ client: "x" }],
  "clients.addToClaudeDesktop": [{ path: "/etc/x" }],
  "links.openOdoo": [{}, { url: 5 }, { url: "u".repeat(4097) }],
};

function recordingHandlers(calls: string[], answer: (channel: Channel) => unknown = () => ({})): Handlers {
  return Object.fromEntries(
    CHANNEL_NAMES.map((channel) => [
      channel,
      async () => {
        calls.push(channel);
        return answer(channel);
      },
    ]),
  ) as unknown as Handlers;
}

function setup(handlers: Handlers) {
  const electron = createFakeElectron();
  const windows = createWindows(electron, {
    rendererDir: "/opt/app/dist/renderer",
    preload: "/opt/app/p.cjs",
  });
  const logged: string[] = [];
  const router = createIpcRouter({
    ipcMain: electron.ipcMain,
    handlers,
    senders: windows,
    logger: createLogger("debug", "test", (line) => logged.push(line)),
  });
  const window = windows.openApprovals() as FakeBrowserWindow;
  return { electron, windows, router, window, logged };
}

describe("IPC router", () => {
  it("registers exactly one handler per channel of the contract", () => {
    const { electron } = setup(recordingHandlers([]));
    expect([...electron.handlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  it("refuses a sender that is not one of the app's windows, on every channel, before any handler runs", async () => {
    const calls: string[] = [];
    const { electron, window } = setup(recordingHandlers(calls));
    const stranger = new electron.BrowserWindow({
      webPreferences: window.options.webPreferences,
    }) as FakeBrowserWindow;
    await stranger.loadURL("file:///opt/app/dist/renderer/approvals.html");
    const wrong = [
      stranger.event(), // a window the app did not create as one of its own
      window.event({ url: "https://evil.example/approvals.html" }), // own window, navigated elsewhere
      window.event({ url: "file:///opt/app/dist/renderer/other.html" }),
      window.event({ url: "file:///opt/app/dist/renderer/settings.html" }), // the other window's page
      window.event({ subFrame: true }), // an iframe inside the window
      { sender: { id: window.webContents.id }, senderFrame: null },
      { sender: { id: window.webContents.id }, senderFrame: { url: "not a url", parent: null } },
    ];
    for (const channel of CHANNEL_NAMES)
      for (const event of wrong)
        expect(await electron.invoke(channel, event, {}), `${channel}`).toMatchObject({
          ok: false,
          error: { code: "PERMISSION_DENIED" },
        });
    expect(calls).toEqual([]);
    // The window itself, on its page (with a fragment), is heard.
    expect(
      await electron.invoke("agent.status", window.event({ url: `${window.loaded[0]}#${APR}` }), {}),
    ).toEqual({
      ok: false,
      error: expect.objectContaining({ code: "INTERNAL_ERROR" }), // {} is not an agent status: see below
    });
    expect(calls).toEqual(["agent.status"]);
  });

  it("refuses every malformed payload of every channel with VALIDATION_ERROR, before any handler runs", async () => {
    const calls: string[] = [];
    const { electron, window } = setup(recordingHandlers(calls));
    for (const channel of CHANNEL_NAMES) {
      const bad = BAD[channel];
      expect(bad.length, channel).toBeGreaterThan(0);
      for (const payload of bad)
        expect(
          await electron.invoke(channel, window.event(), payload),
          `${channel} ${JSON.stringify(payload)}`,
        ).toMatchObject({ ok: false, error: { code: "VALIDATION_ERROR" } });
    }
    expect(calls).toEqual([]);
  });

  it("never sends an answer that fails its schema: INTERNAL_ERROR instead, and a log line", async () => {
    const { electron, window, logged } = setup(
      recordingHandlers([], (channel) =>
        channel === "settings.get"
          ? { odoo: { url: "u", database: "d", username: "x", secret: "yes" } }
          : { paused: false },
      ),
    );
    const answer = await electron.invoke("settings.get", window.event(), {});
    expect(answer).toEqual({
      ok: false,
      error: { code: "INTERNAL_ERROR", message: expect.any(String) },
    });
    expect(JSON.stringify(answer)).not.toContain('"secret"');
    expect(logged.join("\n")).toMatch(/settings\.get.*does not match its schema/);
  });

  it("never throws across IPC: a ToolError keeps its code, anything else is INTERNAL_ERROR without its message", async () => {
    const handlers = recordingHandlers([]);
    handlers["approvals.receipt"] = async () => {
      throw new ToolError("APPROVAL_NOT_FOUND", "No approval request has this id.");
    };
    handlers["links.openOdoo"] = async () => {
      throw new Error("ENOENT /home/ada/.secret-path");
    };
    const { electron, window } = setup(handlers);
    expect(await electron.invoke("approvals.receipt", window.event(), { id: APR })).toEqual({
      ok: false,
      error: { code: "APPROVAL_NOT_FOUND", message: "No approval request has this id." },
    });
    const internal = await electron.invoke("links.openOdoo", window.event(), { url: "https://o.example" });
    expect(internal).toMatchObject({ ok: false, error: { code: "INTERNAL_ERROR" } });
    expect(JSON.stringify(internal)).not.toContain("secret-path");
  });

  it("sends events to the app's windows only after validating them", () => {
    const { router, window } = setup(recordingHandlers([]));
    expect(router.emit("approvals.changed", { ids: [APR] })).toBe(true);
    expect(router.emit("approvals.changed", { ids: "all" })).toBe(false);
    expect(router.emit("agent.status", { paused: true })).toBe(false);
    expect(window.webContents.sent).toEqual([
      { channel: eventChannel("approvals.changed"), args: [{ ids: [APR] }] },
    ]);
  });

  it("removes its handlers when disposed", () => {
    const { electron, router } = setup(recordingHandlers([]));
    router.dispose();
    expect(electron.handlers.size).toBe(0);
  });
});

describe("no secret reaches the renderer", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a connection saved with its secret: the secret is in no answer and no event sent to any window", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await seedCustomer(h);
    const electron = createFakeElectron();
    const harness = h;
    const main = createMainProcess(
      electron,
      mainDeps(async () => harness.app, keychain),
    );
    await main.start();
    const approvals = main.windows?.openApprovals() as FakeBrowserWindow;
    const settings = main.windows?.openSettings() as FakeBrowserWindow;
    const secret = "odoo-api-key-7f3c9a1be55d40e2";
    const answers: unknown[] = [];
    const send = async (window: FakeBrowserWindow, channel: Channel, payload: unknown) => {
      const answer = await electron.invoke(channel, window.event(), payload);
      answers.push(answer);
      return answer;
    };
    const saved = await send(settings, "settings.saveConnection", {
      url: h.env.ODOO_URL,
      database: h.env.ODOO_DATABASE,
      username: h.env.ODOO_USERNAME,
      secret,
    });
    expect(saved).toMatchObject({ ok: true, value: { odoo: { secret: { source: "keychain" } } } });
    expect(
      await keychain.get(
        (await import("../../src/mcp/credentials/keychain.js")).keychainAccount(
          String(h.env.ODOO_URL),
          String(h.env.ODOO_DATABASE),
          String(h.env.ODOO_USERNAME),
          "api_key",
        ),
      ),
    ).toBe(secret);
    await h.call("create_invoice", INVOICE_INPUT);
    for (const channel of CHANNEL_NAMES) {
      await send(settings, channel, channel === "approvals.list" ? { scope: "pending" } : {});
      await send(approvals, channel, channel === "approvals.list" ? { scope: "history" } : {});
    }
    await send(approvals, "agent.setPaused", { paused: true });
    await until(
      () => electron.sentToWindows().some((m) => m.channel === eventChannel("approvals.changed")),
      "an approvals.changed event reaches the windows",
    );
    const everything = JSON.stringify([answers, electron.sentToWindows()]);
    expect(electron.sentToWindows().length).toBeGreaterThan(0);
    expect(everything).toContain('"secret":{"source":"keychain","kind":"api_key"}');
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(String(h.env.ODOO_API_KEY));
    await main.stop();
  });
});
