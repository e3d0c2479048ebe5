import { describe, expect, it } from "vitest";
import { formatValue, linearScale, nearestIndex, niceStep, niceTicks, stack, stackedMax, timeTicks } from "./chart";

describe("scales and ticks", () => {
  it("maps a domain onto a range, the middle of the range for an empty domain", () => {
    const s = linearScale([0, 10], [100, 0]);
    expect(s(0)).toBe(100);
    expect(s(5)).toBe(50);
    expect(s(10)).toBe(0);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });
  it("picks 1, 2, 2.5 or 5 × 10^k steps", () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(730, 5)).toBe(200);
    expect(niceStep(0.03, 3)).toBeCloseTo(0.01);
  });
  it("covers the values with round ticks starting at zero", () => {
    expect(niceTicks(0, 7, 4)).toEqual({ ticks: [0, 2, 4, 6, 8], min: 0, max: 8 });
    expect(niceTicks(0, 0.034, 4).ticks).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    const neg = niceTicks(-3, 9, 4);
    expect(neg.min).toBeLessThanOrEqual(-3);
    expect(neg.ticks).toContain(0);
  });
  it("has an axis for all-zero or missing data", () => {
    expect(niceTicks(0, 0, 4)).toEqual({ ticks: [0, 0.25, 0.5, 0.75, 1], min: 0, max: 1 });
    expect(niceTicks(NaN, NaN).max).toBe(1);
    expect(niceTicks(5, 5, 5, false).max).toBe(5);
  });
  it("puts time ticks on round times inside the span", () => {
    const start = Date.UTC(2026, 0, 1, 10, 7);
    const end = start + 6 * 3_600_000;
    const ticks = timeTicks(start, end, 6);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(7);
    for (const t of ticks) {
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThanOrEqual(end);
      expect(t % 60_000).toBe(0);
    }
  });
  it("finds the nearest x", () => {
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([], 1)).toBe(-1);
  });
});

describe("stacking", () => {
  it("stacks series bucket by bucket, nulls as zero", () => {
    expect(stack([[1, 2], [3, null], [0, 4]])).toEqual([
      [[0, 1], [0, 2]],
      [[1, 4], [2, 2]],
      [[4, 4], [2, 6]],
    ]);
    expect(stackedMax([[1, 2], [3, null], [0, 4]])).toBe(6);
    expect(stack([])).toEqual([]);
  });
});

describe("value labels", () => {
  it("formats counts, costs, durations and rates", () => {
    expect(formatValue(1234, "count")).toBe("1,234");
    expect(formatValue(12345, "count")).toBe("12.3k");
    expect(formatValue(2_500_000, "tokens")).toBe("2.5M");
    expect(formatValue(0.0042, "usd")).toBe("$0.0042");
    expect(formatValue(12.5, "usd")).toBe("$12.5");
    // cost ticks 0.005 apart stay distinct
    expect([0, 0.005, 0.01, 0.015].map((v) => formatValue(v, "usd"))).toEqual(["$0", "$0.005", "$0.01", "$0.015"]);
    expect(formatValue(0.123456, "usd")).toBe("$0.12");
    expect(formatValue(0, "usd")).toBe("$0");
    expect(formatValue(850, "ms")).toBe("850ms");
    expect(formatValue(1250, "ms")).toBe("1.25s");
    expect(formatValue(90_000, "ms")).toBe("1.5m");
    expect(formatValue(0.125, "percent")).toBe("12.5%");
    expect(formatValue(0.05, "percent")).toBe("5%");
    expect(formatValue(null, "count")).toBe("—");
    expect(formatValue(0.8333, "number")).toBe("0.833");
  });
});
