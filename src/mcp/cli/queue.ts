import { drainQueue } from "../approvals/executor.js";
import { flag, openApp, positionals, print } from "./context.js";

/** `odoo-mcp queue status|drain`: the operations approved while Odoo could not be reached. */
export async function queueCommand(args: string[]): Promise<number> {
  const [sub = "status"] = positionals(args);
  const json = flag(args, "--json");
  const { app } = await openApp({ quiet: true });
  try {
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
    if (sub === "drain") {
      const result = await drainQueue(app.executorDeps(), (message: string) => {
        if (!json) print(message);
      });
      if (json) print(JSON.stringify(result, null, 2));
      else print(`executed ${result.executed}, failed ${result.failed}, still queued ${result.remaining}`);
      return result.remaining > 0 ? 1 : 0;
    }
    process.stderr.write(`odoo-mcp queue: unknown subcommand "${sub}" (status, drain)\n`);
    return 2;
  } finally {
    await app.close();
  }
}
