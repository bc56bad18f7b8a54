import { describe, expect, it } from "vitest";
import { transientRetry } from "../../src/mcp/credentials/keychain.js";

/**
 * A busy Secret Service (GNOME Keyring under tests/load: two servers, the desktop core and CLI processes at once)
 * intermittently answers "no result found" for an entry that exists. Unretried, that failed an execution's audit
 * line after Odoo had been written to. The OS keychain's get/set/delete go through `transientRetry`.
 */
describe("keychain: a busy Secret Service is asked again", () => {
  const waits: number[] = [];
  const wait = async (ms: number) => {
    waits.push(ms);
  };
  const failing = (messages: string[], value: string) => {
    let calls = 0;
    return {
      run: async () => {
        const message = messages[calls++];
        if (message) throw new Error(message);
        return value;
      },
      calls: () => calls,
    };
  };

  it("retries a transient failure and answers what the keychain then says", async () => {
    waits.length = 0;
    const op = failing(
      [
        "Couldn't access platform storage: Secret Service: no result found",
        "Platform failure: DBus error: Did not receive a reply.",
      ],
      "head",
    );
    await expect(transientRetry(op.run, wait)).resolves.toBe("head");
    expect(op.calls()).toBe(3);
    expect(waits).toEqual([20, 80]);
  });

  it("reports any other failure at once (no keychain, no D-Bus), and a transient one that persists", async () => {
    waits.length = 0;
    const other = failing(["Platform failure: org.freedesktop.DBus.Error.ServiceUnknown"], "x");
    await expect(transientRetry(other.run, wait)).rejects.toThrow(/ServiceUnknown/);
    expect(other.calls()).toBe(1);
    const stuck = failing(Array(10).fill("Secret Service: no result found"), "x");
    await expect(transientRetry(stuck.run, wait)).rejects.toThrow(/no result found/);
    expect(stuck.calls()).toBe(4);
  });
});
