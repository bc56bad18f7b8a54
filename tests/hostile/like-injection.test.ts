/**
 * Text the agent searches for is matched literally: `%`, `_` and `\` are LIKE wildcards and escape in Odoo's
 * `ilike` (PostgreSQL), so "100%" or "_" sent as they are would match every partner. Found by the hostile-input
 * property test (tests/hostile/fuzz.test.ts): find_partners "%" answered every partner of the database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { likeLiteral } from "../../src/mcp/odoo/like.js";
import {
  type CallOutcome,
  type Harness,
  INVOICE_INPUT,
  seedCustomer,
  startHarness,
} from "../support/harness.js";

let h: Harness;
const names = ["Acme Corp", "100% Natural", "Under_Score Ltd", "Back\\slash Co", "Plain Partner"];

beforeAll(async () => {
  h = await startHarness();
  for (const [i, name] of names.entries()) await seedCustomer(h, name, `p${i}@example.com`);
  for (const name of ["Acme Corp", "100% Natural"]) {
    const answer = await h.call("create_invoice", {
      ...INVOICE_INPUT,
      customer_name: name,
      customer_email: `p${names.indexOf(name)}@example.com`,
    });
    await h.approve(answer.data.approval_id);
  }
});
afterAll(() => h?.close());

const found = async (query: string) => {
  const answer = await h.call("find_partners", { query });
  expect(answer.isError, answer.text).toBe(false);
  return (answer.data.partners as { name: string }[]).map((p) => p.name).filter((n) => names.includes(n));
};

const candidatesOf = (answer: CallOutcome) =>
  ((answer.error?.details ?? {}) as { candidates?: { name: string }[] }).candidates?.map((c) => c.name);

describe("LIKE wildcards in what the agent searches for", () => {
  it("escapes as Odoo's escape_psql does", () => {
    expect(likeLiteral("100% _x_ \\")).toBe("100\\% \\_x\\_ \\\\");
    expect(likeLiteral("Acme Corp")).toBe("Acme Corp");
  });

  it("find_partners matches %, _ and \\ literally", async () => {
    expect(await found("%")).toEqual(["100% Natural"]);
    expect(await found("_")).toEqual(["Under_Score Ltd"]);
    expect(await found("\\")).toEqual(["Back\\slash Co"]);
    expect(await found("%%")).toEqual([]);
    expect(await found("r_S")).toEqual(["Under_Score Ltd"]);
    expect(await found("0% n")).toEqual(["100% Natural"]);
    expect((await found("a")).length).toBeGreaterThan(2); // an ordinary substring still matches broadly
  });

  it("list_invoices' partner filter matches literally", async () => {
    const list = async (partner: string) => {
      const answer = await h.call("list_invoices", { partner });
      expect(answer.isError, answer.text).toBe(false);
      return (answer.data.invoices as { partner: { name: string } | null }[]).map((i) => i.partner?.name);
    };
    expect(await list("%")).toEqual(["100% Natural"]);
    expect(await list("_")).toEqual([]);
    expect((await list("Acme")).length).toBe(1);
  });

  it("create_invoice's close candidates for an unknown customer are literal matches", async () => {
    const answer = await h.call("create_invoice", { ...INVOICE_INPUT, customer_name: "_" });
    expect(answer.error?.code).toBe("CUSTOMER_NOT_FOUND");
    expect(candidatesOf(answer)).toEqual(["Under_Score Ltd"]);
    const pct = await h.call("create_invoice", { ...INVOICE_INPUT, customer_name: "%" });
    expect(pct.error?.code).toBe("CUSTOMER_NOT_FOUND");
    expect(candidatesOf(pct)).toEqual(["100% Natural"]);
  });
});
