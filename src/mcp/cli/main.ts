import { VERSION } from "../version.js";
import { parseCommand } from "./context.js";

const USAGE = `odoo-mcp ${VERSION} — bookkeeping in Odoo for AI agents, with a human's approval for every money move

Usage:
  odoo-mcp [serve]                              run the MCP server over stdio (what an MCP client starts)
  odoo-mcp approvals list [--status S] [--json] requests waiting for you (or all, with --status all)
  odoo-mcp approvals show ID [--json]           one request: summary, amounts, arguments, outcome
  odoo-mcp approvals approve ID                 approve at this terminal, then run it now (exactly once)
  odoo-mcp approvals reject ID [--reason R]     reject it
  odoo-mcp approvals passphrase                 choose the approval passphrase (no OS keychain here)
  odoo-mcp policy show|set RULE VALUE|unset RULE  the approval rules and where each comes from
  odoo-mcp queue status [--json]                operations waiting for Odoo to answer again
  odoo-mcp queue drain [--json]                 replay them now, in order
  odoo-mcp audit verify [--json]                check the audit log's chain: exit 1 if it was altered
  odoo-mcp audit accept-loss                    accept a vanished history doctor reports (at a terminal)
  odoo-mcp doctor [--json]                      check configuration, connection, version, modules, key expiry
  odoo-mcp credentials set [--password]         store the Odoo API key (or password) in the OS keychain
  odoo-mcp credentials clear                    remove it from the keychain
  odoo-mcp demo                                 see it work end to end against the built-in sandbox
  odoo-mcp sandbox [--port N] [--version 19]    run the sandbox (a fake Odoo for trying things; NOT Odoo)

Configuration: .env in the working directory or environment variables (ODOO_URL, ODOO_DATABASE,
ODOO_USERNAME, ODOO_API_KEY or ODOO_PASSWORD, ODOO_MCP_DATA_DIR, DRY_RUN, ...). See README.md.
Help on one command: odoo-mcp COMMAND --help`;

export async function runCli(argv: string[]): Promise<number> {
  // Options before the command are odoo-mcp's own (--help, --version); the command parses the rest.
  const at = argv.findIndex((arg) => !arg.startsWith("-"));
  const own = parseCommand(at === -1 ? argv : argv.slice(0, at), {
    name: "",
    usage: USAGE,
    options: { version: { type: "boolean" } },
    maxPositionals: 0,
  });
  if (typeof own === "number") return own;
  const [command = "serve", ...rest] = own.values.version ? ["version"] : at === -1 ? [] : argv.slice(at);
  switch (command) {
    case "serve":
      return (await import("./serve.js")).serve(rest);
    case "approvals":
      return (await import("./approvals.js")).approvalsCommand(rest);
    case "policy":
      return (await import("./policy.js")).policyCommand(rest);
    case "queue":
      return (await import("./queue.js")).queueCommand(rest);
    case "audit":
      return (await import("./audit.js")).auditCommand(rest);
    case "doctor":
      return (await import("./doctor.js")).doctorCommand(rest);
    case "credentials":
      return (await import("./credentials.js")).credentialsCommand(rest);
    case "demo":
      return (await import("./demo.js")).demoCommand(rest);
    case "sandbox":
      return (await import("./sandbox.js")).sandboxCommand(rest);
    case "version":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`odoo-mcp: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}
