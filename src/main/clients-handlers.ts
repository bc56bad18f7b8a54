import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { ToolError } from "../mcp/errors.js";
import { readTextIfExists, writeFileAtomic } from "../mcp/fsutil/files.js";
import type { Handlers } from "../shared/ipc.js";

/**
 * "Use with…": the exact configuration that starts the installed app as an MCP server over stdio (its own
 * executable with `--stdio`), for Claude Desktop, Claude Code and any other MCP client, and the one-click merge
 * into Claude Desktop's configuration file. Plain Node: the glue passes the executable and the file's path.
 */
export type ClientsHandlers = Pick<Handlers, "clients.configs" | "clients.addToClaudeDesktop">;

export const SERVER_NAME = "odoo-mcp";

export interface ClientsDeps {
  /** The installed app's executable (`process.execPath` in the packaged app). */
  command: string;
  /** Arguments before `--stdio` (a development run: the app's folder); none in the packaged app. */
  args?: string[];
  /** Where Claude Desktop reads its configuration: `claudeDesktopConfigPath()` in the app, a temp file in tests. */
  claudeDesktopConfigPath: string;
  /** The platform the command line snippets are quoted for (default: this one). */
  platform?: NodeJS.Platform;
  now?: () => Date;
}

/** Claude Desktop's `claude_desktop_config.json` on this platform (Linux: where unofficial builds read it). */
export function claudeDesktopConfigPath(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = env.HOME || env.USERPROFILE || "",
): string {
  if (platform === "darwin")
    return path.posix.join(home, "Library", "Application Support", "Claude", "claude_desktop_config.json");
  if (platform === "win32")
    return path.win32.join(
      env.APPDATA || path.win32.join(home, "AppData", "Roaming"),
      "Claude",
      "claude_desktop_config.json",
    );
  const xdg = env.XDG_CONFIG_HOME;
  return path.posix.join(
    xdg && path.isAbsolute(xdg) ? xdg : path.posix.join(home, ".config"),
    "Claude",
    "claude_desktop_config.json",
  );
}

export function clientsHandlers(deps: ClientsDeps): ClientsHandlers {
  const args = [...(deps.args ?? []), "--stdio"];
  const entry = { command: deps.command, args };
  const platform = deps.platform ?? process.platform;
  const now = deps.now ?? (() => new Date());

  return {
    async "clients.configs"() {
      return {
        claude_desktop: JSON.stringify({ mcpServers: { [SERVER_NAME]: entry } }, null, 2),
        claude_code: `claude mcp add --scope user ${SERVER_NAME} -- ${[deps.command, ...args].map((a) => quote(a, platform)).join(" ")}`,
        generic: JSON.stringify({ mcpServers: { [SERVER_NAME]: { type: "stdio", ...entry } } }, null, 2),
      };
    },

    async "clients.addToClaudeDesktop"() {
      const file = deps.claudeDesktopConfigPath;
      // Without blocking, following a link the person made (Claude's own file, not the data folder): a FIFO
      // there is refused, never waited on.
      const text = (await readTextIfExists(file, { followSymlinks: true })) ?? null;
      let config: Record<string, unknown> = {};
      if (text !== null && text.trim() !== "") {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new ToolError(
            "VALIDATION_ERROR",
            `${file} is not valid JSON, so it was left as it is. Fix it (or move it away) and try again, or paste the configuration yourself.`,
          );
        }
        if (!isObject(parsed) || (parsed.mcpServers !== undefined && !isObject(parsed.mcpServers)))
          throw new ToolError(
            "VALIDATION_ERROR",
            `${file} is not a Claude Desktop configuration (an object with "mcpServers"), so it was left as it is. Move it away and try again, or paste the configuration yourself.`,
          );
        config = parsed;
      }
      const servers = { ...((config.mcpServers as Record<string, unknown> | undefined) ?? {}) };
      if (JSON.stringify(servers[SERVER_NAME]) === JSON.stringify(entry))
        return { path: file, backup: null, added: false };
      servers[SERVER_NAME] = entry;
      let backup: string | null = null;
      if (text !== null) {
        backup = `${file}.${now().toISOString().replace(/[:.]/g, "-")}.bak`;
        await copyFile(file, backup);
      } else await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify({ ...config, mcpServers: servers }, null, 2)}\n`);
      return { path: file, backup, added: true };
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One argument for the platform's shell (POSIX: single quotes; Windows: double quotes). */
function quote(arg: string, platform: NodeJS.Platform): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (platform === "win32") return `"${arg.replace(/"/g, '\\"')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
