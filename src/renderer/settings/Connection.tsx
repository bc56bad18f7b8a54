import { useState } from "react";
import type { AnswerOf, SettingsView } from "../../shared/ipc.js";
import { t } from "../../ui/text.js";
import { call, errorText } from "../bridge.js";
import type { Notice } from "./notice.js";

type Report = AnswerOf<"settings.testConnection">;
type Secret = SettingsView["odoo"]["secret"];

/**
 * The Odoo connection: where, who, and the secret (sent to the keychain, never shown again), or where the secret
 * already comes from; and its test.
 */
export function Connection({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const [url, setUrl] = useState(view.odoo.url);
  const [database, setDatabase] = useState(view.odoo.database);
  const [username, setUsername] = useState(view.odoo.username);
  const [secret, setSecret] = useState("");
  const [kind, setKind] = useState(view.odoo.secret?.kind ?? "api_key");
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [report, setReport] = useState<Report | null>(null);

  const save = async () => {
    setBusy(true);
    setNotice(null);
    try {
      const saved = await call("settings.saveConnection", {
        url,
        database,
        username,
        ...(secret ? { secret, secret_kind: kind } : {}),
      });
      setSecret("");
      onSaved(saved);
      setNotice({ kind: "ok", text: "Connection saved." });
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };
  const test = async () => {
    setBusy(true);
    setReport(null);
    try {
      setReport(await call("settings.testConnection", {}));
    } catch (error) {
      setNotice({ kind: "error", text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card-panel" aria-labelledby="connection-title">
      <h2 id="connection-title">Odoo connection</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label>
          Odoo URL
          <input
            name="url"
            type="url"
            required
            value={url}
            placeholder="https://odoo.example.com"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <div className="two">
          <label>
            Database
            <input name="database" required value={database} onChange={(e) => setDatabase(e.target.value)} />
          </label>
          <label>
            User (login)
            <input name="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
          </label>
        </div>
        <fieldset className="segmented">
          <legend>Sign in with</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === "api_key"}
              onChange={() => setKind("api_key")}
            />{" "}
            API key
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === "password"}
              onChange={() => setKind("password")}
            />{" "}
            Password
          </label>
        </fieldset>
        <label>
          {kind === "api_key" ? "API key" : "Password"}
          <input
            name="secret"
            type="password"
            autoComplete="off"
            value={secret}
            placeholder={PLACEHOLDERS[view.odoo.secret?.source ?? "none"]}
            onChange={(e) => setSecret(e.target.value)}
          />
        </label>
        <SecretState secret={view.odoo.secret} />
        <div className="row">
          <button type="button" className="ghost" disabled={busy} onClick={test}>
            Test connection
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </div>
        {notice && <p className={`inline-notice ${notice.kind}`}>{t(notice.text, 400)}</p>}
      </form>
      {report && <ConnectionReport report={report} />}
    </section>
  );
}

const PLACEHOLDERS = {
  keychain: "•••••••• (saved in the keychain)",
  env: "•••••••• (from the environment)",
  none: "Paste it here",
};

/** Where the secret a server signs in with comes from, and what typing one here does. */
function SecretState({ secret }: { secret: Secret }) {
  const what = secret?.kind === "password" ? "password" : "API key";
  return (
    <p className="hint" data-testid="secret-state">
      {secret?.source === "keychain" ? (
        <>
          <span className="good">✓ Saved in the keychain.</span> It is kept only in your system's keychain and
          never shown again; leave the field empty to keep the saved one.
        </>
      ) : secret?.source === "env" ? (
        <>
          <span className="good">
            ✓ The {what} comes from the MCP client's configuration (
            {secret.kind === "password" ? "ODOO_PASSWORD" : "ODOO_API_KEY"} in the environment this app was
            started with).
          </span>{" "}
          Nothing needs to be saved here; one pasted here is kept in your system's keychain and used instead.
        </>
      ) : (
        <>
          No API key yet: paste it here and Save. It is kept only in your system's keychain and never shown
          again.
        </>
      )}
    </p>
  );
}

/** The test's checks, each once, in the words of the window (`label`); the facts doctor lists are its own. */
function ConnectionReport({ report }: { report: Report }) {
  return (
    <section className={`report ${report.ok ? "report-ok" : "report-bad"}`} aria-label="Connection report">
      <p className="report-title">{report.ok ? "Everything works." : "Something needs fixing."}</p>
      <ul className="checks">
        {report.checks.map((check) => (
          <li key={check.name} className={check.ok ? "good" : "bad"}>
            <span aria-hidden="true">{check.ok ? "✓" : "✗"}</span> <strong>{t(check.label, 60)}</strong> —{" "}
            {t(check.detail, 300)}
          </li>
        ))}
      </ul>
    </section>
  );
}
