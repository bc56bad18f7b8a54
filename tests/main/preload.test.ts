import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { createBridge, exposeBridge } from "../../src/main/bridge.js";
import { CHANNEL_NAMES, eventChannel } from "../../src/main/channel-names.js";
import { channels, events } from "../../src/shared/ipc.js";
import { createFakeElectron } from "../support/fake-electron.js";

const expectedKeys = [...Object.keys(channels), "on"].sort();

describe("preload (window.odooMcp)", () => {
  it("exposes exactly one named function per channel and `on`, each calling ipcRenderer.invoke(channel, payload)", async () => {
    const electron = createFakeElectron();
    exposeBridge(electron);
    expect([...electron.exposed.keys()]).toEqual(["odooMcp"]);
    const bridge = electron.exposed.get("odooMcp") as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(expectedKeys);
    expect(Object.isFrozen(bridge)).toBe(true);
    for (const value of Object.values(bridge)) expect(typeof value).toBe("function");
    expect(Object.values(bridge)).not.toContain(electron.ipcRenderer);
    for (const channel of CHANNEL_NAMES)
      await (bridge[channel] as (request: unknown) => Promise<unknown>)({ probe: channel });
    expect(electron.rendererInvocations).toEqual(
      CHANNEL_NAMES.map((channel) => ({ channel, args: [{ probe: channel }] })),
    );
  });

  it("`on` passes the payload only (never the IPC event), unsubscribes, and knows only the contract's events", () => {
    const electron = createFakeElectron();
    const bridge = createBridge(electron.ipcRenderer);
    const got: unknown[] = [];
    const off = bridge.on("approvals.changed", (payload) => got.push(payload));
    electron.rendererListeners.emit(eventChannel("approvals.changed"), { sender: "secret" }, { ids: ["a"] });
    off();
    electron.rendererListeners.emit(eventChannel("approvals.changed"), {}, { ids: ["b"] });
    expect(got).toEqual([{ ids: ["a"] }]);
    expect(Object.keys(events).length).toBe(2);
    expect(() => (bridge.on as (e: string, l: () => void) => void)("ipc:raw", () => {})).toThrow(
      /unknown event/,
    );
  });

  it("bundles to one CommonJS file that requires nothing but electron (Electron's sandboxed preload)", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "odoo-mcp-preload-"));
    try {
      execFileSync(
        process.execPath,
        [path.resolve("node_modules/vite/bin/vite.js"), "build", "--config", "vite.preload.config.mjs"],
        { env: { ...process.env, PRELOAD_OUT_DIR: out }, stdio: "pipe" },
      );
      const code = await readFile(path.join(out, "preload.cjs"), "utf8");
      const electron = createFakeElectron();
      const required: string[] = [];
      const sandbox = {
        require: (name: string) => {
          required.push(name);
          if (name !== "electron") throw new Error(`a sandboxed preload cannot require ${name}`);
          return { contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer };
        },
        module: { exports: {} },
        exports: {},
      };
      vm.runInNewContext(code, sandbox);
      expect(required).toEqual(["electron"]);
      const bridge = electron.exposed.get("odooMcp") as Record<string, unknown>;
      expect(Object.keys(bridge).sort()).toEqual(expectedKeys);
      await (bridge["agent.status"] as (request: unknown) => Promise<unknown>)({});
      expect(electron.rendererInvocations).toEqual([{ channel: "agent.status", args: [{}] }]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 60_000);
});
