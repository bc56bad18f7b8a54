/** An error as Odoo reports it: the Python exception name, its message, and the HTTP status JSON-2 gives it. */
export class OdooFault extends Error {
  constructor(
    readonly pyName: string,
    message: string,
    readonly status: number,
    readonly withStatusArgument = false,
    /** The error's `context` member (e.g. the `suggested_company` of a multi-company access error). */
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const userError = (message: string): OdooFault =>
  new OdooFault("odoo.exceptions.UserError", message, 422);
export const validationError = (message: string): OdooFault =>
  new OdooFault("odoo.exceptions.ValidationError", message, 422);
export const accessError = (message: string): OdooFault =>
  new OdooFault("odoo.exceptions.AccessError", message, 403);
export const accessDenied = (): OdooFault =>
  new OdooFault("odoo.exceptions.AccessDenied", "Access Denied", 403);
export const missingError = (model: string, ids: readonly number[]): OdooFault =>
  new OdooFault(
    "odoo.exceptions.MissingError",
    `Record does not exist or has been deleted.\n(Record: ${model}(${ids.join(", ")},), User: 2)`,
    404,
  );
export const valueError = (message: string): OdooFault => new OdooFault("builtins.ValueError", message, 500);
export const typeError = (message: string): OdooFault => new OdooFault("builtins.TypeError", message, 500);
export const keyError = (message: string): OdooFault => new OdooFault("builtins.KeyError", message, 500);
export const attributeError = (message: string): OdooFault =>
  new OdooFault("builtins.AttributeError", message, 500);
export const unprocessable = (message: string): OdooFault =>
  new OdooFault("werkzeug.exceptions.UnprocessableEntity", message, 422, true);
export const notFound = (message: string): OdooFault =>
  new OdooFault("werkzeug.exceptions.NotFound", message, 404, true);

/** Python's repr of a JSON value, as Odoo's messages quote domains and tuples. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === "string") return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(", ")}}`;
  }
  return String(value);
}

export function pyTuple(values: readonly unknown[]): string {
  return `(${values.map(pyRepr).join(", ")})`;
}
