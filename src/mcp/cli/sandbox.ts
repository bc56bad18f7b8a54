import { parseCommand, print, usageError } from "./context.js";

const SANDBOX = {
  name: "sandbox",
  usage: `Usage:
  odoo-mcp sandbox [--port N] [--version 17|18|19]   run the sandbox (a fake Odoo for trying things; NOT Odoo)
                                                    on 127.0.0.1, port 18069 and version 19 unless told`,
  options: { port: { type: "string" }, version: { type: "string" } },
  maxPositionals: 0,
} as const;

/** Not Odoo's 8069: a client left on the default ODOO_URL must not find the sandbox there. */
export const SANDBOX_DEFAULT_PORT = 18069;

/** `odoo-mcp sandbox`: the built-in fake Odoo, for trying the product without an Odoo server. */
export async function sandboxCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, SANDBOX);
  if (typeof parsed === "number") return parsed;
  const version = Number(parsed.values.version ?? "19");
  if (version !== 17 && version !== 18 && version !== 19)
    return usageError(SANDBOX, `--version must be 17, 18 or 19, not "${parsed.values.version}"`);
  const portText = parsed.values.port ?? String(SANDBOX_DEFAULT_PORT);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65_535))
    return usageError(SANDBOX, `--port must be a port number (0 to 65535), not "${portText}"`);
  // src/mcp never imports the sandbox statically (docs/ARCHITECTURE.md): only this command loads it.
  const { startSandbox } = await import("../../sandbox/index.js");
  const sandbox = await startSandbox({ version, port });
  print(
    `SANDBOX — a fake Odoo ${version} for trying odoo-mcp. It is NOT Odoo and keeps nothing after it stops.`,
  );
  print(`  ODOO_URL=${sandbox.url}`);
  print(`  ODOO_DATABASE=${sandbox.database}`);
  print(`  ODOO_USERNAME=${sandbox.login}`);
  print(`  ODOO_API_KEY=${sandbox.apiKey}`);
  print("  ODOO_MCP_ALLOW_SANDBOX=true   (odoo-mcp refuses the sandbox without it)");
  print("Press Ctrl+C to stop.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await sandbox.close();
  return 0;
}
