import { loadConfig } from "../config/config.js";
import { keychainAccount } from "../credentials/keychain.js";
import { createLogger } from "../log.js";
import { parseCommand, print, tryKeychain, usageError } from "./context.js";
import { hasTerminal, readLine } from "./terminal.js";

const CREDENTIALS = {
  name: "credentials",
  usage: `Usage:
  odoo-mcp credentials set [--password]     store the Odoo API key (or password) in the OS keychain
                                            (typed without echo, or the first line of stdin)
  odoo-mcp credentials clear [--password]   remove it from the keychain`,
  options: { password: { type: "boolean" } },
  maxPositionals: 1,
} as const;

/** `odoo-mcp credentials set|clear`: the Odoo secret goes to the OS keychain, never to a file or a log. */
export async function credentialsCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, CREDENTIALS);
  if (typeof parsed === "number") return parsed;
  const [sub] = parsed.positionals;
  if (sub !== "set" && sub !== "clear")
    return usageError(
      CREDENTIALS,
      sub === undefined ? 'say "set" or "clear"' : `unknown subcommand "${sub}" (set, clear)`,
    );
  const config = loadConfig();
  const keychain = tryKeychain(createLogger("error"));
  if (!keychain) {
    process.stderr.write(
      "odoo-mcp credentials: no OS keychain is available here. Put ODOO_API_KEY in the .env file instead (keep it private).\n",
    );
    return 1;
  }
  const kind = parsed.values.password ? "password" : "api_key";
  const account = keychainAccount(config.odoo.url, config.odoo.database, config.odoo.username, kind);
  if (sub === "set") {
    const label = kind === "password" ? "Odoo password" : "Odoo API key";
    const secret = (
      await readSecret(
        `${label} for ${config.odoo.username} on ${config.odoo.url} (${config.odoo.database}): `,
      )
    ).trim();
    if (!secret) {
      process.stderr.write("odoo-mcp credentials: nothing was entered; nothing was stored.\n");
      return 1;
    }
    await keychain.set(account, secret);
    print(
      `Stored the ${label} in the OS keychain (service "odoo-mcp"). Check the connection with: odoo-mcp doctor`,
    );
    return 0;
  }
  const removed = await keychain.delete(account);
  print(
    removed
      ? "Removed the secret from the OS keychain."
      : "The OS keychain held no secret for this connection.",
  );
  return 0;
}

/** Reads a line without echo from a terminal (terminal.ts, as the approvals do), or the first line of stdin when it is a pipe. */
async function readSecret(prompt: string): Promise<string> {
  if (hasTerminal()) return readLine(prompt, { hidden: true });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}
