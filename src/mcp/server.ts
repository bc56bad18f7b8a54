import {
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type InputRequiredResult,
  isInputRequiredResult,
  McpServer,
  type ProtocolEra,
  type RegisteredTool,
  type ServerContext,
  type Tool,
} from "@modelcontextprotocol/server";
import { findNul } from "../shared/display.js";
import { writeOperations } from "./accounting/index.js";
import type { App } from "./app.js";
import { type McpApps, mcpApps } from "./apps/index.js";
import { ToolError } from "./errors.js";
import { callTool, errorResult } from "./tools/call.js";
import { chatRoundTrip, type ElicitQuestion, elicitDecision } from "./tools/chat-prompt.js";
import {
  type AnyToolDefinition,
  outputSchemaOf,
  type ToolAnnotations,
  type ToolCallContext,
  toolContext,
} from "./tools/definition.js";
import { allTools } from "./tools/index.js";
import { listedSchema, toolJsonSchema } from "./tools/json-schema.js";
import { createTaskTable } from "./tools/tasks.js";
import { ALL_TOOLS, excludedBecause, selectTools, type ToolAccess } from "./tools/toolsets.js";
import { VERSION } from "./version.js";

export interface McpServerHandle {
  /**
   * An SDK server for one connection or request of `era`: what `serveStdio` (per connection) and
   * `createMcpHandler` (per request) call. Costs fifteen registrations; every schema was built once, here.
   */
  build(era: ProtocolEra): McpServer;
  /** A 2025-era server, built at once: for a transport connected by hand (in-memory pairs in tests). */
  server: McpServer;
  /** The tools offered (tools/list): the toolsets and read-only mode of the configuration applied. */
  tools: readonly AnyToolDefinition[];
  cleanup(): Promise<void>;
}

/**
 * Builds the MCP server around an `App`. The transport is chosen by the caller (stdio, Streamable HTTP, or an
 * in-memory pair in tests); both protocol eras are served: 2025-11-25 (initialize, elicitation pushed to the
 * client, MCP Tasks) and 2026-07-28 (per request, the chat's question as an input round trip). Every tool call
 * goes through `callTool`: schema validation, the tool, and the one mapping of errors to contract codes. Only the
 * tools `access` (default: the configuration's ODOO_MCP_TOOLSETS and ODOO_MCP_READ_ONLY) allows are listed;
 * calling another answers an error that says why. A client that declares MCP Apps support also gets the apps
 * (`apps`, default the product's: src/mcp/apps): their tools and each tool's `_meta`; every other client gets
 * the same tools/list as before the apps existed.
 */
export function createMcpServer(
  app: App,
  options: {
    tools?: readonly AnyToolDefinition[];
    access?: ToolAccess;
    /** `null`: no MCP Apps. */
    apps?: McpApps | null;
  } = {},
): McpServerHandle {
  const every = options.tools ?? allTools;
  const access = options.access ?? app.config?.tools ?? ALL_TOOLS;
  const tools = selectTools(every, access);
  const apps = options.apps === undefined ? mcpApps : options.apps;
  const appTools = apps ? selectTools(apps.tools, access) : [];
  const forAppsOnly = new Set(appTools.map((tool) => tool.name));
  const hidden = new Map(every.map((tool) => [tool.name, excludedBecause(tool, access)]));
  const dryRun = app.config?.dryRun === true;
  const instructions = serverInstructions(dryRun);
  // Each tool described once per process (its schemas converted here): a server built per request registers
  // these objects as they are, and tools/list answers them.
  const described = [...tools, ...appTools].map((tool) => ({ tool, ...describeTool(tool, dryRun) }));
  const lists = new Map<string, Tool[]>();
  /** tools/list for one era and one kind of client, built once. */
  const listFor = (era: ProtocolEra, showsApps: boolean): Tool[] => {
    const key = `${era}:${showsApps}`;
    let list = lists.get(key);
    if (!list) {
      list = described
        .filter(({ tool }) => showsApps || !forAppsOnly.has(tool.name))
        .map(({ tool, wire: { outputSchema, ...wire } }) => {
          const meta = showsApps ? apps?.meta[tool.name] : undefined;
          return {
            ...wire,
            // Listed only for a tool with a fixed output that the model calls: an app's own read (the app knows
            // the shape) and a gated tool (see gatedOutputs) are listed without it; every answer of both is
            // still checked against it.
            ...(forAppsOnly.has(tool.name) || tool.outputListed === false ? {} : { outputSchema }),
            ...(era === "legacy" && tool.taskSupport ? { execution: { taskSupport: tool.taskSupport } } : {}),
            ...(meta ? { _meta: meta } : {}),
          };
        });
      lists.set(key, list);
    }
    return list;
  };
  // Tests build servers on partial apps: then the SDK's default life for a request state, ten minutes.
  const chat = chatRoundTrip(app.approvals, app.config?.policy?.ttlMs ?? 600_000);

  const build = (era: ProtocolEra): McpServer => {
    // MCP Tasks (2025 era): each connection (an HTTP session) has its own, so that no client lists, reads or
    // cancels another's; the approval store stays the source of truth.
    const tasks = createTaskTable();
    const mcp = new McpServer(
      { name: "odoo-mcp", title: "Odoo bookkeeping with human approval", version: VERSION },
      {
        capabilities: {
          tools: {},
          logging: {},
          ...(apps?.resources.length ? { resources: {} } : {}),
          ...(era === "legacy" ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
        },
        instructions,
        requestState: { verify: chat.verify },
      },
    );
    const registered = new Map<string, { tool: AnyToolDefinition; sdk: RegisteredTool }>();
    for (const { tool, registration } of described) {
      const sdk = mcp.registerTool(tool.name, registration, (args: unknown, ctx: ServerContext) =>
        answerCall(tool, args, ctx),
      );
      registered.set(tool.name, { tool, sdk });
    }
    for (const resource of apps?.resources ?? [])
      mcp.registerResource(
        resource.name,
        resource.uri,
        {
          mimeType: resource.mimeType,
          ...(resource.description ? { description: resource.description } : {}),
        },
        async () => ({
          contents: [{ uri: resource.uri, mimeType: resource.mimeType, text: await resource.read() }],
        }),
      );

    /** A 2025-era call's context: the client said at initialize who it is and whether it can show a form. */
    const legacyContext = (
      ctx: ServerContext,
      ask: ElicitQuestion = (params) => ctx.mcpReq.elicitInput(params),
    ): ToolCallContext => {
      const base = callContext(app, ctx, mcp.server.getClientVersion()?.name);
      if (mcp.server.getClientCapabilities()?.elicitation === undefined) return base;
      return { ...base, call: { ...base.call, elicit: (message) => elicitDecision(ask, message) } };
    };

    /** Whether the client of this request shows MCP Apps: said at initialize (2025) or on the request (2026). */
    const showsApps = (ctx: ServerContext): boolean => {
      if (!apps) return false;
      if (era === "legacy") return apps.supports(mcp.server.getClientCapabilities());
      const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
      return apps.supports(envelope[CLIENT_CAPABILITIES_META_KEY]);
    };
    mcp.server.setRequestHandler("tools/list", async (_request, ctx) => ({
      tools: listFor(era, showsApps(ctx)),
    }));

    const answerCall = async (
      tool: AnyToolDefinition,
      args: unknown,
      ctx: ServerContext,
    ): Promise<CallToolResult | InputRequiredResult> => {
      if (era === "legacy") return callTool(tool, args, legacyContext(ctx));
      const { clientName, elicits } = modernIdentity(ctx);
      return chat.serve(tool, args, callContext(app, ctx, clientName), ctx, elicits);
    };

    // tools/call: the SDK's own path for the tools registered above; an unknown or unoffered tool, a NUL
    // character in any argument (refused before any tool or era sees it) and a task-augmented call (2025 era)
    // answered here, as the contract says.
    mcp.server.setRequestHandler("tools/call", async (request, ctx) => {
      const { name, arguments: args = {} } = request.params;
      const entry = registered.get(name);
      if (!entry || (forAppsOnly.has(name) && !showsApps(ctx)))
        return errorResult(notOffered(name, hidden.get(name) ?? undefined));
      const nul = findNul(args);
      if (nul)
        return errorResult(
          new ToolError(
            "VALIDATION_ERROR",
            `Invalid arguments for ${name}: ${nul.join(".") || "(arguments)"}: a NUL character is not allowed in any argument`,
          ),
        );
      const task = (request.params as { task?: { ttl?: number } }).task;
      if (task && era === "legacy" && entry.tool.taskSupport) {
        // The task outlives this request: a question is asked on the connection, not on the request.
        const base = legacyContext(ctx, (params) => mcp.server.elicitInput(params));
        return tasks.start(task.ttl ?? app.config.policy.ttlMs, (onPending, signal) =>
          callTool(entry.tool, args, {
            ...base,
            signal,
            call: { ...base.call, signal, waitUntilDecided: true, onPending },
          }),
        );
      }
      const result = await entry.sdk.executor(args, ctx);
      return isInputRequiredResult(result)
        ? result
        : mcp.server.projectCallToolResult(result, entry.sdk.outputSchemaJson);
    });
    if (era === "legacy") tasks.serve(mcp);
    return mcp;
  };

  const server = build("legacy");
  return {
    build,
    server,
    tools,
    cleanup: async () => {
      await server.close();
    },
  };
}

/**
 * A tool as tools/list shows it (`wire`: our JSON Schemas, compacted by `json-schema.ts`, and our annotations)
 * and as the SDK registers it (`registration`: the same schemas, letting every value through to `callTool`).
 */
function describeTool(tool: AnyToolDefinition, dryRun: boolean) {
  const wire = {
    name: tool.name,
    description: tool.description,
    inputSchema: toolJsonSchema(tool.input, "input") as Tool["inputSchema"],
    outputSchema: toolJsonSchema(outputSchemaOf(tool, dryRun), "output") as Tool["outputSchema"],
    annotations: wireAnnotations(tool.annotations),
  } satisfies Tool;
  return {
    wire,
    registration: {
      description: wire.description,
      inputSchema: listedSchema(wire.inputSchema),
      outputSchema: listedSchema(wire.outputSchema as Record<string, unknown>),
      annotations: wire.annotations,
    },
  };
}

function notOffered(name: string, why: string | undefined): ToolError {
  return new ToolError(
    "VALIDATION_ERROR",
    why
      ? `${name} is not offered by this server: ${why}. The person who configured odoo-mcp can change that.`
      : `Unknown tool "${name}".`,
  );
}

/** Who calls and whether their client can show a form, as a 2026-07-28 request says on itself. */
function modernIdentity(ctx: ServerContext): { clientName: string | undefined; elicits: boolean } {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  const info = envelope[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined;
  const capabilities = envelope[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: unknown } | undefined;
  return {
    clientName: typeof info?.name === "string" ? info.name : undefined,
    elicits: capabilities?.elicitation !== undefined,
  };
}

/** How much of the name a client gives itself is kept (requests, the audit log, the person's views). */
const CLIENT_NAME_MAX = 100;

/** A tool's context for one SDK request: the signal, and progress when the client asked for it. */
function callContext(app: App, ctx: ServerContext, clientName: string | undefined): ToolCallContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return toolContext(app, {
    // The client's own word, kept with every request it makes: a name, not a payload.
    clientName: clientName?.slice(0, CLIENT_NAME_MAX),
    signal: ctx.mcpReq.signal,
    ...(progressToken !== undefined
      ? {
          progress: (progress: number, total: number | undefined, message: string) =>
            ctx.mcpReq.notify({
              method: "notifications/progress",
              params: { progressToken, progress, ...(total !== undefined ? { total } : {}), message },
            }),
        }
      : {}),
  });
}

/**
 * What every tool shares, said once here instead of in each tool's schema: the ids, the amounts, the approval
 * flow (the fields a gated tool answers before it ran) and, on a dry-run server, the preview's fields.
 */
export function serverInstructions(dryRun: boolean): string {
  return (
    "Bookkeeping in the user's Odoo. invoice_id, in and out: an invoice's or bill's number once posted " +
    '(INV/2026/00001), else its draft record id as a string ("42"); record_id: the Odoo record id. Amounts are in ' +
    "the company currency unless currency says otherwise; totals are Odoo's. Dates are YYYY-MM-DD. Tell the user " +
    `any warnings. Every action that moves money or emails a customer (${[...writeOperations.keys()].join(", ")}; expenses below a ` +
    "threshold excepted) waits for a person: the tool answers status pending_approval with approval_id, summary, " +
    "expires_at and message, and none of its result fields; tell the user, then check get_approval later. Never " +
    "retry a pending request. status queued, result queued: approved, it runs when Odoo answers again. Never " +
    "invent ids: find_partners, list_invoices and list_journals supply them." +
    (dryRun
      ? " DRY_RUN is on: write tools write nothing. They answer status dry_run, dry_run true, the result fields " +
        "they can know (null otherwise), would (the Odoo calls they would make) and validated_against_odoo " +
        "(false: Odoo could not be reached, nothing was looked up)."
      : "")
  );
}

/**
 * The annotations as sent: the title once (the tool's own `title`), and each hint only where it differs from the
 * MCP default (read-only false, destructive true, idempotent false, open world true). A read-only tool says
 * neither `destructiveHint` nor `idempotentHint`: MCP makes them meaningful only when `readOnlyHint` is false.
 */
export function wireAnnotations(annotations: ToolAnnotations): NonNullable<Tool["annotations"]> {
  const { title: _title, readOnlyHint, destructiveHint, idempotentHint, openWorldHint } = annotations;
  const writes = !readOnlyHint;
  return {
    ...(readOnlyHint !== MCP_DEFAULT_HINTS.readOnlyHint ? { readOnlyHint } : {}),
    ...(writes && destructiveHint !== MCP_DEFAULT_HINTS.destructiveHint ? { destructiveHint } : {}),
    ...(writes && idempotentHint !== MCP_DEFAULT_HINTS.idempotentHint ? { idempotentHint } : {}),
    ...(openWorldHint !== MCP_DEFAULT_HINTS.openWorldHint ? { openWorldHint } : {}),
  };
}

/** What MCP 2025-11-25 says a client assumes for a hint that is absent. */
const MCP_DEFAULT_HINTS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
} as const;
