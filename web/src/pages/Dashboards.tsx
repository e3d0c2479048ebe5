// Saved custom dashboards: the project's list, and one dashboard — viewed with the same
// filters as the home dashboard, or edited (widgets added, reordered, resized, removed;
// named and saved). Writes need dashboards:CUD; the server checks it again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, can, findProject } from "../api";
import { BigNumber, HBarChart, MetricTable, TimeChart } from "../components/charts";
import { Card, DashFilterBar, useDashState, useMetrics } from "../components/dashboard";
import { useMe } from "../components/Layout";
import { formatTimestamp } from "../lib/format";
import {
  CHART_TYPES,
  dashboardsPath,
  defaultTitle,
  draftProblem,
  fillFor,
  moveWidget,
  newWidget,
  nextWidgetId,
  normalizeWidget,
  overTime,
  removeWidget,
  resizeWidget,
  unitOf,
  widgetQuery,
  type ChartType,
  type Dashboard,
  type Widget,
} from "../lib/dashboards";
import { AGGREGATIONS, LABELS, VIEWS, ignoredFilters, metricKey, toCategories, toTimeSeries, total, tracesLink, type View } from "../lib/metrics";
import "./dashboard.css";

function useCanEdit(projectId: string) {
  const me = useMe();
  return can(findProject(me.data, projectId)?.project, "dashboards:CUD");
}

export function DashboardsPage() {
  const { projectId = "" } = useParams();
  const qc = useQueryClient();
  const canEdit = useCanEdit(projectId);
  const list = useQuery({
    queryKey: ["dashboards", projectId],
    queryFn: () => api<{ data: Dashboard[] }>("GET", dashboardsPath(projectId)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api("DELETE", dashboardsPath(projectId, id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["dashboards", projectId] }),
  });
  const [confirm, setConfirm] = useState<string | null>(null);
  return (
    <div className="page wide">
      <div className="row dash-title">
        <h1>Dashboards</h1>
        <span className="spacer" />
        {canEdit && (
          <Link to={`/project/${projectId}/dashboards/new`}>
            <button className="primary">New dashboard</button>
          </Link>
        )}
      </div>
      <p className="muted">
        The <Link to={`/project/${projectId}/dashboard`}>home dashboard</Link> shows volume, cost, latency and scores. Build your own
        from widgets here.
      </p>
      {list.error && <p className="error">{list.error.message}</p>}
      {list.isPending && <p className="muted">Loading dashboards…</p>}
      {list.data && list.data.data.length === 0 && (
        <div className="card empty" data-testid="dashboards-empty">
          <h2>No saved dashboards yet</h2>
          <p>{canEdit ? "Create one with “New dashboard”: pick a view, a metric and a chart for each widget." : "A project member can create one."}</p>
        </div>
      )}
      {list.data && list.data.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th className="num">Widgets</th>
              <th>Updated</th>
              <th>Created by</th>
              {canEdit && <th />}
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((d) => (
              <tr key={d.id} data-testid="dashboard-row">
                <td>
                  <Link to={`/project/${projectId}/dashboards/${d.id}`}>{d.name}</Link>
                </td>
                <td className="muted">{d.description}</td>
                <td className="num">{d.definition.widgets.length}</td>
                <td className="nowrap">{formatTimestamp(d.updatedAt)}</td>
                <td>{d.createdBy}</td>
                {canEdit && (
                  <td className="nowrap">
                    {confirm === d.id ? (
                      <>
                        <span className="confirm">Delete “{d.name}”? </span>
                        <button className="danger" onClick={() => remove.mutate(d.id)} disabled={remove.isPending}>
                          Delete
                        </button>{" "}
                        <button onClick={() => setConfirm(null)}>Cancel</button>
                      </>
                    ) : (
                      <button className="danger-outline" onClick={() => setConfirm(d.id)}>
                        Delete
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {remove.error && <p className="error">{remove.error.message}</p>}
    </div>
  );
}

// /dashboards/new and /dashboards/:dashboardId (?edit=1 opens the editor).
export function DashboardViewPage() {
  const { projectId = "", dashboardId = "new" } = useParams();
  const isNew = dashboardId === "new";
  const one = useQuery({
    queryKey: ["dashboard", projectId, dashboardId],
    queryFn: () => api<Dashboard>("GET", dashboardsPath(projectId, dashboardId)),
    enabled: !isNew,
  });
  if (!isNew && one.error) return <p className="page error">{one.error.message}</p>;
  if (!isNew && one.isPending) return <p className="page muted">Loading…</p>;
  return <DashboardView key={one.data?.updatedAt ?? "new"} projectId={projectId} saved={isNew ? null : one.data!} />;
}

function DashboardView({ projectId, saved }: { projectId: string; saved: Dashboard | null }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const canEdit = useCanEdit(projectId);
  const editing = canEdit && (saved === null || search.get("edit") === "1");
  const st = useDashState();
  const [name, setName] = useState(saved?.name ?? "");
  const [description, setDescription] = useState(saved?.description ?? "");
  const [widgets, setWidgets] = useState<Widget[]>(saved?.definition.widgets ?? []);
  const [adding, setAdding] = useState<Widget | null>(saved ? null : newWidget("w1"));
  const problem = draftProblem(name, widgets);
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), description, definition: { widgets } };
      return saved ? api<Dashboard>("PUT", dashboardsPath(projectId, saved.id), body) : api<Dashboard>("POST", dashboardsPath(projectId), body);
    },
    onSuccess: async (d) => {
      await qc.invalidateQueries({ queryKey: ["dashboards", projectId] });
      qc.setQueryData(["dashboard", projectId, d.id], d);
      navigate(`/project/${projectId}/dashboards/${d.id}`);
    },
  });
  const setEdit = (on: boolean) => {
    const next = new URLSearchParams(search);
    if (on) next.set("edit", "1");
    else next.delete("edit");
    setSearch(next);
  };
  const shown = editing ? widgets : saved?.definition.widgets ?? [];

  return (
    <div className="page wide dashboard">
      <div className="crumbs">
        <Link to={`/project/${projectId}/dashboards`}>Dashboards</Link> /
      </div>
      {editing ? (
        <div className="dash-editor-head">
          <input className="dash-name" aria-label="Dashboard name" placeholder="Dashboard name" value={name} onChange={(e) => setName(e.target.value)} />
          <input
            className="dash-description"
            aria-label="Description"
            placeholder="Description (optional)"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
          <button className="primary" disabled={!!problem || save.isPending} onClick={() => save.mutate()} title={problem ?? undefined}>
            {save.isPending ? "Saving…" : "Save dashboard"}
          </button>
          {saved && (
            <button
              onClick={() => {
                setWidgets(saved.definition.widgets);
                setName(saved.name);
                setDescription(saved.description);
                setEdit(false);
              }}
            >
              Cancel
            </button>
          )}
          {problem && <span className="muted small">{problem}</span>}
          {save.error && <span className="error">{save.error.message}</span>}
        </div>
      ) : (
        <div className="row dash-title">
          <h1>{saved?.name}</h1>
          {saved?.description && <span className="muted">{saved.description}</span>}
          <span className="spacer" />
          {canEdit && <button onClick={() => setEdit(true)}>Edit</button>}
        </div>
      )}
      <DashFilterBar projectId={projectId} state={st} />
      {shown.length === 0 && !editing && <p className="muted">This dashboard has no widgets yet.{canEdit ? " Edit it to add some." : ""}</p>}
      <div className="dash-grid">
        {shown.map((w, i) => (
          <WidgetCard
            key={w.id}
            projectId={projectId}
            widget={w}
            state={st}
            actions={
              editing ? (
                <span className="widget-actions">
                  <button title="Move earlier" disabled={i === 0} onClick={() => setWidgets(moveWidget(widgets, w.id, -1))}>
                    ←
                  </button>
                  <button title="Move later" disabled={i === widgets.length - 1} onClick={() => setWidgets(moveWidget(widgets, w.id, 1))}>
                    →
                  </button>
                  <button title="Half or full width" onClick={() => setWidgets(resizeWidget(widgets, w.id))}>
                    {w.width === 2 ? "Half width" : "Full width"}
                  </button>
                  <button title="Remove" className="danger-outline" onClick={() => setWidgets(removeWidget(widgets, w.id))}>
                    ✕
                  </button>
                </span>
              ) : undefined
            }
          />
        ))}
      </div>
      {editing &&
        (adding ? (
          <WidgetForm
            widget={adding}
            onChange={setAdding}
            onAdd={() => {
              setWidgets([...widgets, { ...adding, title: adding.title.trim() || defaultTitle(adding) }]);
              setAdding(null);
            }}
            onCancel={() => setAdding(null)}
          />
        ) : (
          <button className="add-widget" onClick={() => setAdding(newWidget(nextWidgetId(widgets)))}>
            + Add widget
          </button>
        ))}
    </div>
  );
}

function WidgetForm({ widget, onChange, onAdd, onCancel }: { widget: Widget; onChange: (w: Widget) => void; onAdd: () => void; onCancel: () => void }) {
  const v = VIEWS[widget.view];
  const set = (patch: Partial<Widget>) => onChange(normalizeWidget({ ...widget, ...patch }));
  return (
    <div className="card widget-form" data-testid="widget-form">
      <h2>New widget</h2>
      <div className="widget-form-grid">
        <label>
          View
          <select aria-label="View" value={widget.view} onChange={(e) => set({ view: e.target.value as View })}>
            {Object.entries(VIEWS).map(([k, x]) => (
              <option key={k} value={k}>
                {x.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Metric
          <select aria-label="Metric" value={widget.measure} onChange={(e) => set({ measure: e.target.value })}>
            {v.measures.map((m) => (
              <option key={m} value={m}>
                {LABELS[m] ?? m}
              </option>
            ))}
          </select>
        </label>
        <label>
          Aggregation
          <select
            aria-label="Aggregation"
            value={widget.aggregation}
            disabled={widget.measure === "count"}
            onChange={(e) => set({ aggregation: e.target.value as Widget["aggregation"] })}
          >
            {AGGREGATIONS.filter((a) => (widget.measure === "count" ? a === "count" : a !== "count")).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Dimension
          <select aria-label="Dimension" value={widget.dimension ?? ""} onChange={(e) => set({ dimension: e.target.value || null })}>
            <option value="">None</option>
            {v.dimensions.map((d) => (
              <option key={d} value={d}>
                {LABELS[d] ?? d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Chart
          <select aria-label="Chart" value={widget.chart} onChange={(e) => set({ chart: e.target.value as ChartType })}>
            {CHART_TYPES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Width
          <select aria-label="Width" value={widget.width} onChange={(e) => set({ width: Number(e.target.value) as 1 | 2 })}>
            <option value={1}>Half</option>
            <option value={2}>Full</option>
          </select>
        </label>
        <label className="widget-title">
          Title
          <input aria-label="Widget title" placeholder={defaultTitle(widget)} value={widget.title} onChange={(e) => onChange({ ...widget, title: e.target.value })} />
        </label>
      </div>
      <div className="row">
        <button className="primary" onClick={onAdd}>
          Add widget
        </button>
        <button onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

function WidgetCard({
  projectId,
  widget: w,
  state: st,
  actions,
}: {
  projectId: string;
  widget: Widget;
  state: ReturnType<typeof useDashState>;
  actions?: React.ReactNode;
}) {
  const navigate = useNavigate();
  const q = useMetrics(projectId, widgetQuery(w), st.filters, st.now);
  const rows = q.data?.data ?? [];
  const key = metricKey(w);
  const unit = unitOf(w.measure, w.aggregation);
  const label = LABELS[w.measure] ?? w.measure;
  const traceLinkable = w.view === "traces" && (w.dimension === "name" || w.dimension === "userId");
  const pick = traceLinkable
    ? (raw: unknown) => navigate(tracesLink(projectId, st.filters, w.dimension === "name" ? { name: String(raw ?? "") } : { userId: String(raw ?? "") }))
    : undefined;
  let body: React.ReactNode = null;
  let empty = rows.length === 0;
  if (w.chart === "number") {
    const value = total(rows, key);
    empty = false;
    body = <BigNumber label={w.measure === "count" ? VIEWS[w.view].label : `${w.aggregation} ${label}`} value={value} unit={unit} />;
  } else if (overTime(w)) {
    const ts = toTimeSeries(rows, {
      keys: [key],
      labels: [label],
      dimension: w.dimension ?? undefined,
      buckets: st.buckets,
      fill: fillFor(w.aggregation),
      top: 8,
      other: fillFor(w.aggregation) === 0,
    });
    body = (
      <TimeChart
        data={ts}
        kind={w.chart === "line" ? "line" : w.chart === "stacked" ? "stacked" : "bar"}
        unit={unit}
        granularity={st.granularity}
        legendTotals={fillFor(w.aggregation) === 0}
      />
    );
  } else {
    const cats = toCategories(rows, { keys: [key], dimensions: w.dimension ? [w.dimension] : [], limit: 50 });
    if (w.chart === "table")
      body = (
        <MetricTable
          categories={cats}
          dimensionLabel={w.dimension ? LABELS[w.dimension] ?? w.dimension : "All"}
          columns={[{ key, label: `${w.aggregation} ${label}`, unit }]}
          onPick={pick ? (c) => pick(c.raw) : undefined}
        />
      );
    else body = <HBarChart categories={cats} keys={[{ key, label }]} unit={unit} onPick={pick ? (c) => pick(c.raw) : undefined} />;
  }
  return (
    <Card
      title={w.title || defaultTitle(w)}
      wide={w.width === 2}
      query={q}
      empty={empty}
      actions={actions}
      link={w.view === "traces" ? tracesLink(projectId, st.filters) : undefined}
      testId={`widget-${w.id}`}
      note={ignoredFilters(st.filters, w.view).length ? `Not filtered by model: the model is an observation's.` : undefined}
    >
      {body}
    </Card>
  );
}
