// The sessions list: one row per session, newest first, with its traces' totals.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, type Paged, type SessionSummary } from "../api";
import { CopyButton } from "../components/Copy";
import { Pager } from "../components/Pager";
import { partialNote } from "../lib/conversation";
import { TimeRangeSelect } from "../components/TimeRangeSelect";
import { formatCost, formatLatency, formatTimestamp } from "../lib/format";
import {
  sessionPath,
  sessionsApiQuery,
  sessionStateFromSearch,
  sessionStateToSearch,
  userPath,
  type SessionListState,
} from "../lib/lists";

export function SessionsPage() {
  const { projectId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const st = sessionStateFromSearch(search);
  const update = (patch: Partial<SessionListState>) => setSearch(sessionStateToSearch({ ...st, page: 1, ...patch }));
  return (
    <div className="page wide">
      <h1>Sessions</h1>
      <div className="filters">
        <TimeRangeSelect value={st.time} onChange={(time) => update({ time })} />
      </div>
      <SessionsTable
        projectId={projectId}
        state={st}
        onPage={(page) => setSearch(sessionStateToSearch({ ...st, page }))}
        onLimit={(limit) => update({ limit })}
      />
    </div>
  );
}

// Also the user page's sessions (with `userId`).
export function SessionsTable({
  projectId,
  state,
  userId,
  onPage,
  onLimit,
}: {
  projectId: string;
  state: SessionListState;
  userId?: string;
  onPage: (page: number) => void;
  onLimit?: (limit: number) => void;
}) {
  const navigate = useNavigate();
  const sessions = useQuery({
    queryKey: ["ui-sessions", projectId, userId ?? "", sessionStateToSearch(state).toString()],
    queryFn: () =>
      api<Paged<SessionSummary>>(
        "GET",
        `/api/ui/projects/${encodeURIComponent(projectId)}/ui-sessions?${sessionsApiQuery(state, Date.now(), userId).toString()}`,
      ),
    placeholderData: keepPreviousData,
  });
  if (sessions.error) return <p className="error">{sessions.error.message}</p>;
  if (sessions.isPending) return <p className="muted">Loading sessions…</p>;
  const { data, meta } = sessions.data;
  if (data.length === 0 && meta.page === 1) {
    if (userId) return <p className="muted">This user's traces belong to no session.</p>;
    return (
      <div className="card empty" data-testid="sessions-empty">
        <h2>{state.time ? "No sessions in this time range" : "No sessions yet"}</h2>
        <p>
          {state.time ? "Choose a longer time range, or " : ""}
          Group traces into a session by giving them the same <code>sessionId</code>, e.g.{" "}
          <code>langfuse.trace({"{"} name: "chat", sessionId: "chat-42" {"}"})</code>. See all traces on the{" "}
          <Link to={`/project/${projectId}/traces`}>traces page</Link>.
        </p>
      </div>
    );
  }
  return (
    <>
      <div className={`table-wrap ${sessions.isFetching ? "fetching" : ""}`}>
        <table className="table sessions">
          <thead>
            <tr>
              <th>Session</th>
              <th>Created</th>
              <th className="num">Traces</th>
              <th className="num">Duration</th>
              <th className="num">Cost</th>
              <th>Users</th>
              <th>Environment</th>
            </tr>
          </thead>
          <tbody>
            {data.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No sessions on this page.
                </td>
              </tr>
            )}
            {data.map((s) => (
              <tr key={s.id} className="clickable" data-testid="session-row" onClick={() => navigate(sessionPath(projectId, s.id))}>
                <td className="nowrap">
                  <Link to={sessionPath(projectId, s.id)} onClick={(e) => e.stopPropagation()}>
                    {s.id}
                  </Link>{" "}
                  <CopyButton text={s.id} />
                </td>
                <td className="nowrap">{formatTimestamp(s.createdAt)}</td>
                <td className="num">{s.traceCount.toLocaleString("en-US")}</td>
                <td className="num">{formatLatency(s.durationSeconds)}</td>
                <td className="num" title={partialNote(s.countedTraces, s.traceCount) ?? undefined}>
                  {s.countedTraces < s.traceCount ? "≥ " : ""}
                  {formatCost(s.totalCost)}
                </td>
                <td>
                  {s.userIds.map((u) => (
                    <Link key={u} className="tag" to={userPath(projectId, u)} onClick={(e) => e.stopPropagation()}>
                      {u}
                    </Link>
                  ))}
                </td>
                <td>{s.environment}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager meta={meta} noun="sessions" onPage={onPage} onLimit={onLimit} />
    </>
  );
}
