import { describe, expect, it } from "vitest";
import {
  pagerSummary,
  sessionPath,
  sessionStateFromSearch,
  sessionStateToSearch,
  sessionsApiQuery,
  userStateFromSearch,
  userStateToSearch,
  userPath,
  usersApiQuery,
} from "./lists";

describe("paths", () => {
  it("encodes ids", () => {
    expect(sessionPath("p1", "chat/42 #a")).toBe("/project/p1/sessions/chat%2F42%20%23a");
    expect(userPath("p1", "a@b.c")).toBe("/project/p1/users/a%40b.c");
  });
});

describe("sessions list state", () => {
  it("defaults and writes nothing back", () => {
    const st = sessionStateFromSearch(new URLSearchParams(""));
    expect(st).toEqual({ time: "", page: 1, limit: 50 });
    expect(sessionStateToSearch(st).toString()).toBe("");
  });
  it("round-trips and ignores invalid values", () => {
    const st = sessionStateFromSearch(new URLSearchParams("time=24h&page=3&limit=20"));
    expect(st).toEqual({ time: "24h", page: 3, limit: 20 });
    expect(sessionStateFromSearch(sessionStateToSearch(st))).toEqual(st);
    expect(sessionStateFromSearch(new URLSearchParams("time=2y&page=0&limit=7"))).toEqual({ time: "", page: 1, limit: 50 });
  });
  it("builds the API query with the time range and user", () => {
    const now = Date.parse("2024-03-15T12:00:00Z");
    const q = sessionsApiQuery({ time: "1h", page: 2, limit: 20 }, now, "u 1");
    expect(q.get("fromTimestamp")).toBe("2024-03-15T11:00:00.000Z");
    expect(q.get("page")).toBe("2");
    expect(q.get("limit")).toBe("20");
    expect(q.get("userId")).toBe("u 1");
    expect(sessionsApiQuery({ time: "", page: 1, limit: 50 }, now).has("fromTimestamp")).toBe(false);
  });
});

describe("users list state", () => {
  it("defaults to last seen, newest first", () => {
    const st = userStateFromSearch(new URLSearchParams(""));
    expect(st).toEqual({ orderBy: "lastSeen.desc", page: 1, limit: 50 });
    expect(userStateToSearch(st).toString()).toBe("");
    expect(usersApiQuery(st).toString()).toBe("page=1&limit=50&orderBy=lastSeen.desc");
  });
  it("accepts the server's sort fields only", () => {
    expect(userStateFromSearch(new URLSearchParams("orderBy=traceCount.asc")).orderBy).toBe("traceCount.asc");
    expect(userStateFromSearch(new URLSearchParams("orderBy=totalCost.desc")).orderBy).toBe("lastSeen.desc");
    expect(userStateFromSearch(new URLSearchParams("orderBy=userId.sideways")).orderBy).toBe("lastSeen.desc");
    const st = { orderBy: "firstSeen.asc", page: 2, limit: 100 };
    expect(userStateFromSearch(userStateToSearch(st))).toEqual(st);
  });
});

describe("pagerSummary", () => {
  it("counts pages from the total, and says when the total is still being counted", () => {
    expect(pagerSummary("traces", 2, 50, 1234)).toBe("1,234 traces · page 2 of 25");
    expect(pagerSummary("traces", 1, 50, 1)).toBe("1 trace · page 1 of 1");
    expect(pagerSummary("traces", 1, 50, 0)).toBe("0 traces · page 1 of 1");
    expect(pagerSummary("observations", 3, 20, undefined)).toBe("counting observations… · page 3");
  });
});
