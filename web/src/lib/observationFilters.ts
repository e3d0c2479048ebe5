// The observations table's filters, sort and page, kept in the URL query string (so a
// view can be shared), and turned into the API's query (docs/ui-api.md, "Observations").
import { presetMillis, TIME_PRESETS, type TimePreset } from "./filters";

export const OBSERVATION_TYPES = [
  "GENERATION", "SPAN", "EVENT", "AGENT", "TOOL", "CHAIN", "RETRIEVER", "EVALUATOR", "EMBEDDING", "GUARDRAIL",
] as const;
export const LEVELS = ["DEBUG", "DEFAULT", "WARNING", "ERROR"] as const;
export const OBSERVATION_SORTS = ["startTime", "latency", "totalCost"] as const;

export interface ObservationFilters {
  type: string; // "" = all types; the page opens on generations
  name: string;
  model: string;
  level: string;
  environment: string;
  minLatency: string; // seconds, as typed
  maxLatency: string;
  minCost: string; // USD, as typed
  maxCost: string;
  time: TimePreset | "";
  orderBy: string; // "startTime.desc"
  page: number;
  limit: number;
}

export const DEFAULT_OBSERVATION_FILTERS: ObservationFilters = {
  type: "GENERATION",
  name: "",
  model: "",
  level: "",
  environment: "",
  minLatency: "",
  maxLatency: "",
  minCost: "",
  maxCost: "",
  time: "",
  orderBy: "startTime.desc",
  page: 1,
  limit: 50,
};

const TEXT_KEYS = ["name", "model", "environment", "minLatency", "maxLatency", "minCost", "maxCost"] as const;

function posInt(s: string | null, fallback: number): number {
  if (!s) return fallback;
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

// A bound the user typed: a finite number ≥ 0, else nothing (the input shows it as invalid).
export function parseBound(text: string): number | null {
  if (text.trim() === "") return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

export function observationFiltersFromSearch(search: URLSearchParams): ObservationFilters {
  const f: ObservationFilters = { ...DEFAULT_OBSERVATION_FILTERS };
  // "type=" (present but empty) means all types; absent means the default (generations).
  const type = search.get("type");
  if (type !== null) f.type = type === "" || (OBSERVATION_TYPES as readonly string[]).includes(type) ? type : f.type;
  const level = search.get("level") ?? "";
  f.level = (LEVELS as readonly string[]).includes(level) ? level : "";
  for (const key of TEXT_KEYS) f[key] = search.get(key) ?? "";
  const time = search.get("time") ?? "";
  f.time = (TIME_PRESETS as readonly string[]).includes(time) ? (time as TimePreset) : "";
  const orderBy = search.get("orderBy") ?? "";
  const [field, dir] = orderBy.split(".");
  if ((OBSERVATION_SORTS as readonly string[]).includes(field) && (dir === "asc" || dir === "desc")) f.orderBy = orderBy;
  f.page = posInt(search.get("page"), 1);
  f.limit = Math.min(posInt(search.get("limit"), DEFAULT_OBSERVATION_FILTERS.limit), 100);
  return f;
}

// Only what differs from the defaults goes into the URL.
export function observationFiltersToSearch(f: ObservationFilters): URLSearchParams {
  const s = new URLSearchParams();
  if (f.type !== DEFAULT_OBSERVATION_FILTERS.type) s.set("type", f.type);
  if (f.level) s.set("level", f.level);
  for (const key of TEXT_KEYS) if (f[key]) s.set(key, f[key]);
  if (f.time) s.set("time", f.time);
  if (f.orderBy !== DEFAULT_OBSERVATION_FILTERS.orderBy) s.set("orderBy", f.orderBy);
  if (f.page !== 1) s.set("page", String(f.page));
  if (f.limit !== DEFAULT_OBSERVATION_FILTERS.limit) s.set("limit", String(f.limit));
  return s;
}

// The query for GET /api/ui/projects/{id}/observations. Invalid bounds are left out.
export function observationApiQuery(f: ObservationFilters, now: number = Date.now()): URLSearchParams {
  const q = new URLSearchParams();
  q.set("page", String(f.page));
  q.set("limit", String(f.limit));
  if (f.type) q.set("type", f.type);
  if (f.level) q.set("level", f.level);
  if (f.name) q.set("name", f.name);
  if (f.model) q.set("model", f.model);
  if (f.environment) q.set("environment", f.environment);
  for (const key of ["minLatency", "maxLatency", "minCost", "maxCost"] as const) {
    const v = parseBound(f[key]);
    if (v !== null) q.set(key, String(v));
  }
  if (f.time) q.set("fromStartTime", new Date(now - presetMillis(f.time)).toISOString());
  q.set("orderBy", f.orderBy);
  return q;
}

// Sum of the usage units that are not themselves totals, or the reported total.
export function totalTokens(usage: Record<string, number> | null | undefined): number | null {
  if (!usage) return null;
  if (typeof usage.total === "number") return usage.total;
  let sum = 0;
  let any = false;
  for (const [k, v] of Object.entries(usage)) {
    if (typeof v === "number" && !k.endsWith("total")) {
      sum += v;
      any = true;
    }
  }
  return any ? sum : null;
}
