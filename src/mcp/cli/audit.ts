import { parseArgs } from "node:util";
import { inline } from "../../shared/display.js";
import { auditAnchorFor } from "../audit/anchor.js";
import { type AuditVerifyReport, createAuditLog } from "../audit/audit-log.js";
import { loadConfig } from "../config/config.js";
import { acceptHistoryLoss, checkHistory } from "../history-check.js";
import { createLogger } from "../log.js";
import { openKeychain, print } from "./context.js";
import { confirm, hasTerminal } from "./terminal.js";

const USAGE = `usage: odoo-mcp audit verify [--json]
       odoo-mcp audit accept-loss     at a terminal: the audit log or journal that vanished (see doctor) is
                                      accepted as lost, and no longer reported`;

/**
 * `odoo-mcp audit verify [--json]`: checks the audit log's chain (every day file) against the head kept in the
 * OS keychain. Exit 0 when intact, 1 when it was altered, 2 on a usage error.
 */
export async function auditCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    process.stderr.write(
      `odoo-mcp audit: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
    );
    return 2;
  }
  const [sub, ...extra] = parsed.positionals;
  if (sub === "accept-loss" && extra.length === 0) return acceptLoss();
  if (sub !== "verify" || extra.length > 0) {
    process.stderr.write(
      `odoo-mcp audit: ${sub ? `unknown subcommand "${sub}"` : "missing subcommand"}\n${USAGE}\n`,
    );
    return 2;
  }
  const config = loadConfig();
  // What a missing keychain means for the chain is doctor's to say (once), not every verification's.
  const { keychain } = openKeychain();
  const anchor = await auditAnchorFor(keychain, { dataDir: config.dataDir });
  const report = await createAuditLog(config.dataDir, anchor ? { anchor } : {}).verify();
  if (parsed.values.json) print(JSON.stringify(report, null, 2));
  else printReport(report);
  return report.ok ? 0 : 1;
}

function parse(args: string[]) {
  return parseArgs({ args, options: { json: { type: "boolean", default: false } }, allowPositionals: true });
}

function printReport(report: AuditVerifyReport): void {
  const days = report.files.length;
  const checked = `${report.lines} line(s) in ${days} day file(s)`;
  const how = `${report.keyed ? "HMAC-SHA256 (key in the OS keychain)" : "plain SHA-256 (no key: a rewritten tail cannot be detected)"}, head ${
    report.anchored
      ? "kept in the OS keychain"
      : "kept only in the data folder (not trustworthy: whoever can edit the log can edit it)"
  }`;
  if (report.ok) print(`audit log intact: ${checked}`);
  else print(`audit log ALTERED: ${report.problems.length} problem(s) in ${checked}`);
  print(`  checked with ${how}`);
  if (report.unchained > 0) print(`  ${report.unchained} line(s) unchained (before the chain began)`);
  if (report.head) print(`  head: seq ${report.head.seq}`);
  for (const problem of report.problems) {
    print(`  ${problem.kind.toUpperCase().padEnd(10)} ${problem.file}:${problem.line}  ${problem.message}`);
  }
  if (!report.ok) print("The first problem is where the log was first altered.");
}

/**
 * `odoo-mcp audit accept-loss`: the person has looked at what vanished (doctor, the tray) and accepts it as lost;
 * the same loss is then not reported again (kept in the OS keychain), a later one is. At a terminal only, with
 * "y" typed: the agent's shell has none. Audited.
 */
async function acceptLoss(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger("warn");
  const { keychain } = openKeychain();
  const check = await checkHistory({ dataDir: config.dataDir, keychain });
  if (check.state !== "vanished") {
    print(
      check.state === "no_keychain"
        ? "No OS keychain here: nothing remembers the history's length, so there is nothing to accept."
        : "Nothing vanished: there is nothing to accept.",
    );
    return 0;
  }
  for (const v of check.vanished) print(`- ${inline(v.message, 400)}`);
  if (!hasTerminal()) {
    process.stderr.write(
      "odoo-mcp audit: accepting a lost history needs a person at a terminal; run it yourself, in a terminal\n",
    );
    return 1;
  }
  if (!(await confirm("Accept that this history is lost (it is no longer reported)?"))) {
    print("Nothing was changed.");
    return 1;
  }
  const by = `${process.env.USER ?? process.env.USERNAME ?? "user"} (command line)`;
  const accepted = await acceptHistoryLoss({ dataDir: config.dataDir, keychain: keychain!, check, by });
  const anchor = await auditAnchorFor(keychain, { dataDir: config.dataDir, logger });
  await createAuditLog(config.dataDir, anchor ? { anchor } : {}).append({
    event: "policy_changed",
    action: "accept_history_loss",
    actor: "user",
    result: "success",
    channel: "cli",
    message: `accepted as lost: ${accepted.join("; ")}`,
  });
  print("Accepted. doctor and the tray no longer report this loss; a new one is reported again.");
  return 0;
}
