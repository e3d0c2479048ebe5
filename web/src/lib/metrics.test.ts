import { describe, expect, it } from "vitest";
import {
  bucketsBetween,
  bucketStart,
  buildQuery,
  dashFiltersFromSearch,
  dashFiltersToSearch,
  dashMetricFilters,
  DEFAULT_DASH_FILTERS,
  granularityFor,
  ignoredFilters,
  levelRates,
  metricKey,
  metricsPath,
  timeRange,
  toCategories,
  toHistograms,
  toTimeSeries,
  total,
  tracesLink,
} from "./metrics";
import { filtersFromSearch } from "./filters";
import { costByModel, latencyByName, levels } from "./fixtures/metrics";

const H = 3_600_000;
const t0 = Date.UTC(2026, 4, 1, 0);

describe("URL ⇄ dashboard filters", () => {
  it("defaults to the past 7 days and writes nothing back", () => {
    const f = dashFiltersFromSearch(new URLSearchParams(""));
    expect(f).toEqual(DEFAULT_DASH_FILTERS);
    expect(dashFiltersToSearch(f).toString()).toBe("");
  });
  it("round-trips every filter and a custom range", () => {
    const q =
      "time=custom&from=2026-05-01T00:00:00.000Z&to=2026-05-02T00:00:00.000Z&environment=prod&traceName=rag&userId=u1&release=r1&version=v2&model=gpt-4o&tags=a&tags=b";
    const f = dashFiltersFromSearch(new URLSearchParams(q));
    expect(f).toMatchObject({ time: "custom", environment: "prod", traceName: "rag", tags: ["a", "b"], userId: "u1", release: "r1", version: "v2", model: "gpt-4o" });
    expect(dashFiltersFromSearch(dashFiltersToSearch(f))).toEqual(f);
  });
  it("falls back to the default range for invalid or reversed ranges", () => {
    expect(dashFiltersFromSearch(new URLSearchParams("time=3y")).time).toBe("7d");
    const reversed = dashFiltersFromSearch(new URLSearchParams("time=custom&from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z"));
    expect(reversed.time).toBe("7d");
    expect(dashFiltersFromSearch(new URLSearchParams("time=custom&from=nope&to=2026-05-01")).time).toBe("7d");
  });
});

describe("the metrics query", () => {
  const now = t0 + 24 * H;
  it("covers the range, at a granularity for its span", () => {
    const f = { ...DEFAULT_DASH_FILTERS, time: "24h" as const };
    expect(timeRange(f, now)).toEqual({ from: t0, to: now + H - 1 });
    const q = buildQuery({ view: "traces", metrics: [{ measure: "count", aggregation: "count" }], time: true }, f, now);
    expect(q).toEqual({
      view: "traces",
      dimensions: [],
      metrics: [{ measure: "count", aggregation: "count" }],
      filters: [],
      timeDimension: { granularity: "hour" },
      fromTimestamp: "2026-05-01T00:00:00.000Z",
      toTimestamp: "2026-05-02T00:59:59.999Z",
      orderBy: [{ field: "time_dimension", direction: "asc" }],
      config: { row_limit: 1000 },
    });
    const byName = buildQuery({ view: "traces", metrics: [{ measure: "count", aggregation: "count" }], dimensions: ["name"] }, f, now);
    expect(byName).toMatchObject({ dimensions: [{ field: "name" }], timeDimension: null, orderBy: null });
    expect(byName.config).toBeUndefined();
    expect(metricsPath("p 1", q)).toMatch(/^\/api\/ui\/projects\/p%201\/metrics\?query=%7B%22view%22%3A%22traces%22/);
    expect(JSON.parse(decodeURIComponent(metricsPath("p", q).split("query=")[1]))).toEqual(q);
  });
  it("covers whole UTC days (day buckets) or hours (hour buckets) up to the current hour's end; the last hour ends now", () => {
    const mid = t0 + 24 * H + 13 * H + 17 * 60_000 + 5_000; // 13:17:05 on May 2
    const hourEnd = t0 + 38 * H - 1; // 13:59:59.999 on May 2
    expect(timeRange({ ...DEFAULT_DASH_FILTERS, time: "7d" }, mid)).toEqual({ from: t0 - 6 * 24 * H, to: hourEnd });
    expect(timeRange({ ...DEFAULT_DASH_FILTERS, time: "30d" }, mid)).toEqual({ from: t0 - 29 * 24 * H, to: hourEnd });
    expect(timeRange({ ...DEFAULT_DASH_FILTERS, time: "24h" }, mid)).toEqual({ from: t0 + 13 * H, to: hourEnd });
    expect(timeRange({ ...DEFAULT_DASH_FILTERS, time: "6h" }, mid)).toEqual({ from: t0 + 31 * H, to: hourEnd });
    expect(timeRange({ ...DEFAULT_DASH_FILTERS, time: "1h" }, mid)).toEqual({ from: mid - H, to: mid });
    const custom = { ...DEFAULT_DASH_FILTERS, time: "custom" as const, from: "2026-05-01T10:15:00.000Z", to: "2026-05-01T11:20:00.000Z" };
    expect(timeRange(custom, mid)).toEqual({ from: Date.parse(custom.from), to: Date.parse(custom.to) });
  });
  it("chooses minutes up to 2 hours, hours up to 4 days, then days, weeks, months", () => {
    expect(granularityFor(H)).toBe("minute");
    expect(granularityFor(6 * H)).toBe("hour");
    expect(granularityFor(24 * H)).toBe("hour");
    expect(granularityFor(7 * 24 * H)).toBe("day");
    expect(granularityFor(30 * 24 * H)).toBe("day");
    expect(granularityFor(365 * 24 * H)).toBe("week");
    expect(granularityFor(1000 * 24 * H)).toBe("month");
  });
  it("turns the filters into the contract's filters, per view", () => {
    const f = { ...DEFAULT_DASH_FILTERS, environment: "prod", traceName: "rag", tags: ["a"], userId: "u1", release: "r", version: "v", model: "gpt-4o" };
    const traces = dashMetricFilters(f, "traces");
    expect(traces).toContainEqual({ column: "name", operator: "any of", value: ["rag"], type: "stringOptions" });
    expect(traces).toContainEqual({ column: "tags", operator: "all of", value: ["a"], type: "arrayOptions" });
    expect(traces).toContainEqual({ column: "userId", operator: "=", value: "u1", type: "string" });
    expect(traces).toContainEqual({ column: "version", operator: "=", value: "v", type: "string" });
    expect(traces).toHaveLength(6); // no model on traces
    expect(ignoredFilters(f, "traces")).toEqual(["model"]);
    const obs = dashMetricFilters(f, "observations");
    expect(obs).toContainEqual({ column: "traceName", operator: "any of", value: ["rag"], type: "stringOptions" });
    expect(obs).toContainEqual({ column: "traceVersion", operator: "=", value: "v", type: "string" });
    expect(obs).toContainEqual({ column: "providedModelName", operator: "any of", value: ["gpt-4o"], type: "stringOptions" });
    expect(ignoredFilters(f, "observations")).toEqual([]);
    expect(dashMetricFilters(DEFAULT_DASH_FILTERS, "traces")).toEqual([]);
  });
  it("names answer columns <aggregation>_<measure>", () => {
    expect(metricKey({ measure: "latency", aggregation: "p95" })).toBe("p95_latency");
  });
});

describe("buckets", () => {
  it("truncates to UTC bucket starts; weeks start on Monday", () => {
    const t = Date.UTC(2026, 4, 6, 13, 47, 12); // a Wednesday
    expect(bucketStart(t, "minute")).toBe(Date.UTC(2026, 4, 6, 13, 47));
    expect(bucketStart(t, "hour")).toBe(Date.UTC(2026, 4, 6, 13));
    expect(bucketStart(t, "day")).toBe(Date.UTC(2026, 4, 6));
    expect(bucketStart(t, "week")).toBe(Date.UTC(2026, 4, 4));
    expect(bucketStart(t, "month")).toBe(Date.UTC(2026, 4, 1));
  });
  it("lists every bucket of a range, months of unequal length included", () => {
    expect(bucketsBetween(t0 + 30 * 60_000, t0 + 3 * H, "hour")).toEqual([t0, t0 + H, t0 + 2 * H]);
    expect(bucketsBetween(Date.UTC(2026, 0, 15), Date.UTC(2026, 3, 2), "month")).toEqual([
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 1, 1),
      Date.UTC(2026, 2, 1),
      Date.UTC(2026, 3, 1),
    ]);
    expect(bucketsBetween(5, 5, "day")).toEqual([]);
  });
});

describe("series from rows", () => {
  const buckets = [t0, t0 + H, t0 + 2 * H, t0 + 3 * H];
  it("fills empty buckets and splits by dimension, largest first", () => {
    const ts = toTimeSeries(costByModel, { keys: ["sum_totalCost"], dimension: "providedModelName", buckets, fill: 0 });
    expect(ts.xs).toEqual(buckets);
    // the model-less row had nothing in it: no series
    expect(ts.series.map((s) => s.label)).toEqual(["gpt-4o", "claude-3-5-sonnet", "gpt-4o-mini"]);
    expect(ts.series[0].values).toEqual([0.5, 0, 1.5, 0]);
    expect(ts.series[2].values).toEqual([0, 0, 0.01, 0]); // numbers sent as strings
  });
  it("sums the smallest series into Other", () => {
    const ts = toTimeSeries(costByModel, { keys: ["sum_totalCost"], dimension: "providedModelName", buckets, fill: 0, top: 1 });
    expect(ts.series.map((s) => s.label)).toEqual(["gpt-4o", "Other"]);
    expect(ts.series[1].values).toEqual([0, 0.25, 0.01, 0]);
  });
  it("leaves gaps for averages and adds buckets the server answered outside the expected ones", () => {
    const rows = [
      { time_dimension: "2026-05-01 01:00:00", p50_timeToFirstToken: 200 },
      { time_dimension: new Date(t0 + 10 * H).toISOString(), p50_timeToFirstToken: 300 },
    ];
    const ts = toTimeSeries(rows, { keys: ["p50_timeToFirstToken"], labels: ["p50"], buckets, fill: null });
    expect(ts.xs).toEqual([...buckets, t0 + 10 * H]);
    expect(ts.series).toEqual([{ key: "p50_timeToFirstToken", label: "p50", values: [null, 200, null, null, 300] }]);
  });
  it("computes error and warning rates per bucket", () => {
    const r = levelRates(levels, [t0, t0 + H, t0 + 2 * H]);
    expect(r.series[0]).toMatchObject({ label: "Errors", values: [0.2, 0, null] });
    expect(r.series[1]).toMatchObject({ label: "Warnings", values: [0, 0.25, null] });
  });
});

describe("categories and totals", () => {
  it("sorts by the chosen key, names empty values, limits", () => {
    const cats = toCategories(latencyByName, { keys: ["count_count", "p95_latency"], dimensions: ["name"], sortKey: "p95_latency" });
    expect(cats.map((c) => c.label)).toEqual(["rag-answer", "chat", "(none)"]);
    expect(cats[0]).toEqual({ label: "rag-answer", raw: "rag-answer", values: [12, 1900] });
    expect(toCategories(latencyByName, { keys: ["count_count"], dimensions: ["name"], dropEmpty: true, limit: 1 }).map((c) => c.label)).toEqual(["chat"]);
  });
  it("joins several dimensions", () => {
    const rows = [
      { name: "helpful", stringValue: "yes", count_count: 3 },
      { name: "helpful", stringValue: "no", count_count: 5 },
    ];
    expect(toCategories(rows, { keys: ["count_count"], dimensions: ["name", "stringValue"] }).map((c) => [c.label, c.values[0]])).toEqual([
      ["helpful · no", 5],
      ["helpful · yes", 3],
    ]);
  });
  it("totals a key over rows, null when nothing was answered", () => {
    expect(total(levels, "count_count")).toBe(14);
    expect(total([], "count_count")).toBeNull();
  });
});

describe("histograms", () => {
  it("turns [lower, upper, count] triples into one histogram per dimension value, most counted first", () => {
    const rows = [
      { name: "quality", histogram_value: [[0.5, 0.75, 2], [0, 0.5, 1], [0.75, 1, 5]] },
      { name: "relevance", histogram_value: [[0, 1, 20]] },
      { name: "broken", histogram_value: [[0, "x", 1], [1, 2]] },
      { name: "none", histogram_value: null },
    ];
    const hs = toHistograms(rows, "histogram_value", "name");
    expect(hs.map((h) => [h.label, h.total])).toEqual([
      ["relevance", 20],
      ["quality", 8],
    ]);
    expect(hs[1].bins).toEqual([
      { lower: 0, upper: 0.5, count: 1 },
      { lower: 0.5, upper: 0.75, count: 2 },
      { lower: 0.75, upper: 1, count: 5 },
    ]);
    expect(toHistograms(rows, "histogram_value", "name", 1)).toHaveLength(1);
  });
});

describe("through to the traces table", () => {
  it("carries the filters the traces table knows", () => {
    const f = { ...DEFAULT_DASH_FILTERS, time: "24h" as const, environment: "prod", tags: ["a", "b"], model: "gpt-4o", release: "r1" };
    expect(tracesLink("p1", f, { name: "rag" })).toBe(
      "/project/p1/traces?name=rag&tags=a&tags=b&environment=prod&release=r1&time=24h",
    );
    expect(tracesLink("p1", { ...DEFAULT_DASH_FILTERS, userId: "u 1", version: "v2" })).toBe(
      "/project/p1/traces?userId=u+1&version=v2&time=7d",
    );
  });
  it("turns a preset the table lacks, or a custom range, into absolute from/to", () => {
    const now = Date.parse("2026-05-31T00:00:00.000Z");
    expect(tracesLink("p1", { ...DEFAULT_DASH_FILTERS, time: "90d" }, {}, now)).toBe(
      "/project/p1/traces?from=2026-03-02T00%3A00%3A00.000Z&to=2026-05-31T00%3A59%3A59.999Z",
    );
    const custom = { ...DEFAULT_DASH_FILTERS, time: "custom" as const, from: "2026-05-01T00:00:00.000Z", to: "2026-05-02T00:00:00.000Z" };
    const link = tracesLink("p1", custom, {}, now);
    const back = filtersFromSearch(new URLSearchParams(link.split("?")[1]));
    expect([back.from, back.to]).toEqual([custom.from, custom.to]);
  });
});
