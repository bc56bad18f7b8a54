/** Small readers for the loosely typed values Odoo answers (many2one pairs, `false` for empty, ids). */
import type { Many2one } from "../odoo/types.js";

export type OdooRecord = Record<string, unknown>;

export function m2oId(value: unknown): number | null {
  if (Array.isArray(value) && typeof value[0] === "number") return value[0];
  if (typeof value === "number") return value;
  return null;
}

export function m2oName(value: unknown): string | null {
  if (Array.isArray(value) && typeof value[1] === "string") return value[1];
  return null;
}

export function asMany2one(value: unknown): Many2one {
  const id = m2oId(value);
  return id === null ? false : [id, m2oName(value) ?? ""];
}

/** Odoo's `false` for an empty char field becomes null; strings are kept as they are. */
export function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

export function ids(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === "number") : [];
}

export function bool(value: unknown): boolean {
  return value === true;
}

/** Case- and space-insensitive email comparison (`Billing@Acme.example ` = `billing@acme.example`). */
export function sameEmail(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  const norm = (value: string) => value.trim().toLowerCase();
  return norm(a) !== "" && norm(a) === norm(b);
}

/** The named record id written back into a domain, used by look-ups that search "by id > mark". */
export function maxId(records: OdooRecord[]): number {
  let max = 0;
  for (const record of records) if (typeof record.id === "number" && record.id > max) max = record.id;
  return max;
}
