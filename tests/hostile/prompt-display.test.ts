/**
 * Hostile text in what a person reads: the MCP client's approval prompt (elicitation) shows arguments the agent
 * chose. Whatever they hold — bidirectional overrides, zero-width and invisible characters, terminal escapes,
 * carriage returns, newlines in a one-line value — the prompt carries none of them raw (only its own line
 * breaks), so no argument can rewrite what the person sees next to it.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, INVOICE_INPUT, seedCustomer, startHarness } from "../support/harness.js";
import { nastyString } from "./arbitraries.js";
import { fuzzSeed } from "./seed.js";

/** The characters src/shared/display.ts must escape (code point ranges), newline aside. */
const UNSAFE: [number, number][] = [
  [0x00, 0x09],
  [0x0b, 0x1f],
  [0x7f, 0x9f],
  [0xad, 0xad],
  [0x34f, 0x34f],
  [0x61c, 0x61c],
  [0x115f, 0x1160],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];
const unsafeIn = (text: string) =>
  [...text].find((char) => {
    const code = char.codePointAt(0) ?? 0;
    return UNSAFE.some(([from, to]) => code >= from && code <= to);
  });

const prompts: string[] = [];
let h: Harness;
const customers = ["Evil \u202eproC", "\x1b[2J\x1b[HClean Co", "Zero\u200bWidth Ltd", "Line\nBreak\rInc"];

beforeAll(async () => {
  h = await startHarness({
    elicitation: (message) => {
      prompts.push(message);
      return "reject";
    },
  });
  await seedCustomer(h);
  for (const [i, name] of customers.entries()) await seedCustomer(h, name, `c${i}@example.com`);
});
afterAll(() => h?.close());

const text = nastyString.map((s) => s.trim()).filter((s) => s.length > 0 && !s.includes("\u0000"));

describe("hostile text in the client's approval prompt", () => {
  it("is escaped: no control, bidi or invisible character reaches the person raw", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...customers.map((name, i) => [name, `c${i}@example.com`] as const)),
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.option(text, { nil: undefined }),
        async ([customer, email], descriptions, notes) => {
          const before = prompts.length;
          const answer = await h.call("create_invoice", {
            ...INVOICE_INPUT,
            customer_name: customer,
            customer_email: email,
            line_items: descriptions.map((description) => ({ description, quantity: 1, unit_price: 10 })),
            ...(notes ? { notes } : {}),
          });
          expect(answer.error?.code, answer.text).toBe("APPROVAL_REJECTED"); // the person said no
          expect(prompts.length, "the client's prompt was shown").toBe(before + 1);
          const prompt = prompts.at(-1) ?? "";
          const bad = unsafeIn(prompt);
          expect(bad, `raw ${JSON.stringify(bad)} in the prompt: ${JSON.stringify(prompt)}`).toBeUndefined();
          // The hostile characters are shown, escaped: the person sees that they are there.
          if (customer.includes("\u202e")) expect(prompt).toContain("\\u202e");
          if (customer.includes("\x1b")) expect(prompt).toContain("\\x1b");
        },
      ),
      { numRuns: 150, seed: fuzzSeed("hostile/prompt-display") },
    );
  }, 120_000);
});
