// The desktop app's core in a Node process of its own, as the tray app runs it (minus Electron): the BUILT
// `openDesktopApp` and `approvalHandlers` (dist/main), the OS keychain of the session, the environment it is
// started with. It does what a person at the approval window does: it lists what is pending (looked up in Odoo,
// as the window shows it), selects a few and approves them (every eighth selection rejected; two selections at a time), each with the
// argument hashes it was shown, until it is told "drain" on stdin and then finds nothing pending three times in a
// row. Then it prints one JSON line: which decisions took effect, which were refused (another process decided
// first), and the time of each selection's decide call (decision, audit line, execution).
//
// Plain JS over dist/ on purpose: no TypeScript loader is installed, and dist/ is what the app ships.

import path from "node:path";
import { performance } from "node:perf_hooks";

const dist = path.resolve(import.meta.dirname, "../../dist");
const { openDesktopApp } = await import(path.join(dist, "main/desktop-config.js"));
const { approvalHandlers } = await import(path.join(dist, "main/approval-handlers.js"));
const { createOsKeychain } = await import(path.join(dist, "mcp/credentials/keychain.js"));
const { createLogger } = await import(path.join(dist, "mcp/log.js"));
const { channels } = await import(path.join(dist, "shared/ipc.js"));

const BATCH = 5;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let draining = false;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  if (chunk.includes("drain")) draining = true;
});

const { app } = await openDesktopApp({
  settings: { odoo: () => ({}) },
  env: process.env,
  keychain: createOsKeychain(),
  logger: createLogger("warn"),
});
const handlers = approvalHandlers(app, { actor: "load (odoo-mcp app)" });
// What the IPC router does: every request is parsed by its channel's schema before it reaches a handler.
const list = (request) => handlers["approvals.list"](channels["approvals.list"].request.parse(request));
const decide = (request) => handlers["approvals.decide"](channels["approvals.decide"].request.parse(request));

const seen = new Set();
const won = []; // [id, decision] for every decision of this process that took effect
const refused = {}; // error code → count, for decisions another process had already taken
const reasons = {}; // error code → the first refusal's message
const failed = []; // decisions that took effect but whose execution failed (a test failure)
const ms = []; // one per selection: the decide call (decisions, audit lines, executions)
let selections = 0;
let listings = 0;
let idle = 0;
let listFailures = 0;
const started = performance.now();
try {
  for (;;) {
    let items;
    try {
      listings++;
      ({ items } = await list({ scope: "pending", limit: 50 }));
    } catch (error) {
      // A request decided elsewhere between the listing and its look-up: list again. A listing that keeps failing
      // once the load is over is a failure of its own (reported), never a loop that outlives the test.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`desktop-core: list: ${message}\n`);
      if (draining && ++listFailures >= 20) {
        failed.push(`the listing kept failing after the load: ${message}`);
        break;
      }
      await sleep(20);
      continue;
    }
    listFailures = 0;
    const fresh = items.filter((item) => !seen.has(item.approval_id));
    if (fresh.length === 0) {
      if (draining && ++idle >= 3) break;
      await sleep(draining ? 200 : 25);
      continue;
    }
    idle = 0;
    // Two selections at a time, as the window and a notification's action can both decide at once.
    const selectionsNow = [];
    for (let at = 0; at < fresh.length; at += BATCH) selectionsNow.push(fresh.slice(at, at + BATCH));
    const next = async () => {
      for (let chosen = selectionsNow.shift(); chosen; chosen = selectionsNow.shift()) {
        for (const item of chosen) seen.add(item.approval_id);
        const decision = selections++ % 8 === 7 ? "rejected" : "approved";
        const t0 = performance.now();
        const { results } = await decide({
          ids: chosen.map((item) => item.approval_id),
          decision,
          args_hashes: chosen.map((item) => item.args_hash),
        });
        ms.push(performance.now() - t0);
        for (const result of results) {
          if (result.ok) won.push([result.id, decision]);
          else if (result.status === "failed") {
            won.push([result.id, decision]);
            failed.push(`${result.id}: ${result.error?.code} ${result.error?.message}`);
          } else {
            const code = result.error?.code ?? "?";
            refused[code] = (refused[code] ?? 0) + 1;
            // why, once per code: the test prints it (a refusal other than "decided elsewhere first" fails it)
            if (!(code in reasons)) reasons[code] = result.error?.message ?? "";
          }
        }
      }
    };
    await Promise.all([next(), next()]);
  }
} finally {
  await app.close();
}
process.stdout.write(
  `${JSON.stringify({ won, refused, reasons, failed, ms, selections, listings, seconds: (performance.now() - started) / 1000 })}\n`,
);
process.stdin.destroy();
