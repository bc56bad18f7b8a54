import { baseMethods } from "./base-methods.js";
import { type Database, type FieldDef, type MethodDef, Model, type ModelOptions } from "./orm.js";

export const char = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "char",
  string,
  ...extra,
});
export const text = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "text",
  string,
  ...extra,
});
export const html = (string: string): FieldDef => ({ type: "html", string });
export const bool = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "boolean",
  string,
  ...extra,
});
export const int = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "integer",
  string,
  ...extra,
});
export const float = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "float",
  string,
  ...extra,
});
export const money = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "monetary",
  string,
  ...extra,
});
export const date = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "date",
  string,
  ...extra,
});
export const datetime = (string: string): FieldDef => ({ type: "datetime", string });
export const binary = (string: string): FieldDef => ({ type: "binary", string });
export const json = (string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "json",
  string,
  ...extra,
});
export const sel = (
  string: string,
  selection: Array<[string, string]>,
  extra: Partial<FieldDef> = {},
): FieldDef => ({
  type: "selection",
  string,
  selection,
  ...extra,
});
export const m2o = (relation: string, string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "many2one",
  relation,
  string,
  ...extra,
});
export const o2m = (
  relation: string,
  inverse: string,
  string: string,
  extra: Partial<FieldDef> = {},
): FieldDef => ({
  type: "one2many",
  relation,
  inverse,
  string,
  ...extra,
});
export const m2m = (relation: string, string: string, extra: Partial<FieldDef> = {}): FieldDef => ({
  type: "many2many",
  relation,
  string,
  ...extra,
});

/** Registers a model with the base ORM methods plus its own. */
export function define(
  db: Database,
  name: string,
  fields: Record<string, FieldDef>,
  options: ModelOptions = {},
  methods: Record<string, MethodDef> = {},
): Model {
  const model = db.add(new Model(name, { ...fields }, options));
  const base = baseMethods(db.env(), model);
  for (const [k, m] of Object.entries({ ...base, ...methods })) model.methods.set(k, m);
  return model;
}

export function addMethods(model: Model, methods: Record<string, MethodDef>): void {
  for (const [k, m] of Object.entries(methods)) model.methods.set(k, m);
}
