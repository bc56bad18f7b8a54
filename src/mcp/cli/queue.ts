import { unlockPassphrase } from "../approvals/keys.js";
import { openApp, parseCommand, print, usageError } from "./context.js";
import { hasTerminal, readLine } from "./terminal.js";

const QUEUE = {
  name: "queue",
  usage: `Usage:
  odoo-mcp queue status [--json]   operations approved while Odoo could not be reached, oldest first
  odoo-mcp queue drain [--json]    replay them now, in order`,
  options: { json: { type: "boolean" } },
  maxPositionals: 1,
} as const;

/** `odoo-mcp queue status|drain`: the operations approved while Odoo could not be reached. */
export async function queueCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, QUEUE);
  if (typeof parsed === "number") return parsed;
  const [sub = "status"] = parsed.positionals;
  if (sub !== "status" && sub !== "drain")
    return usageError(QUEUE, `unknown subcommand "${sub}" (status, drain)`);
  const json = parsed.values.json === true;
  let { app } = await openApp({ quiet: true });
  try {
    if (
      sub === "drain" &&
      app.keyMode === "passphrase" &&
      hasTerminal() &&
      (await app.queue.pending()).length > 0
    ) {
      // No keychain: what the person approved with the passphrase is replayed only by a process that holds it.
      const dataDir = app.config.dataDir;
      await app.close();
      const passphraseKey = await unlockPassphrase(
        dataDir,
        await readLine("Approval passphrase (to replay what you approved): ", { hidden: true }),
      );
      ({ app } = await openApp({ quiet: true, passphraseKey }));
    }
    if (sub === "status") {
      const pending = await app.queue.pending();
      if (json) print(JSON.stringify({ pending }, null, 2));
      else if (pending.length === 0) print("The offline queue is empty.");
      else {
        print(`${pending.length} operation(s) wait for Odoo, oldest first:`);
        for (const entry of pending) print(`  ${entry.at}  ${entry.tool.padEnd(15)} ${entry.approvalId}`);
      }
      return 0;
    }
    const result = await app.approvals.drain((message: string) => {
      if (!json) print(message);
    });
    if (json) print(JSON.stringify(result, null, 2));
    else print(`executed ${result.executed}, failed ${result.failed}, still queued ${result.remaining}`);
    return result.remaining > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}
