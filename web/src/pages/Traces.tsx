import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useEffect, useRef, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, can, findProject, type Trace } from "../api";
import { usePageAndTotal } from "../components/pageAndTotal";
import { Pager } from "../components/Pager";
import { useMe } from "../components/Layout";
import {
  layoutKey,
  moveColumn,
  nextActiveRow,
  parseLayout,
  scoreBadges,
  tokensCell,
  toggleColumn,
  TRACE_COLUMNS,
  visibleColumns,
  type ColumnLayout,
  type TraceColumnId,
} from "../lib/traceColumns";
import { CodeBlock, CopyButton } from "../components/Copy";
import { TimeRangeSelect } from "../components/TimeRangeSelect";
import {
  apiQuery,
  filtersFromSearch,
  filtersToSearch,
  DEFAULT_FILTERS,
  toggleSort,
  type MetadataFilter,
  type TraceFilters,
} from "../lib/filters";
import { formatCost, formatLatency, formatTimestamp } from "../lib/format";
import { preview } from "../lib/render";
import { sessionPath, userPath } from "../lib/lists";
import { searchLagNote, type SearchStatus } from "../lib/searchStatus";

const SORTABLE: Record<string, string> = { timestamp: "Timestamp", name: "Name", userId: "User", sessionId: "Session" };
const COLUMN_LABEL: Record<string, string> = Object.fromEntries(TRACE_COLUMNS.map((c) => [c.id, c.label]));

export function TracesPage() {
  const { projectId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filters = filtersFromSearch(search);
  const update = (patch: Partial<TraceFilters>) =>
    setSearch(filtersToSearch({ ...filters, page: 1, ...patch }));
  const tracesUrl = (total: "false" | "only") => {
    const q = apiQuery(filters);
    q.set("total", total);
    return `/api/ui/projects/${encodeURIComponent(projectId)}/traces?${q.toString()}`;
  };
  const { page: traces, total } = usePageAndTotal<Trace>(
    "traces",
    projectId,
    filtersToSearch(filters).toString(),
    filtersToSearch({ ...filters, page: 1, orderBy: "" }).toString(),
    tracesUrl,
  );
  const otherFilter = !!(
    filters.name ||
    filters.userId ||
    filters.sessionId ||
    filters.tags.length ||
    filters.environment ||
    filters.release ||
    filters.version ||
    filters.time ||
    filters.from ||
    filters.metadata.length
  );
  const anyFilter = otherFilter || !!filters.search;
  // While the search index catches up (after an upgrade rebuilt it, or under heavy
  // ingestion), say so beside search results; asked again every 10 s until it has.
  const searchStatus = useQuery({
    queryKey: ["search-status", projectId],
    queryFn: () => api<SearchStatus>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/search-status`),
    enabled: !!filters.search,
    refetchInterval: (query) => (searchLagNote(query.state.data) ? 10_000 : false),
  });
  const lagNote = filters.search ? searchLagNote(searchStatus.data) : null;
  const sortHeader = (col: string) => {
    const [c, dir] = filters.orderBy.split(".");
    return (
      <th className="sortable" onClick={() => update({ orderBy: toggleSort(filters.orderBy, col) })}>
        {SORTABLE[col]} {c === col ? (dir === "desc" ? "▼" : "▲") : ""}
      </th>
    );
  };
  const meta = traces.data?.meta;
  const rows = traces.data?.data ?? [];
  const me = useMe();
  const project = findProject(me.data, projectId)?.project;
  const canDelete = can(project, "traces:delete");
  const canBookmark = can(project, "objects:bookmark");
  const qc = useQueryClient();
  const [layout, setLayout] = useState(() => parseLayout(localStorage.getItem(layoutKey(projectId))));
  const saveLayout = (next: ColumnLayout) => {
    setLayout(next);
    localStorage.setItem(layoutKey(projectId), JSON.stringify(next));
  };
  const columns = visibleColumns(layout);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggleSelected = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const base = `/api/ui/projects/${encodeURIComponent(projectId)}/traces`;
  const bookmark = useMutation({
    mutationFn: ({ id, bookmarked }: { id: string; bookmarked: boolean }) =>
      api("PATCH", `${base}/${encodeURIComponent(id)}`, { bookmarked }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["traces", projectId] }),
  });
  const deleteSelected = async () => {
    await api("DELETE", base, { traceIds: [...selected] });
    setSelected(new Set());
    await qc.invalidateQueries({ queryKey: ["traces", projectId] });
  };
  const tracePath = (id: string) => `/project/${projectId}/traces/${encodeURIComponent(id)}`;
  // Keyboard navigation through the page's rows (not while typing in a field).
  const [active, setActive] = useState(-1);
  const activeRow = useRef<HTMLTableRowElement>(null);
  // Effects return nothing (React calls what an effect returns on unmount).
  useEffect(() => {
    setActive(-1);
  }, [traces.data]);
  useEffect(() => {
    activeRow.current?.scrollIntoView?.({ block: "nearest" });
  }, [active]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (["j", "k", "ArrowDown", "ArrowUp"].includes(e.key)) {
        e.preventDefault();
        setActive((a) => nextActiveRow(a, e.key, rows.length));
      } else if (e.key === "Enter" && active >= 0 && rows[active]) {
        navigate(tracePath(rows[active].id));
      } else if (e.key === "x" && active >= 0 && rows[active] && canDelete) {
        toggleSelected(rows[active].id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  const cell = (col: TraceColumnId, t: Trace) => {
    switch (col) {
      case "timestamp":
        return (
          <td className="nowrap">
            <Link to={tracePath(t.id)} onClick={(e) => e.stopPropagation()}>
              {formatTimestamp(t.timestamp)}
            </Link>
          </td>
        );
      case "name":
        return <td>{t.name ?? ""}</td>;
      case "userId":
        return (
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
        );
      case "sessionId":
        return (
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
        );
      case "tags":
        return (
          <td>
            {t.tags?.map((tag) => (
              <span key={tag} className="tag">
                {tag}
              </span>
            ))}
          </td>
        );
      case "latency":
        return <td className="num">{formatLatency(t.latency)}</td>;
      case "tokens":
        return <td className="num nowrap" data-testid="trace-tokens">{tokensCell(t)}</td>;
      case "cost":
        return <td className="num">{formatCost(t.totalCost)}</td>;
      case "scores":
        return (
          <td data-testid="trace-scores">
            {scoreBadges(t.scoreAggregates).map((b) => (
              <span key={b.name} className="score-badge" title={b.title}>
                {b.name} <b>{b.text}</b>
              </span>
            ))}
          </td>
        );
      case "level":
        return <td>{t.level ? <span className={`level ${t.level}`}>{t.level}</span> : ""}</td>;
      case "environment":
        return <td>{t.environment ?? ""}</td>;
      case "release":
        return <td>{t.release ?? ""}</td>;
      case "version":
        return <td>{t.version ?? ""}</td>;
      case "input":
        return <td className="preview">{preview(t.input)}</td>;
      case "output":
        return <td className="preview">{preview(t.output)}</td>;
      case "id":
        return (
          <td className="nowrap">
            <code className="id">{t.id.slice(0, 8)}</code> <CopyButton text={t.id} />
          </td>
        );
    }
  };
  return (
    <div className="page wide">
      <h1>Traces</h1>
      <SearchBox value={filters.search} onChange={(value) => update({ search: value })} />
      <FilterBar filters={filters} update={update} />
      {lagNote && (
        <p className="muted" data-testid="search-lag">
          {lagNote}
        </p>
      )}
      {traces.error && <p className="error">{traces.error.message}</p>}
      {traces.isPending && <p className="muted">Loading traces…</p>}
      {traces.data && traces.data.data.length === 0 && !anyFilter && filters.page === 1 && <EmptyState projectId={projectId} />}
      {traces.data && (traces.data.data.length > 0 || anyFilter || filters.page > 1) && (
        <>
          <TableToolbar
            layout={layout}
            setLayout={saveLayout}
            selected={selected}
            canDelete={canDelete}
            onDelete={deleteSelected}
            bookmarkedOnly={filters.bookmarked}
            onBookmarkedOnly={(on) => update({ bookmarked: on })}
          />
          <div className={`table-wrap ${traces.isFetching ? "fetching" : ""}`}>
            <table className="table traces" data-testid="traces-table">
              <thead>
                <tr>
                  {canDelete && (
                    <th className="select">
                      <input
                        type="checkbox"
                        aria-label="Select all traces on this page"
                        checked={rows.length > 0 && rows.every((t) => selected.has(t.id))}
                        onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((t) => t.id)) : new Set())}
                      />
                    </th>
                  )}
                  <th className="star" aria-label="Bookmarked" />
                  {columns.map((col) =>
                    SORTABLE[col] ? <Fragment key={col}>{sortHeader(col)}</Fragment> : <th key={col}>{COLUMN_LABEL[col]}</th>,
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={columns.length + 2} className="muted" data-testid="traces-no-match">
                      {filters.search
                        ? `Nothing matched “${filters.search}”${otherFilter ? " with these filters" : ""}. New traces become searchable a second or two after they arrive.`
                        : "No traces match these filters."}
                    </td>
                  </tr>
                )}
                {rows.map((t, index) => (
                  <tr
                    key={t.id}
                    ref={index === active ? activeRow : undefined}
                    className={`clickable ${index === active ? "active" : ""} ${selected.has(t.id) ? "selected" : ""}`}
                    onClick={() => navigate(tracePath(t.id))}
                  >
                    {canDelete && (
                      <td className="select" onClick={(e) => e.stopPropagation()}>
                        <input
                          type="checkbox"
                          aria-label={`Select trace ${t.id}`}
                          checked={selected.has(t.id)}
                          onChange={() => toggleSelected(t.id)}
                        />
                      </td>
                    )}
                    <td className="star" onClick={(e) => e.stopPropagation()}>
                      <button
                        type="button"
                        className={`star-button ${t.bookmarked ? "on" : ""}`}
                        aria-label={t.bookmarked ? "Remove bookmark" : "Bookmark"}
                        aria-pressed={!!t.bookmarked}
                        disabled={!canBookmark}
                        title={canBookmark ? undefined : "Your role cannot bookmark traces"}
                        onClick={() => bookmark.mutate({ id: t.id, bookmarked: !t.bookmarked })}
                      >
                        {t.bookmarked ? "★" : "☆"}
                      </button>
                    </td>
                    {columns.map((col) => (
                      <Fragment key={col}>{cell(col, t)}</Fragment>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted keys-hint">Keys: j/k or ↓/↑ move, Enter opens, x selects.</p>
          {meta && (
            <Pager
              meta={meta}
              total={total}
              noun="traces"
              onPage={(page) => setSearch(filtersToSearch({ ...filters, page }))}
              onLimit={(limit) => update({ limit })}
            />
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
    release: filters.release,
    version: filters.version,
  });
  const apply = () =>
    update({
      name: draft.name.trim(),
      userId: draft.userId.trim(),
      sessionId: draft.sessionId.trim(),
      environment: draft.environment.trim(),
      release: draft.release.trim(),
      version: draft.version.trim(),
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
      {filters.from && filters.to ? (
        <span className="tag metadata-chip" data-testid="range-chip">
          {new Date(filters.from).toLocaleString()} – {new Date(filters.to).toLocaleString()}{" "}
          <button type="button" className="ghost" aria-label="Remove the time range" onClick={() => update({ from: "", to: "" })}>
            ×
          </button>
        </span>
      ) : (
        <TimeRangeSelect value={filters.time} onChange={(time) => update({ time })} />
      )}
      {field("name", "Name")}
      {field("userId", "User ID")}
      {field("sessionId", "Session ID")}
      {field("tags", "Tags (comma separated)")}
      {field("environment", "Environment")}
      {field("release", "Release")}
      {field("version", "Version")}
      <button type="submit">Apply</button>
      <button
        type="button"
        className="ghost"
        onClick={() => {
          setDraft({ name: "", userId: "", sessionId: "", tags: "", environment: "", release: "", version: "" });
          // Every filter back to its default; the sort, page size and bookmark switch stay.
          update({ ...DEFAULT_FILTERS, orderBy: filters.orderBy, limit: filters.limit, bookmarked: filters.bookmarked });
        }}
      >
        Clear
      </button>
      <MetadataFilters filters={filters.metadata} onChange={(metadata) => update({ metadata })} />
    </form>
  );
}

// Filters on top-level metadata values: each active one is a chip (× removes it); a key,
// an operator and a value add another. All of them hold at once (AND).
function MetadataFilters({ filters, onChange }: { filters: MetadataFilter[]; onChange: (f: MetadataFilter[]) => void }) {
  const [draft, setDraft] = useState<MetadataFilter>({ key: "", op: "=", value: "" });
  const add = () => {
    const key = draft.key.trim();
    if (!key || (draft.op === "contains" && !draft.value)) return;
    onChange([...filters, { ...draft, key }]);
    setDraft({ key: "", op: "=", value: "" });
  };
  return (
    <div className="metadata-filters">
      {filters.map((f, i) => (
        <span key={`${f.key}-${i}`} className="tag metadata-chip" data-testid="metadata-chip">
          metadata.{f.key} {f.op === "=" ? "=" : "contains"} “{f.value}”{" "}
          <button
            type="button"
            className="ghost"
            aria-label={`Remove the metadata filter on ${f.key}`}
            onClick={() => onChange(filters.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        aria-label="Metadata key"
        placeholder="Metadata key"
        value={draft.key}
        onChange={(e) => setDraft({ ...draft, key: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
      <select aria-label="Metadata operator" value={draft.op} onChange={(e) => setDraft({ ...draft, op: e.target.value as MetadataFilter["op"] })}>
        <option value="=">=</option>
        <option value="contains">contains</option>
      </select>
      <input
        aria-label="Metadata value"
        placeholder="Value"
        value={draft.value}
        onChange={(e) => setDraft({ ...draft, value: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
      <button type="button" onClick={add} disabled={!draft.key.trim()}>
        Add metadata filter
      </button>
    </div>
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

// Above the table: the column chooser (show, hide, reorder), the bookmarked-only switch and,
// for those allowed to delete, the bulk delete of the selected traces.
function TableToolbar({
  layout,
  setLayout,
  selected,
  canDelete,
  onDelete,
  bookmarkedOnly,
  onBookmarkedOnly,
}: {
  layout: ColumnLayout;
  setLayout: (l: ColumnLayout) => void;
  selected: Set<string>;
  canDelete: boolean;
  onDelete: () => Promise<void>;
  bookmarkedOnly: boolean;
  onBookmarkedOnly: (on: boolean) => void;
}) {
  const [error, setError] = useState("");
  return (
    <div className="table-toolbar">
      <details className="columns-menu">
        <summary>Columns</summary>
        <ul>
          {layout.order.map((id, i) => (
            <li key={id}>
              <label>
                <input type="checkbox" checked={!layout.hidden.includes(id)} onChange={() => setLayout(toggleColumn(layout, id))} />{" "}
                {COLUMN_LABEL[id]}
              </label>
              <button type="button" className="ghost" aria-label={`Move ${COLUMN_LABEL[id]} up`} disabled={i === 0} onClick={() => setLayout(moveColumn(layout, id, -1))}>
                ↑
              </button>
              <button type="button" className="ghost" aria-label={`Move ${COLUMN_LABEL[id]} down`} disabled={i === layout.order.length - 1} onClick={() => setLayout(moveColumn(layout, id, 1))}>
                ↓
              </button>
            </li>
          ))}
        </ul>
      </details>
      <label className="bookmarked-only">
        <input type="checkbox" checked={bookmarkedOnly} onChange={(e) => onBookmarkedOnly(e.target.checked)} /> Bookmarked only
      </label>
      {canDelete && selected.size > 0 && (
        <button
          type="button"
          className="danger"
          onClick={async () => {
            if (!window.confirm(`Delete ${selected.size} trace${selected.size === 1 ? "" : "s"} with their observations and scores? This cannot be undone.`)) return;
            setError("");
            try {
              await onDelete();
            } catch (e) {
              setError(e instanceof Error ? e.message : String(e));
            }
          }}
        >
          Delete {selected.size} selected
        </button>
      )}
      {error && <span className="error">{error}</span>}
    </div>
  );
}
