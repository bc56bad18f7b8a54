import { option, print } from "./context.js";

/** Not Odoo's 8069: a client left on the default ODOO_URL must not find the sandbox there. */
export const SANDBOX_DEFAULT_PORT = 18069;

/** `odoo-mcp sandbox`: the built-in fake Odoo, for trying the product without an Odoo server. */
export async function sandboxCommand(args: string[]): Promise<number> {
  const version = Number(option(args, "--version") ?? "19");
  if (version !== 17 && version !== 18 && version !== 19) {
    process.stderr.write("odoo-mcp sandbox: --version must be 17, 18 or 19\n");
    return 2;
  }
  const port = Number(option(args, "--port") ?? String(SANDBOX_DEFAULT_PORT));
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
