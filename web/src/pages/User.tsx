// One end user: totals, their sessions and their traces.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, type Paged, type Trace, type UserSummary } from "../api";
import { CopyButton } from "../components/Copy";
import { Pager } from "../components/Pager";
import { partialNote } from "../lib/conversation";
import { formatCost, formatLatency, formatNumber, formatTimestamp } from "../lib/format";
import { sessionPath } from "../lib/lists";
import { preview } from "../lib/render";
import { SessionsTable } from "./Sessions";

const LIMIT = 20;

export function UserPage() {
  const { projectId = "", userId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const num = (key: string) => Math.max(1, Number(search.get(key)) || 1);
  const setPage = (key: string, page: number) => {
    const s = new URLSearchParams(search);
    if (page === 1) s.delete(key);
    else s.set(key, String(page));
    setSearch(s);
  };
  const user = useQuery({
    queryKey: ["user", projectId, userId],
    queryFn: () =>
      api<UserSummary>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/users/${encodeURIComponent(userId)}`),
  });
  const crumbs = (
    <div className="crumbs">
      <Link to={`/project/${projectId}/users`}>Users</Link> / <code>{userId}</code> <CopyButton text={userId} />
    </div>
  );
  if (user.isPending)
    return (
      <div className="page">
        {crumbs}
        <p className="muted">Loading user…</p>
      </div>
    );
  if (user.error)
    return (
      <div className="page">
        {crumbs}
        <p className="error">{user.error.message}</p>
      </div>
    );
  const u = user.data;
  const partial = partialNote(u.countedTraces, u.traceCount);
  return (
    <div className="page wide">
      {crumbs}
      <h1>{u.userId}</h1>
      <dl className="kv grid" data-testid="user-totals">
        <dt>First seen</dt>
        <dd>{formatTimestamp(u.firstSeen)}</dd>
        <dt>Last seen</dt>
        <dd>{formatTimestamp(u.lastSeen)}</dd>
        <dt>Traces</dt>
        <dd data-testid="user-trace-count">{formatNumber(u.traceCount)}</dd>
        <dt>Tokens</dt>
        <dd>
          {partial ? "≥ " : ""}
          {formatNumber(u.totalTokens)} ({formatNumber(u.inputTokens ?? 0)} in · {formatNumber(u.outputTokens ?? 0)} out)
        </dd>
        <dt>Cost</dt>
        <dd data-testid="user-cost">
          {partial ? "≥ " : ""}
          {formatCost(u.totalCost)}
        </dd>
      </dl>
      {partial && <p className="muted small">Tokens and cost are {partial}.</p>}
      <h2 className="section-title">Sessions</h2>
      <SessionsTable
        projectId={projectId}
        userId={userId}
        state={{ time: "", page: num("sessionsPage"), limit: LIMIT }}
        onPage={(p) => setPage("sessionsPage", p)}
      />
      <h2 className="section-title">
        Traces{" "}
        <Link className="small" to={`/project/${projectId}/traces?userId=${encodeURIComponent(userId)}`}>
          open in the traces table
        </Link>
      </h2>
      <UserTraces projectId={projectId} userId={userId} page={num("tracesPage")} onPage={(p) => setPage("tracesPage", p)} />
    </div>
  );
}

function UserTraces({ projectId, userId, page, onPage }: { projectId: string; userId: string; page: number; onPage: (p: number) => void }) {
  const q = new URLSearchParams({ userId, page: String(page), limit: String(LIMIT), orderBy: "timestamp.desc" });
  const traces = useQuery({
    queryKey: ["traces", projectId, q.toString()],
    queryFn: () => api<Paged<Trace>>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/traces?${q.toString()}`),
    placeholderData: keepPreviousData,
  });
  if (traces.error) return <p className="error">{traces.error.message}</p>;
  if (traces.isPending) return <p className="muted">Loading traces…</p>;
  return (
    <>
      <div className={`table-wrap ${traces.isFetching ? "fetching" : ""}`}>
        <table className="table">
          <thead>
            <tr>
              <th>Timestamp</th>
              <th>Name</th>
              <th>Session</th>
              <th className="num">Latency</th>
              <th className="num">Cost</th>
              <th>Input</th>
            </tr>
          </thead>
          <tbody>
            {traces.data.data.map((t) => (
              <tr key={t.id} data-testid="user-trace-row">
                <td className="nowrap">
                  <Link to={`/project/${projectId}/traces/${encodeURIComponent(t.id)}`}>{formatTimestamp(t.timestamp)}</Link>
                </td>
                <td>{t.name ?? ""}</td>
                <td>{t.sessionId && <Link to={sessionPath(projectId, t.sessionId)}>{t.sessionId}</Link>}</td>
                <td className="num">{formatLatency(t.latency)}</td>
                <td className="num">{formatCost(t.totalCost)}</td>
                <td className="preview">{preview(t.input)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager meta={traces.data.meta} noun="traces" onPage={onPage} />
    </>
  );
}
