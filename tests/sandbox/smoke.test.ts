import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/mcp/sandbox/index.js";

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ version: 19 });
});
afterAll(async () => sb.close());

async function rpc(service: string, method: string, args: unknown[]): Promise<unknown> {
  const res = await fetch(`${sb.url}/jsonrpc`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: 1, params: { service, method, args } }),
  });
  return res.json();
}

describe("smoke", () => {
  it("answers version and a search", async () => {
    expect(await rpc("common", "version", [])).toMatchObject({ result: { server_version: "19.0" } });
    const r = await rpc("object", "execute_kw", [
      sb.database,
      2,
      sb.apiKey,
      "account.tax",
      "search_read",
      [[]],
      { fields: ["name"] },
    ]);
    expect(r).toMatchObject({ result: [{ id: 1, name: "15%" }, { id: 2 }, { id: 3 }, { id: 4 }] });
  });
});
