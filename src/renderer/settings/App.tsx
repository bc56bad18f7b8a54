import { useEffect, useState } from "react";
import type { SettingsView } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";
import { AgentScope } from "./AgentScope.js";
import { Connection } from "./Connection.js";
import { General } from "./General.js";
import type { Notice } from "./notice.js";
import { Policy } from "./Policy.js";
import { UseWith } from "./UseWith.js";

/** The settings window: one section per file, each saving on its own and handing back the new view. */
export function App() {
  const [view, setView] = useState<SettingsView | null>(null);
  const [notice, setNotice] = useState<Notice>(null);
  /** How many times the connection was saved: what is read from Odoo (the companies) is read again after each. */
  const [connectionSaves, setConnectionSaves] = useState(0);

  useEffect(() => {
    call("settings.get", {})
      .then(setView)
      .catch((error) => setNotice({ kind: "error", text: errorText(error) }));
  }, []);

  return (
    <div className="window settings">
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <h1>Settings</h1>
        </div>
      </header>
      {notice && (
        <div className={`notice notice-${notice.kind}`} role="status">
          {t(notice.text, 600)}
        </div>
      )}
      {view && (
        <main className="settings-grid">
          {view.warnings.length > 0 && (
            <div className="alert alert-warning wide">
              {view.warnings.map((warning) => (
                <p key={warning}>{t(warning, 400)}</p>
              ))}
            </div>
          )}
          <Connection
            view={view}
            onSaved={(saved) => {
              setView(saved);
              setConnectionSaves((n) => n + 1);
            }}
          />
          <div className="stack">
            <UseWith />
            <General view={view} onSaved={setView} />
          </div>
          {view.scope && (
            <AgentScope view={view} scope={view.scope} connectionSaves={connectionSaves} onSaved={setView} />
          )}
          <Policy view={view} onSaved={setView} />
        </main>
      )}
    </div>
  );
}
