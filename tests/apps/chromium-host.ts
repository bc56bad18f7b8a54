import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type BrowserContext, chromium, type FrameLocator, type Page } from "playwright-core";
import { build } from "vite";
import { viteSingleFile } from "vite-plugin-singlefile";
import type { App } from "../../src/mcp/app.js";
import { appResources } from "../../src/mcp/apps/index.js";
import { createMcpServer } from "../../src/mcp/server.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const CHROMIUM = "/usr/bin/chromium";

/** A tool call as the app asks the host for it, and its answer (MCP `tools/call`). */
export type HostCall = (params: { name: string; arguments?: Record<string, unknown> }) => Promise<unknown>;

export interface ChromiumHost {
  page: Page;
  /** Where screenshots go: docs/screenshots under `npm run screenshots` (ODOO_MCP_SCREENSHOTS), else a temp dir. */
  shots: string;
  /** Errors the host page or an app threw or logged: a test ends by expecting none. */
  pageErrors: string[];
  /** Shows the app of `uri` (read as the server serves it) next to a tool's arguments and answer; its frame. */
  show(uri: string, toolInput: Record<string, unknown>, toolResult: unknown): Promise<FrameLocator>;
  close(): Promise<void>;
}

/**
 * The MCP Apps in a real headless Chromium, inside a test chat client (host/host.js, on ext-apps' AppBridge): the
 * apps are built as `npm run build` builds them, read through the server's resource list (src/mcp/apps), and
 * their tool calls are answered by `call` (the real server on the sandbox).
 */
export async function startChromiumHost(call: HostCall): Promise<ChromiumHost> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-test-deps.sh`);
  for (const app of ["approval", "report"])
    await build({
      configFile: path.join(REPO, "vite.apps.config.ts"),
      root: path.join(REPO, "src/apps", app),
      logLevel: "warn",
    });
  const profile = await mkdtemp(path.join(tmpdir(), "odoo-mcp-apps-"));
  const hostDir = path.join(profile, "host");
  await build({
    configFile: false,
    root: path.join(import.meta.dirname, "host"),
    logLevel: "warn",
    plugins: [viteSingleFile()],
    build: {
      outDir: hostDir,
      emptyOutDir: true,
      rolldownOptions: { input: path.join(import.meta.dirname, "host/host.html") },
    },
  });
  const shots = process.env.ODOO_MCP_SCREENSHOTS
    ? path.resolve(REPO, process.env.ODOO_MCP_SCREENSHOTS)
    : path.join(profile, "screenshots");
  await mkdir(shots, { recursive: true });
  const context: BrowserContext = await chromium.launchPersistentContext(path.join(profile, "chromium"), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  await page.exposeFunction("hostCallTool", call);
  return {
    page,
    shots,
    pageErrors,
    async show(uri, toolInput, toolResult) {
      const resource = appResources.find((candidate) => candidate.uri === uri);
      if (!resource) throw new Error(`no app ${uri}`);
      const html = await resource.read();
      await page.goto(`file://${path.join(hostDir, "host.html")}`);
      await page.evaluate(
        (shown) => (globalThis as unknown as { showApp(shown: unknown): Promise<void> }).showApp(shown),
        { html, toolInput, toolResult },
      );
      return page.frameLocator("iframe");
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The bytes of a built app, for a test that looks inside (one file, nothing loaded from elsewhere). */
export const builtApp = (file: string) => readFile(path.join(REPO, "dist/apps", file), "utf8");

/** A chat client that shows MCP Apps (it declares the extension), connected in memory to the real server of `app`. */
export async function connectChat(app: App): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(app).server.connect(serverSide);
  const chat = new Client(
    { name: "apps-test", version: "1" },
    { capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: [RESOURCE_MIME_TYPE] } } } },
  );
  await chat.connect(clientSide);
  return chat;
}
