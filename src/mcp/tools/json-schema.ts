import type { StandardSchemaWithJSON } from "@modelcontextprotocol/server";
import { z } from "zod";

type Json = Record<string, unknown>;

/**
 * A tool's input or output schema as `tools/list` sends it: JSON Schema 2020-12 (MCP 2025-11-25's default
 * dialect, so no `$schema`), generated from the zod schema (the one definition), then compacted. Every client
 * pays for these bytes in every conversation, so what zod writes that says nothing is left out:
 * - an integer's ±2^53−1 bounds (`z.int()`'s own range; JSON cannot do better);
 * - `propertyNames: {type: "string"}` and `additionalProperties: {}` (what JSON and JSON Schema already mean);
 * - the pattern zod writes beside `format: "email"` or `format: "date"` (and a date's length of 10): the format says
 *   it, and the server validates with zod anyway;
 * - `anyOf: [X, {type: "null"}]` becomes X with `null` added to its type (and enum; a `const` becomes an enum of
 *   it and null), its description said once;
 * - the `type` beside a `const`.
 * Shapes stay inline (zod's `$defs` would also take out one-word types such as a described nullable string);
 * input schemas stay inline, because some clients build the call from the input schema without resolving refs.
 */
export function toolJsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...raw } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    reused: "inline",
  }) as Json;
  const compacted = compact(raw) as Json;
  return io === "output"
    ? (withoutEnumTypes(withoutClosedObjects(compacted)) as Json)
    : (withoutClosedInputs(withoutCaps(compacted)) as Json);
}

/**
 * A tool's schema as the SDK registers it (a Standard Schema with JSON): listed exactly as `toolJsonSchema` wrote
 * it, converted once per process. Every value passes here: `callTool` validates with the tool's zod schema, so
 * its error messages and `fieldCodes` answer a bad call, and checks every answer against the output schema.
 */
export function listedSchema(json: Json): StandardSchemaWithJSON<unknown, unknown> {
  return {
    "~standard": {
      version: 1,
      vendor: "odoo-mcp",
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: () => json, output: () => json },
    },
  };
}

/**
 * Input schemas leave out the upper caps (`maxLength`, `maxItems`, `maximum`): they guard the server against
 * absurd input (a megabyte of name, ten thousand lines) and the server enforces them with zod, answering
 * VALIDATION_ERROR with the limit; no sensible call comes near them, so a model gains nothing from reading them.
 * The lower bounds stay (`minItems`, `minimum`, `exclusiveMinimum`, a `minLength` above 1): they say what a valid
 * call is (at least one line, no negative amount, a three-letter code). A `minLength` of 1 goes: that a name or
 * an id is not empty needs no saying, and the server refuses an empty one naming the field. An `enum`'s or a
 * `format`'s own bounds are not touched.
 */
function withoutCaps(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutCaps);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "maxLength" || key === "maxItems" || key === "maximum") continue;
    if (key === "minLength" && value === 1) continue;
    out[key] =
      key === "properties" || key === "$defs"
        ? Object.fromEntries(Object.entries(value as Json).map(([n, sub]) => [n, withoutCaps(sub)]))
        : withoutCaps(value);
  }
  return out;
}

/**
 * Output schemas leave out `additionalProperties: false` and `required`: the server parses every answer with its
 * zod schema, which strips unknown keys and refuses a missing field, so an answer is always what the schema
 * says; repeating it on every object costs bytes only (and a client never builds an answer). Where a field may be
 * absent its description says when. Input schemas keep `required` (a missing argument is refused, and the
 * client should know).
 */
function withoutClosedObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutClosedObjects);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "additionalProperties" && value === false) continue;
    if (key === "required" && Array.isArray(value)) continue;
    out[key] =
      key === "properties" || key === "$defs"
        ? Object.fromEntries(Object.entries(value as Json).map(([n, sub]) => [n, withoutClosedObjects(sub)]))
        : withoutClosedObjects(value);
  }
  return out;
}

/**
 * Input schemas leave out `additionalProperties: false`: every tool takes only its documented fields, which the
 * schema lists, and the server refuses any other (`approved: true` included) with VALIDATION_ERROR naming it, so a
 * model that adds one learns it at once; saying so on every object costs each conversation bytes only.
 * `required` stays: it says what a valid call must carry.
 */
function withoutClosedInputs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutClosedInputs);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === "additionalProperties" && value === false) continue;
    out[key] =
      key === "properties" || key === "$defs"
        ? Object.fromEntries(Object.entries(value as Json).map(([n, sub]) => [n, withoutClosedInputs(sub)]))
        : withoutClosedInputs(value);
  }
  return out;
}

const SAFE = Number.MAX_SAFE_INTEGER;

export function compact(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compact);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    // `properties` and `$defs` map names to schemas: compact each schema, never drop a name.
    out[key] =
      key === "properties" || key === "$defs"
        ? Object.fromEntries(Object.entries(value as Json).map(([name, sub]) => [name, compact(sub)]))
        : compact(value);
  }
  if (out.type === "integer") {
    if (out.minimum === -SAFE) delete out.minimum;
    if (out.maximum === SAFE) delete out.maximum;
  }
  if (isStringType(out.propertyNames)) delete out.propertyNames;
  if (isEmpty(out.additionalProperties)) delete out.additionalProperties;
  if (out.format === "email") delete out.pattern;
  if (out.format === "date") {
    delete out.pattern;
    if (out.maxLength === 10) delete out.maxLength;
  }
  const result = nullable(mergedTypes(out));
  // `const` says the type already: `{const: "queued"}`, not `{type: "string", const: "queued"}`.
  if (result.const !== undefined && typeof result.type === "string") delete result.type;
  return result;
}

/** An output enum says its type already: `{enum: ["paid", "partial", null]}` (inputs keep `type` for clients). */
function withoutEnumTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutEnumTypes);
  if (node === null || typeof node !== "object") return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    out[key] =
      key === "properties" || key === "$defs"
        ? Object.fromEntries(Object.entries(value as Json).map(([n, sub]) => [n, withoutEnumTypes(sub)]))
        : withoutEnumTypes(value);
  }
  if (Array.isArray(out.enum) && out.type !== undefined) delete out.type;
  return out;
}

/**
 * `anyOf: [{type: "string", minLength: 1}, {type: "integer", exclusiveMinimum: 0}]` (an id as a number or a
 * string) → `{type: ["string", "integer"], minLength: 1, exclusiveMinimum: 0}`: the same schema, since a JSON
 * Schema keyword applies only to values of its own kind (`minLength` to strings, `exclusiveMinimum` to numbers).
 * Only branches of one scalar type each, different types, and no keyword in common.
 */
function mergedTypes(node: Json): Json {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length < 2) return node;
  const scalar = ["string", "integer", "number", "boolean"];
  const typed = branches as Json[];
  if (!typed.every((b) => typeof b === "object" && b !== null && scalar.includes(b.type as string)))
    return node;
  const types = typed.map((b) => b.type as string);
  if (new Set(types).size !== types.length || (types.includes("integer") && types.includes("number")))
    return node;
  const keys = typed.flatMap((b) => Object.keys(b).filter((key) => key !== "type"));
  if (new Set(keys).size !== keys.length || keys.some((key) => key === "enum" || key === "const"))
    return node;
  const { anyOf: _branches, ...rest } = node;
  return Object.assign({}, ...typed, rest, { type: types });
}

/** `anyOf: [X, {type: "null"}]` (zod's nullable) → X, with "null" added to its type and enum. */
function nullable(node: Json): Json {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return node;
  const nullIndex = branches.findIndex((b) => isNullType(b));
  if (nullIndex < 0) return node;
  const other = branches[1 - nullIndex] as Json;
  const type = other.type;
  if (typeof type !== "string" && !Array.isArray(type)) return node; // a $ref or a union: keep the anyOf
  const { anyOf: _branches, ...rest } = node;
  const { description: inner, ...merged } = other;
  const types = Array.isArray(type) ? type : [type];
  const result: Json = {
    ...rest,
    ...merged,
    type: types.includes("null") ? types : [...types, "null"],
  };
  if (Array.isArray(merged.enum) && !merged.enum.includes(null)) result.enum = [...merged.enum, null];
  if (merged.const !== undefined) {
    // a nullable constant: the constant or null
    delete result.const;
    result.enum = [merged.const, null];
  }
  const description = rest.description ?? inner;
  if (description !== undefined) result.description = description;
  return result;
}

function isStringType(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    (value as Json).type === "string"
  );
}

function isEmpty(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

function isNullType(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    (value as Json).type === "null"
  );
}
