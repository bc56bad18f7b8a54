import { readFile } from "node:fs/promises";
import path from "node:path";
import { ToolError } from "../errors.js";
import type { AnyToolDefinition } from "../tools/definition.js";
import { appOnlyTools } from "../tools/index.js";

/**
 * The MCP Apps this server offers (`@modelcontextprotocol/ext-apps`): views a client that supports them shows
 * inside the chat, next to a tool's answer. Each is one self-contained HTML file built by `npm run build` into
 * dist/apps (src/apps). A tool links its view by `_meta.ui.resourceUri` in tools/list. All of it (the resources,
 * the tools' `_meta`, the app-only tools of tools/index.ts `appOnlyTools`) is for a client that declares MCP Apps
 * support (`clientSupportsApps`): every other client keeps today's tools/list, under its 16 KB, and its answers.
 */

/**
 * MCP Apps' names, as `@modelcontextprotocol/ext-apps` defines them (tests/apps/apps.test.ts checks they are the
 * same): said here, so that the server does not load that package, whose peers are React and both MCP SDKs.
 */
export const RESOURCE_MIME_TYPE = "text/html;profile=mcp-app";
const EXTENSION_ID = "io.modelcontextprotocol/ui";

export const APPROVAL_CARD_URI = "ui://odoo-mcp/approval.html";
export const REPORT_VIEW_URI = "ui://odoo-mcp/report.html";

/** What the server offers a client that shows MCP Apps, beside what it offers every client. */
export interface McpApps {
  /** The apps' HTML, served with resources/list and resources/read. */
  resources: readonly AppResource[];
  /** Tools listed to such a client alone (the apps' own reads). */
  tools: readonly AnyToolDefinition[];
  /** Each tool's `_meta` in such a client's tools/list. */
  meta: Readonly<Record<string, Record<string, unknown>>>;
  /** Whether a client, by the capabilities it declared, shows MCP Apps. */
  supports(capabilities: unknown): boolean;
}

/** A resource as the server lists it and reads it. */
export interface AppResource {
  uri: string;
  name: string;
  mimeType: string;
  description?: string;
  read(): Promise<string>;
}

/** The repository (or package) root: this file is src/mcp/apps/index.ts or dist/mcp/apps/index.js. */
const ROOT = path.resolve(import.meta.dirname, "../../..");

function builtApp(file: string): () => Promise<string> {
  const where = path.join(ROOT, "dist/apps", file);
  return async () => {
    try {
      return await readFile(where, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      throw new ToolError(
        "INTERNAL_ERROR",
        `The MCP App ${file} is not built (${where} is missing): run \`npm run build\`.`,
      );
    }
  };
}

export const appResources: readonly AppResource[] = [
  {
    uri: APPROVAL_CARD_URI,
    name: "approval-card",
    mimeType: RESOURCE_MIME_TYPE,
    description:
      "A request waiting for a person's approval, as the approval window shows it (read-only: it is decided in the odoo-mcp app or at the terminal).",
    read: builtApp("approval.html"),
  },
  {
    uri: REPORT_VIEW_URI,
    name: "report-view",
    mimeType: RESOURCE_MIME_TYPE,
    description: "A financial statement from generate_report: its table and charts.",
    read: builtApp("report.html"),
  },
];

/** The tool's view, as MCP Apps links it (`_meta.ui.resourceUri`; the flat `ui/resourceUri` is deprecated). */
const linksView = (resourceUri: string) => ({ ui: { resourceUri } });

/**
 * What each tool's listing carries as `_meta`: every gated tool links the approval card (its answer, pending,
 * names the request), generate_report links the report view, and the card's own read is for the app alone.
 */
export const toolMeta: Readonly<Record<string, Record<string, unknown>>> = {
  create_invoice: linksView(APPROVAL_CARD_URI),
  send_invoice: linksView(APPROVAL_CARD_URI),
  record_payment: linksView(APPROVAL_CARD_URI),
  post_invoice: linksView(APPROVAL_CARD_URI),
  create_expense: linksView(APPROVAL_CARD_URI),
  create_credit_note: linksView(APPROVAL_CARD_URI),
  reconcile_bank_lines: linksView(APPROVAL_CARD_URI),
  unreconcile_bank_line: linksView(APPROVAL_CARD_URI),
  send_reminder: linksView(APPROVAL_CARD_URI),
  generate_report: linksView(REPORT_VIEW_URI),
  approval_view: { ui: { visibility: ["app"] } },
};

/**
 * Whether the client shows MCP Apps: it declares the extension (`io.modelcontextprotocol/ui`) with the apps' MIME
 * type, as ext-apps' `getUiCapability` reads it from the client's capabilities (at initialize, or on a request).
 */
export function clientSupportsApps(capabilities: unknown): boolean {
  const extensions = (capabilities as { extensions?: Record<string, unknown> } | null | undefined)
    ?.extensions;
  const mimeTypes = (extensions?.[EXTENSION_ID] as { mimeTypes?: unknown } | undefined)?.mimeTypes;
  return Array.isArray(mimeTypes) && mimeTypes.includes(RESOURCE_MIME_TYPE);
}

/** The product's MCP Apps: the approval card and the report view. */
export const mcpApps: McpApps = {
  resources: appResources,
  tools: appOnlyTools,
  meta: toolMeta,
  supports: clientSupportsApps,
};
