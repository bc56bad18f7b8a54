import { App } from "@modelcontextprotocol/ext-apps";

/** A tool's answer as the host hands it over (MCP `CallToolResult`). */
export type ToolResult = Parameters<NonNullable<App["ontoolresult"]>>[0];

/**
 * Connects a view to the chat client that shows it (the MCP Apps host): `onResult` gets the answer of the tool
 * call the view stands next to. The view resizes itself to its content.
 */
export function connectApp(
  name: string,
  onResult: (result: ToolResult) => void,
  onError: (message: string) => void,
): App {
  const app = new App({ name, version: "1.0.0" }, {}, { autoResize: true });
  app.ontoolresult = onResult;
  app.connect().catch((error: unknown) => onError(errorText(error)));
  return app;
}

/** The words of a tool's error answer (`{ error: { code, message } }`, the server's one error shape). */
function resultError(result: ToolResult): string {
  const first = result.content?.[0];
  const text = first && first.type === "text" ? first.text : "";
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed.error) return `${String(parsed.error.code)}: ${String(parsed.error.message)}`;
  } catch {
    // not JSON: the text itself
  }
  return text || "the tool failed";
}

/** A server tool's structured answer, called through the host; its error as an Error with the server's words. */
export async function callTool(app: App, name: string, args: Record<string, unknown>): Promise<unknown> {
  const result = await app.callServerTool({ name, arguments: args });
  if (result.isError) throw new ToolCallError(resultError(result));
  return result.structuredContent;
}

export class ToolCallError extends Error {
  /** The contract's code ("NO_DATA"...), when the message starts with one. */
  get code(): string | undefined {
    return /^([A-Z_]+):/.exec(this.message)?.[1];
  }
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
