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
  it("carries release, version and a custom range to the list API; the range beats a preset", () => {
    const f = filtersFromSearch(
      new URLSearchParams("release=r1&version=v2&time=1h&from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z"),
    );
    expect(f).toMatchObject({ release: "r1", version: "v2", from: "2024-01-01T00:00:00.000Z", to: "2024-01-02T00:00:00.000Z" });
    expect(filtersFromSearch(filtersToSearch(f))).toEqual(f);
    const q = apiQuery(f, Date.parse("2024-03-01T00:00:00.000Z"));
    expect(q.get("release")).toBe("r1");
    expect(q.get("version")).toBe("v2");
    expect(q.get("fromTimestamp")).toBe("2024-01-01T00:00:00.000Z");
    expect(q.get("toTimestamp")).toBe("2024-01-02T00:00:00.000Z");
  });
  it("drops a custom range that is reversed, half given or unparsable", () => {
    for (const bad of ["from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z", "from=2024-01-01T00:00:00Z", "from=x&to=y"]) {
      const f = filtersFromSearch(new URLSearchParams(bad));
      expect([f.from, f.to]).toEqual(["", ""]);
      expect(apiQuery(f).has("fromTimestamp")).toBe(false);
    }
  });
  it("toggles sort direction on the same column", () => {
    expect(toggleSort("timestamp.desc", "timestamp")).toBe("timestamp.asc");
    expect(toggleSort("timestamp.asc", "timestamp")).toBe("timestamp.desc");
    expect(toggleSort("timestamp.asc", "name")).toBe("name.desc");
  });
});

describe("metadata filters", () => {
  it("round-trips through the URL, in order, with keys and values as they are", () => {
    const f = {
      ...DEFAULT_FILTERS,
      metadata: [
        { key: "region", op: "=" as const, value: "eu west" },
        { key: "a.b", op: "contains" as const, value: "x&y=z" },
      ],
    };
    const url = filtersToSearch(f);
    expect(url.toString()).toBe("metadata.region=eu+west&metadataContains.a.b=x%26y%3Dz");
    expect(filtersFromSearch(url).metadata).toEqual(f.metadata);
  });

  it("drops entries without a key, and contains without a value", () => {
    const f = filtersFromSearch(new URLSearchParams("metadata.=x&metadataContains.k=&metadata.k="));
    expect(f.metadata).toEqual([{ key: "k", op: "=", value: "" }]);
  });

  it("is sent to the list API in the same form, ANDed with the other filters", () => {
    const q = apiQuery({
      ...DEFAULT_FILTERS,
      name: "chat",
      metadata: [
        { key: "region", op: "=", value: "eu" },
        { key: "note", op: "contains", value: "hello" },
      ],
    });
    expect(q.get("name")).toBe("chat");
    expect(q.get("metadata.region")).toBe("eu");
    expect(q.get("metadataContains.note")).toBe("hello");
  });
});
