import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { App } from "../app.js";
import { drainQueue, executeApproval, recoverInterrupted } from "../approvals/executor.js";
import { startHttpServer } from "../http-server.js";
import { createMcpServer } from "../server.js";
import { VERSION } from "../version.js";
import { openApp, parseCommand } from "./context.js";

const BACKGROUND_INTERVAL_MS = 3_000;
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
  const { server, cleanup } = createMcpServer(app);
  await server.connect(new StdioServerTransport());
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
  const background = startBackgroundWork(app);
  await new Promise<void>((resolve) => {
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  background.stop();
  await http?.close();
  await cleanup();
  await app.close();
  return 0;
}

/**
 * Work the server does between tool calls: put back in the queue what a crashed process left running, replay the
 * offline queue when Odoo answers again, and run requests that a human approved elsewhere (tray, CLI) while no
 * one was running them. Every step goes through the executor, which claims a request before running it, so two
 * processes never run the same one.
 */
export function startBackgroundWork(app: App, intervalMs = BACKGROUND_INTERVAL_MS): { stop(): void } {
  let running = false;
  let stopped = false;
  const tick = async () => {
    if (running || stopped || app.config.dryRun) return;
    running = true;
    try {
      const deps = app.executorDeps();
      await recoverInterrupted(deps);
      if ((await app.queue.pending()).length > 0) await drainQueue(deps);
      for (const record of await app.store.list({ status: "approved" })) {
        if (stopped) break;
        if (!record.execution) await executeApproval(deps, record.id);
      }
    } catch (error) {
      app.logger.debug(`background work: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
