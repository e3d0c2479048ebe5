// The observations table: generations first, filtered by type, model, level, latency and
// cost, sorted by start time, latency or cost. Each row opens its trace with the
// observation selected (the observation's permalink).
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { type Observation } from "../api";
import { usePageAndTotal } from "../components/pageAndTotal";
import { CopyButton } from "../components/Copy";
import { TimeRangeSelect } from "../components/TimeRangeSelect";
import { Pager } from "../components/Pager";
import { formatCost, formatLatency, formatNumber, formatTimestamp, secondsBetween } from "../lib/format";
import {
  LEVELS,
  OBSERVATION_TYPES,
  observationApiQuery,
  observationFiltersFromSearch,
  observationFiltersToSearch,
  parseBound,
  totalTokens,
  type ObservationFilters,
} from "../lib/observationFilters";

// What the observations list returns beyond the shared Observation type.
type ListedObservation = Observation & {
  latency?: number | null;
  timeToFirstToken?: number | null;
};

const SORTS: Record<string, string> = { startTime: "Start time", latency: "Latency", totalCost: "Cost" };

export function observationPath(projectId: string, o: { traceId: string; id: string }) {
  return `/project/${projectId}/traces/${encodeURIComponent(o.traceId)}?observation=${encodeURIComponent(o.id)}`;
}

export function ObservationsPage() {
  const { projectId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filters = observationFiltersFromSearch(search);
  const update = (patch: Partial<ObservationFilters>) =>
    setSearch(observationFiltersToSearch({ ...filters, page: 1, ...patch }));
  const listUrl = (total: "false" | "only") => {
    const q = observationApiQuery(filters);
    q.set("total", total);
    return `/api/ui/projects/${encodeURIComponent(projectId)}/observations?${q.toString()}`;
  };
  const { page: list, total } = usePageAndTotal<ListedObservation>(
    "observations",
    projectId,
    observationFiltersToSearch(filters).toString(),
    observationFiltersToSearch({ ...filters, page: 1, orderBy: "" }).toString(),
    listUrl,
  );
  const sortHeader = (col: string) => {
    const [c, dir] = filters.orderBy.split(".");
    const next = c === col && dir === "desc" ? `${col}.asc` : `${col}.desc`;
    return (
      <th className="sortable num" onClick={() => update({ orderBy: next })} aria-sort={c === col ? (dir === "desc" ? "descending" : "ascending") : "none"}>
        {SORTS[col]} {c === col ? (dir === "desc" ? "▼" : "▲") : ""}
      </th>
    );
  };
  const rows = list.data?.data ?? [];
  return (
    <div className="page wide">
      <h1>Observations</h1>
      <ObservationFilterBar filters={filters} update={update} />
      {list.error && <p className="error">{list.error.message}</p>}
      {list.isPending && <p className="muted">Loading observations…</p>}
      {list.data && (
        <>
          <div className={`table-wrap ${list.isFetching ? "fetching" : ""}`}>
            <table className="table observations" data-testid="observations-table">
              <thead>
                <tr>
                  {sortHeader("startTime")}
                  <th>Type</th>
                  <th>Name</th>
                  <th>Model</th>
                  {sortHeader("latency")}
                  <th className="num">Time to first token</th>
                  <th className="num">Tokens</th>
                  {sortHeader("totalCost")}
                  <th>Level</th>
                  <th>Trace</th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={10} className="muted" data-testid="observations-empty">
                      {filters.type === "GENERATION" && !filters.model && !filters.name
                        ? "No generations yet. Generations appear here once your application records LLM calls (langfuse.generation(), or OpenTelemetry gen_ai.* spans)."
                        : "No observations match these filters."}
                    </td>
                  </tr>
                )}
                {rows.map((o) => {
                  const latency = o.latency ?? secondsBetween(o.startTime, o.endTime);
                  const ttft = o.timeToFirstToken ?? secondsBetween(o.startTime, o.completionStartTime);
                  const tokens = totalTokens(o.usageDetails);
                  const cost = o.calculatedTotalCost ?? o.totalCost ?? null;
                  return (
                    <tr key={o.id} className="clickable" onClick={() => navigate(observationPath(projectId, o))}>
                      <td className="nowrap">
                        <Link to={observationPath(projectId, o)} onClick={(e) => e.stopPropagation()}>
                          {formatTimestamp(o.startTime)}
                        </Link>
                      </td>
                      <td>
                        <span className="obs-type">{o.type}</span>
                      </td>
                      <td>{o.name ?? ""}</td>
                      <td>
                        {o.model && (
                          <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); update({ model: o.model! }); }}>
                            {o.model}
                          </a>
                        )}
                      </td>
                      <td className="num">{formatLatency(latency)}</td>
                      <td className="num">{formatLatency(ttft)}</td>
                      <td className="num">{tokens === null ? "" : formatNumber(tokens)}</td>
                      <td className="num">{formatCost(cost)}</td>
                      <td>
                        <span className={`level ${o.level}`}>{o.level}</span>
                      </td>
                      <td className="nowrap">
                        <code className="id">{o.traceId.slice(0, 8)}</code> <CopyButton text={o.traceId} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            meta={list.data.meta}
            total={total}
            noun="observations"
            onPage={(page) => setSearch(observationFiltersToSearch({ ...filters, page }))}
            onLimit={(limit) => update({ limit })}
          />
        </>
      )}
    </div>
  );
}

function ObservationFilterBar({ filters, update }: { filters: ObservationFilters; update: (p: Partial<ObservationFilters>) => void }) {
  const textKeys = ["name", "model", "environment", "minLatency", "maxLatency", "minCost", "maxCost"] as const;
  type TextKey = (typeof textKeys)[number];
  const fromFilters = () => Object.fromEntries(textKeys.map((k) => [k, filters[k]])) as Record<TextKey, string>;
  const [draft, setDraft] = useState(fromFilters);
  const numeric = new Set<TextKey>(["minLatency", "maxLatency", "minCost", "maxCost"]);
  const field = (key: TextKey, label: string) => {
    const invalid = numeric.has(key) && draft[key].trim() !== "" && parseBound(draft[key]) === null;
    return (
      <input
        aria-label={label}
        placeholder={label}
        className={invalid ? "invalid" : undefined}
        title={invalid ? "A number ≥ 0" : undefined}
        inputMode={numeric.has(key) ? "decimal" : undefined}
        value={draft[key]}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    );
  };
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault();
        update(Object.fromEntries(textKeys.map((k) => [k, draft[k].trim()])));
      }}
    >
      <select aria-label="Type" value={filters.type} onChange={(e) => update({ type: e.target.value })}>
        <option value="">All types</option>
        {OBSERVATION_TYPES.map((t) => (
          <option key={t} value={t}>
            {t === "GENERATION" ? "Generations" : t.charAt(0) + t.slice(1).toLowerCase()}
          </option>
        ))}
      </select>
      <select aria-label="Level" value={filters.level} onChange={(e) => update({ level: e.target.value })}>
        <option value="">Any level</option>
        {LEVELS.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <TimeRangeSelect value={filters.time} onChange={(time) => update({ time })} />
      {field("name", "Name")}
      {field("model", "Model")}
      {field("environment", "Environment")}
      {field("minLatency", "Min latency (s)")}
      {field("maxLatency", "Max latency (s)")}
      {field("minCost", "Min cost ($)")}
      {field("maxCost", "Max cost ($)")}
      <button type="submit">Apply</button>
      <button
        type="button"
        className="ghost"
        onClick={() => {
          setDraft(Object.fromEntries(textKeys.map((k) => [k, ""])) as Record<TextKey, string>);
          update({ ...Object.fromEntries(textKeys.map((k) => [k, ""])), level: "", time: "" });
        }}
      >
        Clear
      </button>
    </form>
  );
}
