import { describe, expect, it } from "vitest";
import { apiQuery, DEFAULT_FILTERS, filtersFromSearch, filtersToSearch, toggleSort } from "./filters";

describe("URL ⇄ filters", () => {
  it("defaults from an empty query and writes nothing back", () => {
    const f = filtersFromSearch(new URLSearchParams(""));
    expect(f).toEqual(DEFAULT_FILTERS);
    expect(filtersToSearch(f).toString()).toBe("");
  });
  it("round-trips every filter", () => {
    const q = "search=%C3%A9l%C3%A8ve+%E6%9D%B1%E4%BA%AC&name=chat&userId=u1&sessionId=s1&tags=a&tags=b&environment=prod&time=24h&orderBy=name.asc&page=3&limit=20";
    const f = filtersFromSearch(new URLSearchParams(q));
    expect(f).toMatchObject({ search: "élève 東京", name: "chat", userId: "u1", sessionId: "s1", tags: ["a", "b"], environment: "prod", time: "24h", orderBy: "name.asc", page: 3, limit: 20 });
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
  });
  it("ignores invalid values", () => {
    const f = filtersFromSearch(new URLSearchParams("page=-2&limit=abc&time=3y&orderBy=x;drop"));
    expect(f.page).toBe(1);
    expect(f.limit).toBe(50);
    expect(f.time).toBe("");
    expect(f.orderBy).toBe("timestamp.desc");
    expect(filtersFromSearch(new URLSearchParams("limit=500")).limit).toBe(100);
  });
  it("builds the list API query, with a time preset as fromTimestamp", () => {
    const f = { ...DEFAULT_FILTERS, tags: ["x"], time: "1h" as const };
    const q = apiQuery(f, Date.parse("2024-01-01T12:00:00.000Z"));
    expect(q.get("fromTimestamp")).toBe("2024-01-01T11:00:00.000Z");
    expect(q.getAll("tags")).toEqual(["x"]);
    expect(q.get("page")).toBe("1");
    expect(q.get("limit")).toBe("50");
    expect(q.get("orderBy")).toBe("timestamp.desc");
    expect(q.has("search")).toBe(false);
    expect(apiQuery({ ...DEFAULT_FILTERS, search: '  say "hi" 😀 ' }).get("search")).toBe('say "hi" 😀');
  });
  it("toggles sort direction on the same column", () => {
    expect(toggleSort("timestamp.desc", "timestamp")).toBe("timestamp.asc");
    expect(toggleSort("timestamp.asc", "timestamp")).toBe("timestamp.desc");
    expect(toggleSort("timestamp.asc", "name")).toBe("name.desc");
  });
});
