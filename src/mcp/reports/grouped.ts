/**
 * Grouped sums computed by Odoo: `formatted_read_group` where the running Odoo has it, `read_group` (`lazy: false`)
 * where it answers that the method does not exist (17 and 18 say "The method '…formatted_read_group' does not
 * exist"). Odoo is asked, not its version number: the first grouped read of a client tries `formatted_read_group`
 * and the answer is remembered for that client.
 *
 * Rows come back in one shape whatever the method: the group's values by field name, `count`, and each aggregate
 * by its spec (`"amount:sum"`), as Odoo computed it.
 */
import { OdooFaultError } from "../odoo/errors.js";
import type { Domain, Odoo } from "../odoo/types.js";

export interface GroupedQuery {
  model: string;
  domain: Domain;
  groupby: string[];
  /** `"field:fn"` specs (`"amount:sum"`, `"first_line_index:max"`); the count is always asked. */
  aggregates: string[];
  context?: Record<string, unknown>;
}

export interface GroupedRow {
  /** The group's value per `groupby` field (a many2one as `[id, name]`, `false` for none). */
  keys: Record<string, unknown>;
  count: number;
  /** Each aggregate by its spec. */
  values: Record<string, unknown>;
}

type Method = "formatted_read_group" | "read_group";
const methods = new WeakMap<Odoo, Method>();

/** The grouping method this client's Odoo answered with (undefined before its first grouped read). */
export function groupingMethod(odoo: Odoo): Method | undefined {
  return methods.get(odoo);
}

function isMissingMethod(error: unknown): boolean {
  return (
    error instanceof OdooFaultError &&
    error.message.includes("formatted_read_group") &&
    error.message.includes("does not exist")
  );
}

/** A first grouped read in flight per client: reads started meanwhile wait for its answer instead of asking too. */
const probes = new WeakMap<Odoo, Promise<unknown>>();

export async function groupedRead(
  odoo: Odoo,
  query: GroupedQuery,
  signal?: AbortSignal,
): Promise<GroupedRow[]> {
  const pending = methods.has(odoo) ? undefined : probes.get(odoo);
  if (pending) await pending.catch(() => undefined);
  const known = methods.get(odoo);
  if (known === "formatted_read_group") return formatted(odoo, query, signal);
  if (known === "read_group") return legacy(odoo, query, signal);
  const probe = formatted(odoo, query, signal).then(
    (rows) => {
      methods.set(odoo, "formatted_read_group");
      return rows;
    },
    (error: unknown) => {
      if (!isMissingMethod(error)) throw error;
      methods.set(odoo, "read_group");
      return null;
    },
  );
  probes.set(odoo, probe);
  try {
    return (await probe) ?? (await legacy(odoo, query, signal));
  } finally {
    if (probes.get(odoo) === probe) probes.delete(odoo);
  }
}

const options = (signal?: AbortSignal) => ({ idempotent: true, ...(signal ? { signal } : {}) });

async function formatted(odoo: Odoo, query: GroupedQuery, signal?: AbortSignal): Promise<GroupedRow[]> {
  const rows = await odoo.call<Record<string, unknown>[]>(
    {
      model: query.model,
      method: "formatted_read_group",
      args: { domain: query.domain, groupby: query.groupby, aggregates: [...query.aggregates, "__count"] },
      ...(query.context ? { context: query.context } : {}),
    },
    options(signal),
  );
  return (Array.isArray(rows) ? rows : []).map((row) => shape(row, query, (spec) => row[spec]));
}

async function legacy(odoo: Odoo, query: GroupedQuery, signal?: AbortSignal): Promise<GroupedRow[]> {
  const rows = await odoo.call<Record<string, unknown>[]>(
    {
      model: query.model,
      method: "read_group",
      args: { domain: query.domain, fields: query.aggregates, groupby: query.groupby, lazy: false },
      ...(query.context ? { context: query.context } : {}),
    },
    options(signal),
  );
  // read_group names an aggregate by its field alone ("amount" for "amount:sum").
  return (Array.isArray(rows) ? rows : []).map((row) =>
    shape(row, query, (spec) => row[spec.split(":")[0] ?? spec]),
  );
}

function shape(
  row: Record<string, unknown>,
  query: GroupedQuery,
  aggregateOf: (spec: string) => unknown,
): GroupedRow {
  return {
    keys: Object.fromEntries(query.groupby.map((field) => [field, row[field]])),
    count: typeof row.__count === "number" ? row.__count : 0,
    values: Object.fromEntries(query.aggregates.map((spec) => [spec, aggregateOf(spec)])),
  };
}
