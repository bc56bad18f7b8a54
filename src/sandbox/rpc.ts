import { checkAllowedCompanies, checkRecordAccess } from "./companies.js";
import { accessError, attributeError, notFound, OdooFault } from "./fault.js";
import {
  bindJson2,
  bindJsonRpc,
  type Database,
  type Env,
  type MethodDef,
  type Model,
  type Vals,
} from "./orm.js";

/** Marks a method that returns Python None: JSON-RPC then omits `result`. */
export const NONE: unique symbol = Symbol("None");

export function isNone(v: unknown): boolean {
  return v === NONE || v === undefined;
}

function lookup(db: Database, modelName: string, method: string, transport: "jsonrpc" | "json2") {
  const model = db.models.get(modelName);
  if (!model) {
    if (transport === "json2") throw notFound(`the model '${modelName}' does not exist`);
    throw new OdooFault("odoo.exceptions.UserError", `Object ${modelName} doesn't exist`, 404);
  }
  if (method.startsWith("_")) {
    throw accessError(
      db.version === 17
        ? `Private methods (such as ${method}) cannot be called remotely.`
        : `Private methods (such as '${modelName}.${method}') cannot be called remotely.`,
    );
  }
  const m = model.methods.get(method);
  if (!m) {
    const msg =
      db.version === 17
        ? `The method '${method}' does not exist on the model '${modelName}'`
        : `The method '${modelName}.${method}' does not exist`;
    if (transport === "json2") throw notFound(msg);
    throw attributeError(msg);
  }
  return { model, m };
}

export function callKw(
  db: Database,
  modelName: string,
  method: string,
  args: unknown[],
  kwargs: Vals,
): unknown {
  const { model, m } = lookup(db, modelName, method, "jsonrpc");
  const kw = { ...kwargs };
  const context = (kw.context ?? {}) as Vals;
  delete kw.context;
  if (db.version !== 19 && m.kind === "model" && m.params.length === 0 && args.length > 0) {
    throw new OdooFault("builtins.TypeError", "too many positional arguments", 500);
  }
  const bound = bindJsonRpc(model, method, m, args, kw);
  const env = db.env(context && typeof context === "object" ? context : {});
  return run(env, model, method, m, bound);
}

/** Every call checks the allowed companies first, and a method on records the company rules of its records. */
function run(env: Env, model: Model, method: string, m: MethodDef, bound: { ids: number[]; args: Vals }) {
  checkAllowedCompanies(env);
  if (m.kind === "records") checkRecordAccess(env, model, bound.ids, method);
  return m.fn({ env, model, ids: bound.ids, args: bound.args });
}

export function callJson2(db: Database, modelName: string, method: string, body: Vals): unknown {
  const { model, m } = lookup(db, modelName, method, "json2");
  const context = (body.context ?? {}) as Vals;
  const bound = bindJson2(model, method, m, body);
  const env = db.env(context && typeof context === "object" ? context : {});
  return run(env, model, method, m, bound);
}
