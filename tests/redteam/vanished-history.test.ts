/**
 * Red team: the agent deletes the data folder's history with its file tools — the audit log (`Logs/`) and the
 * approvals with their journal (`approvals/`) — or cuts it short. `audit verify` catches it; `doctor`, the tray and
 * the approval window must say it too (src/mcp/history-check.ts, the one answer all of them use), naming the log,
 * what the keychain remembers and what is on disk. A brand-new installation is not a vanished history, and
 * without a keychain there is nothing to compare against (doctor says so).
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { approvalHandlers } from "../../src/main/approval-handlers.js";
import { createMainProcess, type MainProcess } from "../../src/main/main-process.js";
import { trayModel } from "../../src/main/tray.js";
import type { App } from "../../src/mcp/app.js";
import { JOURNAL_FILE } from "../../src/mcp/approvals/store.js";
import { doctorReport } from "../../src/mcp/cli/doctor.js";
import { createMemoryKeychain, type Keychain } from "../../src/mcp/credentials/keychain.js";
import { acceptHistoryLoss, checkHistory } from "../../src/mcp/history-check.js";
import { channels } from "../../src/shared/ipc.js";
import { mainDeps, sharedApp, until } from "../main/helpers.js";
import { createFakeElectron } from "../support/fake-electron.js";
import { type Harness, seedCustomer, startHarness } from "../support/harness.js";
import { invoiceFor, isoDay, pendingId } from "./helpers.js";

let h: Harness | undefined;
const apps: App[] = [];
const mains: MainProcess[] = [];
afterEach(async () => {
  for (const main of mains.splice(0)) await main.stop();
  for (const app of apps.splice(0)) await app.close().catch(() => {});
  await h?.close();
  h = undefined;
});

const noop = { openApprovals() {}, openSettings() {}, setPaused() {}, quit() {} };

/** Some bookkeeping: a request approved at the terminal and run, one left pending, an automatic expense. */
async function activity(harness: Harness): Promise<void> {
  await seedCustomer(harness);
  await harness.approve(await pendingId(harness, "create_invoice", invoiceFor(200)));
  await pendingId(harness, "create_invoice", invoiceFor(300));
  const expense = await harness.call("create_expense", {
    description: "Taxi",
    amount: 12,
    expense_date: isoDay(-1),
    category: "meals",
  });
  expect(expense.isError, expense.text).toBe(false);
}

/** What the agent's file tools do: every file under Logs/ and approvals/ deleted. */
async function deleteHistory(harness: Harness): Promise<void> {
  for (const dir of ["Logs", "approvals"])
    for (const name of await readdir(path.join(harness.dataDir, dir)).catch(() => [] as string[]))
      await rm(path.join(harness.dataDir, dir, name), { recursive: true, force: true });
}

/** A fresh process over the same data folder and keychain (doctor, the tray app). */
async function another(harness: Harness, keychain: Keychain): Promise<App> {
  const app = await sharedApp(harness, keychain);
  apps.push(app);
  return app;
}

const historyChecks = (report: Awaited<ReturnType<typeof doctorReport>>) =>
  report.checks.filter((check) => check.name.startsWith("history"));

describe("a vanished history is said aloud", () => {
  it("Logs/ and approvals/ deleted: doctor fails naming each log, what the keychain remembers, what is on disk and what to do", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await activity(h);
    const before = await doctorReport(await another(h, keychain));
    expect(before.facts.history).toBe("intact");
    expect(historyChecks(before).every((check) => check.ok)).toBe(true);
    const remembered = await checkHistory({ dataDir: h.dataDir, keychain });
    if (remembered.state !== "intact") throw new Error(remembered.state);
    const auditLines = remembered.logs.find((l) => l.log === "audit")!.remembered;
    const journalLines = remembered.logs.find((l) => l.log === "journal")!.remembered;
    expect(auditLines).toBeGreaterThan(3);
    expect(journalLines).toBeGreaterThan(2);

    await deleteHistory(h);
    const report = await doctorReport(await another(h, keychain));
    expect(report.ok).toBe(false);
    expect(report.facts.history).toBe("vanished");
    const failed = historyChecks(report).filter((check) => !check.ok);
    const audit = failed.find((check) => check.name === "history (the audit log)");
    const journal = failed.find((check) => check.name === "history (the approval journal)");
    expect(audit?.detail).toContain(`The audit log is gone: the OS keychain remembers line ${auditLines}`);
    expect(audit?.detail).toContain(path.join(h.dataDir, "Logs"));
    expect(audit?.detail).toContain("On disk: no line");
    expect(journal?.detail).toContain(
      `The approval journal is gone: the OS keychain remembers line ${journalLines}`,
    );
    expect(journal?.detail).toContain(path.join(h.dataDir, "approvals", JOURNAL_FILE));
    for (const check of failed) expect(check.detail).toMatch(/restore the folder from a backup/);

    // The server goes on (a new request, decided): the loss is still said, not healed by the next lines.
    await h.approve(await pendingId(h, "create_invoice", invoiceFor(150)));
    const later = await doctorReport(await another(h, keychain));
    expect(later.ok).toBe(false);
    const laterChecks = historyChecks(later).filter((check) => !check.ok);
    expect(laterChecks.find((c) => c.name === "history (the audit log)")?.detail).toMatch(
      new RegExp(`The audit log starts at line ${auditLines + 1}: lines 1 to ${auditLines} are gone`),
    );
    expect(laterChecks.find((c) => c.name === "history (the approval journal)")?.detail).toContain(
      `The approval journal was started over`,
    );
    expect(laterChecks.find((c) => c.name === "history (the approval journal)")?.detail).toContain(
      `remembered line ${journalLines}`,
    );

    // The person looks, and accepts the loss at a terminal: no longer reported; a new loss is.
    const check = await checkHistory({ dataDir: h.dataDir, keychain });
    await acceptHistoryLoss({ dataDir: h.dataDir, keychain, check, by: "ada (command line)" });
    const accepted = await doctorReport(await another(h, keychain));
    expect(historyChecks(accepted).every((c) => c.ok)).toBe(true);
    await deleteHistory(h);
    expect((await checkHistory({ dataDir: h.dataDir, keychain })).state).toBe("vanished");
  });

  it("the tray and the approval window show it (the IPC status), and the tray raises a notification once", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await activity(h);
    const harness = h;
    const trayApp = await another(harness, keychain);
    const electron = createFakeElectron();
    const main = createMainProcess(
      electron,
      mainDeps(async () => trayApp, keychain, { historyCheckMs: 0, statusPollMs: 100 }),
    );
    mains.push(main);
    await main.start();
    const tray = electron.trays[0]!;
    expect(tray.menu.some((item) => item.label?.startsWith("⚠"))).toBe(false);

    await deleteHistory(harness);
    // The tray's next refresh (its poll) finds it: first in the menu, in the tooltip, and a notification. (A
    // refresh between the two deletions finds one: the state waited for is both.)
    const said = (start: string) => tray.menu.some((item) => item.label?.startsWith(start));
    await until(
      () => said("⚠ The audit log is gone") && said("⚠ The approval journal is gone"),
      "the tray says the audit log and the journal are gone",
    );
    expect(tray.menu.map((item) => item.label)).toContainEqual(
      expect.stringMatching(/^⚠ The approval journal is gone: the OS keychain remembers line \d+/),
    );
    expect(tray.tooltip).toContain("HISTORY VANISHED");
    const notice = await until(() =>
      electron.notifications.find((n) => n.options.title === "odoo-mcp: history vanished"),
    );
    expect(notice?.options.body).toMatch(/The audit log is gone/);
    tray.click(tray.menu.find((item) => item.label?.startsWith("⚠ The audit log"))!.label!);
    expect(electron.windows.at(-1)?.loaded.at(-1)).toBe("file:///opt/odoo-mcp/dist/renderer/approvals.html");

    // What the approval window receives (agent.status, through the IPC contract): the banner's content.
    const status = channels["agent.status"].answer.parse(
      await approvalHandlers(trayApp, { historyCheckMs: 0 })["agent.status"]({}),
    );
    expect(status.history?.state).toBe("vanished");
    expect(status.history?.vanished.map((v) => v.log).sort()).toEqual(["audit", "journal"]);
    expect(status.history?.advice).toMatch(/odoo-mcp audit accept-loss/);
    // Said once, however often the tray refreshes (two more refreshes of its poll).
    const seen = electron.notifications.length;
    for (let i = 0; i < 2; i++) {
      const menu = tray.menu;
      await until(() => tray.menu !== menu, "the tray's menu is shown anew");
    }
    expect(tray.tooltip).toContain("HISTORY VANISHED");
    expect(
      electron.notifications.filter((n) => n.options.title === "odoo-mcp: history vanished"),
    ).toHaveLength(1);
    expect(electron.notifications.length).toBe(seen);
  });

  it("cut short or started over: the journal ending before the line the keychain remembers", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    await activity(h);
    const journal = path.join(h.dataDir, "approvals", JOURNAL_FILE);
    const lines = (await readFile(journal, "utf8")).split("\n").filter(Boolean);
    await writeFile(journal, `${lines.slice(0, 2).join("\n")}\n`);
    const check = await checkHistory({ dataDir: h.dataDir, keychain });
    expect(check.state).toBe("vanished");
    if (check.state !== "vanished") return;
    expect(check.vanished).toHaveLength(1);
    expect(check.vanished[0]?.message).toBe(
      `The approval journal ends at line 2, but the OS keychain remembers line ${lines.length}: lines 3 to ${lines.length} are gone (deleted, cut short, or the file was started over).`,
    );
    // The next decision numbers its line 3 from the shorter file: the keychain notes what it remembered.
    await h.approve(await pendingId(h, "create_invoice", invoiceFor(90)));
    const after = await checkHistory({ dataDir: h.dataDir, keychain });
    expect(after.state).toBe("vanished");
    if (after.state === "vanished")
      expect(after.vanished.map((v) => v.message).join("\n")).toContain(
        `remembered line ${lines.length} of it`,
      );
  });

  it("a brand-new installation does not warn, and an intact one neither", async () => {
    const keychain = createMemoryKeychain();
    h = await startHarness({ keychain });
    const fresh = await doctorReport(await another(h, keychain));
    expect(fresh.facts.history).toBe("fresh");
    expect(historyChecks(fresh)).toEqual([
      { name: "history", ok: true, detail: expect.stringContaining("a new installation") },
    ]);
    const status = await approvalHandlers(h.app, { historyCheckMs: 0 })["agent.status"]({});
    expect(status.history).toEqual({ state: "fresh", vanished: [] });
    expect(trayModel(status, [], noop).menu.some((item) => item.label?.startsWith("⚠"))).toBe(false);

    await activity(h);
    expect((await checkHistory({ dataDir: h.dataDir, keychain })).state).toBe("intact");
    // A new data folder of the same OS user is fresh too: the heads are kept per folder.
    const other = await startHarness({ keychain });
    try {
      expect((await checkHistory({ dataDir: other.dataDir, keychain })).state).toBe("fresh");
    } finally {
      await other.close();
    }
  });

  it("without a keychain (passphrase mode) there is nothing to compare against: doctor says so, and does not fail on it", async () => {
    h = await startHarness({ keychain: null });
    await activity(h);
    await deleteHistory(h);
    const report = await doctorReport(h.app);
    expect(report.facts.history).toBe("no_keychain");
    expect(historyChecks(report)).toEqual([
      {
        name: "history",
        ok: true,
        detail: expect.stringContaining("a deleted data folder cannot be told from a new one"),
      },
    ]);
  });
});
