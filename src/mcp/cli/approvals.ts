import { executeApproval } from "../approvals/executor.js";
import type { ApprovalRecord } from "../approvals/store.js";
import { isToolError } from "../errors.js";
import { toApprovalView } from "../tools/get-approval.js";
import { flag, openApp, option, positionals, print } from "./context.js";

/** The human's side of approval from a terminal. This is a channel the agent cannot reach through MCP. */
export async function approvalsCommand(args: string[]): Promise<number> {
  const [sub, id] = positionals(args, ["--reason", "--status"]);
  const json = flag(args, "--json");
  const { app } = await openApp({ quiet: true });
  try {
    switch (sub) {
      case "list":
      case undefined: {
        const status = option(args, "--status") ?? "pending";
        const records = await app.store.list(
          status === "all" ? undefined : { status: status as ApprovalRecord["status"] },
        );
        if (json) print(JSON.stringify(records.map(toApprovalView), null, 2));
        else if (records.length === 0)
          print(status === "all" ? "No approval requests." : `No ${status} approval requests.`);
        else for (const record of records) print(oneLine(record));
        return 0;
      }
      case "show": {
        const record = id ? await app.store.get(id) : null;
        if (!record) return notFound(id);
        if (json) print(JSON.stringify({ ...toApprovalView(record), arguments: record.args }, null, 2));
        else printRecord(record);
        return 0;
      }
      case "approve":
      case "reject": {
        if (!id) return notFound(id);
        const reason = option(args, "--reason");
        const decided = await app.store.decide(id, {
          decision: sub === "approve" ? "approved" : "rejected",
          channel: "cli",
          actor: `${process.env.USER ?? process.env.USERNAME ?? "user"} (command line)`,
          ...(reason ? { reason } : {}),
        });
        await app.audit.append({
          event: "approval_decided",
          action: decided.tool,
          actor: "user",
          target: decided.target,
          approval_status: decided.status,
          result: decided.status === "approved" ? "success" : "rejected",
          approval_id: decided.id,
          channel: "cli",
          amount: decided.amount,
          currency: decided.currency,
          ...(reason ? { message: reason } : {}),
        });
        if (sub === "reject") {
          if (json) print(JSON.stringify(toApprovalView(decided), null, 2));
          else print(`Rejected ${decided.id}. Nothing was done in Odoo.`);
          return 0;
        }
        if (!json) print(`Approved ${decided.id}. Running it now...`);
        const outcome = await executeApproval(app.executorDeps(), decided.id);
        const after = (await app.store.get(decided.id)) ?? decided;
        if (json) print(JSON.stringify({ ...toApprovalView(after), execution: outcome.status }, null, 2));
        else if (outcome.status === "executed") print(`Done: ${JSON.stringify(outcome.output)}`);
        else if (outcome.status === "queued")
          print("Odoo cannot be reached: it is in the offline queue and runs when Odoo answers.");
        else if (outcome.status === "failed") print(`It failed in Odoo: ${outcome.code}: ${outcome.message}`);
        else print(`Status: ${outcome.status}`);
        return outcome.status === "failed" ? 1 : 0;
      }
      default:
        process.stderr.write(
          `odoo-mcp approvals: unknown subcommand "${sub}" (list, show, approve, reject)\n`,
        );
        return 2;
    }
  } catch (error) {
    process.stderr.write(
      `odoo-mcp approvals: ${isToolError(error) ? `${error.code}: ${error.message}` : String(error)}\n`,
    );
    return 1;
  } finally {
    await app.close();
  }
}

function notFound(id: string | undefined): number {
  process.stderr.write(
    id ? `odoo-mcp approvals: no approval request "${id}"\n` : "odoo-mcp approvals: give an approval id\n",
  );
  return 1;
}

function oneLine(record: ApprovalRecord): string {
  const amount = record.amount ? ` ${record.amount} ${record.currency ?? ""}`.trimEnd() : "";
  return `${record.id}  ${record.status.padEnd(8)}  ${record.tool.padEnd(15)}${amount}  ${record.summary.split("\n")[0]}`;
}

function printRecord(record: ApprovalRecord): void {
  const view = toApprovalView(record);
  print(
    `${record.id} — ${record.tool} — ${record.status}${view.queued ? " (queued: waiting for Odoo)" : ""}`,
  );
  print(
    `requested ${record.createdAt}${record.requestedBy ? ` by ${record.requestedBy}` : ""}, expires ${record.expiresAt}`,
  );
  print();
  print(record.summary);
  print();
  print(`arguments: ${JSON.stringify(record.args)}`);
  if (record.decision)
    print(
      `decision: ${record.decision.decision} by ${record.decision.actor} via ${record.decision.channel} at ${record.decision.at}`,
    );
  if (view.output) print(`output: ${JSON.stringify(view.output)}`);
  if (view.error) print(`error: ${view.error.code}: ${view.error.message}`);
}
