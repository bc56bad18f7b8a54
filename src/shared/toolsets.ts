/**
 * The toolsets the person may offer the agent, as ODOO_MCP_TOOLSETS and the settings window name them. Imports
 * nothing, so the configuration and the windows can name them without loading the tools.
 */
export const TOOLSETS = ["invoicing", "expenses", "reports", "read", "bank"] as const;
export type Toolset = (typeof TOOLSETS)[number];
