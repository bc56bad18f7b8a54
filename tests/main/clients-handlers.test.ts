import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claudeDesktopConfigPath, clientsHandlers } from "../../src/main/clients-handlers.js";

describe("clients handlers (Use with…)", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const COMMAND = "/Applications/Odoo MCP.app/Contents/MacOS/Odoo MCP";

  it("gives the exact configuration for Claude Desktop, Claude Code and a generic client", async () => {
    const handlers = clientsHandlers({ command: COMMAND, claudeDesktopConfigPath: "/x", platform: "darwin" });
    const configs = await handlers["clients.configs"]({});
    expect(JSON.parse(configs.claude_desktop)).toEqual({
      mcpServers: { "odoo-mcp": { command: COMMAND, args: ["--stdio"] } },
    });
    expect(JSON.parse(configs.generic)).toEqual({
      mcpServers: { "odoo-mcp": { type: "stdio", command: COMMAND, args: ["--stdio"] } },
    });
    expect(configs.claude_code).toBe(`claude mcp add --scope user odoo-mcp -- '${COMMAND}' --stdio`);
    const windows = clientsHandlers({
      command: "C:\\Program Files\\Odoo MCP\\Odoo MCP.exe",
      claudeDesktopConfigPath: "/x",
      platform: "win32",
    });
    expect((await windows["clients.configs"]({})).claude_code).toBe(
      `claude mcp add --scope user odoo-mcp -- "C:\\Program Files\\Odoo MCP\\Odoo MCP.exe" --stdio`,
    );
  });

  it("adds the server to Claude Desktop: other servers kept, a backup written, an invalid file never overwritten", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "odoo-mcp-claude-"));
    const file = path.join(dir, "Claude", "claude_desktop_config.json");
    const handlers = clientsHandlers({
      command: COMMAND,
      claudeDesktopConfigPath: file,
      now: () => new Date("2026-11-02T10:00:00Z"),
    });
    // No file yet: created, nothing to back up.
    expect(await handlers["clients.addToClaudeDesktop"]({})).toEqual({
      path: file,
      backup: null,
      added: true,
    });
    expect(JSON.parse(await readFile(file, "utf8")).mcpServers["odoo-mcp"].args).toEqual(["--stdio"]);
    // Already there, the same: nothing written.
    expect(await handlers["clients.addToClaudeDesktop"]({})).toMatchObject({ added: false, backup: null });

    const original = `${JSON.stringify({ mcpServers: { files: { command: "npx", args: ["fs"] }, "odoo-mcp": { command: "old" } }, globalShortcut: "Ctrl+Space" }, null, 4)}\n`;
    await writeFile(file, original);
    const added = await handlers["clients.addToClaudeDesktop"]({});
    expect(added.added).toBe(true);
    expect(added.backup).toBe(`${file}.2026-11-02T10-00-00-000Z.bak`);
    expect(await readFile(added.backup!, "utf8")).toBe(original);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      mcpServers: {
        files: { command: "npx", args: ["fs"] },
        "odoo-mcp": { command: COMMAND, args: ["--stdio"] },
      },
      globalShortcut: "Ctrl+Space",
    });

    for (const broken of ['{ "mcpServers": { "files": ', '["not", "an", "object"]', '{"mcpServers": 3}']) {
      await writeFile(file, broken);
      await expect(handlers["clients.addToClaudeDesktop"]({})).rejects.toMatchObject({
        code: "VALIDATION_ERROR",
      });
      expect(await readFile(file, "utf8")).toBe(broken);
    }
  });

  it("knows where Claude Desktop keeps its configuration on each platform", () => {
    expect(claudeDesktopConfigPath("darwin", {}, "/Users/ada")).toBe(
      "/Users/ada/Library/Application Support/Claude/claude_desktop_config.json",
    );
    expect(
      claudeDesktopConfigPath("win32", { APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }, "C:\\Users\\ada"),
    ).toBe("C:\\Users\\ada\\AppData\\Roaming\\Claude\\claude_desktop_config.json");
    expect(claudeDesktopConfigPath("linux", {}, "/home/ada")).toBe(
      "/home/ada/.config/Claude/claude_desktop_config.json",
    );
  });
});
