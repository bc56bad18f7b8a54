import { describe, expect, it } from "vitest";
import { probeOdoo } from "../../src/mcp/odoo/connection-check.js";
import { OdooAccessError } from "../../src/mcp/odoo/errors.js";
import type { Odoo } from "../../src/mcp/odoo/types.js";

/**
 * The API key's expiry as the connection check tells it: a date, never, or unknown. The sandbox answers only what
 * real Odoo was recorded answering (the admin's key without a date: "never expires", tested on it in
 * tests/main/settings-handlers.test.ts); the other answers Odoo may give come from this stand-in.
 */
function odooWith(
  major: number,
  apikeys: () => Promise<{ name: string; expiration_date: string | false }[]>,
) {
  return {
    version: async () => ({ serverVersion: `${major}.0`, major }),
    api: async () => "json2",
    uid: async () => 2,
    searchRead: async (model: string) =>
      model === "res.users.apikeys"
        ? apikeys()
        : [
            { name: "account", state: "installed" },
            { name: "hr_expense", state: "installed" },
            { name: "mail", state: "installed" },
          ],
    stats: () => ({ roundTrips: 1 }),
  } as unknown as Odoo;
}

const expiry = async (odoo: Odoo) => {
  const { checks } = await probeOdoo(odoo);
  const check = checks.find((c) => c.name === "api key expiry");
  return `${check?.ok ? "ok" : "FAIL"} ${check?.label}: ${check?.detail}`;
};

describe("the API key's expiry", () => {
  it("tells a date, never, and unknown apart", async () => {
    const key = (expiration_date: string | false) => ({ name: "odoo-mcp", expiration_date });
    expect(await expiry(odooWith(19, async () => [key("2999-01-31 10:00:00")]))).toBe(
      "ok API key expiry: expires on 2999-01-31",
    );
    expect(await expiry(odooWith(19, async () => [key(false)]))).toBe("ok API key expiry: never expires");
    // Odoo refuses the read, or lists no key for the user: nothing is known, which is not "never".
    const refused = async () => {
      throw new OdooAccessError(
        "You are not allowed to access 'API Key' (res.users.apikeys) records.",
        "odoo.exceptions.AccessError",
        403,
      );
    };
    expect(await expiry(odooWith(19, refused))).toBe("ok API key expiry: unknown (this Odoo does not tell)");
    expect(await expiry(odooWith(18, async () => []))).toBe(
      "ok API key expiry: unknown (this Odoo does not tell)",
    );
    expect(await expiry(odooWith(17, async () => []))).toBe(
      "ok API key expiry: never expires (Odoo 17 API keys do not expire)",
    );
  });

  it("leaves out keys past their date (Odoo just accepted the one in use), and says when several leave it open", async () => {
    const key = (expiration_date: string | false) => ({ name: "odoo-mcp", expiration_date });
    expect(await expiry(odooWith(19, async () => [key("2020-05-01 00:00:00"), key(false)]))).toBe(
      "ok API key expiry: never expires",
    );
    expect(await expiry(odooWith(19, async () => [key("2020-05-01 00:00:00")]))).toBe(
      "ok API key expiry: unknown (this Odoo does not tell)",
    );
    expect(
      await expiry(odooWith(19, async () => [key("2999-03-01 00:00:00"), key("2999-02-01 00:00:00")])),
    ).toBe("ok API key expiry: expires on 2999-02-01");
    expect(await expiry(odooWith(19, async () => [key(false), key("2999-02-01 00:00:00")]))).toBe(
      "ok API key expiry: never, or on 2999-02-01 (the user has several API keys and Odoo does not say which one this is)",
    );
  });
});
