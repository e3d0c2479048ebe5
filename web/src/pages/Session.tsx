// One session replayed as a conversation: its traces in timestamp order, each trace's input
// as the user's turn and its output as the assistant's, rendered like the trace detail.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, type SessionDetail, type Trace } from "../api";
import { CopyButton } from "../components/Copy";
import { Pager } from "../components/Pager";
import { ValueView } from "../components/Value";
import { partialNote, userTurn } from "../lib/conversation";
import { formatCost, formatLatency, formatNumber, formatTimestamp } from "../lib/format";
import { userPath } from "../lib/lists";

export function SessionPage() {
  const { projectId = "", sessionId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const page = Math.max(1, Number(search.get("page")) || 1);
  const limit = [20, 50, 100].includes(Number(search.get("limit"))) ? Number(search.get("limit")) : 50;
  const session = useQuery({
    queryKey: ["ui-session", projectId, sessionId, page, limit],
    queryFn: () =>
      api<SessionDetail>(
        "GET",
        `/api/ui/projects/${encodeURIComponent(projectId)}/ui-sessions/${encodeURIComponent(sessionId)}?page=${page}&limit=${limit}`,
      ),
    placeholderData: keepPreviousData,
  });
  const crumbs = (
    <div className="crumbs">
      <Link to={`/project/${projectId}/sessions`}>Sessions</Link> / <code>{sessionId}</code> <CopyButton text={sessionId} />
    </div>
  );
  if (session.isPending)
    return (
      <div className="page">
        {crumbs}
        <p className="muted">Loading session…</p>
      </div>
    );
  if (session.error)
    return (
      <div className="page">
        {crumbs}
        <p className="error">{session.error.message}</p>
      </div>
    );
  const s = session.data;
  const partial = partialNote(s.countedTraces, s.traceCount);
  const go = (p: number, l: number) => {
    const q = new URLSearchParams();
    if (p !== 1) q.set("page", String(p));
    if (l !== 50) q.set("limit", String(l));
    setSearch(q);
  };
  return (
    <div className="page">
      {crumbs}
      <h1>Session</h1>
      <div className="badges" data-testid="session-totals">
        <span>Created {formatTimestamp(s.createdAt)}</span>
        <span>
          {formatNumber(s.traceCount)} {s.traceCount === 1 ? "trace" : "traces"}
        </span>
        <span>Duration {formatLatency(s.durationSeconds)}</span>
        <span data-testid="session-cost" title={partial ?? undefined}>
          Cost {partial ? "≥ " : ""}
          {formatCost(s.totalCost)}
        </span>
        <span>
          Tokens {formatNumber(s.totalTokens)} ({formatNumber(s.inputTokens)} in · {formatNumber(s.outputTokens)} out)
        </span>
        <span>Env {s.environment}</span>
        {s.userIds.map((u) => (
          <Link key={u} className="tag" to={userPath(projectId, u)}>
            User {u}
          </Link>
        ))}
      </div>
      {partial && <p className="muted small">Cost and tokens are {partial}.</p>}
      {s.traces.length === 0 ? (
        <p className="muted">
          {s.meta.page > 1 ? "No traces on this page." : "This session has no traces left (they may have been deleted)."}
        </p>
      ) : (
        <div className={`conversation ${session.isFetching ? "fetching" : ""}`}>
          {s.traces.map((t) => (
            <TraceTurns key={t.id} projectId={projectId} t={t} />
          ))}
        </div>
      )}
      {s.meta.totalPages > 1 && <Pager meta={s.meta} noun="traces" onPage={(p) => go(p, limit)} onLimit={(l) => go(1, l)} />}
    </div>
  );
}

function TraceTurns({ projectId, t }: { projectId: string; t: Trace }) {
  const turn = userTurn(t.input);
  return (
    <article className="turn" data-testid="session-trace">
      <header className="turn-head">
        <Link to={`/project/${projectId}/traces/${encodeURIComponent(t.id)}`}>{t.name || t.id.slice(0, 8)}</Link>
        <span className="muted small">{formatTimestamp(t.timestamp)}</span>
        <span className="muted small">Latency {formatLatency(t.latency)}</span>
        <span className="muted small">Cost {formatCost(t.totalCost)}</span>
        {t.userId && (
          <Link className="small" to={userPath(projectId, t.userId)}>
            {t.userId}
          </Link>
        )}
      </header>
      <div className="turn-side user" data-testid="turn-input">
        <div className="turn-label">Input{turn.earlier > 0 ? ` · ${turn.earlier} earlier messages hidden` : ""}</div>
        <ValueView value={turn.value} />
      </div>
      <div className="turn-side assistant" data-testid="turn-output">
        <div className="turn-label">Output</div>
        <ValueView value={t.output} />
      </div>
    </article>
  );
}
