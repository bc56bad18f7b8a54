import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { App } from "../app.js";
import type { ErrorCode } from "../errors.js";

/**
 * MCP tool annotations, sent as they are in tools/list: hints for the client (for example, to ask the person
 * before calling a tool that is not read-only). Nothing in this server acts on them; the approval gate does not
 * depend on them. tests/tools/schemas.test.ts keeps `readOnlyHint` false for every tool that writes.
 */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool run knows about the call it serves. */
export interface ToolCallContext {
  app: App;
  /** Name of the MCP client, for the audit log ("claude-ai", "claude-code"...). */
  clientName: string | undefined;
  /** Asks the human through the MCP client (elicitation), when the client supports it. */
  elicit?: (message: string) => Promise<"approve" | "reject" | "dismissed">;
  /** Progress notifications for long work, when the client asked for them. */
  progress?: (progress: number, total: number | undefined, message: string) => Promise<void>;
  signal: AbortSignal;
  /** MCP Tasks: wait for the human's decision however long it takes (until the request expires). */
  waitUntilDecided?: boolean;
  /** Told the approval id once a request waits for a human (task status message). */
  onPending?: (approvalId: string) => void;
}

/**
 * One tool: its schemas, hints and handler. `tools/index.ts` lists them; `server.ts` turns the list into MCP
 * `tools/list` and `tools/call` handlers, so schemas, validation and error mapping live in one place.
 */
export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Which contract code a schema failure on a given top-level field answers (default VALIDATION_ERROR). */
  fieldCodes?: Partial<Record<string, ErrorCode>>;
  /** MCP Tasks support: gated tools may run as a task that completes once a human has decided. */
  taskSupport?: "optional";
  run(input: z.infer<I>, ctx: ToolCallContext): Promise<z.infer<O>>;
  /** Content items after the JSON text (e.g. a `resource_link` to a generated file). */
  resultContent?(output: z.infer<O>): ContentBlock[];
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of tools needs the widest element type
export type AnyToolDefinition = ToolDefinition<any, any>;

export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return tool;
}
