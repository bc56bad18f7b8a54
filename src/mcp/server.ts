import { InMemoryTaskStore } from "@modelcontextprotocol/sdk/experimental/tasks";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { findNul } from "../shared/display.js";
import { writeOperations } from "./accounting/index.js";
import type { App } from "./app.js";
import { toToolError } from "./error-map.js";
import { type ErrorCode, ToolError } from "./errors.js";
import {
  type AnyToolDefinition,
  outputSchemaOf,
  type ToolAnnotations,
  type ToolCallContext,
  toolContext,
} from "./tools/definition.js";
import { allTools } from "./tools/index.js";
import { toolJsonSchema } from "./tools/json-schema.js";
import { ALL_TOOLS, excludedBecause, selectTools, type ToolAccess } from "./tools/toolsets.js";
import { VERSION } from "./version.js";

export interface McpServerHandle {
  server: Server;
  /** The tools offered (tools/list): the toolsets and read-only mode of the configuration applied. */
  tools: readonly AnyToolDefinition[];
  cleanup(): Promise<void>;
}

/**
 * Builds the MCP server around an `App`. The transport is chosen by the caller (stdio, Streamable HTTP, or an
 * in-memory pair in tests). Every tool call goes through `callTool`: schema validation, the tool, and the one
 * mapping of errors to contract codes. Only the tools `access` (default: the configuration's ODOO_MCP_TOOLSETS and
 * ODOO_MCP_READ_ONLY) allows are listed; calling another answers an error that says why.
 */
export function createMcpServer(
  app: App,
  options: { tools?: readonly AnyToolDefinition[]; access?: ToolAccess } = {},
): McpServerHandle {
  const every = options.tools ?? allTools;
  const access = options.access ?? app.config?.tools ?? ALL_TOOLS;
  const tools = selectTools(every, access);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const hidden = new Map(every.map((tool) => [tool.name, excludedBecause(tool, access)]));
  // MCP Tasks: a client that task-augments a gated call gets a task that completes when a human has decided
  // and the operation has run. Tasks live with this process; the approval store stays the source of truth.
  const taskStore = new InMemoryTaskStore();
  const dryRun = app.config?.dryRun === true;
  const server = new Server(
    { name: "odoo-mcp", title: "Odoo bookkeeping with human approval", version: VERSION },
    {
      taskStore,
      capabilities: {
        tools: {},
        logging: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      instructions: serverInstructions(dryRun),
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map((tool) => describeTool(tool, dryRun)),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) {
      const why = hidden.get(request.params.name);
      return errorResult(
        new ToolError(
          "VALIDATION_ERROR",
          why
            ? `${request.params.name} is not offered by this server: ${why}. The person who configured odoo-mcp can change that.`
            : `Unknown tool "${request.params.name}".`,
        ),
      );
    }
    const progressToken = request.params._meta?.progressToken;
    const clientName = server.getClientVersion()?.name;
    const ctx: ToolCallContext = toolContext(app, {
      clientName,
      signal: extra.signal,
      ...(server.getClientCapabilities()?.elicitation
        ? { elicit: (message: string) => elicitDecision(server, message) }
        : {}),
      ...(progressToken !== undefined
        ? {
            progress: (progress: number, total: number | undefined, message: string) =>
              extra.sendNotification({
                method: "notifications/progress",
                params: { progressToken, progress, ...(total !== undefined ? { total } : {}), message },
              }),
          }
        : {}),
    });
    const task = request.params.task;
    if (task && extra.taskStore && tool.taskSupport) {
      const created = await extra.taskStore.createTask({
        ttl: task.ttl ?? app.config.policy.ttlMs,
        pollInterval: 1000,
      });
      const taskStoreForRequest = extra.taskStore;
      const outlives = new AbortController().signal; // the task outlives the request that created it
      const taskCtx: ToolCallContext = {
        ...ctx,
        signal: outlives,
        call: {
          ...ctx.call,
          signal: outlives,
          waitUntilDecided: true,
          onPending: (approvalId: string) =>
            taskStoreForRequest
              .updateTaskStatus(created.taskId, "working", `waiting for a person's approval (${approvalId})`)
              .catch(() => {}),
        },
      };
      void callTool(tool, request.params.arguments ?? {}, taskCtx).then((result) =>
        taskStoreForRequest
          .storeTaskResult(created.taskId, result.isError ? "failed" : "completed", result)
          .catch(() => {}),
      );
      return { task: created } as unknown as CallToolResult;
    }
    return callTool(tool, request.params.arguments ?? {}, ctx);
  });

  return {
    server,
    tools,
    cleanup: async () => {
      await server.close();
    },
  };
}

/** Validates, runs and maps one call. Exported for tests that drive tools without a transport. */
export async function callTool(
  tool: AnyToolDefinition,
  rawArgs: unknown,
  ctx: ToolCallContext,
): Promise<CallToolResult> {
  const nul = findNul(rawArgs);
  if (nul)
    return errorResult(
      new ToolError(
        "VALIDATION_ERROR",
        `Invalid arguments for ${tool.name}: ${nul.join(".") || "(arguments)"}: a NUL character is not allowed in any argument`,
      ),
    );
  const parsed = tool.input.safeParse(rawArgs);
  if (!parsed.success) return errorResult(validationError(tool, parsed.error));
  try {
    const output = await tool.run(parsed.data, ctx);
    const checked = outputSchemaOf(tool, ctx.dryRun).safeParse(output);
    if (!checked.success) {
      ctx.logger.error(`tool ${tool.name} produced output that breaks its own schema`, {
        issues: checked.error.issues.map(
          (issue: z.core.$ZodIssue) => `${issue.path.join(".")}: ${issue.message}`,
        ),
      });
      return errorResult(
        new ToolError("INTERNAL_ERROR", "odoo-mcp produced an invalid answer; see its log."),
      );
    }
    return {
      content: [
        { type: "text", text: JSON.stringify(checked.data, null, 2) },
        ...(tool.resultContent?.(checked.data) ?? []),
      ],
      structuredContent: checked.data as Record<string, unknown>,
    };
  } catch (error) {
    const mapped = toToolError(error);
    if (mapped.code === "INTERNAL_ERROR")
      ctx.logger.error(`tool ${tool.name} failed`, { error: describe(error) });
    return errorResult(mapped);
  }
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
    `any warnings. Every action that moves money (${[...writeOperations.keys()].join(", ")}; expenses below a ` +
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

function describeTool(tool: AnyToolDefinition, dryRun: boolean): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: toolJsonSchema(tool.input, "input") as Tool["inputSchema"],
    outputSchema: toolJsonSchema(outputSchemaOf(tool, dryRun), "output") as Tool["outputSchema"],
    annotations: wireAnnotations(tool.annotations),
    ...(tool.taskSupport ? { execution: { taskSupport: tool.taskSupport } } : {}),
  };
}

/**
 * The annotations as sent: the title once (the tool's own `title`), and each hint only where it differs from the
 * MCP default (read-only false, destructive true, idempotent false, open world true). A read-only tool says
 * neither `destructiveHint` nor `idempotentHint`: MCP makes them meaningful only when `readOnlyHint` is false.
 */
function wireAnnotations(annotations: ToolAnnotations): NonNullable<Tool["annotations"]> {
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

function validationError(tool: AnyToolDefinition, error: z.ZodError): ToolError {
  const problems = error.issues.map((issue) => {
    const path = issue.path.join(".") || "(arguments)";
    return issue.code === "unrecognized_keys"
      ? `${path}: unknown field(s) ${issue.keys.map((key) => `"${key}"`).join(", ")} — this tool takes only its documented fields`
      : `${path}: ${issue.message}`;
  });
  const first = error.issues[0]?.path[0];
  const code: ErrorCode = (typeof first === "string" && tool.fieldCodes?.[first]) || "VALIDATION_ERROR";
  return new ToolError(code, `Invalid arguments for ${tool.name}: ${problems.join("; ")}`, { problems });
}

export function errorResult(error: ToolError): CallToolResult {
  const body = {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body, null, 2) }] };
}

async function elicitDecision(server: Server, message: string): Promise<"approve" | "reject" | "dismissed"> {
  const result = await server.elicitInput({
    message,
    requestedSchema: {
      type: "object",
      properties: {
        decision: {
          type: "string",
          title: "Decision",
          enum: ["approve", "reject"],
          enumNames: ["Approve", "Reject"],
          description: "Approve runs the action in Odoo now; reject cancels it.",
        },
      },
      required: ["decision"],
    },
  });
  if (result.action !== "accept") return "dismissed";
  const decision = result.content?.decision;
  return decision === "approve" || decision === "reject" ? decision : "dismissed";
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
