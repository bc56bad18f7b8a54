import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { toToolError } from "../error-map.js";
import { startHttpServer } from "../http-server.js";
import { createMcpServer } from "../server.js";
import { VERSION } from "../version.js";
import { openApp, parseCommand } from "./context.js";

const SERVE = {
  name: "serve",
  usage: `Usage:
  odoo-mcp [serve]   run the MCP server over stdio (what an MCP client starts); logs go to stderr

Streamable HTTP as well: set ODOO_MCP_PORT and ODOO_MCP_HTTP_TOKEN (loopback only). See README.md.`,
  options: {},
  maxPositionals: 0,
} as const;

/** `odoo-mcp serve`: the MCP server over stdio. Logs go to stderr; stdout carries only the protocol. */
export async function serve(args: string[]): Promise<number> {
  const parsed = parseCommand(args, SERVE);
  if (typeof parsed === "number") return parsed;
  const { app, config, logger } = await openApp();
  // Both eras: the client's opening (initialize, or a 2026-07-28 request) picks the server built for it.
  const { build, cleanup } = createMcpServer(app);
  const stdio = serveStdio(({ era }) => build(era), {
    onerror: (error) => logger.debug(`stdio transport: ${error.message}`),
  });
  logger.info(`odoo-mcp ${VERSION} serving on stdio`, {
    odoo: config.odoo.url,
    database: config.odoo.database,
    dataDir: config.dataDir,
    dryRun: config.dryRun,
  });
  if (config.dryRun) logger.warn("DRY_RUN is on: nothing will be written to Odoo");

  let http: { url: string; close(): Promise<void> } | null = null;
  if (config.httpPort !== undefined) {
    if (!config.httpToken) {
      logger.error("ODOO_MCP_PORT is set but ODOO_MCP_HTTP_TOKEN is not: the HTTP transport stays off");
    } else {
      http = await startHttpServer(app, { port: config.httpPort, token: config.httpToken });
      logger.info(`Streamable HTTP transport on ${http.url} (loopback only, bearer token required)`);
    }
  }
  for (const warning of config.warnings) logger.warn(warning);
  // ODOO_COMPANY is checked at once, so that a company the user cannot work in is said at start-up, not later.
  if (config.odoo.company !== undefined)
    app.odoo.company?.().then(
      (scope) => logger.info(`working in company ${scope.current.name} (id ${scope.current.id})`),
      (error: unknown) => {
        const mapped = toToolError(error);
        if (mapped.code === "PERMISSION_DENIED")
          logger.error(mapped.message.replace(/^Odoo refused access: /, ""));
        else logger.warn(`ODOO_COMPANY could not be checked yet: ${mapped.message}`);
      },
    );
  if (app.keyMode === "passphrase")
    logger.warn(
      "no OS keychain: approvals need the approval passphrase at a terminal (odoo-mcp approvals approve); this server runs only what is decided through it",
    );
  const background = app.approvals.startRunner();
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await background.stop();
  await http?.close();
  await stdio.close();
  await cleanup();
  await app.close();
  return 0;
}
