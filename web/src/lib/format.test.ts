import { describe, expect, it } from "vitest";
import { formatCost, formatLatency, secondsBetween } from "./format";

describe("formatCost", () => {
  it("formats dollars for their size", () => {
    expect(formatCost(null)).toBe("—");
    expect(formatCost(undefined)).toBe("—");
    expect(formatCost(-1)).toBe("—");
    expect(formatCost(0)).toBe("$0.00");
    expect(formatCost(0.00002)).toBe("<$0.0001");
    expect(formatCost(0.000123)).toBe("$0.000123");
    expect(formatCost(0.0012)).toBe("$0.0012");
    expect(formatCost(0.5)).toBe("$0.50");
    expect(formatCost(12.345)).toBe("$12.35");
  });
});

describe("formatLatency", () => {
  it("uses ms below a second, then seconds, then minutes", () => {
    expect(formatLatency(null)).toBe("—");
    expect(formatLatency(0.25)).toBe("250ms");
    expect(formatLatency(1.234)).toBe("1.23s");
    expect(formatLatency(125)).toBe("2m 5s");
  });
  it("measures between two timestamps", () => {
    expect(secondsBetween("2024-01-01T00:00:00.000Z", "2024-01-01T00:00:01.500Z")).toBe(1.5);
    expect(secondsBetween("2024-01-01T00:00:00.000Z", null)).toBeNull();
    expect(secondsBetween("garbage", "2024-01-01T00:00:00.000Z")).toBeNull();
  });
});
