import type { Sandbox } from "../../src/sandbox/index.js";

/** One raw `execute_kw` on the sandbox, positional as a recording would send it; Odoo faults become errors. */
export async function kw(
  s: Sandbox,
  model: string,
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown> = {},
): Promise<unknown> {
  const res = await fetch(`${s.url}/jsonrpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      method: "call",
      id: 1,
      params: {
        service: "object",
        method: "execute_kw",
        args: [s.database, 2, s.apiKey, model, method, args, kwargs],
      },
    }),
  });
  const body = (await res.json()) as {
    result?: unknown;
    error?: { data: { name: string; message: string } };
  };
  if (body.error) throw new Error(`${body.error.data.name}: ${body.error.data.message}`);
  return body.result;
}
