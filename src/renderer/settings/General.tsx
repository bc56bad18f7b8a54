import { useState } from "react";
import type { SettingsView } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";

/** This computer: the data folder, and whether the app starts at login. */
export function General({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section className="card-panel" aria-labelledby="general-title">
      <h2 id="general-title">This computer</h2>
      <dl className="facts">
        <dt>Data folder</dt>
        <dd className="mono" data-testid="data-dir">
          {t(view.data_dir, 400)}
        </dd>
      </dl>
      <p className="hint">Approvals, the audit log and the offline queue live here.</p>
      <label className="switch">
        <input
          type="checkbox"
          name="start-at-login"
          checked={view.start_at_login}
          onChange={async (event) => {
            try {
              onSaved(await call("settings.setStartAtLogin", { enabled: event.target.checked }));
            } catch (error) {
              setProblem(errorText(error));
            }
          }}
        />
        Start at login
      </label>
      {problem && <p className="inline-notice error">{t(problem, 300)}</p>}
    </section>
  );
}
