import { useEffect, useState } from "react";
import { multiline } from "../../shared/display.js";
import type { AnswerOf } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";
import type { Notice } from "./notice.js";

type Configs = AnswerOf<"clients.configs">;

/** How to start the server from an MCP client: its configuration per client, or added to Claude Desktop. */
export function UseWith() {
  const [configs, setConfigs] = useState<Configs | null>(null);
  const [tab, setTab] = useState<keyof Configs>("claude_desktop");
  const [notice, setNotice] = useState<Notice>(null);
  useEffect(() => {
    call("clients.configs", {})
      .then(setConfigs)
      .catch((error) => setNotice({ kind: "error", text: errorText(error) }));
  }, []);
  const add = async () => {
    try {
      const answer = await call("clients.addToClaudeDesktop", {});
      setNotice({
        kind: "ok",
        text: answer.added
          ? `Added to ${answer.path}${answer.backup ? ` (the previous file is kept as ${answer.backup})` : ""}. Restart Claude Desktop to use it.`
          : `Claude Desktop already has it (${answer.path}).`,
      });
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    }
  };
  const names: Record<keyof Configs, string> = {
    claude_desktop: "Claude Desktop",
    claude_code: "Claude Code",
    generic: "Other MCP client",
  };
  return (
    <section className="card-panel" aria-labelledby="use-title">
      <h2 id="use-title">Use with…</h2>
      <p className="muted">The app itself is the MCP server: your client starts it in the background.</p>
      <div className="tabs small-tabs">
        {(Object.keys(names) as (keyof Configs)[]).map((key) => (
          <button
            key={key}
            type="button"
            className={tab === key ? "active" : ""}
            aria-pressed={tab === key}
            onClick={() => setTab(key)}
          >
            {names[key]}
          </button>
        ))}
      </div>
      {configs && (
        <pre className="snippet" data-testid="snippet">
          {multiline(configs[tab], 60, 400)}
        </pre>
      )}
      <p className="hint">
        {tab === "claude_desktop" && "Goes into claude_desktop_config.json, or let the app add it:"}
        {tab === "claude_code" && "Run this once in a terminal."}
        {tab === "generic" && "Any client that starts MCP servers over stdio."}
      </p>
      {tab === "claude_desktop" && (
        <button type="button" className="primary" onClick={add}>
          Add to Claude Desktop
        </button>
      )}
      {notice && <p className={`inline-notice ${notice.kind}`}>{t(notice.text, 600)}</p>}
    </section>
  );
}
