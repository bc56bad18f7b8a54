import {
  keyError,
  missingError,
  OdooFault,
  pyRepr,
  pyTuple,
  typeError,
  unprocessable,
  valueError,
} from "./fault.js";

export type Version = 17 | 18 | 19;
export type Vals = Record<string, unknown>;
export interface Rec {
  id: number;
  [field: string]: unknown;
}

export type FieldType =
  | "char"
  | "text"
  | "html"
  | "boolean"
  | "integer"
  | "float"
  | "monetary"
  | "date"
  | "datetime"
  | "selection"
  | "many2one"
  | "one2many"
  | "many2many"
  | "binary"
  | "json";

export interface FieldDef {
  type: FieldType;
  string: string;
  relation?: string;
  selection?: Array<[string, string]>;
  readonly?: boolean;
  required?: boolean;
  /** Computed on every read here. */
  compute?: (rec: Rec, env: Env) => unknown;
  /** A computed field that Odoo stores (so SQL can group by it, unlike a plain computed one). */
  stored?: boolean;
  /** one2many: the many2one field on `relation` pointing back. */
  inverse?: string;
  /** Extra attributes for fields_get (e.g. help). */
  extra?: Record<string, unknown>;
}

export interface ParamDef {
  name: string;
  required?: boolean;
}

export interface CallArgs {
  env: Env;
  model: Model;
  ids: number[];
  args: Vals;
}

export interface MethodDef {
  /** "model": @api.model (no ids); "records": takes ids first. */
  kind: "model" | "records";
  params: ParamDef[];
  /** The Python qualname used in TypeError messages, e.g. "BaseModel.search_count". */
  owner?: string;
  /** Where extra keyword arguments are forwarded (search_read → _read_format); undefined = none accepted. */
  varkwOwner?: string;
  /** Names accepted by the **kwargs receiver; others fail with varkwOwner's TypeError. */
  varkwAccepts?: string[];
  fn: (call: CallArgs) => unknown;
}

export interface ModelOptions {
  order?: string;
  /** False for models without Odoo's magic columns (create_uid, create_date, write_uid, write_date). */
  logAccess?: boolean;
  displayName?: (rec: Rec, env: Env) => string | false;
  className?: string;
  transient?: boolean;
}

/** Odoo's log-access ("magic") columns, on every model unless `logAccess: false`. */
export const MAGIC_FIELDS: Record<string, FieldDef> = {
  create_uid: { type: "many2one", relation: "res.users", string: "Created by", readonly: true },
  create_date: { type: "datetime", string: "Created on", readonly: true },
  write_uid: { type: "many2one", relation: "res.users", string: "Last Updated by", readonly: true },
  write_date: { type: "datetime", string: "Last Updated on", readonly: true },
};

/** A UTC datetime as Odoo stores and answers it: `YYYY-MM-DD HH:MM:SS`. */
export function datetimeString(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", " ");
}

export class Model {
  readonly records = new Map<number, Rec>();
  readonly methods = new Map<string, MethodDef>();
  nextId = 1;
  /** Set by Database.add: the clock and the user that stamp the magic columns. */
  stamp?: () => { at: string; uid: number };
  constructor(
    readonly name: string,
    readonly fields: Record<string, FieldDef>,
    readonly options: ModelOptions = {},
  ) {}

  get className(): string {
    return (
      this.options.className ??
      this.name
        .split(".")
        .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
        .join("")
    );
  }

  field(name: string): FieldDef | undefined {
    return Object.hasOwn(this.fields, name) ? this.fields[name] : undefined;
  }

  rec(id: number): Rec | undefined {
    return this.records.get(id);
  }

  get logAccess(): boolean {
    return this.options.logAccess !== false;
  }

  insert(vals: Vals): Rec {
    const id = this.nextId++;
    const s = this.logAccess ? this.stamp?.() : undefined;
    const magic: Vals = s ? { create_uid: s.uid, create_date: s.at, write_uid: s.uid, write_date: s.at } : {};
    const rec: Rec = { ...magic, ...vals, id };
    this.records.set(id, rec);
    return rec;
  }

  /** Records a modification: write_uid and write_date, as every write does in Odoo. */
  touch(recs: Rec | readonly Rec[]): void {
    const s = this.logAccess ? this.stamp?.() : undefined;
    if (!s) return;
    for (const r of Array.isArray(recs) ? recs : [recs]) {
      r.write_uid = s.uid;
      r.write_date = s.at;
    }
  }
}

export interface Env {
  db: Database;
  context: Vals;
  now: () => Date;
  version: Version;
  /** The authenticated user (the sandbox authenticates the admin, uid 2). */
  uid: number;
  /**
   * one2many values by inverse key, built once per `search` (records do not change while a domain is evaluated),
   * so that a domain through a one2many (`move_id.line_ids.account_id`) stays linear on large ledgers.
   */
  o2mIndex?: Map<string, Map<unknown, number[]>>;
}

export class Database {
  readonly models = new Map<string, Model>();
  smtpUp = true;
  /** The user every request runs as: the admin (uid 1, the superuser, while the seed is installed). */
  uid = 2;
  sentMails: Array<{ to: string[]; subject: string; attachments: string[] }> = [];
  /** The record rules of a model (the multi-company ones), or undefined when they hide nothing. */
  recordRule?: (env: Env, model: Model) => ((rec: Rec) => boolean) | undefined;
  constructor(
    readonly version: Version,
    readonly now: () => Date,
  ) {}

  model(name: string): Model {
    const m = this.models.get(name);
    if (!m) throw new OdooFault("odoo.exceptions.UserError", `Object ${name} doesn't exist`, 404);
    return m;
  }

  add(model: Model): Model {
    if (model.logAccess) {
      for (const [k, f] of Object.entries(MAGIC_FIELDS)) if (!model.field(k)) model.fields[k] = { ...f };
      model.stamp = () => ({ at: datetimeString(this.now()), uid: this.uid });
    }
    this.models.set(model.name, model);
    return model;
  }

  env(context: Vals = {}): Env {
    return { db: this, context, now: this.now, version: this.version, uid: this.uid };
  }
}

// ---------- values ----------

export function round2(value: number, digits = 2): number {
  const f = 10 ** digits;
  const r = Math.round(Math.abs(value) * f + 1e-7) / f;
  const out = value < 0 ? -r : r;
  return Object.is(out, -0) ? 0 : out;
}

export function today(env: Env): string {
  return env.now().toISOString().slice(0, 10);
}

export function nowString(env: Env): string {
  return datetimeString(env.now());
}

export function displayName(env: Env, model: Model, rec: Rec): string | false {
  if (model.options.displayName) return model.options.displayName(rec, env);
  const name = rec.name;
  return typeof name === "string" ? name : false;
}

/** The commercial entity: the partner itself if it is a company or has no parent, else its parent's. */
export function commercialPartnerId(env: Env, partnerId: number): number {
  const partners = env.db.model("res.partner");
  const seen = new Set<number>();
  let rec = partners.rec(partnerId);
  while (rec && !rec.is_company && typeof rec.parent_id === "number" && !seen.has(rec.id)) {
    seen.add(rec.id);
    const parent = partners.rec(rec.parent_id);
    if (!parent) break;
    rec = parent;
  }
  return rec?.id ?? partnerId;
}

export function rawValue(env: Env, model: Model, rec: Rec, fname: string): unknown {
  if (fname === "id") return rec.id;
  if (fname === "display_name") return displayName(env, model, rec);
  const f = model.field(fname);
  if (!f) return undefined;
  if (f.compute) return f.compute(rec, env);
  if (f.type === "one2many" && f.inverse && f.relation) {
    const inv = f.inverse;
    const comodel = env.db.model(f.relation);
    if (env.o2mIndex) {
      const key = `${f.relation}.${inv}`;
      let index = env.o2mIndex.get(key);
      if (!index) {
        index = new Map();
        for (const r of comodel.records.values()) {
          const list = index.get(r[inv]);
          if (list) list.push(r.id);
          else index.set(r[inv], [r.id]);
        }
        env.o2mIndex.set(key, index);
      }
      return [...(index.get(rec.id) ?? [])];
    }
    return [...comodel.records.values()].filter((r) => r[inv] === rec.id).map((r) => r.id);
  }
  const v = rec[fname];
  if (v === undefined || v === null) return emptyValue(f);
  return v;
}

function emptyValue(f: FieldDef): unknown {
  switch (f.type) {
    case "one2many":
    case "many2many":
      return [];
    case "integer":
    case "float":
    case "monetary":
      return 0;
    default:
      return false;
  }
}

export function readValue(env: Env, model: Model, rec: Rec, fname: string): unknown {
  const v = rawValue(env, model, rec, fname);
  const f = model.field(fname);
  if (!f) return v;
  if (f.type === "many2one") {
    if (typeof v !== "number") return false;
    const comodel = env.db.model(f.relation ?? "");
    const target = comodel.rec(v);
    return [v, target ? displayName(env, comodel, target) : false];
  }
  if (f.type === "monetary" && typeof v === "number") return round2(v);
  return v;
}

// ---------- domains ----------

const OPERATORS = new Set([
  "=",
  "!=",
  "<>",
  "<",
  "<=",
  ">",
  ">=",
  "in",
  "not in",
  "like",
  "ilike",
  "not like",
  "not ilike",
  "=like",
  "=ilike",
  "child_of",
  "parent_of",
  "any",
  "not any",
]);

type Predicate = (rec: Rec) => boolean;

export function compileDomain(env: Env, model: Model, domain: unknown): Predicate {
  if (domain === undefined || domain === null || domain === false) return () => true;
  if (!Array.isArray(domain)) throw valueError(`Invalid domain ${pyRepr(domain)}`);
  const items = [...domain];
  let pos = 0;
  const parse = (): Predicate => {
    const item = items[pos++];
    if (item === "&" || item === "|") {
      const a = parse();
      const b = parse();
      return item === "&" ? (r) => a(r) && b(r) : (r) => a(r) || b(r);
    }
    if (item === "!") {
      const a = parse();
      return (r) => !a(r);
    }
    return compileLeaf(env, model, item);
  };
  const preds: Predicate[] = [];
  while (pos < items.length) preds.push(parse());
  return (r) => preds.every((p) => p(r));
}

function compileLeaf(env: Env, model: Model, item: unknown): Predicate {
  if (item === true) return () => true;
  if (item === false) return () => false;
  if (!Array.isArray(item) || item.length !== 3) {
    // 17/18 unpack every leaf into three values first (expression._anyfy_leaves).
    const size = Array.isArray(item) ? item.length : typeof item === "string" ? item.length : undefined;
    if (env.version !== 19 && size !== undefined && size !== 3) {
      throw valueError(
        size < 3
          ? `not enough values to unpack (expected 3, got ${size})`
          : "too many values to unpack (expected 3)",
      );
    }
    throw valueError(`Domain() invalid item in domain: ${pyRepr(item)}`);
  }
  const [left, opRaw, value] = item as [unknown, unknown, unknown];
  if (typeof opRaw !== "string" || !OPERATORS.has(opRaw.toLowerCase())) {
    throw valueError(
      env.version === 19 ? `Invalid operator in condition ${pyTuple(item)}` : `Invalid leaf ${pyTuple(item)}`,
    );
  }
  const op = opRaw.toLowerCase() === "<>" ? "!=" : opRaw.toLowerCase();
  if (left === 1 || left === 0) {
    const truth = left === value;
    return () => (op === "=" ? truth : !truth);
  }
  if (typeof left !== "string")
    throw valueError(`Invalid field ${pyRepr(left)} in condition ${pyTuple(item)}`);
  const path = left.split(".");
  const first = path[0] ?? "";
  const f = first === "id" ? ({ type: "integer", string: "ID" } as FieldDef) : model.field(first);
  if (!f) throw valueError(`Invalid field ${model.name}.${first} in condition ${pyTuple(item)}`);
  if (op === "any" || op === "not any") {
    const comodel = env.db.model(f.relation ?? "");
    const sub = compileDomain(env, comodel, value);
    return (r) => {
      const v = rawValue(env, model, r, first);
      const ids = Array.isArray(v) ? (v as number[]) : typeof v === "number" ? [v] : [];
      const hit = ids.some((id) => {
        const t = comodel.rec(id);
        return t ? sub(t) : false;
      });
      return op === "any" ? hit : !hit;
    };
  }
  if (path.length > 1) {
    if (!f.relation) throw valueError(`Invalid field ${model.name}.${left}`);
    const comodel = env.db.model(f.relation);
    const sub = compileLeaf(env, comodel, [path.slice(1).join("."), opRaw, value]);
    return (r) => {
      const v = rawValue(env, model, r, first);
      const ids = Array.isArray(v) ? (v as number[]) : typeof v === "number" ? [v] : [];
      return ids.some((id) => {
        const t = comodel.rec(id);
        return t ? sub(t) : false;
      });
    };
  }
  if (f.type === "selection" && f.selection && (op === "=" || op === "!=") && typeof value === "string") {
    // Odoo accepts any string in a search; no validation needed here.
  }
  return (r) => {
    const v = rawValue(env, model, r, first);
    return matchValue(env, f, v, op, value);
  };
}

function asIds(v: unknown): number[] {
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === "number");
  if (typeof v === "number") return [v];
  return [];
}

/** PostgreSQL's LIKE: `%` any text, `_` one character, `\` makes the next character literal (its default escape). */
function likeToRegex(pattern: string, anchored: boolean, flags: string): RegExp {
  let src = "";
  let escaped = false;
  for (const ch of pattern) {
    if (!escaped && ch === "\\") escaped = true;
    else if (!escaped && ch === "%") src += ".*";
    else if (!escaped && ch === "_") src += ".";
    else {
      src += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      escaped = false;
    }
  }
  if (escaped) src += "\\\\";
  return new RegExp(anchored ? `^${src}$` : src, flags);
}

function matchValue(env: Env, f: FieldDef, v: unknown, op: string, value: unknown): boolean {
  const isX2m = f.type === "one2many" || f.type === "many2many";
  if (isX2m || f.type === "many2one") {
    const ids = asIds(v);
    if (op === "=" || op === "!=") {
      let hit: boolean;
      if (value === false || value === null) hit = ids.length === 0;
      else if (typeof value === "string") hit = ids.some((id) => nameOf(env, f, id) === value);
      else hit = ids.includes(value as number);
      return op === "=" ? hit : !hit;
    }
    if (op === "in" || op === "not in") {
      const list = Array.isArray(value) ? value : [value];
      const hit = ids.some((id) => list.includes(id)) || (list.includes(false) && ids.length === 0);
      return op === "in" ? hit : !hit;
    }
    if (op === "child_of" || op === "parent_of") {
      const list = Array.isArray(value) ? value : [value];
      return ids.some((id) => list.includes(id));
    }
    if (op.includes("like")) {
      const names = ids.map((id) => nameOf(env, f, id));
      const hit = names.some((n) => typeof n === "string" && likeMatch(n, op.replace("not ", ""), value));
      return op.startsWith("not ") ? !hit : hit;
    }
    return false;
  }
  switch (op) {
    case "=":
      return looseEq(v, value);
    case "!=":
      return !looseEq(v, value);
    case "in":
      return (Array.isArray(value) ? value : [value]).some((x) => looseEq(v, x));
    case "not in":
      return !(Array.isArray(value) ? value : [value]).some((x) => looseEq(v, x));
    case "<":
    case "<=":
    case ">":
    case ">=": {
      if (v === false || v === null || v === undefined) return false;
      const a = v as number | string;
      const b = value as number | string;
      if (op === "<") return a < b;
      if (op === "<=") return a <= b;
      if (op === ">") return a > b;
      return a >= b;
    }
    case "like":
    case "ilike":
    case "=like":
    case "=ilike":
      return typeof v === "string" && likeMatch(v, op, value);
    case "not like":
    case "not ilike":
      return !(typeof v === "string" && likeMatch(v, op.slice(4), value));
    default:
      return false;
  }
}

function likeMatch(text: string, op: string, value: unknown): boolean {
  const pattern = String(value ?? "");
  const ci = op.includes("ilike");
  if (op.startsWith("=")) return likeToRegex(pattern, true, ci ? "is" : "s").test(text);
  return likeToRegex(`%${pattern}%`, true, ci ? "is" : "s").test(text);
}

function looseEq(a: unknown, b: unknown): boolean {
  if ((a === false || a === null || a === undefined) && (b === false || b === null)) return true;
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) < 1e-9;
  return a === b;
}

function nameOf(env: Env, f: FieldDef, id: number): string | false {
  const comodel = env.db.model(f.relation ?? "");
  const r = comodel.rec(id);
  return r ? displayName(env, comodel, r) : false;
}

// ---------- ordering ----------

export function sortRecords(env: Env, model: Model, recs: Rec[], order?: string): Rec[] {
  const spec = (order ?? model.options.order ?? "id").trim();
  const keys = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [name = "id", dir = "asc"] = s.split(/\s+/);
      return { name, desc: dir.toLowerCase() === "desc" };
    });
  for (const k of keys) {
    if (k.name !== "id" && !model.field(k.name)) {
      throw valueError(`Invalid field ${pyRepr(k.name)} on model ${pyRepr(model.name)}`);
    }
  }
  const sortKey = (r: Rec, name: string): unknown => {
    const f = model.field(name);
    if (f?.type === "many2one") {
      const v = rawValue(env, model, r, name);
      return typeof v === "number" ? nameOf(env, f, v) : false;
    }
    return rawValue(env, model, r, name);
  };
  return [...recs].sort((a, b) => {
    for (const k of keys) {
      const x = sortKey(a, k.name);
      const y = sortKey(b, k.name);
      const c = compareValues(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return a.id - b.id;
  });
}

function compareValues(x: unknown, y: unknown): number {
  const xn = x === false || x === null || x === undefined;
  const yn = y === false || y === null || y === undefined;
  // PostgreSQL sorts NULLs last ascending.
  if (xn && yn) return 0;
  if (xn) return 1;
  if (yn) return -1;
  if (typeof x === "number" && typeof y === "number") return x - y;
  if (typeof x === "boolean" && typeof y === "boolean") return Number(x) - Number(y);
  const xs = String(x);
  const ys = String(y);
  return xs < ys ? -1 : xs > ys ? 1 : 0;
}

// ---------- search / read ----------

export function search(
  env: Env,
  model: Model,
  domain: unknown,
  opts: { order?: unknown; limit?: unknown; offset?: unknown; unordered?: boolean } = {},
): Rec[] {
  const ownsIndex = env.o2mIndex === undefined;
  if (ownsIndex) env.o2mIndex = new Map();
  let recs: Rec[];
  try {
    const pred = compileDomain(env, model, domain);
    const rule = env.db.recordRule?.(env, model);
    const activeField = model.field("active");
    const domainMentionsActive = JSON.stringify(domain ?? []).includes('"active"');
    recs = [...model.records.values()].filter((r) => {
      if (activeField && !domainMentionsActive && env.context.active_test !== false && r.active === false) {
        return false;
      }
      return (!rule || rule(r)) && pred(r);
    });
  } finally {
    if (ownsIndex) delete env.o2mIndex;
  }
  // Grouping sorts its groups itself; sorting every record first would only cost time on large ledgers.
  if (opts.unordered) return recs;
  recs = sortRecords(env, model, recs, typeof opts.order === "string" && opts.order ? opts.order : undefined);
  const offset = typeof opts.offset === "number" ? opts.offset : 0;
  const limit = typeof opts.limit === "number" && opts.limit > 0 ? opts.limit : undefined;
  return recs.slice(offset, limit === undefined ? undefined : offset + limit);
}

export function checkFields(model: Model, fields: unknown): string[] {
  if (fields === undefined || fields === null || fields === false) {
    return Object.keys(model.fields).filter((n) => model.fields[n]?.type !== "binary");
  }
  if (!Array.isArray(fields)) throw valueError(`Invalid field ${pyRepr(fields)} on '${model.name}'`);
  const out: string[] = [];
  for (const f of fields) {
    if (typeof f !== "string") throw valueError(`Invalid field ${pyRepr(f)} on '${model.name}'`);
    if (f !== "id" && f !== "display_name" && !model.field(f)) {
      throw valueError(`Invalid field ${pyRepr(f)} on '${model.name}'`);
    }
    if (f !== "id" && !out.includes(f)) out.push(f);
  }
  return out;
}

export function readRecords(env: Env, model: Model, recs: Rec[], fields: unknown): Vals[] {
  const names = checkFields(model, fields);
  return recs.map((r) => {
    const row: Vals = { id: r.id };
    for (const n of names) row[n] = readValue(env, model, r, n);
    return row;
  });
}

export function browse(model: Model, ids: unknown): Rec[] {
  const list = normalizeIds(ids);
  const missing = list.filter((id) => !model.records.has(id));
  if (missing.length) throw missingError(model.name, missing);
  return list.map((id) => model.records.get(id) as Rec);
}

export function normalizeIds(ids: unknown): number[] {
  if (ids === undefined || ids === null || ids === false) return [];
  if (typeof ids === "number") return [ids];
  if (Array.isArray(ids)) {
    return ids.map((x) => {
      if (typeof x !== "number") throw typeError(`Invalid id ${pyRepr(x)}`);
      return x;
    });
  }
  throw typeError(`Invalid ids ${pyRepr(ids)}`);
}

// ---------- write side ----------

/** Resolve x2many commands against current ids. Creates records for [0,0,vals] via `create`. */
export function applyX2many(current: number[], commands: unknown, create: (vals: Vals) => number): number[] {
  let ids = [...current];
  if (!Array.isArray(commands)) return ids;
  if (commands.every((c) => typeof c === "number")) return [...(commands as number[])];
  for (const cmd of commands) {
    if (!Array.isArray(cmd)) continue;
    const [code, id, vals] = cmd as [number, number, unknown];
    switch (code) {
      case 0:
        ids.push(create((vals ?? {}) as Vals));
        break;
      case 2:
      case 3:
        ids = ids.filter((x) => x !== id);
        break;
      case 4:
        if (!ids.includes(id)) ids.push(id);
        break;
      case 5:
        ids = [];
        break;
      case 6:
        ids = Array.isArray(vals) ? [...(vals as number[])] : [];
        break;
      default:
        break;
    }
  }
  return ids;
}

/** Convert incoming values to stored form, validating names, selections and many2one targets. */
export function convertVals(env: Env, model: Model, vals: Vals, mode: "create" | "write"): Vals {
  const out: Vals = {};
  for (const [k, v] of Object.entries(vals)) {
    const f = model.field(k);
    if (!f) {
      if (mode === "write") throw keyError(k);
      throw valueError(`Invalid field ${pyRepr(k)} on model ${pyRepr(model.name)}`);
    }
    switch (f.type) {
      case "many2one": {
        if (v === false || v === null || v === undefined) {
          out[k] = false;
          break;
        }
        const id = Array.isArray(v) ? v[0] : v;
        if (typeof id !== "number") throw valueError(`Wrong value for ${model.name}.${k}: ${pyRepr(v)}`);
        const comodel = env.db.model(f.relation ?? "");
        if (!comodel.records.has(id)) throw missingError(comodel.name, [id]);
        out[k] = id;
        break;
      }
      case "selection": {
        if (v === false || v === null) {
          out[k] = false;
          break;
        }
        if (f.selection && !f.selection.some(([key]) => key === v)) {
          throw valueError(`Wrong value for ${model.name}.${k}: ${pyRepr(v)}`);
        }
        out[k] = v;
        break;
      }
      case "integer":
      case "float":
      case "monetary":
        out[k] = v === false || v === null ? 0 : Number(v);
        break;
      case "boolean":
        out[k] = Boolean(v);
        break;
      case "html":
        out[k] = typeof v === "string" && v && !v.trimStart().startsWith("<") ? `<p>${v}</p>` : v;
        break;
      default:
        out[k] = v;
    }
  }
  return out;
}

/** Generic create: stores scalar and many2one values and resolves x2many commands. */
export function createGeneric(env: Env, model: Model, vals: Vals, defaults: Vals = {}): Rec {
  const scalar: Vals = {};
  const x2m: Array<[string, FieldDef, unknown]> = [];
  for (const [k, v] of Object.entries(vals)) {
    const f = model.field(k);
    if (f && (f.type === "one2many" || f.type === "many2many")) x2m.push([k, f, v]);
    else scalar[k] = v;
  }
  const converted = convertVals(env, model, scalar, "create");
  const rec = model.insert({ ...defaults, ...converted });
  for (const [k, f, v] of x2m) setX2many(env, model, rec, k, f, v);
  return rec;
}

export function setX2many(env: Env, model: Model, rec: Rec, k: string, f: FieldDef, v: unknown): void {
  const comodel = env.db.model(f.relation ?? "");
  if (f.type === "one2many" && f.inverse) {
    const inv = f.inverse;
    const current = rawValue(env, model, rec, k) as number[];
    const next = applyX2many(
      current,
      v,
      (vals) => createGeneric(env, comodel, { ...vals, [inv]: rec.id }).id,
    );
    for (const id of current) if (!next.includes(id)) comodel.records.delete(id);
    return;
  }
  const current = (rec[k] as number[] | undefined) ?? [];
  rec[k] = applyX2many(current, v, (vals) => createGeneric(env, comodel, vals).id);
}

export function writeGeneric(env: Env, model: Model, recs: Rec[], vals: Vals): void {
  for (const rec of recs) {
    const scalar: Vals = {};
    for (const [k, v] of Object.entries(vals)) {
      const f = model.field(k);
      if (!f) throw keyError(k);
      if (f.type === "one2many" || f.type === "many2many") setX2many(env, model, rec, k, f, v);
      else scalar[k] = v;
    }
    Object.assign(rec, convertVals(env, model, scalar, "write"));
    if (!("write_date" in vals) && !("write_uid" in vals)) model.touch(rec);
  }
}

// ---------- fields_get ----------

export function fieldsGet(model: Model, allfields: unknown, attributes: unknown): Vals {
  const names =
    Array.isArray(allfields) && allfields.length ? (allfields as string[]) : Object.keys(model.fields);
  const out: Vals = {};
  for (const n of names) {
    const f = model.field(n);
    if (!f) continue;
    const desc: Vals = {
      string: f.string,
      type: f.type,
      readonly: Boolean(f.readonly),
      required: Boolean(f.required),
      ...(f.selection ? { selection: f.selection } : {}),
      ...(f.relation ? { relation: f.relation } : {}),
      ...(f.extra ?? {}),
    };
    if (Array.isArray(attributes) && attributes.length) {
      const filtered: Vals = {};
      for (const a of attributes) if (typeof a === "string" && a in desc) filtered[a] = desc[a];
      out[n] = filtered;
    } else out[n] = desc;
  }
  return out;
}

// ---------- argument binding ----------

export function bindJsonRpc(
  model: Model,
  methodName: string,
  m: MethodDef,
  args: unknown[],
  kwargs: Vals,
): {
  ids: number[];
  args: Vals;
} {
  const owner = m.owner ?? `${model.className}.${methodName}`;
  let positional = [...args];
  let ids: number[] = [];
  if (m.kind === "records") {
    if (positional.length === 0) {
      throw typeError(`${owner}() missing 1 required positional argument: 'self'`);
    }
    ids = normalizeIds(positional[0]);
    positional = positional.slice(1);
  }
  if (positional.length > m.params.length) {
    if (m.params.length === 0 && m.kind === "model") {
      throw typeError(`<lambda>() takes 1 positional argument but ${positional.length + 1} were given`);
    }
    throw typeError(
      `${owner}() takes ${m.params.length + 1} positional arguments but ${positional.length + 1} were given`,
    );
  }
  const bound: Vals = {};
  positional.forEach((v, i) => {
    const p = m.params[i];
    if (p) bound[p.name] = v;
  });
  for (const [k, v] of Object.entries(kwargs)) {
    if (m.params.some((p) => p.name === k)) {
      if (k in bound) throw typeError(`${owner}() got multiple values for argument '${k}'`);
      bound[k] = v;
    } else if (m.varkwOwner && (!m.varkwAccepts || m.varkwAccepts.includes(k))) {
      bound[k] = v;
    } else if (m.varkwOwner) {
      throw typeError(`${m.varkwOwner}() got an unexpected keyword argument '${k}'`);
    } else {
      throw typeError(`${owner}() got an unexpected keyword argument '${k}'`);
    }
  }
  const missing = m.params.filter((p) => p.required && !(p.name in bound)).map((p) => p.name);
  if (missing.length) {
    const list =
      missing.length === 1
        ? `'${missing[0]}'`
        : `${missing
            .slice(0, -1)
            .map((x) => `'${x}'`)
            .join(", ")}, and '${missing[missing.length - 1]}'`;
    throw typeError(
      `${owner}() missing ${missing.length} required positional argument${missing.length > 1 ? "s" : ""}: ${list}`,
    );
  }
  return { ids, args: bound };
}

export function bindJson2(
  model: Model,
  methodName: string,
  m: MethodDef,
  body: Vals,
): { ids: number[]; args: Vals } {
  const rest: Vals = { ...body };
  let ids: number[] = [];
  if ("ids" in rest) {
    if (m.kind === "model") throw unprocessable(`cannot call ${model.name}.${methodName} with ids`);
    ids = normalizeIds(rest.ids);
    delete rest.ids;
  }
  delete rest.context;
  const missingFirst = m.params.find((p) => p.required && !(p.name in rest));
  if (missingFirst) throw unprocessable(`missing a required argument: '${missingFirst.name}'`);
  const bound: Vals = {};
  for (const [k, v] of Object.entries(rest)) {
    if (m.params.some((p) => p.name === k)) bound[k] = v;
    else if (m.varkwOwner) {
      if (m.varkwAccepts && !m.varkwAccepts.includes(k)) {
        // signature.bind accepts it into **kwargs; the receiving function then fails.
        const missing = m.params.find((p) => p.required && !(p.name in rest));
        if (missing) throw unprocessable(`missing a required argument: '${missing.name}'`);
        throw typeError(`${m.varkwOwner}() got an unexpected keyword argument '${k}'`);
      }
      bound[k] = v;
    } else throw unprocessable(`got an unexpected keyword argument '${k}'`);
  }
  const missing = m.params.find((p) => p.required && !(p.name in bound));
  if (missing) throw unprocessable(`missing a required argument: '${missing.name}'`);
  return { ids, args: bound };
}
