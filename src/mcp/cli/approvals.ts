import { parseArgs } from "node:util";
import { decidedWords, keptWords } from "../../shared/channels.js";
import { inline, jsonForTerminal } from "../../shared/display.js";
import type { RequestDocument } from "../../shared/document.js";
import { recordUrl } from "../accounting/session.js";
import type { App } from "../app.js";
import { keptItems } from "../approvals/core.js";
import type { ExecutionOutcome } from "../approvals/executor.js";
import { invoiceNumbers, nameOf } from "../approvals/history.js";
import {
  type ApprovalKey,
  PassphraseError,
  passphraseIsSet,
  setPassphrase,
  unlockPassphrase,
} from "../approvals/keys.js";
import { APPROVAL_STATUSES, type ApprovalRecord, type ApprovalStatus } from "../approvals/store.js";
import { outcomeText, renderLine, renderView } from "../approvals/view.js";
import { toToolError } from "../error-map.js";
import { isToolError } from "../errors.js";
import { NotRegularFileError } from "../fsutil/regular.js";
import { toApprovalView } from "../tools/get-approval.js";
import { openApp, print } from "./context.js";
import { confirm, hasTerminal, NoTerminalError, readLine } from "./terminal.js";

const USAGE = `Usage:
  odoo-mcp approvals list [--status S|all] [--json]   requests waiting for you (pending by default; others: newest 200)
  odoo-mcp approvals show ID [--json]                 one request, looked up in Odoo now, with its exact arguments
  odoo-mcp approvals approve ID [--only N,N...]       approve it at this terminal, then run it now (exactly once);
                                                      --only: a batch's items to approve, the others left out
                                                      (numbered from 1, as \`show\` lists them)
  odoo-mcp approvals reject ID [--reason R]           reject it
  odoo-mcp approvals passphrase                       choose the approval passphrase (machines without a keychain)`;

/**
 * The person's side of approval from a terminal. Approving needs a person at a real terminal: the request is
 * shown as Odoo sees it now (never stored text), and the person types "y" — where no OS keychain exists, the
 * approval passphrase too. An agent that runs this command without a terminal is refused; rejecting needs none
 * (saying no never moves money).
 */
export async function approvalsCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`odoo-mcp approvals: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub = "list", id, ...extra] = positionals;
  if (values.help) {
    print(USAGE);
    return 0;
  }
  if (extra.length > 0 || (["show", "approve", "reject"].includes(sub) && !id)) {
    process.stderr.write(
      `odoo-mcp approvals ${sub}: ${id ? "one approval id only" : "give an approval id"}\n`,
    );
    return 2;
  }
  if (values.only !== undefined && sub !== "approve") {
    process.stderr.write(`odoo-mcp approvals ${sub}: --only goes with approve\n\n${USAGE}\n`);
    return 2;
  }
  const only = values.only === undefined ? undefined : itemsOf(values.only);
  if (only === null) {
    process.stderr.write(
      `odoo-mcp approvals approve: --only takes item numbers from 1, separated by commas (--only 1,3)\n`,
    );
    return 2;
  }
  if (sub === "passphrase") return choosePassphrase();
  if (!["list", "show", "approve", "reject"].includes(sub)) {
    process.stderr.write(`odoo-mcp approvals: unknown subcommand "${sub}"\n\n${USAGE}\n`);
    return 2;
  }
  const status = values.status ?? "pending";
  if (status !== "all" && !(APPROVAL_STATUSES as readonly string[]).includes(status)) {
    process.stderr.write(
      `odoo-mcp approvals: --status must be all or one of ${APPROVAL_STATUSES.join(", ")}\n`,
    );
    return 2;
  }

  const { app } = await openApp({ quiet: true });
  try {
    if (sub === "approve" && app.keyMode === "passphrase") {
      // Without a keychain, only the process the person typed the passphrase into may run the decision. The
      // request is shown first: the passphrase is typed by someone who has read what it approves.
      await assertPassphraseSet(app.config.dataDir);
      const shown = await showForApproval(app, id!, only);
      if (typeof shown === "number") return shown;
      const passphraseKey = await askPassphrase(app.config.dataDir);
      return await withApp({ passphraseKey }, (again) =>
        approve(again, id!, Boolean(values.json), only, shown),
      );
    }
    switch (sub) {
      case "list": {
        // Decided requests come from the archive, newest first: the newest 200 (history is in the app, too).
        // An entry that is not a file (a FIFO, a link...) is left out and named, one line each; the rest is listed.
        const refused: string[] = [];
        const records = await app.approvals.list(
          status === "all"
            ? { status: [...APPROVAL_STATUSES], limit: 200 }
            : { status: status as ApprovalStatus, ...(status === "pending" ? {} : { limit: 200 }) },
          { refused: (error) => refused.push(error.message) },
        );
        for (const message of new Set(refused))
          process.stderr.write(`odoo-mcp approvals: ${inline(message, 300)}: ignored\n`);
        if (values.json) print(jsonForTerminal(records.map(toApprovalView)));
        else if (records.length === 0)
          print(status === "all" ? "No approval requests." : `No ${status} approval requests.`);
        else {
          // A draft that a later request posted is listed by its number, as the app's history names it.
          const names = invoiceNumbers(records, app.approvals);
          for (const record of records) {
            // Who decided, and where: an approval given in the MCP client's prompt reads "approved in the chat";
            // a batch approved in part, "approved 2 of 3 items (1, 3) at the terminal".
            const shown = record.decision ? app.approvals.shown(record) : null;
            const items = shown?.document?.items?.length;
            const how = record.decision
              ? `  ${decidedWords(record.decision, record.requestedBy, items)}`
              : "";
            const name = nameOf(record, names, shown);
            print(`${renderLine(record, app.approvals.integrity(record), name)}${how}`);
          }
        }
        return 0;
      }
      case "show": {
        const record = await app.approvals.get(id!);
        if (!record) return notFound(id!);
        const view = await app.approvals.view(record);
        if (values.json) print(jsonForTerminal(view));
        else print(renderView(view, { arguments: true, ...linkOf(app, record.tool, view.outcome) }));
        return 0;
      }
      case "reject": {
        const record = await app.approvals.get(id!);
        if (!record) return notFound(id!);
        const decided = await app.approvals.decide(id!, {
          decision: "rejected",
          channel: "cli",
          actor: actor(),
          ...(values.reason ? { reason: values.reason } : {}),
        });
        if (values.json) print(jsonForTerminal(toApprovalView(decided)));
        else print(`Rejected ${decided.id}. Nothing was done in Odoo.`);
        return 0;
      }
      default:
        return await approve(app, id!, Boolean(values.json), only);
    }
  } catch (error) {
    return failed(error);
  } finally {
    await app.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      status: { type: "string" },
      reason: { type: "string" },
      only: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

async function withApp(
  options: { passphraseKey: ApprovalKey },
  run: (app: App) => Promise<number>,
): Promise<number> {
  const { app } = await openApp({ quiet: true, passphraseKey: options.passphraseKey });
  try {
    return await run(app);
  } catch (error) {
    return failed(error);
  } finally {
    await app.close();
  }
}

/** `--only 1,3` → the items' indices [0, 2] (numbered from 1 for people); null when it is not such a list. */
function itemsOf(text: string): number[] | null {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^[1-9]\d{0,5}$/.test(part))) return null;
  return parts.map((part) => Number(part) - 1);
}

/** What the person read before deciding: its arguments' hash (which the decision signs), its document. */
interface Shown {
  argsHash: string;
  document?: RequestDocument;
  /** The items `--only` keeps, checked against the document (absent: the whole request). */
  keep?: number[];
}

/**
 * Shows the request as Odoo sees it now, before anything is typed. Answers what was shown, or the exit code when it
 * cannot be approved (as asked: `only`, the items of a batch to approve, are checked against what was shown).
 */
async function showForApproval(app: App, id: string, only?: number[]): Promise<Shown | number> {
  if (!hasTerminal())
    throw new NoTerminalError(
      "approving needs a person at a terminal: run `odoo-mcp approvals approve` yourself, in a terminal (an agent's shell has none)",
    );
  const record = await app.approvals.get(id);
  if (!record) return notFound(id);
  const view = await app.approvals.view(record);
  process.stderr.write(`${renderView(view, { arguments: true })}\n\n`);
  if (view.integrity.length > 0) {
    process.stderr.write(
      "This request cannot be approved (see !! above): it was changed outside odoo-mcp, or what it is about changed in Odoo since the agent asked.\n",
    );
    return 1;
  }
  // Said now, before anything is typed: items that are not there, or a request that has none.
  const keep =
    only &&
    keptItems(id, {
      decision: "approved",
      channel: "cli",
      keep: only,
      ...(view.document ? { document: view.document } : {}),
    });
  // What the person read is kept with their decision, for the history (display only; its digest is signed).
  return {
    argsHash: record.argsHash,
    ...(view.document ? { document: view.document } : {}),
    ...(keep ? { keep } : {}),
  };
}

/**
 * Asks the person about the request `shown` (shown now when not given), decides, and runs it in this process.
 * The decision signs the arguments' hash of what was shown: a request changed in between is refused.
 */
async function approve(app: App, id: string, json: boolean, only?: number[], shown?: Shown): Promise<number> {
  const seen = shown ?? (await showForApproval(app, id, only));
  if (typeof seen === "number") return seen;
  const items = seen.document?.items?.length;
  const which = seen.keep ? ` ${keptWords(seen.keep, items)} of` : "";
  if (!(await confirm(`Approve${which} ${id}?`))) {
    print("Not approved. Nothing was done.");
    return 1;
  }
  const decided = await app.approvals.decide(id, {
    decision: "approved",
    channel: "cli",
    actor: actor(),
    argsHash: seen.argsHash,
    ...(seen.document ? { document: seen.document } : {}),
    ...(seen.keep ? { keep: seen.keep } : {}),
  });
  if (!json) print(`Approved${which} ${decided.id}. Running it now...`);
  const outcome = await app.approvals.execute(decided.id);
  const after = (await app.approvals.get(decided.id)) ?? decided;
  if (json) print(jsonForTerminal({ ...toApprovalView(after), execution: outcome.status }));
  else print(describeOutcome(app, decided, outcome));
  return outcome.status === "failed" ? 1 : 0;
}

/** The outcome as a sentence with the record's link in Odoo. */
function describeOutcome(app: App, record: ApprovalRecord, outcome: ExecutionOutcome): string {
  switch (outcome.status) {
    case "executed": {
      const done = { ok: true, output: outcome.output };
      const about = { ...linkOf(app, record.tool, done), amount: record.meta.amount };
      return outcomeText(record.tool, done, about) ?? "Done.";
    }
    case "queued":
      return "Odoo cannot be reached: it is in the offline queue and runs when Odoo answers.";
    case "failed":
      return `It failed in Odoo: ${outcome.code}: ${inline(outcome.message, 1000)}`;
    default:
      return `Status: ${outcome.status}`;
  }
}

/** The link of a payment the output names by record id only (the other outputs carry their `odoo_url`). */
function linkOf(app: App, tool: string, outcome: unknown): { link?: string } {
  const output = (outcome as { ok?: unknown; output?: { record_id?: unknown } } | undefined)?.output;
  if (tool !== "record_payment" || typeof output?.record_id !== "number") return {};
  return {
    link: recordUrl(
      { baseUrl: app.config.odoo.url.replace(/\/+$/, "") },
      "account.payment",
      output.record_id,
    ),
  };
}

async function assertPassphraseSet(dataDir: string): Promise<void> {
  if (!(await passphraseIsSet(dataDir)))
    throw new PassphraseError(
      "This machine has no OS keychain, so approvals need a passphrase: choose one first with `odoo-mcp approvals passphrase`.",
    );
}

async function askPassphrase(dataDir: string): Promise<ApprovalKey> {
  await assertPassphraseSet(dataDir);
  return unlockPassphrase(dataDir, await readLine("Approval passphrase: ", { hidden: true }));
}

async function choosePassphrase(): Promise<number> {
  const { app, config } = await openApp({ quiet: true });
  const mode = app.keyMode;
  await app.close();
  try {
    if (mode === "keychain") {
      print("This machine has an OS keychain: approvals are signed with its key; no passphrase is needed.");
      return 0;
    }
    const first = await readLine("Choose the approval passphrase (at least 8 characters): ", {
      hidden: true,
    });
    const second = await readLine("Type it again: ", { hidden: true });
    if (first !== second) {
      process.stderr.write("odoo-mcp approvals: the two passphrases differ; nothing was set\n");
      return 1;
    }
    await setPassphrase(config.dataDir, first);
    print("The approval passphrase is set. It is not stored anywhere: you type it for each approval.");
    return 0;
  } catch (error) {
    return failed(error);
  }
}

function actor(): string {
  return `${process.env.USER ?? process.env.USERNAME ?? "user"} (command line)`;
}

function notFound(id: string): number {
  process.stderr.write(`odoo-mcp approvals: no approval request "${inline(id, 80)}"\n`);
  return 1;
}

function failed(thrown: unknown): number {
  // Something in the data folder that is not a file: said with its code, as a tool would answer it.
  const error = thrown instanceof NotRegularFileError ? toToolError(thrown) : thrown;
  const text = isToolError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
  // Messages can quote what the agent wrote (a client's name as the actor, a reason): escaped for the terminal.
  process.stderr.write(`odoo-mcp approvals: ${inline(text, 2000)}\n`);
  return 1;
}
