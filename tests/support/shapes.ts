import { z } from "zod";
import { type ToolCallContext, toolContext } from "../../src/mcp/tools/definition.js";
import { allTools } from "../../src/mcp/tools/index.js";
import type { Harness } from "./harness.js";

/**
 * The keys of `value` that `schema` does not list, at any depth (objects in arrays, nested objects), as paths.
 * The server answers what the output schema parses, and zod drops what an object schema does not list: any path
 * here is a field the agent never sees. Records (`z.record`) are open on purpose and not looked into.
 */
export function unlistedKeys(schema: z.ZodType, value: unknown, path = "$"): string[] {
  if (value === null || value === undefined) return [];
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)
    return unlistedKeys(schema.unwrap() as z.ZodType, value, path);
  if (schema instanceof z.ZodDefault) return unlistedKeys(schema.unwrap() as z.ZodType, value, path);
  if (schema instanceof z.ZodUnion) {
    const options = schema.options as z.ZodType[];
    const fits = options.filter((option) => option.safeParse(value).success);
    const results = (fits.length > 0 ? fits : options).map((option) => unlistedKeys(option, value, path));
    return results.reduce((best, next) => (next.length < best.length ? next : best));
  }
  if (schema instanceof z.ZodArray && Array.isArray(value))
    return value.flatMap((item, index) =>
      unlistedKeys(schema.element as z.ZodType, item, `${path}[${index}]`),
    );
  if (schema instanceof z.ZodObject && typeof value === "object" && !Array.isArray(value)) {
    const shape = schema.shape as Record<string, z.ZodType>;
    return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) =>
      key in shape ? unlistedKeys(shape[key] as z.ZodType, item, `${path}.${key}`) : [`${path}.${key}`],
    );
  }
  return [];
}

export function toolNamed(name: string) {
  const tool = allTools.find((candidate) => candidate.name === name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool;
}

/**
 * What a tool's `run` returns, before the server parses it with the output schema (which would drop unknown
 * keys): the input is parsed by the tool's input schema first, as the server does.
 */
export async function rawAnswer(h: Harness, name: string, args: unknown): Promise<Record<string, unknown>> {
  const tool = toolNamed(name);
  const ctx: ToolCallContext = toolContext(h.app, {
    clientName: "shape-test",
    signal: new AbortController().signal,
  });
  return (await tool.run(tool.input.parse(args), ctx)) as Record<string, unknown>;
}
