import { valueError } from "./fault.js";
import {
  browse,
  type CallArgs,
  checkFields,
  createGeneric,
  displayName,
  type Env,
  fieldsGet,
  type MethodDef,
  type Model,
  type Rec,
  rawValue,
  readRecords,
  readValue,
  round2,
  search,
  sortRecords,
  type Vals,
  writeGeneric,
} from "./orm.js";

/** Version-dependent wording of the ORM's own errors. */
export function invalidFieldMessage(env: Env, model: Model, field: string): string {
  return env.version === 19
    ? `Invalid field '${field}' on '${model.name}'`
    : `Invalid field '${field}' on model '${model.name}'`;
}

function checkReadFields(env: Env, model: Model, fields: unknown): void {
  try {
    checkFields(model, fields);
  } catch {
    const bad = Array.isArray(fields)
      ? fields.find((f) => typeof f !== "string" || (f !== "id" && f !== "display_name" && !model.field(f)))
      : fields;
    throw valueError(invalidFieldMessage(env, model, String(bad)));
  }
}

export function readFor(env: Env, model: Model, recs: Rec[], fields: unknown): Vals[] {
  checkReadFields(env, model, fields);
  return readRecords(env, model, recs, fields);
}

export type CreateHook = (env: Env, model: Model, vals: Vals) => Rec;
export type WriteHook = (env: Env, model: Model, recs: Rec[], vals: Vals) => void;

export interface ModelHooks {
  create?: CreateHook;
  write?: WriteHook;
  afterCreate?: (env: Env, model: Model, recs: Rec[]) => void;
}

export const hooks = new WeakMap<Model, ModelHooks>();

export function doCreate(env: Env, model: Model, valsList: unknown): Rec[] {
  const list = Array.isArray(valsList) ? valsList : [valsList];
  const h = hooks.get(model);
  const recs = list.map((vals) => {
    const v = (vals ?? {}) as Vals;
    return h?.create ? h.create(env, model, v) : createGeneric(env, model, v);
  });
  h?.afterCreate?.(env, model, recs);
  return recs;
}

export function doWrite(env: Env, model: Model, recs: Rec[], vals: Vals): void {
  if (env.version !== 19) {
    for (const k of Object.keys(vals)) {
      if (!model.field(k)) throw valueError(invalidFieldMessage(env, model, k));
    }
  }
  const h = hooks.get(model);
  if (h?.write) h.write(env, model, recs, vals);
  else writeGeneric(env, model, recs, vals);
  if (!("write_date" in vals) && !("write_uid" in vals)) model.touch(recs);
}

const AGGREGATORS = new Set([
  "sum",
  "avg",
  "min",
  "max",
  "count",
  "count_distinct",
  "array_agg",
  "bool_and",
  "bool_or",
]);

interface GroupSpec {
  spec: string;
  field: string;
  granularity?: string;
  path?: string[];
}

function parseGroupby(env: Env, model: Model, specs: string[], formatted: boolean): GroupSpec[] {
  return specs.map((spec) => {
    const [fieldPath = "", granularity] = spec.split(":");
    const path = fieldPath.split(".");
    const head = path[0] ?? "";
    const f = model.field(head);
    if (!f) throw valueError(invalidFieldMessage(env, model, head));
    if (path.length > 1) {
      if (!formatted && env.version !== 19) {
        throw valueError(`Property name '${path[1]}' has to be used on a property field.`);
      }
    } else if (f.compute && !formatted && env.version === 17 && !f.stored) {
      throw valueError(`Cannot convert field ${model.name}.${head} to SQL`);
    }
    return { spec, field: head, granularity, path: path.length > 1 ? path.slice(1) : undefined };
  });
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function groupKey(env: Env, model: Model, rec: Rec, g: GroupSpec): unknown {
  let v = rawValue(env, model, rec, g.field);
  if (g.path) {
    const f = model.field(g.field);
    const comodel = env.db.model(f?.relation ?? "");
    const target = typeof v === "number" ? comodel.rec(v) : undefined;
    v = target ? rawValue(env, comodel, target, g.path.join(".")) : false;
  }
  if (g.granularity && typeof v === "string") {
    const [y, m] = v.split("-");
    if (g.granularity === "month") return `${y}-${m}-01`;
    if (g.granularity === "year") return `${y}-01-01`;
    if (g.granularity === "day") return v.slice(0, 10);
  }
  return v;
}

function rangeEnd(start: string, granularity: string): string {
  const [y = 0, m = 1] = start.split("-").map(Number);
  if (granularity === "year") return `${y + 1}-01-01`;
  if (granularity === "month")
    return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function rangeLabel(start: string, granularity: string): string {
  const [y = "", m = "1"] = start.split("-");
  if (granularity === "month") return `${MONTHS[Number(m) - 1]} ${y}`;
  if (granularity === "year") return y;
  return start;
}

function andDomain(parts: unknown[][]): unknown[] {
  const flat: unknown[] = [];
  let count = 0;
  for (const p of parts) {
    if (p.length === 0) continue;
    // A domain of several implicit-AND leaves counts as several operands.
    const isPrefixed = typeof p[0] === "string" && ["&", "|", "!"].includes(p[0] as string);
    if (isPrefixed) {
      flat.push(...p);
      count += 1;
    } else {
      flat.push(...p);
      count += p.length;
    }
  }
  if (count <= 1) return flat;
  return [...Array(count - 1).fill("&"), ...flat];
}

interface Group {
  keys: unknown[];
  recs: Rec[];
}

function groupRecords(env: Env, model: Model, recs: Rec[], specs: GroupSpec[]): Group[] {
  const map = new Map<string, Group>();
  // A many2many key puts a record in the group of each of its ids (none: the `false` group), as Odoo's join does.
  const many = specs.map((g) => !g.path && model.field(g.field)?.type === "many2many");
  for (const r of recs) {
    let combos: unknown[][] = [[]];
    specs.forEach((g, i) => {
      const v = groupKey(env, model, r, g);
      const values = many[i] ? (Array.isArray(v) && v.length > 0 ? v : [false]) : [v];
      combos = combos.flatMap((keys) => values.map((value) => [...keys, value]));
    });
    for (const keys of combos) {
      const k = JSON.stringify(keys);
      let grp = map.get(k);
      if (!grp) {
        grp = { keys, recs: [] };
        map.set(k, grp);
      }
      grp.recs.push(r);
    }
  }
  const groups = [...map.values()];
  const sortVal = (g: GroupSpec, v: unknown): unknown => {
    const f = model.field(g.field);
    if (!g.path && (f?.type === "many2one" || f?.type === "many2many") && typeof v === "number") {
      const comodel = env.db.model(f.relation ?? "");
      const t = comodel.rec(v);
      return t ? displayName(env, comodel, t) : "";
    }
    return v;
  };
  groups.sort((a, b) => {
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i] as GroupSpec;
      const x = sortVal(s, a.keys[i]);
      const y = sortVal(s, b.keys[i]);
      if (x === y) {
        // Same name (two taxes "15%"): in the comodel's order (account.tax: sequence, id), as Odoo 19 orders groups
        // (16-payables-tax-ledger); 17's 10-multi-company shows same-named accounts of two companies otherwise.
        const f = s.path ? undefined : model.field(s.field);
        const relational = f?.type === "many2one" || f?.type === "many2many";
        if (env.version === 19 && relational && a.keys[i] !== b.keys[i] && f?.relation) {
          const comodel = env.db.model(f.relation);
          const pair = [a.keys[i], b.keys[i]]
            .map((id) => comodel.rec(id as number))
            .filter((r) => r !== undefined);
          if (pair.length === 2) return sortRecords(env, comodel, pair)[0] === pair[0] ? -1 : 1;
        }
        continue;
      }
      if (x === false || x === undefined) return 1;
      if (y === false || y === undefined) return -1;
      return String(x) < String(y) ? -1 : 1;
    }
    return 0;
  });
  return groups;
}

function aggregate(env: Env, model: Model, recs: Rec[], field: string, fn: string): unknown {
  if (fn === "count") return recs.length;
  const values = recs.map((r) => rawValue(env, model, r, field));
  const nums = values.filter((v): v is number => typeof v === "number");
  const f = model.field(field);
  const fix = (n: number): number => (f?.type === "monetary" ? round2(n) : round2(n, 6));
  switch (fn) {
    case "sum":
      return fix(nums.reduce((a, b) => a + b, 0));
    case "avg":
      return nums.length ? fix(nums.reduce((a, b) => a + b, 0) / nums.length) : false;
    case "min":
    case "max": {
      if (nums.length) return fn === "min" ? Math.min(...nums) : Math.max(...nums);
      // SQL's MIN/MAX of a text column (char fields: `first_line_index:max`)
      const texts = values.filter((v): v is string => typeof v === "string").sort();
      return (fn === "min" ? texts[0] : texts.at(-1)) ?? false;
    }
    case "count_distinct":
      return new Set(values.map((v) => JSON.stringify(v))).size;
    case "bool_and":
      return values.every(Boolean);
    case "bool_or":
      return values.some(Boolean);
    default:
      return values;
  }
}

function groupValue(env: Env, model: Model, g: GroupSpec, v: unknown, formatted: boolean): unknown {
  const f = model.field(g.field);
  if (g.granularity) {
    if (typeof v !== "string") return false;
    const label = rangeLabel(v, g.granularity);
    return formatted ? [v, label] : label;
  }
  if (!g.path && (f?.type === "many2one" || f?.type === "many2many")) {
    if (typeof v !== "number") return false;
    const comodel = env.db.model(f.relation ?? "");
    const t = comodel.rec(v);
    return [v, t ? displayName(env, comodel, t) : false];
  }
  return v;
}

function groupLeaf(g: GroupSpec, v: unknown, formatted: boolean): unknown[] {
  if (g.granularity && typeof v === "string") {
    const a = [g.field, ">=", v];
    const b = [g.field, "<", rangeEnd(v, g.granularity)];
    return formatted ? [a, b] : ["&", a, b];
  }
  if (g.path) return [[g.field, "any", [[g.path.join("."), "=", v]]]];
  return [[g.field, "=", v]];
}

function parseAggregate(env: Env, model: Model, spec: string): { key: string; field: string; fn: string } {
  if (spec === "__count") return { key: spec, field: "id", fn: "count" };
  const [field = "", fn] = spec.split(":");
  const f = model.field(field);
  if (!f) throw valueError(invalidFieldMessage(env, model, field));
  const func = fn ?? "sum";
  if (!AGGREGATORS.has(func)) throw valueError(`Invalid aggregate method '${func}' for '${spec}'.`);
  return { key: spec, field, fn: func };
}

export function formattedReadGroup(env: Env, model: Model, args: Vals): Vals[] {
  const domain = (args.domain ?? []) as unknown[];
  const groupby = ((args.groupby ?? []) as string[]).map(String);
  const aggregates = ((args.aggregates ?? []) as string[]).map(String);
  const specs = parseGroupby(env, model, groupby, true);
  const aggs = aggregates.map((a) => parseAggregate(env, model, a));
  const recs = search(env, model, domain, { unordered: true });
  if (specs.length === 0) {
    const row: Vals = { __extra_domain: [[1, "=", 1]] };
    for (const a of aggs) row[a.key] = aggregate(env, model, recs, a.field, a.fn);
    return [row];
  }
  return groupRecords(env, model, recs, specs).map((grp) => {
    const row: Vals = {};
    const leaves: unknown[][] = [];
    specs.forEach((g, i) => {
      row[g.spec] = groupValue(env, model, g, grp.keys[i], true);
      leaves.push(groupLeaf(g, grp.keys[i], true));
    });
    row.__extra_domain = andDomain(leaves);
    for (const a of aggs) row[a.key] = aggregate(env, model, grp.recs, a.field, a.fn);
    return row;
  });
}

export function readGroup(env: Env, model: Model, args: Vals): Vals[] {
  const domain = (args.domain ?? []) as unknown[];
  const fields = ((args.fields ?? []) as string[]).map(String);
  let groupby = (typeof args.groupby === "string" ? [args.groupby] : ((args.groupby ?? []) as string[])).map(
    String,
  );
  const lazy = args.lazy !== false;
  if (lazy && groupby.length > 1) groupby = groupby.slice(0, 1);
  const specs = parseGroupby(env, model, groupby, false);
  const aggs = fields
    .filter((f) => f !== "__count")
    .map((f) => {
      const [name = "", fn] = f.split(":");
      const a = parseAggregate(env, model, fn ? f : `${name}:sum`);
      return { ...a, key: name };
    })
    .filter((a) => !groupby.includes(a.field));
  const recs = search(env, model, domain, { unordered: true });
  const normalized = andDomain([domain as unknown[]]);
  if (specs.length === 0) {
    const row: Vals = { __count: recs.length };
    for (const a of aggs) row[a.key] = aggregate(env, model, recs, a.field, a.fn);
    row.__domain = domain;
    return [row];
  }
  return groupRecords(env, model, recs, specs).map((grp) => {
    const row: Vals = {};
    const leaves: unknown[][] = [domain as unknown[]];
    const ranges: Vals = {};
    specs.forEach((g, i) => {
      const v = grp.keys[i];
      row[g.spec] = groupValue(env, model, g, v, false);
      const leaf = groupLeaf(g, v, false);
      leaves.push(g.granularity ? [leaf] : leaf);
      if (g.granularity && typeof v === "string")
        ranges[g.spec] = { from: v, to: rangeEnd(v, g.granularity) };
    });
    if (lazy) row[`${specs[0]?.spec}_count`] = grp.recs.length;
    else row.__count = grp.recs.length;
    for (const a of aggs) row[a.key] = aggregate(env, model, grp.recs, a.field, a.fn);
    row.__domain = andDomainNested(leaves);
    if (Object.keys(ranges).length) row.__range = ranges;
    void normalized;
    return row;
  });
}

/** AND of operands where a nested prefixed domain counts as one operand. */
function andDomainNested(parts: unknown[][]): unknown[] {
  const operands: unknown[][] = [];
  for (const p of parts) {
    if (
      p.length === 1 &&
      Array.isArray(p[0]) &&
      typeof (p[0] as unknown[])[0] === "string" &&
      (p[0] as unknown[])[0] === "&"
    ) {
      operands.push(p[0] as unknown[]);
    } else for (const leaf of p) operands.push([leaf]);
  }
  const flat = operands.flat(1);
  return operands.length <= 1 ? flat : [...Array(operands.length - 1).fill("&"), ...flat];
}

export function nameSearch(env: Env, model: Model, args: Vals): Array<[number, string | false]> {
  const name = typeof args.name === "string" ? args.name : "";
  const operator = typeof args.operator === "string" ? args.operator : "ilike";
  const extra = (args.domain ?? args.args ?? []) as unknown[];
  const limit = typeof args.limit === "number" ? args.limit : 100;
  const nameField = model.options.displayName ? "display_name" : "name";
  const domain =
    name || operator !== "ilike"
      ? [...extra, [nameField === "display_name" ? "name" : "name", operator, name]]
      : extra;
  return search(env, model, domain, { limit }).map((r) => [r.id, displayName(env, model, r)]);
}

/** The methods every model answers, with Odoo's signatures. */
export function baseMethods(env0: Env, model: Model): Record<string, MethodDef> {
  const v = env0.version;
  const fieldsArg = (call: CallArgs) => call.args.fields;
  return {
    search: {
      kind: "model",
      owner: "BaseModel.search",
      params: [{ name: "domain", required: true }, { name: "offset" }, { name: "limit" }, { name: "order" }],
      fn: ({ env, args }) => search(env, model, args.domain, args).map((r) => r.id),
    },
    search_count: {
      kind: "model",
      owner: "BaseModel.search_count",
      params: [{ name: "domain", required: true }, { name: "limit" }],
      fn: ({ env, args }) => search(env, model, args.domain, { limit: args.limit }).length,
    },
    search_read: {
      kind: "model",
      owner: "BaseModel.search_read",
      params: [
        { name: "domain" },
        { name: "fields" },
        { name: "offset" },
        { name: "limit" },
        { name: "order" },
      ],
      varkwOwner: "BaseModel._read_format",
      varkwAccepts: ["load"],
      fn: (call) => {
        checkReadFields(call.env, model, fieldsArg(call));
        const recs = search(call.env, model, call.args.domain, call.args);
        return readFor(call.env, model, recs, fieldsArg(call));
      },
    },
    read: {
      kind: "records",
      owner: "BaseModel.read",
      params: [{ name: "fields" }, { name: "load" }],
      fn: (call) => {
        checkReadFields(call.env, model, fieldsArg(call));
        const recs = call.ids.map((id) => model.rec(id)).filter((r): r is Rec => r !== undefined);
        return readFor(call.env, model, recs, fieldsArg(call));
      },
    },
    create: {
      kind: "model",
      owner: v === 19 ? `${model.className}.create` : "create",
      params: [{ name: "vals_list", required: true }],
      fn: ({ env, args }) => {
        const recs = doCreate(env, model, args.vals_list);
        return Array.isArray(args.vals_list) ? recs.map((r) => r.id) : (recs[0]?.id ?? false);
      },
    },
    write: {
      kind: "records",
      owner: "BaseModel.write",
      params: [{ name: "vals", required: true }],
      fn: ({ env, ids, args }) => {
        doWrite(env, model, browse(model, ids), (args.vals ?? {}) as Vals);
        return true;
      },
    },
    unlink: {
      kind: "records",
      owner: "BaseModel.unlink",
      params: [],
      fn: ({ ids }) => {
        for (const r of browse(model, ids)) model.records.delete(r.id);
        return true;
      },
    },
    name_search: {
      kind: "model",
      owner: "BaseModel.name_search",
      params: [
        { name: "name" },
        { name: v === 19 ? "domain" : "args" },
        { name: "operator" },
        { name: "limit" },
      ],
      fn: ({ env, args }) => nameSearch(env, model, args),
    },
    fields_get: {
      kind: "model",
      owner: "BaseModel.fields_get",
      params: [{ name: "allfields" }, { name: "attributes" }],
      fn: ({ args }) => fieldsGet(model, args.allfields, args.attributes),
    },
    read_group: {
      kind: "model",
      owner: "BaseModel.read_group",
      params: [
        { name: "domain", required: true },
        { name: "fields", required: true },
        { name: "groupby", required: true },
        { name: "offset" },
        { name: "limit" },
        { name: "orderby" },
        { name: "lazy" },
      ],
      fn: ({ env, args }) => readGroup(env, model, args),
    },
    ...(v === 19
      ? {
          formatted_read_group: {
            kind: "model",
            owner: "BaseModel.formatted_read_group",
            params: [
              { name: "domain" },
              { name: "groupby" },
              { name: "aggregates" },
              { name: "having" },
              { name: "offset" },
              { name: "limit" },
              { name: "order" },
            ],
            fn: ({ env, args }) => formattedReadGroup(env, model, args),
          } satisfies MethodDef,
        }
      : {}),
    exists: {
      kind: "records",
      params: [],
      fn: ({ ids }) => ids.filter((id) => model.records.has(id)),
    },
  };
}

export { readValue };
