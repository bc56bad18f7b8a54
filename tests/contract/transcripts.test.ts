import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/index.js";
import {
  align,
  firstDifference,
  IdMap,
  loadTranscripts,
  remappedModels,
  rewriteRequest,
  type Step,
  stepModel,
  strip,
  type Transcript,
} from "./replay.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const knownFile = path.join(here, "known-differences.json");
const known: Record<string, string> = fs.existsSync(knownFile)
  ? JSON.parse(fs.readFileSync(knownFile, "utf8"))
  : {};
const updating = process.env.UPDATE_KNOWN_DIFFERENCES === "1";
const found: Record<string, string> = {};
/** Runs that have replayed: their listed steps are replaced by what they found (the file is rewritten after each). */
const replayed = new Set<string>();
/** Every step replayed below, by its key. */
const keys = new Set<string>();

const RUNS: Array<{ version: 17 | 18 | 19; transport: string }> = [
  { version: 19, transport: "json2" },
  { version: 19, transport: "jsonrpc" },
  { version: 18, transport: "jsonrpc" },
  { version: 17, transport: "jsonrpc" },
];

function recordedDatabase(steps: Step[]): string {
  for (const s of steps) {
    const h = s.request.headers["x-odoo-database"];
    if (h && h !== "no_such_db") return h;
    const b = s.request.body as { params?: { service?: string; method?: string; args?: unknown[] } } | null;
    if (b?.params?.service === "common" && b.params.method === "login") return String(b.params.args?.[0]);
  }
  return "odoo_test";
}

async function send(sb: Sandbox, req: Step["request"]) {
  const headers: Record<string, string> = { ...req.headers };
  const body =
    req.body === null ? undefined : typeof req.body === "string" ? req.body : JSON.stringify(req.body);
  const res = await fetch(`${sb.url}${req.path}`, { method: req.method, headers, body, redirect: "manual" });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  let parsed: unknown = text;
  if (type.includes("json")) parsed = JSON.parse(text);
  return { status: res.status, type, body: parsed, headers: res.headers };
}

/**
 * Transcripts recorded more than an hour apart come from separate runs, each from a restored database. From 11 on,
 * each scenario was recorded alone (../lab-scenarios, `record-lab.sh`: the database restored before each run, or
 * not restored at all, see 19/README.md), minutes apart from the next one: each is a session of its own.
 */
function newSession(previous: Transcript, next: Transcript): boolean {
  const gap = Date.parse(next.recorded_at) - Date.parse(previous.recorded_at);
  return !Number.isFinite(gap) || gap > 60 * 60 * 1000 || Number.parseInt(next.file, 10) >= 11;
}

const kind = (t: string) => (t.includes("json") ? "json" : t.includes("html") ? "html" : t);

for (const run of RUNS) {
  // Throws (failing this file, naming the recording) when one the manifest lists is missing; never skips.
  const transcripts = loadTranscripts(run.version, run.transport);
  describe(`Odoo ${run.version} over ${run.transport}`, () => {
    // One sandbox per recording session: a transcript recorded alone, from a freshly restored database,
    // replays against a fresh sandbox (its ids count from there).
    const sessions = new Map<Transcript, { sb?: Sandbox; ids: IdMap; first: Transcript }>();
    let current: { sb?: Sandbox; ids: IdMap; first: Transcript } | undefined;
    let previous: Transcript | undefined;
    for (const t of transcripts) {
      if (!current || !previous || newSession(previous, t))
        current = { ids: new IdMap(remappedModels(t.file)), first: t };
      sessions.set(t, current);
      previous = t;
    }
    const sandbox = async (t: Transcript) => {
      const session = sessions.get(t);
      if (!session) throw new Error(`no session for ${t.file}`);
      if (!session.sb) {
        session.sb = await startSandbox({
          version: run.version,
          database: recordedDatabase(transcripts.flatMap((x) => x.steps)),
          now: () => new Date(session.first.recorded_at ?? Date.now()),
        });
        session.sb.setSmtpUp(true);
      }
      return { s: session.sb, ids: session.ids };
    };
    afterAll(async () => {
      for (const session of new Set(sessions.values())) await session.sb?.close();
      if (updating) {
        replayed.add(`${run.version}/${run.transport}/`);
        const merged = {
          ...Object.fromEntries(
            Object.entries(known).filter(([k]) => ![...replayed].some((prefix) => k.startsWith(prefix))),
          ),
          ...found,
        };
        const sorted = Object.fromEntries(
          Object.entries(merged).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true })),
        );
        fs.writeFileSync(knownFile, `${JSON.stringify(sorted, null, 2)}\n`);
      }
    });
    for (const t of transcripts) {
      t.steps.forEach((step, index) => {
        const key = `${run.version}/${run.transport}/${t.file}#${index} ${step.name}`;
        keys.add(key);
        it(key, async () => {
          const { s, ids } = await sandbox(t);
          // The recordings stopped and restarted the lab's SMTP server around these steps.
          if (
            /SMTP (server )?(is )?(about to be stopped|down)|while the SMTP server is down/i.test(step.name)
          )
            s.setSmtpUp(false);
          if (/retry|SMTP server is back/i.test(step.name)) s.setSmtpUp(true);
          const req = rewriteRequest(step, { apiKey: s.apiKey, password: s.password }, ids);
          const got = await send(s, req);
          if (/while the SMTP server is down/i.test(step.name)) s.setSmtpUp(true);
          let reason: string | undefined;
          if (got.status !== step.response.status)
            reason = `status ${step.response.status} (recorded) vs ${got.status}`;
          else if (kind(got.type) !== kind(step.response.content_type)) {
            reason = `content type ${step.response.content_type} vs ${got.type}`;
          } else if (kind(got.type) === "json") {
            const expected = align(step.response.body, got.body, stepModel(req), ids);
            reason = firstDifference(expected, strip(got.body));
          } else if (typeof step.response.body === "string" && step.response.body.length < 800) {
            reason = step.response.body === got.body ? undefined : "html body differs";
          }
          const wwwAuth = step.response.headers?.["www-authenticate"];
          if (!reason && wwwAuth !== undefined && got.headers.get("www-authenticate") !== wwwAuth) {
            reason = "WWW-Authenticate header differs";
          }
          if (updating) {
            if (reason) found[key] = reason;
            return;
          }
          if (key in known) {
            expect(
              reason,
              `listed in known-differences.json but now matches: remove it (${key})`,
            ).toBeDefined();
          } else {
            expect(reason, reason).toBeUndefined();
          }
        });
      });
    }
  });
}

it.runIf(!updating)(
  "known-differences.json names only recorded steps (none of its recordings is missing)",
  () => {
    expect(Object.keys(known).filter((key) => !keys.has(key))).toEqual([]);
  },
);
