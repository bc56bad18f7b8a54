import { describe, expect, it } from "vitest";
import {
  assertIsoDate,
  compareIsoDates,
  effectiveTimeZone,
  isFutureDate,
  isValidIsoDate,
  odooDatetimeToIso,
  todayIn,
} from "../../src/mcp/dates.js";
import { ToolError } from "../../src/mcp/errors.js";

describe("isValidIsoDate", () => {
  it("accepts real calendar dates only", () => {
    expect(isValidIsoDate("2026-01-31")).toBe(true);
    expect(isValidIsoDate("2024-02-29")).toBe(true);
    expect(isValidIsoDate("2000-02-29")).toBe(true);
    for (const bad of [
      "2026-02-30",
      "2026-02-29",
      "1900-02-29",
      "2026-04-31",
      "2026-13-01",
      "2026-00-10",
      "2026-1-5",
      "26-01-01",
      "2026-01-01T00:00",
      "",
      20260101,
      null,
    ]) {
      expect(isValidIsoDate(bad)).toBe(false);
    }
  });
  it("throws the requested contract code naming the field", () => {
    expect(assertIsoDate("2026-03-01", "due_date", "INVALID_DATE")).toBe("2026-03-01");
    try {
      assertIsoDate("2026-02-30", "due_date", "INVALID_DATE");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).code).toBe("INVALID_DATE");
      expect((error as ToolError).message).toContain("due_date");
    }
  });
});

describe("today in a time zone", () => {
  const instant = new Date("2026-11-22T23:30:00Z");
  it("is the calendar day where the company is", () => {
    expect(todayIn("UTC", instant)).toBe("2026-11-22");
    expect(todayIn("Asia/Tokyo", instant)).toBe("2026-11-23");
    expect(todayIn("America/Los_Angeles", instant)).toBe("2026-11-22");
  });
  it("falls back to UTC for Odoo's false or an unknown zone", () => {
    expect(effectiveTimeZone(false)).toBe("UTC");
    expect(effectiveTimeZone("Mars/Olympus")).toBe("UTC");
    expect(effectiveTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(todayIn("Mars/Olympus", instant)).toBe("2026-11-22");
  });
  it("judges the future in that zone", () => {
    expect(isFutureDate("2026-11-23", "UTC", instant)).toBe(true);
    expect(isFutureDate("2026-11-23", "Asia/Tokyo", instant)).toBe(false);
    expect(isFutureDate("2026-11-22", "UTC", instant)).toBe(false);
    expect(compareIsoDates("2026-01-02", "2025-12-31")).toBe(1);
  });
  it("reads Odoo's UTC datetimes", () => {
    expect(odooDatetimeToIso("2026-11-22 12:32:36")).toBe("2026-11-22T12:32:36.000Z");
    expect(odooDatetimeToIso(false)).toBeNull();
  });
});
