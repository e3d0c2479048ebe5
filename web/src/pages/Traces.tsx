import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, type Paged, type Trace } from "../api";
import { CodeBlock, CopyButton } from "../components/Copy";
import { apiQuery, filtersFromSearch, filtersToSearch, LIMITS, TIME_PRESETS, toggleSort, type TraceFilters } from "../lib/filters";
import { formatCost, formatLatency, formatTimestamp } from "../lib/format";
import { preview } from "../lib/render";
import { sessionPath, userPath } from "../lib/lists";

const SORTABLE: Record<string, string> = { timestamp: "Timestamp", name: "Name", userId: "User", sessionId: "Session" };

export function TracesPage() {
  const { projectId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filters = filtersFromSearch(search);
  const update = (patch: Partial<TraceFilters>) =>
    setSearch(filtersToSearch({ ...filters, page: 1, ...patch }));
  const traces = useQuery({
    queryKey: ["traces", projectId, filtersToSearch(filters).toString()],
    queryFn: () =>
      api<Paged<Trace>>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/traces?${apiQuery(filters).toString()}`),
    placeholderData: keepPreviousData,
  });
  const otherFilter = !!(filters.name || filters.userId || filters.sessionId || filters.tags.length || filters.environment || filters.time);
  const anyFilter = otherFilter || !!filters.search;
  const sortHeader = (col: string) => {
    const [c, dir] = filters.orderBy.split(".");
    return (
      <th className="sortable" onClick={() => update({ orderBy: toggleSort(filters.orderBy, col) })}>
        {SORTABLE[col]} {c === col ? (dir === "desc" ? "▼" : "▲") : ""}
      </th>
    );
  };
  const meta = traces.data?.meta;
  return (
    <div className="page wide">
      <h1>Traces</h1>
      <SearchBox value={filters.search} onChange={(value) => update({ search: value })} />
      <FilterBar filters={filters} update={update} />
      {traces.error && <p className="error">{traces.error.message}</p>}
      {traces.isPending && <p className="muted">Loading traces…</p>}
      {traces.data && traces.data.data.length === 0 && !anyFilter && filters.page === 1 && <EmptyState projectId={projectId} />}
      {traces.data && (traces.data.data.length > 0 || anyFilter || filters.page > 1) && (
        <>
          <div className={`table-wrap ${traces.isFetching ? "fetching" : ""}`}>
            <table className="table traces">
              <thead>
                <tr>
                  {sortHeader("timestamp")}
                  {sortHeader("name")}
                  {sortHeader("userId")}
                  {sortHeader("sessionId")}
                  <th>Tags</th>
                  <th>Latency</th>
                  <th>Cost</th>
                  <th>Level</th>
                  <th>Environment</th>
                  <th>Input</th>
                  <th>ID</th>
                </tr>
              </thead>
              <tbody>
                {traces.data.data.length === 0 && (
                  <tr>
                    <td colSpan={11} className="muted" data-testid="traces-no-match">
                      {filters.search
                        ? `Nothing matched “${filters.search}”${otherFilter ? " with these filters" : ""}. New traces become searchable a second or two after they arrive.`
                        : "No traces match these filters."}
                    </td>
                  </tr>
                )}
                {traces.data.data.map((t) => (
                  <tr key={t.id} className="clickable" onClick={() => navigate(`/project/${projectId}/traces/${encodeURIComponent(t.id)}`)}>
                    <td className="nowrap">
                      <Link to={`/project/${projectId}/traces/${encodeURIComponent(t.id)}`} onClick={(e) => e.stopPropagation()}>
                        {formatTimestamp(t.timestamp)}
                      </Link>
                    </td>
                    <td>{t.name ?? ""}</td>
                    <td>
                      {t.userId && (
                        <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); update({ userId: t.userId! }); }}>
                          {t.userId}
                        </a>
                      )}
                      {t.userId && (
                        <Link className="open-link" title="Open the user's page" aria-label={`Open user ${t.userId}`} to={userPath(projectId, t.userId)} onClick={(e) => e.stopPropagation()}>
                          ↗
                        </Link>
                      )}
                    </td>
                    <td>
                      {t.sessionId && (
                        <a href="#" onClick={(e) => { e.preventDefault(); e.stopPropagation(); update({ sessionId: t.sessionId! }); }}>
                          {t.sessionId}
                        </a>
                      )}
                      {t.sessionId && (
                        <Link className="open-link" title="Open the session" aria-label={`Open session ${t.sessionId}`} to={sessionPath(projectId, t.sessionId)} onClick={(e) => e.stopPropagation()}>
                          ↗
                        </Link>
                      )}
                    </td>
                    <td>
                      {t.tags?.map((tag) => (
                        <span key={tag} className="tag">
                          {tag}
                        </span>
                      ))}
                    </td>
                    <td className="num">{formatLatency(t.latency)}</td>
                    <td className="num">{formatCost(t.totalCost)}</td>
                    <td>{t.level ? <span className={`level ${t.level}`}>{t.level}</span> : ""}</td>
                    <td>{t.environment ?? ""}</td>
                    <td className="preview">{preview(t.input)}</td>
                    <td className="nowrap">
                      <code className="id">{t.id.slice(0, 8)}</code> <CopyButton text={t.id} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {meta && (
            <div className="pager">
              <span className="muted">
                {meta.totalItems} traces · page {meta.page} of {Math.max(meta.totalPages, 1)}
              </span>
              <button disabled={filters.page <= 1} onClick={() => setSearch(filtersToSearch({ ...filters, page: filters.page - 1 }))}>
                ‹ Previous
              </button>
              <button
                disabled={filters.page >= meta.totalPages}
                onClick={() => setSearch(filtersToSearch({ ...filters, page: filters.page + 1 }))}
              >
                Next ›
              </button>
              <select
                aria-label="Rows per page"
                value={filters.limit}
                onChange={(e) => update({ limit: Number(e.target.value) })}
              >
                {LIMITS.map((l) => (
                  <option key={l} value={l}>
                    {l} per page
                  </option>
                ))}
              </select>
            </div>
          )}
        </>
      )}
    </div>
  );
}

// Full-text search over names, inputs and outputs. The URL (`?search=`) holds the value;
// typing updates it once the user pauses, so each keystroke is not a request.
function SearchBox({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  const sent = useRef(value);
  const send = (text: string) => {
    sent.current = text;
    if (text !== value) onChange(text);
  };
  useEffect(() => {
    // The URL changed elsewhere (Clear, back button): show it. Our own updates are skipped,
    // so a keystroke typed while one is applied is not lost.
    if (value !== sent.current) {
      sent.current = value;
      setDraft(value);
    }
  }, [value]);
  useEffect(() => {
    if (draft === sent.current) return;
    const timer = setTimeout(() => send(draft), 300);
    return () => clearTimeout(timer);
  }, [draft]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <input
      type="search"
      className="search"
      aria-label="Search traces"
      placeholder="Search names, inputs and outputs…"
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => e.key === "Enter" && send(draft)}
    />
  );
}

function FilterBar({ filters, update }: { filters: TraceFilters; update: (p: Partial<TraceFilters>) => void }) {
  const [draft, setDraft] = useState({
    name: filters.name,
    userId: filters.userId,
    sessionId: filters.sessionId,
    tags: filters.tags.join(", "),
    environment: filters.environment,
  });
  const apply = () =>
    update({
      name: draft.name.trim(),
      userId: draft.userId.trim(),
      sessionId: draft.sessionId.trim(),
      environment: draft.environment.trim(),
      tags: draft.tags.split(",").map((t) => t.trim()).filter(Boolean),
    });
  const field = (key: keyof typeof draft, label: string) => (
    <input
      aria-label={label}
      placeholder={label}
      value={draft[key]}
      onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
    />
  );
  return (
    <form
      className="filters"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <select aria-label="Time range" value={filters.time} onChange={(e) => update({ time: e.target.value as TraceFilters["time"] })}>
        <option value="">All time</option>
        {TIME_PRESETS.map((p) => (
          <option key={p} value={p}>
            Past {p}
          </option>
        ))}
      </select>
      {field("name", "Name")}
      {field("userId", "User ID")}
      {field("sessionId", "Session ID")}
      {field("tags", "Tags (comma separated)")}
      {field("environment", "Environment")}
      <button type="submit">Apply</button>
      <button
        type="button"
        className="ghost"
        onClick={() => {
          setDraft({ name: "", userId: "", sessionId: "", tags: "", environment: "" });
          update({ search: "", name: "", userId: "", sessionId: "", tags: [], environment: "", time: "" });
        }}
      >
        Clear
      </button>
    </form>
  );
}

function EmptyState({ projectId }: { projectId: string }) {
  const origin = window.location.origin;
  const code =
    `npm install langfuse\n\n` +
    `import { Langfuse } from "langfuse";\n\n` +
    `const langfuse = new Langfuse({\n` +
    `  publicKey: process.env.LANGFUSE_PUBLIC_KEY,\n` +
    `  secretKey: process.env.LANGFUSE_SECRET_KEY,\n` +
    `  baseUrl: "${origin}",\n` +
    `});\n` +
    `const trace = langfuse.trace({ name: "my-first-trace", userId: "user-1" });\n` +
    `trace.generation({ name: "chat", model: "gpt-4o-mini", input: [{ role: "user", content: "Hello" }] }).end({ output: "Hi!" });\n` +
    `await langfuse.flushAsync();`;
  return (
    <div className="card empty" data-testid="traces-empty">
      <h2>No traces yet</h2>
      <p>
        Send your first trace with a Langfuse SDK. Create a key under{" "}
        <Link to={`/project/${projectId}/settings/api-keys`}>API keys</Link>, then:
      </p>
      <CodeBlock code={code} />
    </div>
  );
}
