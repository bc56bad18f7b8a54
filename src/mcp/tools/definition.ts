import type { ContentBlock } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { Toolset } from "../../shared/toolsets.js";
import type { AcrossProcesses } from "../accounting/one-at-a-time.js";
import type { GateCall, ToolGate } from "../approvals/core.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { ErrorCode } from "../errors.js";
import type { Logger } from "../log.js";
import type { Odoo } from "../odoo/types.js";

/**
 * MCP tool annotations, sent as they are in tools/list: hints for the client (for example, to ask the person
 * before calling a tool that is not read-only). The approval gate does not depend on them; read-only mode
 * (ODOO_MCP_READ_ONLY) offers only the tools whose `readOnlyHint` is true. tests/tools/schemas.test.ts keeps `readOnlyHint` false for every tool that writes.
 */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/**
 * What a tool gets: Odoo, the audit log, and the approval gate, which can only request and read approvals — no
 * tool can reach a decision (that is the person's, through the CLI, the app or the client's prompt).
 */
export interface ToolCallContext {
  odoo: Odoo;
  audit: AuditLog;
  gate: ToolGate;
  /** DRY_RUN: write tools validate and answer what they would do; nothing is written. */
  dryRun: boolean;
  /** Where generated files (report PDFs) go. */
  dataDir: string;
  /** A duplicate check's keys held among the server processes sharing the data folder (accounting/one-at-a-time.ts). */
  across: AcrossProcesses;
  /** ODOO_MCP_REMINDER_DAYS (absent: the default, 7). */
  reminderDays?: number;
  /** Name of the MCP client, for the audit log ("claude-ai", "claude-code"...). */
  clientName: string | undefined;
  /** Progress notifications for long work, when the client asked for them. */
  progress?: (progress: number, total: number | undefined, message: string) => Promise<void>;
  signal: AbortSignal;
  /** What the gate needs of the MCP call (elicitation, MCP Tasks). */
  call: GateCall;
  logger: Logger;
}

/** A tool's context for one call, from the app: only what tools need (no store, no decisions). */
export function toolContext(
  app: {
    odoo: Odoo;
    audit: AuditLog;
    approvals: ToolGate;
    processLocks: AcrossProcesses;
    config: { dryRun: boolean; dataDir: string; reminderDays?: number };
    logger: Logger;
  },
  call: GateCall & { progress?: ToolCallContext["progress"] },
): ToolCallContext {
  const gate: ToolGate = {
    request: (operation, input, c) => app.approvals.request(operation, input, c),
    get: (id) => app.approvals.get(id),
    list: (filter) => app.approvals.list(filter),
    view: (record) => app.approvals.view(record),
  };
  const { progress, ...gateCall } = call;
  return {
    odoo: app.odoo,
    audit: app.audit,
    gate,
    dryRun: app.config.dryRun,
    dataDir: app.config.dataDir,
    across: app.processLocks,
    ...(app.config.reminderDays !== undefined ? { reminderDays: app.config.reminderDays } : {}),
    clientName: call.clientName,
    ...(progress ? { progress } : {}),
    signal: call.signal,
    call: gateCall,
    logger: app.logger,
  };
}

/**
 * One tool: its schemas, hints and handler. `tools/index.ts` lists them; `server.ts` registers them with the SDK
 * (`McpServer.registerTool`) and every call goes through `call.ts`, so schemas, validation and error mapping live
 * in one place.
 */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The toolsets it belongs to (ODOO_MCP_TOOLSETS offers only some). */
  toolsets: readonly Toolset[];
  input: I;
  output: O;
  /**
   * What it answers when DRY_RUN is off, where that is narrower than `output` (a write tool: no dry-run field,
   * no null only a dry run answers). Such a server lists it in tools/list and checks each answer against it.
   */
  liveOutput?: z.ZodType;
  /**
   * false: tools/list shows no output schema for it, because its output is not fixed (an approval-gated tool:
   * see `gatedOutputs`). Its answers are checked against the schema all the same.
   */
  outputListed?: false;
  annotations: ToolAnnotations;
  /** Which contract code a schema failure on a given top-level field answers (default VALIDATION_ERROR). */
  fieldCodes?: Partial<Record<string, ErrorCode>>;
  /** MCP Tasks support (2025 era): gated tools may run as a task that completes once a human has decided. */
  taskSupport?: "optional";
  run(input: z.infer<I>, ctx: ToolCallContext): Promise<z.infer<O>>;
  /**
   * The text the model reads, where compact JSON of the whole answer would cost too much (a long list): a
   * shorter rendering of the same answer, which points at the structured content for the rest. Default: the
   * answer as compact JSON.
   */
  text?(output: z.infer<O>): string;
  /** Content items after the text (e.g. a `resource_link` to a generated file). */
  resultContent?(output: z.infer<O>): ContentBlock[];
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of tools needs the widest element type
export type AnyToolDefinition = ToolDefinition<any, any>;

export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return tool;
}

/** The output schema a server lists and checks answers against: in a dry run every answer, else the live ones. */
export function outputSchemaOf(tool: AnyToolDefinition, dryRun: boolean): z.ZodType {
  return dryRun ? tool.output : (tool.liveOutput ?? tool.output);
}
