// The home dashboard: volume, errors, cost, tokens, latency, time to first token, users and
// scores of the project, for the time range and filters in the URL. Every query goes to the
// metrics endpoint (docs/ui-api.md); charts link through to the traces table.
import { Link, useNavigate, useParams } from "react-router-dom";
import { BigNumber, HBarChart, Histograms, MetricTable, TimeChart } from "../components/charts";
import { Card, DashFilterBar, useDashState, useMetrics } from "../components/dashboard";
import { formatValue } from "../lib/chart";
import { levelRates, toCategories, toHistograms, toTimeSeries, total, tracesLink, type MetricRow, type TimeSeries } from "../lib/metrics";
import "./dashboard.css";

const COUNT = { measure: "count", aggregation: "count" } as const;
const PERCENTILES = ["p50", "p90", "p95", "p99"] as const;

function rowsOf(q: { data?: { data: MetricRow[] } }): MetricRow[] {
  return q.data?.data ?? [];
}

function allEmpty(ts: TimeSeries): boolean {
  return ts.series.every((s) => s.values.every((v) => !v));
}

export function DashboardPage() {
  const { projectId = "" } = useParams();
  const navigate = useNavigate();
  const st = useDashState();
  const { filters: f, now, buckets, granularity } = st;
  // Traces and scores have no model: their cards say the model filter does not apply.
  const noModel = f.model ? `Not filtered by model (${f.model}): the model is an observation's.` : undefined;
  const link = (extra: { name?: string; userId?: string } = {}) => tracesLink(projectId, f, extra);

  const traces = useMetrics(projectId, { view: "traces", metrics: [COUNT], time: true }, f, now);
  const observations = useMetrics(projectId, { view: "observations", metrics: [COUNT], time: true }, f, now);
  const levels = useMetrics(projectId, { view: "observations", metrics: [COUNT], dimensions: ["level"], time: true }, f, now);
  const cost = useMetrics(
    projectId,
    { view: "observations", metrics: [{ measure: "totalCost", aggregation: "sum" }], dimensions: ["providedModelName"], time: true },
    f,
    now,
  );
  const tokenKeys = ["inputTokens", "outputTokens", "cachedTokens", "reasoningTokens"];
  const tokens = useMetrics(
    projectId,
    {
      view: "observations",
      metrics: tokenKeys.map((measure) => ({ measure, aggregation: "sum" as const })),
      dimensions: ["providedModelName"],
      orderBy: [{ field: "sum_inputTokens", direction: "desc" }],
      rowLimit: 50,
    },
    f,
    now,
  );
  const latencyByName = useMetrics(
    projectId,
    { view: "traces", metrics: [COUNT, ...PERCENTILES.map((aggregation) => ({ measure: "latency", aggregation }))], dimensions: ["name"], rowLimit: 50 },
    f,
    now,
  );
  const latencyByModel = useMetrics(
    projectId,
    {
      view: "observations",
      metrics: [COUNT, ...PERCENTILES.map((aggregation) => ({ measure: "latency", aggregation }))],
      dimensions: ["providedModelName"],
      rowLimit: 50,
    },
    f,
    now,
  );
  const ttft = useMetrics(
    projectId,
    { view: "observations", metrics: ["p50", "p90", "p95"].map((aggregation) => ({ measure: "timeToFirstToken", aggregation: aggregation as "p50" })), time: true },
    f,
    now,
  );
  const users = useMetrics(
    projectId,
    {
      view: "traces",
      metrics: [{ measure: "totalCost", aggregation: "sum" }, COUNT],
      dimensions: ["userId"],
      orderBy: [{ field: "sum_totalCost", direction: "desc" }],
      rowLimit: 50,
    },
    f,
    now,
  );
  const scores = useMetrics(
    projectId,
    { view: "scores-numeric", metrics: [{ measure: "value", aggregation: "avg" }], dimensions: ["name"], time: true },
    f,
    now,
  );
  const scoreDistributions = useMetrics(
    projectId,
    { view: "scores-numeric", metrics: [{ measure: "value", aggregation: "histogram" }], dimensions: ["name"], rowLimit: 50 },
    f,
    now,
  );
  const categorical = useMetrics(projectId, { view: "scores-categorical", metrics: [COUNT], dimensions: ["name", "stringValue"], rowLimit: 100 }, f, now);
  const byName = useMetrics(
    projectId,
    { view: "traces", metrics: [COUNT], dimensions: ["name"], orderBy: [{ field: "count_count", direction: "desc" }], rowLimit: 50 },
    f,
    now,
  );

  const volume: TimeSeries = (() => {
    const t = toTimeSeries(rowsOf(traces), { keys: ["count_count"], labels: ["Traces"], buckets, fill: 0 });
    const o = toTimeSeries(rowsOf(observations), { keys: ["count_count"], labels: ["Observations"], buckets, fill: 0 });
    // Both are filled over the same buckets plus what each answered: align on the union.
    const xs = [...new Set([...t.xs, ...o.xs])].sort((a, b) => a - b);
    const align = (s: TimeSeries) => {
      const at = new Map(s.xs.map((x, i) => [x, s.series[0].values[i]]));
      return xs.map((x) => at.get(x) ?? 0);
    };
    return {
      xs,
      series: [
        { key: "traces", label: "Traces", values: align(t) },
        { key: "observations", label: "Observations", values: align(o) },
      ],
    };
  })();
  const traceTotal = total(rowsOf(traces), "count_count");
  const obsTotal = total(rowsOf(observations), "count_count");
  const costTotal = total(rowsOf(cost), "sum_totalCost");
  const errorTotal = total(
    rowsOf(levels).filter((r) => r.level === "ERROR"),
    "count_count",
  );
  const rates = levelRates(rowsOf(levels), buckets);
  const costSeries = toTimeSeries(rowsOf(cost), { keys: ["sum_totalCost"], dimension: "providedModelName", buckets, fill: 0, top: 8 });
  const tokenCats = toCategories(rowsOf(tokens), {
    keys: tokenKeys.map((k) => `sum_${k}`),
    dimensions: ["providedModelName"],
    dropEmpty: true,
    limit: 12,
  });
  const pctKeys = PERCENTILES.map((p) => `${p}_latency`);
  const latencyNameCats = toCategories(rowsOf(latencyByName), { keys: ["count_count", ...pctKeys], dimensions: ["name"], sortKey: "p95_latency", limit: 15 });
  const latencyModelCats = toCategories(rowsOf(latencyByModel), {
    keys: ["count_count", ...pctKeys],
    dimensions: ["providedModelName"],
    sortKey: "p95_latency",
    dropEmpty: true,
    limit: 15,
  });
  const ttftSeries = toTimeSeries(rowsOf(ttft), {
    keys: ["p50_timeToFirstToken", "p90_timeToFirstToken", "p95_timeToFirstToken"],
    labels: ["p50", "p90", "p95"],
    buckets,
    fill: null,
  });
  const userCats = toCategories(rowsOf(users), { keys: ["sum_totalCost", "count_count"], dimensions: ["userId"], dropEmpty: true, limit: 10 });
  const scoreSeries = toTimeSeries(rowsOf(scores), { keys: ["avg_value"], dimension: "name", buckets, fill: null, top: 8, other: false });
  const histograms = toHistograms(rowsOf(scoreDistributions), "histogram_value", "name");
  const categoricalCats = toCategories(rowsOf(categorical), { keys: ["count_count"], dimensions: ["name", "stringValue"], limit: 20 });
  const nameCats = toCategories(rowsOf(byName), { keys: ["count_count"], dimensions: ["name"], limit: 12 });

  const nothing = !traces.isPending && !observations.isPending && !traces.error && traceTotal === null && obsTotal === null;
  const latencyColumns = [
    { key: "count_count", label: "Count", unit: "count" as const },
    ...PERCENTILES.map((p) => ({ key: `${p}_latency`, label: p, unit: "ms" as const })),
  ];

  return (
    <div className="page wide dashboard">
      <div className="row dash-title">
        <h1>Dashboard</h1>
        <span className="spacer" />
        <Link to={`/project/${projectId}/dashboards`}>Custom dashboards →</Link>
      </div>
      <DashFilterBar projectId={projectId} state={st} />
      {nothing && (
        <div className="card empty" data-testid="dashboard-empty">
          <h2>No traces in this time range</h2>
          <p>
            Choose a longer time range or clear the filters. If the project has no traces yet, send some with a Langfuse SDK
            pointed at this server — create a key on the <Link to={`/project/${projectId}/settings/api-keys`}>API keys</Link> page, then
            e.g. <code>langfuse.trace({"{"} name: "chat" {"}"})</code>.
          </p>
        </div>
      )}
      <div className="big-numbers">
        <Link to={link()} className="big-link" data-testid="total-traces">
          <BigNumber label="Traces" value={traceTotal ?? (traces.isPending ? null : 0)} unit="count" />
        </Link>
        <BigNumber label="Observations" value={obsTotal ?? (observations.isPending ? null : 0)} unit="count" />
        <BigNumber label="Total cost" value={costTotal ?? (cost.isPending ? null : 0)} unit="usd" />
        <BigNumber
          label="Errors"
          value={errorTotal ?? (levels.isPending ? null : 0)}
          unit="count"
          sub={obsTotal ? `${formatValue((errorTotal ?? 0) / obsTotal, "percent")} of observations` : undefined}
        />
      </div>
      <div className="dash-grid">
        <Card note={noModel} title="Traces and observations" query={traces} empty={allEmpty(volume)} link={link()} testId="chart-volume">
          <TimeChart data={volume} kind="line" unit="count" granularity={granularity} />
        </Card>
        <Card title="Error and warning rate" query={levels} empty={rowsOf(levels).length === 0} testId="chart-errors">
          <TimeChart data={rates} kind="line" unit="percent" granularity={granularity} legendTotals={false} />
        </Card>
        <Card title="Cost by model" query={cost} empty={allEmpty(costSeries)} testId="chart-cost">
          <TimeChart data={costSeries} kind="stacked" unit="usd" granularity={granularity} onPickSeries={(model) => model !== "Other" && model !== "(none)" && st.update({ model })} />
        </Card>
        <Card title="Tokens by model and type" query={tokens} empty={tokenCats.length === 0} testId="chart-tokens">
          <HBarChart
            categories={tokenCats}
            keys={["Input", "Output", "Cached", "Reasoning"].map((label, i) => ({ key: tokenKeys[i], label }))}
            unit="tokens"
            onPick={(c) => st.update({ model: String(c.raw) })}
          />
        </Card>
        <Card note={noModel} title="Traces by name" query={byName} empty={nameCats.length === 0} link={link()} testId="chart-names">
          <HBarChart
            categories={nameCats}
            keys={[{ key: "count_count", label: "Traces" }]}
            unit="count"
            onPick={(c) => navigate(link({ name: c.raw ? String(c.raw) : undefined }))}
          />
        </Card>
        <Card note={noModel} title="Top users by cost" query={users} empty={userCats.length === 0} testId="chart-users">
          <HBarChart
            categories={userCats.map((c) => ({ ...c, values: [c.values[0]] }))}
            keys={[{ key: "sum_totalCost", label: "Cost" }]}
            unit="usd"
            onPick={(c) => navigate(link({ userId: String(c.raw) }))}
          />
        </Card>
        <Card note={noModel} title="Latency by trace name" query={latencyByName} empty={latencyNameCats.length === 0} link={link()} testId="chart-latency-name">
          <MetricTable
            categories={latencyNameCats}
            dimensionLabel="Trace name"
            columns={latencyColumns}
            onPick={(c) => navigate(link({ name: c.raw ? String(c.raw) : undefined }))}
          />
        </Card>
        <Card title="Latency by model" query={latencyByModel} empty={latencyModelCats.length === 0} testId="chart-latency-model">
          <MetricTable
            categories={latencyModelCats}
            dimensionLabel="Model"
            columns={latencyColumns}
            onPick={(c) => st.update({ model: String(c.raw) })}
          />
        </Card>
        <Card title="Time to first token" emptyHint="It is known for generations sent with a completionStartTime (streaming)." query={ttft} empty={ttftSeries.series.every((s) => s.values.every((v) => v === null))} testId="chart-ttft">
          <TimeChart data={ttftSeries} kind="line" unit="ms" granularity={granularity} legendTotals={false} />
        </Card>
        <Card
          title="Score averages"
          note={noModel}
          query={scores}
          empty={scoreSeries.series.length === 0}
          testId="chart-scores"
          emptyHint={<>Numeric scores come from evaluations or the SDK: <code>trace.score({"{"} name: "quality", value: 0.9 {"}"})</code>.</>}
        >
          <TimeChart data={scoreSeries} kind="line" unit="number" granularity={granularity} legendTotals={false} />
        </Card>
        <Card
          title="Score distributions"
          note={noModel}
          query={scoreDistributions}
          empty={histograms.length === 0}
          testId="chart-score-distributions"
          emptyHint={<>Each numeric score's values in ten equal bins between its smallest and largest value.</>}
        >
          <Histograms items={histograms} unit="number" />
        </Card>
        <Card
          title="Categorical and boolean scores"
          note={noModel}
          query={categorical}
          empty={categoricalCats.length === 0}
          testId="chart-categorical"
          emptyHint={<>Send one with <code>trace.score({"{"} name: "helpful", value: "yes", dataType: "CATEGORICAL" {"}"})</code>.</>}
        >
          <HBarChart categories={categoricalCats} keys={[{ key: "count_count", label: "Count" }]} unit="count" />
        </Card>
      </div>
    </div>
  );
}
