import type { CallToolResult } from "@modelcontextprotocol/server";
import type { z } from "zod";
import { toToolError } from "../error-map.js";
import { type ErrorCode, ToolError } from "../errors.js";
import { type AnyToolDefinition, outputSchemaOf, type ToolCallContext } from "./definition.js";

/**
 * Validates, runs and maps one call: every tool call of every era and transport comes through here (after the
 * server refused a NUL character anywhere in the arguments).
 */
export async function callTool(
  tool: AnyToolDefinition,
  rawArgs: unknown,
  ctx: ToolCallContext,
): Promise<CallToolResult> {
  const parsed = tool.input.safeParse(rawArgs);
  if (!parsed.success) return errorResult(validationError(tool, parsed.error));
  return checkedAnswer(tool, () => tool.run(parsed.data, ctx), ctx);
}

/**
 * What `produce` answers, as the tool answers it: checked against the tool's output schema, its text (compact JSON, or the tool's own `text`)
 * beside the structured content; an error mapped to its contract code.
 */
export async function checkedAnswer(
  tool: AnyToolDefinition,
  produce: () => Promise<unknown>,
  ctx: ToolCallContext,
): Promise<CallToolResult> {
  try {
    const output = await produce();
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
        { type: "text", text: tool.text?.(checked.data) ?? JSON.stringify(checked.data) },
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

export function errorResult(error: ToolError): CallToolResult {
  const body = {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  };
  return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
}

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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
