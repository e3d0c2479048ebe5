import { describe, expect, it } from "vitest";
import {
  DEFAULT_OBSERVATION_FILTERS,
  observationApiQuery,
  observationFiltersFromSearch,
  observationFiltersToSearch,
  parseBound,
  totalTokens,
} from "./observationFilters";

describe("observation filters in the URL", () => {
  it("open on generations, newest first", () => {
    const f = observationFiltersFromSearch(new URLSearchParams(""));
    expect(f).toEqual(DEFAULT_OBSERVATION_FILTERS);
    expect(observationFiltersToSearch(f).toString()).toBe("");
  });

  it("keep an explicit 'all types' apart from the default", () => {
    const f = observationFiltersFromSearch(new URLSearchParams("type="));
    expect(f.type).toBe("");
    expect(observationFiltersToSearch(f).toString()).toBe("type=");
    expect(observationApiQuery(f).has("type")).toBe(false);
  });

  it("round-trip every field", () => {
    const search = "type=SPAN&level=ERROR&name=retrieve&model=gpt-4o&environment=prod&minLatency=1.5&maxCost=0.02&time=24h&orderBy=latency.asc&page=3&limit=20";
    const f = observationFiltersFromSearch(new URLSearchParams(search));
    expect(f).toMatchObject({ type: "SPAN", level: "ERROR", model: "gpt-4o", minLatency: "1.5", orderBy: "latency.asc", page: 3, limit: 20 });
    expect(observationFiltersFromSearch(observationFiltersToSearch(f))).toEqual(f);
  });

  it("ignore values the server would refuse", () => {
    const f = observationFiltersFromSearch(new URLSearchParams("type=BOGUS&level=LOUD&orderBy=name.asc&page=-2&limit=500"));
    expect(f.type).toBe("GENERATION");
    expect(f.level).toBe("");
    expect(f.orderBy).toBe("startTime.desc");
    expect(f.page).toBe(1);
    expect(f.limit).toBe(100);
  });
});

describe("the API query", () => {
  it("sends bounds that are numbers and leaves out the others", () => {
    const f = { ...DEFAULT_OBSERVATION_FILTERS, minLatency: "2", maxLatency: "abc", minCost: "-1", maxCost: "0.5" };
    const q = observationApiQuery(f);
    expect(q.get("minLatency")).toBe("2");
    expect(q.has("maxLatency")).toBe(false);
    expect(q.has("minCost")).toBe(false);
    expect(q.get("maxCost")).toBe("0.5");
    expect(q.get("type")).toBe("GENERATION");
    expect(q.get("orderBy")).toBe("startTime.desc");
  });

  it("turns a time preset into a start bound", () => {
    const now = Date.parse("2026-11-23T12:00:00Z");
    const q = observationApiQuery({ ...DEFAULT_OBSERVATION_FILTERS, time: "1h" }, now);
    expect(q.get("fromStartTime")).toBe("2026-11-23T11:00:00.000Z");
  });

  it("parses bounds strictly", () => {
    expect(parseBound("")).toBeNull();
    expect(parseBound("0")).toBe(0);
    expect(parseBound("1e-3")).toBe(0.001);
    expect(parseBound("Infinity")).toBeNull();
  });
});

describe("token totals", () => {
  it("prefer the reported total, else add the parts", () => {
    expect(totalTokens({ input: 10, output: 5, total: 15 })).toBe(15);
    expect(totalTokens({ input: 10, output: 5, input_cached_tokens: 2 })).toBe(17);
    expect(totalTokens({})).toBeNull();
    expect(totalTokens(null)).toBeNull();
  });
});
