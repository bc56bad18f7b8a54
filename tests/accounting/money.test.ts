import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/mcp/errors.js";
import {
  compareMinor,
  decimalPlaces,
  displayMoney,
  formatMinor,
  fromOdooAmount,
  lineSubtotalMinor,
  minorToNumber,
  parseDecimal,
  roundOdooAmount,
  sumMinor,
  toMinor,
} from "../../src/mcp/money.js";

describe("parseDecimal", () => {
  it("reads numbers through their exact decimal text", () => {
    expect(parseDecimal(0.1)).toEqual({ digits: 1n, scale: 1 });
    expect(parseDecimal("1465.50")).toEqual({ digits: 14655n, scale: 1 });
    expect(parseDecimal(1e21)).toEqual({ digits: 10n ** 21n, scale: 0 });
    expect(parseDecimal(1.5e-7)).toEqual({ digits: 15n, scale: 8 });
    expect(parseDecimal("-3")).toEqual({ digits: -3n, scale: 0 });
    expect(parseDecimal(".5")).toEqual({ digits: 5n, scale: 1 });
  });
  it("refuses what is not a finite number", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, "", "abc", "1,5", "1e9999", "."]) {
      expect(parseDecimal(bad)).toBeNull();
    }
  });
  it("counts significant decimals", () => {
    expect(decimalPlaces("1.50")).toBe(1);
    expect(decimalPlaces(12)).toBe(0);
    expect(decimalPlaces(0.005)).toBe(3);
  });
});

describe("toMinor", () => {
  it("converts exactly where floats would not", () => {
    expect(toMinor(0.1, 2) + toMinor(0.2, 2)).toBe(30n);
    expect(toMinor(1465.5, 2)).toBe(146550n);
    expect(toMinor("19.99", 2)).toBe(1999n);
    expect(toMinor(1.005, 3)).toBe(1005n);
    expect(toMinor(7, 0)).toBe(7n);
  });
  it("refuses more decimals than the currency has, with the contract code asked for", () => {
    try {
      toMinor(12.345, 2, { field: "amount", code: "INVALID_AMOUNT" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe("INVALID_AMOUNT");
      expect((error as ToolError).message).toMatch(/more decimals/);
    }
    expect(() => toMinor(1.5, 0)).toThrow(ToolError);
    expect(() => toMinor(Number.NaN, 2)).toThrow(/finite/);
    expect(() => toMinor(Number.POSITIVE_INFINITY, 2)).toThrow(ToolError);
  });
});

describe("Odoo amounts and outputs", () => {
  it("rounds what Odoo answers to the currency, half away from zero", () => {
    expect(fromOdooAmount(1380.0000000001, 2)).toBe(138000n);
    expect(fromOdooAmount(2.675, 2)).toBe(268n);
    expect(fromOdooAmount(-2.675, 2)).toBe(-268n);
    expect(fromOdooAmount(false, 2)).toBe(0n);
    expect(roundOdooAmount(0.30000000000000004, 2)).toBe(0.3);
    expect(() => fromOdooAmount({}, 2)).toThrow(TypeError);
  });
  it("formats back to decimal strings and numbers", () => {
    expect(formatMinor(146550n, 2)).toBe("1465.50");
    expect(formatMinor(5n, 2)).toBe("0.05");
    expect(formatMinor(-5n, 2)).toBe("-0.05");
    expect(formatMinor(42n, 0)).toBe("42");
    expect(formatMinor(1n, 3)).toBe("0.001");
    expect(minorToNumber(146550n, 2)).toBe(1465.5);
    expect(displayMoney(123456789n, 2, "USD")).toBe("1,234,567.89 USD");
    expect(displayMoney(-100n, 2, "EUR")).toBe("-1.00 EUR");
  });
  it("adds and compares minor units", () => {
    expect(sumMinor([toMinor(0.1, 2), toMinor(0.2, 2), toMinor(0.3, 2)])).toBe(60n);
    expect(compareMinor(1n, 2n)).toBe(-1);
    expect(compareMinor(2n, 2n)).toBe(0);
    expect(compareMinor(3n, 2n)).toBe(1);
  });
  it("computes line subtotals exactly and rounds per line", () => {
    expect(lineSubtotalMinor(10, 120, 2)).toBe(120000n);
    expect(lineSubtotalMinor(3, 0.1, 2)).toBe(30n);
    expect(lineSubtotalMinor(1.5, 33.33, 2)).toBe(5000n); // 49.995 → 50.00
    expect(lineSubtotalMinor(0.333, 10, 2)).toBe(333n);
  });
});
