// What the home dashboard and saved dashboards share: the metrics query hook, the filter
// bar (time range, environment, trace name, tags, user, release, version, model — all in
// the URL) and the card around each chart with its loading, empty and error states.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api";
import {
  buildQuery,
  DASH_PRESETS,
  dashFiltersFromSearch,
  dashFiltersToSearch,
  metricsPath,
  timeRange,
  granularityFor,
  bucketsBetween,
  type DashFilters,
  type MetricRow,
  type MetricsResponse,
  type QuerySpec,
} from "../lib/metrics";
import type { Granularity } from "../lib/chart";

// The filters of the URL, the moment presets end at (fixed until the filters change or the
// user refreshes, so every chart covers the same range), and the buckets of that range.
export function useDashState() {
  const [search, setSearch] = useSearchParams();
  const filters = dashFiltersFromSearch(search);
  const key = dashFiltersToSearch(filters).toString();
  const [tick, setTick] = useState(0);
  const now = useMemo(() => Date.now(), [key, tick]);
  const { from, to } = timeRange(filters, now);
  const granularity: Granularity = granularityFor(to - from);
  const buckets = useMemo(() => bucketsBetween(from, to, granularity), [from, to, granularity]);
  const update = (patch: Partial<DashFilters>) => {
    const next = dashFiltersToSearch({ ...filters, ...patch });
    // Keep parameters that are not filters (e.g. ?edit=1 on a saved dashboard).
    for (const [k, v] of search) if (!["time", "from", "to", "environment", "traceName", "tags", "userId", "release", "version", "model"].includes(k)) next.append(k, v);
    setSearch(next);
  };
  return { filters, now, from, to, granularity, buckets, update, refresh: () => setTick((t) => t + 1) };
}

export function useMetrics(projectId: string, spec: QuerySpec, filters: DashFilters, now: number, enabled = true) {
  const q = buildQuery(spec, filters, now);
  return useQuery({
    queryKey: ["metrics", projectId, JSON.stringify(q)],
    queryFn: () => api<MetricsResponse>("GET", metricsPath(projectId, q)),
    placeholderData: keepPreviousData,
    enabled,
    staleTime: 30_000,
  });
}

export function metricsError(err: unknown): string {
  if (err instanceof ApiError && err.status === 404)
    return "This server does not answer metrics queries (GET …/metrics answered 404): update Lanterne.";
  return err instanceof Error ? err.message : String(err);
}

export function Card({
  title,
  wide,
  link,
  query,
  empty,
  children,
  actions,
  testId,
  emptyHint,
  note,
}: {
  title: string;
  wide?: boolean;
  link?: string;
  query: { isPending: boolean; error: unknown; isFetching?: boolean };
  empty: boolean;
  children: ReactNode;
  actions?: ReactNode;
  testId?: string;
  emptyHint?: ReactNode;
  note?: string;
}) {
  return (
    <section className={`dash-card ${wide ? "wide" : ""} ${query.isFetching ? "fetching" : ""}`} data-testid={testId}>
      <header className="dash-card-head">
        <h2>{title}</h2>
        <span className="spacer" />
        {actions}
        {link && (
          <Link className="small" to={link} title="Open the traces table with these filters">
            Traces →
          </Link>
        )}
      </header>
      {note && <p className="muted small dash-note">{note}</p>}
      {query.error ? (
        <p className="error small">{metricsError(query.error)}</p>
      ) : query.isPending ? (
        <div className="chart-loading" aria-busy="true">
          Loading…
        </div>
      ) : empty ? (
        <p className="muted small chart-empty">
          No data for this time range and these filters. Choose a longer range or clear a filter.{emptyHint ? " " : ""}
          {emptyHint}
        </p>
      ) : (
        children
      )}
    </section>
  );
}

// A text filter that applies on Enter, on leaving the field, or on picking a suggestion.
function FilterInput({
  label,
  value,
  options,
  onCommit,
}: {
  label: string;
  value: string;
  options?: string[];
  onCommit: (v: string) => void;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const id = `dl-${label.replace(/\W+/g, "-")}`;
  const commit = (v: string) => {
    if (v.trim() !== value) onCommit(v.trim());
  };
  return (
    <label className="dash-filter">
      <span className="muted small">{label}</span>
      <input
        aria-label={label}
        placeholder="any"
        value={draft}
        list={options?.length ? id : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          if (options?.includes(e.target.value)) commit(e.target.value);
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(draft);
        }}
      />
      {options?.length ? (
        <datalist id={id}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      ) : null}
    </label>
  );
}

function toLocalInput(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function CustomRange({ filters, from, to, onApply }: { filters: DashFilters; from: number; to: number; onApply: (from: string, to: string) => void }) {
  const [a, setA] = useState(toLocalInput(filters.from || new Date(from).toISOString()));
  const [b, setB] = useState(toLocalInput(filters.to || new Date(to).toISOString()));
  const fa = Date.parse(a);
  const fb = Date.parse(b);
  const bad = Number.isNaN(fa) || Number.isNaN(fb) || fa >= fb;
  return (
    <span className="row custom-range">
      <input type="datetime-local" aria-label="From" value={a} onChange={(e) => setA(e.target.value)} />
      <span className="muted">to</span>
      <input type="datetime-local" aria-label="To" value={b} onChange={(e) => setB(e.target.value)} />
      <button disabled={bad} onClick={() => onApply(new Date(fa).toISOString(), new Date(fb).toISOString())}>
        Apply
      </button>
      {bad && <span className="error small">The start must be before the end.</span>}
    </span>
  );
}

// Suggestions for the filter fields: the values seen in the time range.
function useOptions(projectId: string, filters: DashFilters, now: number, view: "traces" | "observations", field: string) {
  // Options ignore the other filters so that one can switch between values.
  const spec: QuerySpec = {
    view,
    metrics: [{ measure: "count", aggregation: "count" }],
    dimensions: [field],
    orderBy: [{ field: "count_count", direction: "desc" }],
    rowLimit: 100,
  };
  const base = { ...filters, environment: "", traceName: "", tags: [], userId: "", release: "", version: "", model: "" };
  const q = useMetrics(projectId, spec, base, now);
  return useMemo(() => optionValues(q.data?.data ?? [], field), [q.data, field]);
}

function optionValues(rows: MetricRow[], field: string): string[] {
  const out = new Set<string>();
  for (const r of rows) {
    const v = r[field];
    if (Array.isArray(v)) v.forEach((x) => typeof x === "string" && x && out.add(x));
    else if (typeof v === "string" && v) out.add(v);
  }
  return [...out].slice(0, 100);
}

export function DashFilterBar({ projectId, state }: { projectId: string; state: ReturnType<typeof useDashState> }) {
  const { filters, update, now, from, to } = state;
  const envs = useOptions(projectId, filters, now, "traces", "environment");
  const names = useOptions(projectId, filters, now, "traces", "name");
  const users = useOptions(projectId, filters, now, "traces", "userId");
  const releases = useOptions(projectId, filters, now, "traces", "release");
  const versions = useOptions(projectId, filters, now, "traces", "version");
  const models = useOptions(projectId, filters, now, "observations", "providedModelName");
  const tagOptions = useOptions(projectId, filters, now, "traces", "tags");
  const active = dashFiltersToSearch({ ...filters, time: "7d" }).toString() !== "";
  return (
    <div className="dash-filters">
      <label className="dash-filter">
        <span className="muted small">Time range</span>
        <select
          aria-label="Time range"
          value={filters.time}
          onChange={(e) => {
            const v = e.target.value as DashFilters["time"];
            if (v === "custom") update({ time: "custom", from: new Date(from).toISOString(), to: new Date(to).toISOString() });
            else update({ time: v, from: "", to: "" });
          }}
        >
          {DASH_PRESETS.map((p) => (
            <option key={p} value={p}>
              Past {p}
            </option>
          ))}
          <option value="custom">Custom range…</option>
        </select>
      </label>
      {filters.time === "custom" && (
        <CustomRange key={filters.from + filters.to} filters={filters} from={from} to={to} onApply={(f, t) => update({ time: "custom", from: f, to: t })} />
      )}
      <FilterInput label="Environment" value={filters.environment} options={envs} onCommit={(environment) => update({ environment })} />
      <FilterInput label="Trace name" value={filters.traceName} options={names} onCommit={(traceName) => update({ traceName })} />
      <FilterInput
        label="Tags"
        value={filters.tags.join(", ")}
        options={tagOptions}
        onCommit={(v) => update({ tags: v.split(",").map((t) => t.trim()).filter(Boolean) })}
      />
      <FilterInput label="User" value={filters.userId} options={users} onCommit={(userId) => update({ userId })} />
      <FilterInput label="Release" value={filters.release} options={releases} onCommit={(release) => update({ release })} />
      <FilterInput label="Version" value={filters.version} options={versions} onCommit={(version) => update({ version })} />
      <FilterInput label="Model" value={filters.model} options={models} onCommit={(model) => update({ model })} />
      <span className="dash-filter-actions">
        {active && (
          <button
            className="link"
            onClick={() => update({ environment: "", traceName: "", tags: [], userId: "", release: "", version: "", model: "" })}
          >
            Clear filters
          </button>
        )}
        <button onClick={state.refresh} title="Query again up to now">
          ↻ Refresh
        </button>
      </span>
    </div>
  );
}
