import { describe, expect, it } from "vitest";
import { amountText, isoDecimals, moneyText } from "../../src/shared/money-text.js";

describe("amounts as a bookkeeper reads them", () => {
  it("groups thousands and keeps the currency's decimals, from strings and numbers alike", () => {
    expect(moneyText("1719.25", "USD", 2)).toBe("1,719.25 USD");
    expect(moneyText(1250, "USD", 2)).toBe("1,250.00 USD");
    expect(moneyText("37.5", "EUR", 2)).toBe("37.50 EUR");
    expect(moneyText("1234567", "JPY", 0)).toBe("1,234,567 JPY");
    expect(moneyText("-1000.5", "USD", 2)).toBe("-1,000.50 USD");
    expect(amountText("999")).toBe("999");
    expect(amountText("0.5", 2)).toBe("0.50");
  });

  it("never rounds away a decimal the value has (a unit price of 0.125 stays 0.125)", () => {
    expect(amountText("0.125", 2)).toBe("0.125");
    expect(amountText(0.1 + 0.2, 2)).toBe("0.30000000000000004");
    expect(amountText(1e-7, 2)).toBe("0.0000001");
  });

  it("returns what is not a plain decimal as it came (never a plausible amount made from junk)", () => {
    expect(amountText("12abc")).toBe("12abc");
    expect(amountText("1,000.00")).toBe("1,000.00");
    expect(moneyText("computed by Odoo", "USD", 2)).toBe("computed by Odoo");
    expect(amountText(Number.NaN)).toBe("NaN");
  });

  it("knows a currency's decimals by ISO 4217 where only its code is named (a report's JSON)", () => {
    expect(isoDecimals("JPY")).toBe(0);
    expect(isoDecimals("USD")).toBe(2);
    expect(isoDecimals("KWD")).toBe(3);
    expect(isoDecimals("not a code")).toBe(2);
    expect(moneyText(1720, "JPY", isoDecimals("JPY"))).toBe("1,720 JPY");
  });
});
