// The traces table's filters, sort and page, kept in the URL query string.

export const TIME_PRESETS = ["30m", "1h", "6h", "24h", "7d", "30d"] as const;
export type TimePreset = (typeof TIME_PRESETS)[number];

export interface TraceFilters {
  search: string; // full text over names, inputs and outputs (server: docs/ui-api.md)
  name: string;
  userId: string;
  sessionId: string;
  tags: string[];
  environment: string;
  time: TimePreset | "";
  bookmarked: boolean; // only bookmarked traces
  orderBy: string; // "timestamp.desc"
  page: number;
  limit: number;
}

export const DEFAULT_FILTERS: TraceFilters = {
  search: "",
  name: "",
  userId: "",
  sessionId: "",
  tags: [],
  environment: "",
  time: "",
  bookmarked: false,
  orderBy: "timestamp.desc",
  page: 1,
  limit: 50,
};

export const LIMITS = [20, 50, 100];

function posInt(s: string | null, fallback: number): number {
  if (!s) return fallback;
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

export function filtersFromSearch(search: URLSearchParams): TraceFilters {
  const time = search.get("time") ?? "";
  const limit = posInt(search.get("limit"), DEFAULT_FILTERS.limit);
  const orderBy = search.get("orderBy") ?? "";
  return {
    search: search.get("search") ?? "",
    name: search.get("name") ?? "",
    userId: search.get("userId") ?? "",
    sessionId: search.get("sessionId") ?? "",
    tags: search.getAll("tags").filter(Boolean),
    environment: search.get("environment") ?? "",
    time: (TIME_PRESETS as readonly string[]).includes(time) ? (time as TimePreset) : "",
    bookmarked: search.get("bookmarked") === "true",
    orderBy: /^[A-Za-z]+\.(asc|desc)$/.test(orderBy) ? orderBy : DEFAULT_FILTERS.orderBy,
    page: posInt(search.get("page"), 1),
    limit: Math.min(limit, 100),
  };
}

// Only what differs from the defaults goes into the URL.
export function filtersToSearch(f: TraceFilters): URLSearchParams {
  const s = new URLSearchParams();
  if (f.search) s.set("search", f.search);
  if (f.name) s.set("name", f.name);
  if (f.userId) s.set("userId", f.userId);
  if (f.sessionId) s.set("sessionId", f.sessionId);
  for (const t of f.tags) s.append("tags", t);
  if (f.environment) s.set("environment", f.environment);
  if (f.time) s.set("time", f.time);
  if (f.bookmarked) s.set("bookmarked", "true");
  if (f.orderBy !== DEFAULT_FILTERS.orderBy) s.set("orderBy", f.orderBy);
  if (f.page !== 1) s.set("page", String(f.page));
  if (f.limit !== DEFAULT_FILTERS.limit) s.set("limit", String(f.limit));
  return s;
}

export function presetMillis(p: TimePreset): number {
  const n = parseInt(p, 10);
  const unit = p.slice(-1);
  return n * (unit === "m" ? 60_000 : unit === "h" ? 3_600_000 : 86_400_000);
}

// The list API's query for these filters; `now` is injectable for tests.
export function apiQuery(f: TraceFilters, now: number = Date.now()): URLSearchParams {
  const q = new URLSearchParams();
  q.set("page", String(f.page));
  q.set("limit", String(f.limit));
  if (f.search.trim()) q.set("search", f.search.trim());
  if (f.name) q.set("name", f.name);
  if (f.userId) q.set("userId", f.userId);
  if (f.sessionId) q.set("sessionId", f.sessionId);
  for (const t of f.tags) q.append("tags", t);
  if (f.environment) q.set("environment", f.environment);
  if (f.time) q.set("fromTimestamp", new Date(now - presetMillis(f.time)).toISOString());
  if (f.bookmarked) q.set("bookmarked", "true");
  q.set("orderBy", f.orderBy);
  return q;
}

// Clicking a column header: same column flips direction, another column starts descending.
export function toggleSort(orderBy: string, column: string): string {
  const [col, dir] = orderBy.split(".");
  if (col === column) return `${column}.${dir === "desc" ? "asc" : "desc"}`;
  return `${column}.desc`;
}
