import type { Toolset } from "../../shared/toolsets.js";

/** What the agent sees: the person may offer only some toolsets (src/shared/toolsets.ts), or only the tools that read. */

/** Which tools a server offers: `toolsets` absent means every toolset; `readOnly` keeps the `readOnlyHint` ones. */
export interface ToolAccess {
  toolsets?: readonly Toolset[];
  readOnly: boolean;
}

export const ALL_TOOLS: ToolAccess = { readOnly: false };

interface Selectable {
  name: string;
  toolsets: readonly Toolset[];
  annotations: { readOnlyHint: boolean };
}

/**
 * Why `tool` is not offered under `access`, or null when it is. Read-only mode takes the tool's own
 * `readOnlyHint` (the one source of truth: what tools/list tells the client is what the server enforces).
 */
export function excludedBecause(tool: Selectable, access: ToolAccess): string | null {
  if (access.readOnly && !tool.annotations.readOnlyHint)
    return `${tool.name} writes to Odoo and this server is read-only (ODOO_MCP_READ_ONLY)`;
  if (access.toolsets && !tool.toolsets.some((set) => access.toolsets?.includes(set)))
    return `${tool.name} belongs to ${tool.toolsets.join(", ")}, and this server offers only the toolsets ${access.toolsets.join(", ") || "(none)"} (ODOO_MCP_TOOLSETS)`;
  return null;
}

export function selectTools<T extends Selectable>(tools: readonly T[], access: ToolAccess): T[] {
  return tools.filter((tool) => excludedBecause(tool, access) === null);
}
