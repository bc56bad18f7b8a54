import { type RecordedMajor, readRecording, recordingFiles } from "../fixtures/recordings.js";

/** One recorded exchange with a real Odoo (see tests/fixtures/odoo-recordings/19/README.md). */
export interface Step {
  name: string;
  request: { method: string; path: string; headers: Record<string, string>; body: unknown };
  response: { status: number; content_type: string; headers?: Record<string, string>; body: unknown };
}

export interface Transcript {
  file: string;
  recorded_at: string;
  /** The database was restored just before this recording (the lab's record-lab.sh says so). */
  restored_before?: boolean;
  transport: string;
  steps: Step[];
}

/** Every recording of one version over one transport that the manifest lists; throws naming a missing one. */
export function loadTranscripts(version: RecordedMajor, transport: string): Transcript[] {
  return recordingFiles(version, transport).map((f) => ({
    file: f.replace(/\.json$/, ""),
    ...(readRecording(version, f) as Omit<Transcript, "file">),
  }));
}

/** Models whose ids depend on records real Odoo creates on the side (messages, attachments): mapped, not compared. */
const VOLATILE_BY_FIELD: Record<string, string> = {
  attachment_ids: "ir.attachment",
  invoice_pdf_report_id: "ir.attachment",
  message_main_attachment_id: "ir.attachment",
  notification_ids: "mail.notification",
  mail_mail_id: "mail.mail",
  mail_message_id: "mail.message",
};
const VOLATILE_MODELS = new Set(Object.values(VOLATILE_BY_FIELD));
const IGNORED_KEYS = new Set(["debug", "create_date", "write_date", "checksum", "file_size", "access_token"]);

export class IdMap {
  private readonly maps = new Map<string, Map<number, number>>();
  private map(model: string): Map<number, number> {
    let m = this.maps.get(model);
    if (!m) {
      m = new Map();
      this.maps.set(model, m);
    }
    return m;
  }
  toSandbox(model: string, id: number): number {
    return this.map(model).get(id) ?? id;
  }
  /** Learns recorded→sandbox; answers whether it is consistent with what was learnt before. */
  learn(model: string, recorded: number, actual: number): boolean {
    const m = this.map(model);
    const known = m.get(recorded);
    if (known === undefined) {
      for (const v of m.values()) if (v === actual) return false;
      m.set(recorded, actual);
      return true;
    }
    return known === actual;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function mapIds(value: unknown, model: string, ids: IdMap): unknown {
  if (typeof value === "number") return ids.toSandbox(model, value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === "number" ? ids.toSandbox(model, v) : v));
  return value;
}

function rewriteDomain(domain: unknown, ids: IdMap): unknown {
  if (!Array.isArray(domain)) return domain;
  return domain.map((leaf) => {
    if (Array.isArray(leaf) && leaf.length === 3 && typeof leaf[0] === "string") {
      const model = VOLATILE_BY_FIELD[leaf[0]];
      if (model) return [leaf[0], leaf[1], mapIds(leaf[2], model, ids)];
    }
    return leaf;
  });
}

/** Rewrites a recorded request: secrets, and volatile ids that the sandbox numbered differently. */
export function rewriteRequest(
  step: Step,
  secrets: { apiKey: string; password: string },
  ids: IdMap,
): Step["request"] {
  const sub = (v: unknown): unknown => {
    if (typeof v === "string")
      return v.replaceAll("<API_KEY>", secrets.apiKey).replaceAll("<PASSWORD>", secrets.password);
    if (Array.isArray(v)) return v.map(sub);
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  const req = sub(step.request) as Step["request"];
  const body = req.body;
  if (
    isObj(body) &&
    isObj(body.params) &&
    body.params.method === "execute_kw" &&
    Array.isArray(body.params.args)
  ) {
    const args = [...body.params.args];
    const model = String(args[3]);
    const margs = Array.isArray(args[5]) ? [...args[5]] : args[5];
    if (Array.isArray(margs) && margs.length) {
      if (
        VOLATILE_MODELS.has(model) &&
        Array.isArray(margs[0]) &&
        margs[0].every((x) => typeof x === "number")
      ) {
        margs[0] = mapIds(margs[0], model, ids);
      } else if (Array.isArray(margs[0])) margs[0] = rewriteDomain(margs[0], ids);
    }
    if (args.length > 5) args[5] = margs;
    if (Array.isArray(margs) && isObj(margs[1])) {
      margs[1] = Object.fromEntries(
        Object.entries(margs[1]).map(([k, x]) => [
          k,
          VOLATILE_BY_FIELD[k] ? mapIds(x, VOLATILE_BY_FIELD[k], ids) : x,
        ]),
      );
    }
    if (isObj(args[6]) && Array.isArray(args[6].domain))
      args[6] = { ...args[6], domain: rewriteDomain(args[6].domain, ids) };
    return { ...req, body: { ...body, params: { ...body.params, args } } };
  }
  if (isObj(body) && req.path.startsWith("/json/2/")) {
    const model = req.path.split("/")[3] ?? "";
    const out: Record<string, unknown> = { ...body };
    if (VOLATILE_MODELS.has(model) && Array.isArray(out.ids)) out.ids = mapIds(out.ids, model, ids);
    if (Array.isArray(out.domain)) out.domain = rewriteDomain(out.domain, ids);
    if (isObj(out.vals)) {
      out.vals = Object.fromEntries(
        Object.entries(out.vals).map(([k, x]) => [
          k,
          VOLATILE_BY_FIELD[k] ? mapIds(x, VOLATILE_BY_FIELD[k], ids) : x,
        ]),
      );
    }
    return { ...req, body: out };
  }
  return req;
}

/**
 * The model a step's answer rows belong to (for their `id` keys). `message_post` answers the new message's id: a
 * `mail.message`, whatever record it was posted on.
 */
export function stepModel(req: Step["request"]): string | undefined {
  const body = req.body;
  if (
    isObj(body) &&
    isObj(body.params) &&
    Array.isArray(body.params.args) &&
    body.params.method === "execute_kw"
  ) {
    return body.params.args[4] === "message_post" ? "mail.message" : String(body.params.args[3]);
  }
  if (req.path.startsWith("/json/2/"))
    return req.path.split("/")[4] === "message_post" ? "mail.message" : req.path.split("/")[3];
  return undefined;
}

/**
 * Aligns the recorded answer with the sandbox's: volatile ids are learnt and replaced, ignored keys dropped.
 * The result is then compared with a plain deep equality.
 */
export function align(
  recorded: unknown,
  actual: unknown,
  model: string | undefined,
  ids: IdMap,
  key?: string,
): unknown {
  const volatile = key ? VOLATILE_BY_FIELD[key] : undefined;
  const createdIds =
    (key === undefined || key === "result") &&
    Array.isArray(recorded) &&
    recorded.length > 0 &&
    recorded.every((x) => typeof x === "number");
  const idModel =
    volatile ?? ((key === "id" || createdIds) && model && VOLATILE_MODELS.has(model) ? model : undefined);
  if (idModel) {
    if (typeof recorded === "number" && typeof actual === "number") {
      return ids.learn(idModel, recorded, actual) ? actual : recorded;
    }
    if (Array.isArray(recorded) && Array.isArray(actual) && recorded.length === actual.length) {
      if (recorded.length === 2 && typeof recorded[0] === "number" && typeof recorded[1] === "string") {
        const first =
          typeof actual[0] === "number" && ids.learn(idModel, recorded[0], actual[0])
            ? actual[0]
            : recorded[0];
        return [first, recorded[1]];
      }
      return recorded.map((r, i) =>
        typeof r === "number" && typeof actual[i] === "number" && ids.learn(idModel, r, actual[i] as number)
          ? actual[i]
          : r,
      );
    }
    return recorded;
  }
  if (Array.isArray(recorded)) {
    const act = Array.isArray(actual) ? actual : [];
    return recorded.map((r, i) => align(r, act[i], model, ids, undefined));
  }
  if (isObj(recorded)) {
    const act = isObj(actual) ? actual : {};
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(recorded)) {
      if (IGNORED_KEYS.has(k)) continue;
      // A JSON-RPC envelope's `id` is the request's number, never a record's.
      out[k] = k === "id" && "jsonrpc" in recorded ? v : align(v, act[k], model, ids, k);
    }
    return out;
  }
  return recorded;
}

export function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (isObj(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !IGNORED_KEYS.has(k))
        .map(([k, v]) => [k, strip(v)]),
    );
  }
  return value;
}

/** The first path where two JSON values differ, for a one-line reason. */
export function firstDifference(a: unknown, b: unknown, at = "$"): string | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at}: length ${a.length} (recorded) vs ${b.length} (sandbox)`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a)) return `${at}.${k}: not recorded, sandbox has ${JSON.stringify(b[k])?.slice(0, 60)}`;
      if (!(k in b)) return `${at}.${k}: missing in sandbox (recorded ${JSON.stringify(a[k])?.slice(0, 60)})`;
      const d = firstDifference(a[k], b[k], `${at}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  return `${at}: recorded ${JSON.stringify(a)?.slice(0, 80)} vs sandbox ${JSON.stringify(b)?.slice(0, 80)}`;
}
