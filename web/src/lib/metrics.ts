// The metrics query the dashboards send (GET /api/ui/projects/{id}/metrics?query=…,
// Langfuse's v1 shape; docs/ui-api.md), the dashboards' filter state in the URL, time
// buckets, and the shaping of answer rows into chart series and categories.
import { type Granularity, OTHER_LABEL } from "./chart";
import { TIME_PRESETS as TRACE_TIME_PRESETS } from "./filters";

export type View = "traces" | "observations" | "scores-numeric" | "scores-categorical";
export type Aggregation = "sum" | "avg" | "count" | "max" | "min" | "p50" | "p75" | "p90" | "p95" | "p99" | "histogram";

export interface MetricFilter {
  column: string;
  operator: string;
  value: string | number | string[];
  type: "string" | "stringOptions" | "arrayOptions" | "number" | "datetime";
}

export interface MetricsQuery {
  view: View;
  dimensions: { field: string }[];
  metrics: { measure: string; aggregation: Aggregation }[];
  filters: MetricFilter[];
  timeDimension?: { granularity: Granularity | "auto" } | null;
  fromTimestamp: string;
  toTimestamp: string;
  orderBy?: { field: string; direction: "asc" | "desc" }[] | null;
  config?: { bins?: number; row_limit?: number };
}

export type MetricRow = Record<string, unknown>;
export interface MetricsResponse {
  data: MetricRow[];
}

export const VIEWS: Record<View, { label: string; measures: string[]; dimensions: string[] }> = {
  traces: {
    label: "Traces",
    measures: ["count", "latency", "totalCost", "totalTokens"],
    dimensions: ["name", "environment", "release", "version", "userId", "tags"],
  },
  observations: {
    label: "Observations",
    measures: [
      "count", "latency", "totalCost", "inputCost", "outputCost", "inputTokens", "outputTokens",
      "totalTokens", "cachedTokens", "reasoningTokens", "timeToFirstToken",
    ],
    dimensions: ["name", "type", "level", "environment", "providedModelName", "traceName"],
  },
  "scores-numeric": { label: "Scores (numeric)", measures: ["count", "value"], dimensions: ["name", "source", "dataType"] },
  "scores-categorical": { label: "Scores (categorical)", measures: ["count"], dimensions: ["name", "stringValue", "source"] },
};

export const AGGREGATIONS: Aggregation[] = ["count", "sum", "avg", "min", "max", "p50", "p75", "p90", "p95", "p99"];

export const LABELS: Record<string, string> = {
  count: "Count",
  latency: "Latency",
  totalCost: "Total cost",
  inputCost: "Input cost",
  outputCost: "Output cost",
  inputTokens: "Input tokens",
  outputTokens: "Output tokens",
  totalTokens: "Total tokens",
  cachedTokens: "Cached tokens",
  reasoningTokens: "Reasoning tokens",
  timeToFirstToken: "Time to first token",
  value: "Value",
  name: "Name",
  environment: "Environment",
  release: "Release",
  version: "Version",
  userId: "User",
  tags: "Tags",
  type: "Type",
  level: "Level",
  providedModelName: "Model",
  traceName: "Trace name",
  source: "Source",
  dataType: "Data type",
  stringValue: "Value",
};

// The answer's column for a metric: `<aggregation>_<measure>` (count_count, p95_latency).
export function metricKey(m: { measure: string; aggregation: string }): string {
  return `${m.aggregation}_${m.measure}`;
}

// ---------------------------------------------------------------------------------------
// Filter state (in the URL; shared by the home dashboard and saved dashboards)

export const DASH_PRESETS = ["1h", "6h", "24h", "7d", "30d", "90d"] as const;
export type DashPreset = (typeof DASH_PRESETS)[number];

export interface DashFilters {
  time: DashPreset | "custom";
  from: string; // ISO, when time = custom
  to: string;
  environment: string;
  traceName: string;
  tags: string[];
  userId: string;
  release: string;
  version: string;
  model: string;
}

export const DEFAULT_DASH_FILTERS: DashFilters = {
  time: "7d",
  from: "",
  to: "",
  environment: "",
  traceName: "",
  tags: [],
  userId: "",
  release: "",
  version: "",
  model: "",
};

const TEXT_KEYS = ["environment", "traceName", "userId", "release", "version", "model"] as const;

function validIso(s: string | null): string {
  if (!s) return "";
  const t = Date.parse(s);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

export function dashFiltersFromSearch(search: URLSearchParams): DashFilters {
  const f: DashFilters = { ...DEFAULT_DASH_FILTERS, tags: search.getAll("tags").filter(Boolean) };
  const time = search.get("time") ?? "";
  const from = validIso(search.get("from"));
  const to = validIso(search.get("to"));
  if (time === "custom" && from && to && Date.parse(from) < Date.parse(to)) {
    f.time = "custom";
    f.from = from;
    f.to = to;
  } else if ((DASH_PRESETS as readonly string[]).includes(time)) {
    f.time = time as DashPreset;
  }
  for (const k of TEXT_KEYS) f[k] = search.get(k) ?? "";
  return f;
}

// Only what differs from the defaults goes into the URL.
export function dashFiltersToSearch(f: DashFilters): URLSearchParams {
  const s = new URLSearchParams();
  if (f.time !== DEFAULT_DASH_FILTERS.time) s.set("time", f.time);
  if (f.time === "custom") {
    s.set("from", f.from);
    s.set("to", f.to);
  }
  for (const k of TEXT_KEYS) if (f[k]) s.set(k, f[k]);
  for (const t of f.tags) s.append("tags", t);
  return s;
}

export function presetMs(p: DashPreset): number {
  const n = parseInt(p, 10);
  return n * (p.endsWith("h") ? 3_600_000 : 86_400_000);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// [from, to] in ms, both inclusive as the metrics endpoint takes them. Presets answered in
// hour buckets cover whole UTC hours, presets answered in day buckets whole UTC days: from
// the start of the hour (day) `preset` ago to the last millisecond of the current hour.
// The server then answers every bucket from its hour and day rollups instead of reading
// the raw rows of partial hours, which grow with the traffic; and a day-bucketed range
// starts with a whole day, so the days before today are the same all day long and the
// server keeps its read of them (docs/api.md, Metrics). Nothing is stored after now; the
// first bucket is a whole one. The 1-hour preset (minute buckets) ends now.
export function timeRange(f: DashFilters, now: number = Date.now()): { from: number; to: number } {
  if (f.time === "custom") return { from: Date.parse(f.from), to: Date.parse(f.to) };
  const from = now - presetMs(f.time);
  const granularity = granularityFor(now - from);
  if (granularity === "minute") return { from, to: now };
  const floor = (t: number, unit: number) => Math.floor(t / unit) * unit;
  return { from: floor(from, granularity === "hour" ? HOUR_MS : DAY_MS), to: floor(now, HOUR_MS) + HOUR_MS - 1 };
}

// Buckets for the span: at most about a hundred, so that a series split by a dimension
// stays within the answer's row limit (TIME_ROW_LIMIT).
export function granularityFor(spanMs: number): Granularity {
  const h = spanMs / 3_600_000;
  if (h <= 2) return "minute";
  if (h <= 24 * 4) return "hour";
  if (h <= 24 * 92) return "day";
  if (h <= 24 * 730) return "week";
  return "month";
}

// The most rows the endpoint answers (config.row_limit), asked for every series over time.
export const TIME_ROW_LIMIT = 1000;

// Which of the state's filters a view cannot apply: the model is an observation's.
export function ignoredFilters(f: DashFilters, view: View): string[] {
  return f.model && view !== "observations" ? ["model"] : [];
}

// The metric filters of the state, for one view: the trace name column is `name` on the
// traces view and `traceName` elsewhere; the trace's version is `traceVersion` outside the
// traces view (an observation's `version` is its own); the model filters observations only.
export function dashMetricFilters(f: DashFilters, view: View): MetricFilter[] {
  const out: MetricFilter[] = [];
  if (f.environment) out.push({ column: "environment", operator: "any of", value: [f.environment], type: "stringOptions" });
  if (f.traceName)
    out.push({ column: view === "traces" ? "name" : "traceName", operator: "any of", value: [f.traceName], type: "stringOptions" });
  if (f.tags.length) out.push({ column: "tags", operator: "all of", value: f.tags, type: "arrayOptions" });
  if (f.userId) out.push({ column: "userId", operator: "=", value: f.userId, type: "string" });
  if (f.release) out.push({ column: "release", operator: "=", value: f.release, type: "string" });
  if (f.version) out.push({ column: view === "traces" ? "version" : "traceVersion", operator: "=", value: f.version, type: "string" });
  if (f.model && view === "observations")
    out.push({ column: "providedModelName", operator: "any of", value: [f.model], type: "stringOptions" });
  return out;
}

export interface QuerySpec {
  view: View;
  metrics: { measure: string; aggregation: Aggregation }[];
  dimensions?: string[];
  time?: boolean; // over time, at the range's granularity
  filters?: MetricFilter[]; // besides the dashboard's
  orderBy?: { field: string; direction: "asc" | "desc" }[];
  rowLimit?: number;
}

export function buildQuery(spec: QuerySpec, f: DashFilters, now: number = Date.now()): MetricsQuery {
  const { from, to } = timeRange(f, now);
  const q: MetricsQuery = {
    view: spec.view,
    dimensions: (spec.dimensions ?? []).map((field) => ({ field })),
    metrics: spec.metrics,
    filters: [...dashMetricFilters(f, spec.view), ...(spec.filters ?? [])],
    timeDimension: spec.time ? { granularity: granularityFor(to - from) } : null,
    fromTimestamp: new Date(from).toISOString(),
    toTimestamp: new Date(to).toISOString(),
    // Over time, an explicit order: the server then adds no rows for empty buckets (it
    // would answer 0 for averages too); toTimeSeries fills them as each metric needs.
    orderBy: spec.orderBy ?? (spec.time ? [{ field: "time_dimension", direction: "asc" }] : null),
  };
  const rowLimit = spec.rowLimit ?? (spec.time ? TIME_ROW_LIMIT : undefined);
  if (rowLimit) q.config = { row_limit: rowLimit };
  return q;
}

export function metricsPath(projectId: string, q: MetricsQuery): string {
  return `/api/ui/projects/${encodeURIComponent(projectId)}/metrics?query=${encodeURIComponent(JSON.stringify(q))}`;
}

// ---------------------------------------------------------------------------------------
// Time buckets

// The start (UTC) of the bucket holding `t`; weeks start on Monday.
export function bucketStart(t: number, g: Granularity): number {
  const d = new Date(t);
  switch (g) {
    case "minute":
      return Math.floor(t / 60_000) * 60_000;
    case "hour":
      return Math.floor(t / 3_600_000) * 3_600_000;
    case "day":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case "week": {
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const dow = (d.getUTCDay() + 6) % 7; // Monday 0
      return day - dow * 86_400_000;
    }
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

export function nextBucket(t: number, g: Granularity): number {
  const d = new Date(t);
  switch (g) {
    case "minute":
      return t + 60_000;
    case "hour":
      return t + 3_600_000;
    case "day":
      return t + 86_400_000;
    case "week":
      return t + 7 * 86_400_000;
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
}

// Every bucket start from the one holding `from` to the one holding `to` (exclusive end),
// at most `max` of them.
export function bucketsBetween(from: number, to: number, g: Granularity, max = 2000): number[] {
  const out: number[] = [];
  if (!(from < to)) return out;
  for (let t = bucketStart(from, g); t < to && out.length < max; t = nextBucket(t, g)) out.push(t);
  return out;
}

function rowTime(row: MetricRow): number | null {
  const v = row.time_dimension;
  if (typeof v !== "string" && typeof v !== "number") return null;
  const t = typeof v === "number" ? v : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : v + "Z");
  return Number.isNaN(t) ? null : t;
}

export function num(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

// A dimension's value as a label; null, "" and missing are "(none)".
export function dimLabel(v: unknown): string {
  if (v === null || v === undefined || v === "") return "(none)";
  if (Array.isArray(v)) return v.length ? v.join(", ") : "(none)";
  return String(v);
}

export interface Series {
  key: string;
  label: string;
  values: (number | null)[];
}
export interface TimeSeries {
  xs: number[];
  series: Series[];
}

// Rows over time → one series per metric key (no dimension) or, with `dimension`, one per
// dimension value of the single `keys[0]` (the `top` largest by total, the rest summed as
// "Other" when `other`). Buckets are filled: the expected ones plus any the server answers;
// missing values are `fill` (0 for counts and sums, null — a gap — for averages and
// percentiles).
export function toTimeSeries(
  rows: MetricRow[],
  opts: { keys: string[]; labels?: string[]; dimension?: string; buckets: number[]; fill: 0 | null; top?: number; other?: boolean },
): TimeSeries {
  const xsSet = new Set(opts.buckets);
  for (const r of rows) {
    const t = rowTime(r);
    if (t !== null) xsSet.add(t);
  }
  const xs = [...xsSet].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const blank = () => new Array<number | null>(xs.length).fill(opts.fill);
  if (!opts.dimension) {
    const series = opts.keys.map((key, i) => ({ key, label: opts.labels?.[i] ?? key, values: blank() }));
    for (const r of rows) {
      const i = index.get(rowTime(r) ?? NaN);
      if (i === undefined) continue;
      series.forEach((s) => {
        const v = num(r[s.key]);
        if (v !== null) s.values[i] = (s.values[i] ?? 0) + v;
      });
    }
    return { xs, series };
  }
  const key = opts.keys[0];
  const byDim = new Map<string, (number | null)[]>();
  const totals = new Map<string, number>();
  for (const r of rows) {
    const i = index.get(rowTime(r) ?? NaN);
    if (i === undefined) continue;
    const label = dimLabel(r[opts.dimension]);
    const v = num(r[key]);
    if (!byDim.has(label)) {
      byDim.set(label, blank());
      totals.set(label, 0);
    }
    if (v === null) continue;
    const values = byDim.get(label)!;
    values[i] = (values[i] ?? 0) + v;
    totals.set(label, totals.get(label)! + v);
  }
  // A value with nothing in any bucket (e.g. rows a server added for empty buckets, with a
  // null dimension) is not a series.
  for (const [label, values] of byDim) if (values.every((v) => !v)) byDim.delete(label);
  const ranked = [...byDim.keys()].sort((a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b));
  const top = opts.top ?? 8;
  const series: Series[] = ranked.slice(0, top).map((label) => ({ key: label, label, values: byDim.get(label)! }));
  const rest = ranked.slice(top);
  if (rest.length && opts.other !== false) {
    const values = blank();
    for (const label of rest)
      byDim.get(label)!.forEach((v, i) => {
        if (v !== null) values[i] = (values[i] ?? 0) + v;
      });
    series.push({ key: OTHER_LABEL, label: OTHER_LABEL, values });
  }
  return { xs, series };
}

export interface Category {
  label: string;
  raw: unknown; // the dimension value as answered (for links)
  values: (number | null)[]; // one per key
}

// Rows grouped by `dimension` (or by several, joined with " · ") → categories, largest
// first by `sortKey` (default the first key), at most `limit`. Rows whose dimension is
// empty are kept as "(none)" unless `dropEmpty`.
export function toCategories(
  rows: MetricRow[],
  opts: { keys: string[]; dimensions: string[]; limit?: number; sortKey?: string; dropEmpty?: boolean; ascending?: boolean },
): Category[] {
  const byLabel = new Map<string, Category>();
  for (const r of rows) {
    const raws = opts.dimensions.map((d) => r[d]);
    if (opts.dropEmpty && raws.some((v) => v === null || v === undefined || v === "")) continue;
    const label = raws.map(dimLabel).join(" · ");
    let c = byLabel.get(label);
    if (!c) {
      c = { label, raw: raws.length === 1 ? raws[0] : raws, values: opts.keys.map(() => null) };
      byLabel.set(label, c);
    }
    opts.keys.forEach((k, i) => {
      const v = num(r[k]);
      if (v !== null) c!.values[i] = (c!.values[i] ?? 0) + v;
    });
  }
  const sortIdx = Math.max(0, opts.sortKey ? opts.keys.indexOf(opts.sortKey) : 0);
  const dir = opts.ascending ? -1 : 1;
  const out = [...byLabel.values()].sort(
    (a, b) => dir * ((b.values[sortIdx] ?? -Infinity) - (a.values[sortIdx] ?? -Infinity)) || a.label.localeCompare(b.label),
  );
  return opts.limit ? out.slice(0, opts.limit) : out;
}

export interface HistogramBin {
  lower: number;
  upper: number;
  count: number;
}
export interface Histogram {
  label: string;
  bins: HistogramBin[];
  total: number;
}

// Rows of a histogram aggregation (`key` holds [lower, upper, count] triples) → one
// histogram per value of `dimension`, most counted first, at most `limit`. Malformed
// triples are skipped rather than drawn wrong.
export function toHistograms(rows: MetricRow[], key: string, dimension: string, limit = 8): Histogram[] {
  const out: Histogram[] = [];
  for (const r of rows) {
    const raw = r[key];
    if (!Array.isArray(raw)) continue;
    const bins: HistogramBin[] = [];
    for (const t of raw) {
      if (!Array.isArray(t) || t.length !== 3 || !t.every((x) => typeof x === "number" && Number.isFinite(x))) continue;
      bins.push({ lower: t[0], upper: t[1], count: t[2] });
    }
    if (bins.length === 0) continue;
    bins.sort((x, y) => x.lower - y.lower);
    out.push({ label: dimLabel(r[dimension]), bins, total: bins.reduce((a, b) => a + b.count, 0) });
  }
  out.sort((a, b) => b.total - a.total || a.label.localeCompare(b.label));
  return out.slice(0, limit);
}

// The single value of a total query (no dimension, no time): the sum over rows, or null.
export function total(rows: MetricRow[], key: string): number | null {
  let sum: number | null = null;
  for (const r of rows) {
    const v = num(r[key]);
    if (v !== null) sum = (sum ?? 0) + v;
  }
  return sum;
}

// Error and warning rates per bucket from observation counts by level.
export function levelRates(rows: MetricRow[], buckets: number[]): TimeSeries {
  const counts = toTimeSeries(rows, { keys: ["count_count"], dimension: "level", buckets, fill: 0, top: 100, other: false });
  const totals = counts.xs.map((_, i) => counts.series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  const rate = (level: string, label: string): Series => {
    const s = counts.series.find((x) => x.label === level);
    return {
      key: level,
      label,
      values: counts.xs.map((_, i) => (totals[i] > 0 ? (s?.values[i] ?? 0) / totals[i] : null)),
    };
  };
  return { xs: counts.xs, series: [rate("ERROR", "Errors"), rate("WARNING", "Warnings")] };
}

// ---------------------------------------------------------------------------------------
// Through to the traces table (web/src/lib/filters.ts owns its URL format): name, user,
// tags, environment, release, version and the time range carry over (a preset the table
// lacks, or a custom range, as absolute from/to); the model has no traces-table filter and
// is dropped.
export function tracesLink(
  projectId: string,
  f: DashFilters,
  extra: { name?: string; userId?: string } = {},
  now: number = Date.now(),
): string {
  const s = new URLSearchParams();
  const name = extra.name ?? f.traceName;
  const userId = extra.userId ?? f.userId;
  if (name) s.set("name", name);
  if (userId) s.set("userId", userId);
  for (const t of f.tags) s.append("tags", t);
  if (f.environment) s.set("environment", f.environment);
  if (f.release) s.set("release", f.release);
  if (f.version) s.set("version", f.version);
  if ((TRACE_TIME_PRESETS as readonly string[]).includes(f.time)) {
    s.set("time", f.time);
  } else {
    const range = timeRange(f, now);
    s.set("from", new Date(range.from).toISOString());
    s.set("to", new Date(range.to).toISOString());
  }
  const q = s.toString();
  return `/project/${projectId}/traces${q ? `?${q}` : ""}`;
}
