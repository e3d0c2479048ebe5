// The traces table's filters, sort and page, kept in the URL query string.

export const TIME_PRESETS = ["30m", "1h", "6h", "24h", "7d", "30d"] as const;
export type TimePreset = (typeof TIME_PRESETS)[number];

// A filter on a top-level metadata value (docs/ui-api.md): equals, or contains (case-sensitive).
export interface MetadataFilter {
  key: string;
  op: "=" | "contains";
  value: string;
}
const METADATA_EQUALS = "metadata.";
const METADATA_CONTAINS = "metadataContains.";

export function metadataParam(f: MetadataFilter): string {
  return (f.op === "contains" ? METADATA_CONTAINS : METADATA_EQUALS) + f.key;
}

// The metadata filters of a query string (the URL and the list API use the same form:
// `metadata.<key>=<value>`, `metadataContains.<key>=<value>`), in order.
export function metadataFromSearch(search: URLSearchParams): MetadataFilter[] {
  const out: MetadataFilter[] = [];
  for (const [name, value] of search) {
    const contains = name.startsWith(METADATA_CONTAINS);
    if (!contains && !name.startsWith(METADATA_EQUALS)) continue;
    const key = name.slice(contains ? METADATA_CONTAINS.length : METADATA_EQUALS.length);
    if (!key || (contains && !value)) continue;
    out.push({ key, op: contains ? "contains" : "=", value });
  }
  return out;
}

export interface TraceFilters {
  search: string; // full text over names, inputs and outputs (server: docs/ui-api.md)
  name: string;
  userId: string;
  sessionId: string;
  tags: string[];
  environment: string;
  release: string;
  version: string;
  time: TimePreset | "";
  // A custom range (ISO instants, both set and from < to; links from the dashboards carry
  // one); it takes precedence over `time`.
  from: string;
  to: string;
  bookmarked: boolean; // only bookmarked traces
  metadata: MetadataFilter[]; // all must hold
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
  release: "",
  version: "",
  time: "",
  from: "",
  to: "",
  bookmarked: false,
  metadata: [],
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

// Both ends of a custom range, or neither: an unparsable or reversed range is dropped.
function customRange(search: URLSearchParams): { from: string; to: string } {
  const from = Date.parse(search.get("from") ?? "");
  const to = Date.parse(search.get("to") ?? "");
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) return { from: "", to: "" };
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
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
    release: search.get("release") ?? "",
    version: search.get("version") ?? "",
    time: (TIME_PRESETS as readonly string[]).includes(time) ? (time as TimePreset) : "",
    ...customRange(search),
    bookmarked: search.get("bookmarked") === "true",
    metadata: metadataFromSearch(search),
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
  if (f.release) s.set("release", f.release);
  if (f.version) s.set("version", f.version);
  if (f.time) s.set("time", f.time);
  if (f.from && f.to) {
    s.set("from", f.from);
    s.set("to", f.to);
  }
  if (f.bookmarked) s.set("bookmarked", "true");
  for (const m of f.metadata) s.append(metadataParam(m), m.value);
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
  if (f.release) q.set("release", f.release);
  if (f.version) q.set("version", f.version);
  if (f.from && f.to) {
    q.set("fromTimestamp", f.from);
    q.set("toTimestamp", f.to);
  } else if (f.time) {
    q.set("fromTimestamp", new Date(now - presetMillis(f.time)).toISOString());
  }
  if (f.bookmarked) q.set("bookmarked", "true");
  for (const m of f.metadata) q.append(metadataParam(m), m.value);
  q.set("orderBy", f.orderBy);
  return q;
}

// Clicking a column header: same column flips direction, another column starts descending.
export function toggleSort(orderBy: string, column: string): string {
  const [col, dir] = orderBy.split(".");
  if (col === column) return `${column}.${dir === "desc" ? "asc" : "desc"}`;
  return `${column}.desc`;
}
