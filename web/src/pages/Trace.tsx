import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, type Observation, type TraceDetail } from "../api";
import { CopyButton } from "../components/Copy";
import { JsonView, ValueView } from "../components/Value";
import { formatCost, formatLatency, formatNumber, formatTimestamp, secondsBetween } from "../lib/format";
import { sessionPath, userPath } from "../lib/lists";
import { nextActiveRow } from "../lib/traceColumns";
import { barGeometry, buildTree, flatten, observationCost, traceSpan } from "../lib/tree";

export function TracePage() {
  const { projectId = "", traceId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const selected = search.get("observation");
  const trace = useQuery({
    queryKey: ["trace", projectId, traceId],
    queryFn: () =>
      api<TraceDetail>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/traces/${encodeURIComponent(traceId)}`),
  });
  // Keyboard: j/k or ↓/↑ walk the tree in display order, Escape clears the selection. The
  // handler reads the latest rows through a ref, so it is registered once.
  const nav = useRef<{ ids: string[]; selected: string | null; select: (id: string | null) => void }>({
    ids: [],
    selected: null,
    select: () => {},
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      const { ids, selected: current, select: choose } = nav.current;
      if (!["j", "k", "ArrowDown", "ArrowUp", "Escape"].includes(e.key) || ids.length === 0) return;
      e.preventDefault();
      if (e.key === "Escape") return choose(null);
      const next = nextActiveRow(current ? ids.indexOf(current) : -1, e.key, ids.length);
      choose(ids[next]);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  if (trace.isPending) return <p className="page muted">Loading trace…</p>;
  if (trace.error) return <p className="page error">{trace.error.message}</p>;
  const t = trace.data;
  const rows = flatten(buildTree(t.observations ?? []));
  const span = traceSpan(t.timestamp, t.observations ?? []);
  const obs = rows.find((r) => r.obs.id === selected)?.obs;
  const select = (id: string | null) => {
    const s = new URLSearchParams(search);
    if (id) s.set("observation", id);
    else s.delete("observation");
    setSearch(s);
  };
  nav.current = { ids: rows.map((r) => r.obs.id), selected, select };
  return (
    <div className="page wide">
      <div className="crumbs">
        <Link to={`/project/${projectId}/traces`}>Traces</Link> / <code>{t.id}</code> <CopyButton text={t.id} />
      </div>
      <h1>{t.name || "Trace"}</h1>
      <div className="badges">
        <span>{formatTimestamp(t.timestamp)}</span>
        <span>Latency {formatLatency(t.latency)}</span>
        <span data-testid="trace-cost">Cost {formatCost(t.totalCost)}</span>
        {t.userId && (
          <span>
            User <Link to={userPath(projectId, t.userId)}>{t.userId}</Link>
          </span>
        )}
        {t.sessionId && (
          <span>
            Session <Link to={sessionPath(projectId, t.sessionId)}>{t.sessionId}</Link>
          </span>
        )}
        {t.environment && <span>Env {t.environment}</span>}
        {t.release && <span>Release {t.release}</span>}
        {t.tags?.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
      </div>
      <div className="trace-layout">
        <div className="tree" role="tree">
          <div
            role="treeitem"
            aria-selected={!obs}
            className={`tree-row ${!obs ? "selected" : ""}`}
            onClick={() => select(null)}
          >
            <div className="tree-label">
              <span className="type TRACE">TRACE</span> {t.name || t.id}
            </div>
            <div className="bar-track">
              <div className="bar trace-bar" style={{ left: "0%", width: "100%" }} />
            </div>
          </div>
          {rows.map(({ obs: o, depth }) => {
            const g = barGeometry(o, span);
            const lat = secondsBetween(o.startTime, o.endTime);
            return (
              <div
                key={o.id}
                role="treeitem"
                aria-selected={o.id === selected}
                data-testid="tree-row"
                className={`tree-row ${o.id === selected ? "selected" : ""} level-${o.level}`}
                onClick={() => select(o.id)}
              >
                <div className="tree-label" style={{ paddingLeft: 8 + (depth + 1) * 16 }}>
                  <span className={`type ${o.type}`}>{o.type}</span> <span className="oname">{o.name || o.id}</span>
                  {o.level === "ERROR" || o.level === "WARNING" ? <span className={`level ${o.level}`}>{o.level}</span> : null}
                  <span className="muted small"> {formatLatency(lat)}</span>
                </div>
                <div className="bar-track">
                  <div className={`bar ${o.type}`} style={{ left: `${g.left}%`, width: `${g.width}%` }} />
                </div>
              </div>
            );
          })}
        </div>
        <div className="detail">{obs ? <ObservationDetail o={obs} /> : <TraceIO t={t} />}</div>
      </div>
    </div>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function TraceIO({ t }: { t: TraceDetail }) {
  return (
    <>
      <h2>Trace</h2>
      <Section title="Input">
        <ValueView value={t.input} />
      </Section>
      <Section title="Output">
        <ValueView value={t.output} />
      </Section>
      {t.metadata !== null && t.metadata !== undefined && (
        <Section title="Metadata">
          <JsonView value={t.metadata} />
        </Section>
      )}
    </>
  );
}

function ObservationDetail({ o }: { o: Observation }) {
  const latency = secondsBetween(o.startTime, o.endTime);
  const ttft = secondsBetween(o.startTime, o.completionStartTime);
  const cost = observationCost(o);
  const usage = o.usageDetails && Object.keys(o.usageDetails).length ? o.usageDetails : null;
  return (
    <>
      <h2>
        <span className={`type ${o.type}`}>{o.type}</span> {o.name || o.id}
      </h2>
      <div className="muted small">
        <code>{o.id}</code> <CopyButton text={o.id} />
      </div>
      {(o.level === "ERROR" || o.level === "WARNING") && (
        <div className={`alert ${o.level}`} role="alert">
          <b>{o.level}</b>
          {o.statusMessage ? `: ${o.statusMessage}` : ""}
        </div>
      )}
      <dl className="kv grid">
        <dt>Start</dt>
        <dd>{formatTimestamp(o.startTime)}</dd>
        <dt>Latency</dt>
        <dd>{formatLatency(latency)}</dd>
        {ttft !== null && (
          <>
            <dt>Time to first token</dt>
            <dd>{formatLatency(ttft)}</dd>
          </>
        )}
        {o.model && (
          <>
            <dt>Model</dt>
            <dd>{o.model}</dd>
          </>
        )}
        <dt>Cost</dt>
        <dd data-testid="observation-cost">{formatCost(cost)}</dd>
        {usage && (
          <>
            <dt>Usage</dt>
            <dd>
              {Object.entries(usage)
                .map(([k, v]) => `${k}: ${formatNumber(v)}`)
                .join(" · ")}
            </dd>
          </>
        )}
        <dt>Level</dt>
        <dd>
          <span className={`level ${o.level}`}>{o.level}</span>
        </dd>
        {o.statusMessage && o.level !== "ERROR" && o.level !== "WARNING" && (
          <>
            <dt>Status</dt>
            <dd>{o.statusMessage}</dd>
          </>
        )}
      </dl>
      {o.modelParameters && typeof o.modelParameters === "object" && Object.keys(o.modelParameters).length > 0 ? (
        <Section title="Model parameters">
          <JsonView value={o.modelParameters} />
        </Section>
      ) : null}
      <Section title="Input">
        <ValueView value={o.input} />
      </Section>
      <Section title="Output">
        <ValueView value={o.output} />
      </Section>
      {o.metadata !== null && o.metadata !== undefined && (
        <Section title="Metadata">
          <JsonView value={o.metadata} />
        </Section>
      )}
    </>
  );
}
