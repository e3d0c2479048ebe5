// Saved custom dashboards (docs/ui-api.md, "Dashboards"): the widget model the server
// stores, the metrics query of a widget, and the editor's operations (add, move, resize).
import type { Unit } from "./chart";
import { AGGREGATIONS, VIEWS, metricKey, type Aggregation, type MetricFilter, type QuerySpec, type View } from "./metrics";

export type ChartType = "line" | "bar" | "stacked" | "table" | "number";
export const CHART_TYPES: { value: ChartType; label: string }[] = [
  { value: "line", label: "Line (over time)" },
  { value: "stacked", label: "Stacked bars (over time)" },
  { value: "bar", label: "Bars (by dimension, else over time)" },
  { value: "table", label: "Table" },
  { value: "number", label: "Big number" },
];

export interface Widget {
  id: string;
  title: string;
  view: View;
  measure: string;
  aggregation: Aggregation;
  dimension: string | null;
  chart: ChartType;
  width: 1 | 2; // half or full row
  filters?: MetricFilter[];
}

export interface DashboardDefinition {
  widgets: Widget[];
}

export interface Dashboard {
  id: string;
  projectId: string;
  name: string;
  description: string;
  definition: DashboardDefinition;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export function unitOf(measure: string, aggregation: string): Unit {
  if (aggregation === "count" || measure === "count") return "count";
  if (measure === "latency" || measure === "timeToFirstToken") return "ms";
  if (measure.endsWith("Cost")) return "usd";
  if (measure.endsWith("Tokens")) return "tokens";
  return "number";
}

// Sums and counts fill empty buckets with 0; averages and percentiles leave a gap.
export function fillFor(aggregation: string): 0 | null {
  return aggregation === "sum" || aggregation === "count" ? 0 : null;
}

// Whether the chart is drawn over time.
export function overTime(w: Pick<Widget, "chart" | "dimension">): boolean {
  return w.chart === "line" || w.chart === "stacked" || (w.chart === "bar" && !w.dimension);
}

export function widgetQuery(w: Widget): QuerySpec {
  const byDim = w.dimension && w.chart !== "number";
  return {
    view: w.view,
    metrics: [{ measure: w.measure, aggregation: w.aggregation }],
    dimensions: byDim ? [w.dimension!] : [],
    time: overTime(w),
    filters: w.filters ?? [],
    orderBy: !overTime(w) && byDim ? [{ field: metricKey(w), direction: "desc" }] : undefined,
    rowLimit: !overTime(w) && byDim ? 50 : undefined,
  };
}

export function defaultTitle(w: Pick<Widget, "view" | "measure" | "aggregation" | "dimension">): string {
  const measure = w.measure === "count" ? `${VIEWS[w.view].label} count` : `${w.aggregation} ${w.measure}`;
  return w.dimension ? `${measure} by ${w.dimension}` : measure;
}

// A widget the editor starts from, or fixes up after the view changed: the measure and
// dimension must belong to the view.
export function normalizeWidget(w: Widget): Widget {
  const v = VIEWS[w.view];
  const measure = v.measures.includes(w.measure) ? w.measure : "count";
  const aggregation = measure === "count" ? "count" : AGGREGATIONS.includes(w.aggregation) && w.aggregation !== "count" ? w.aggregation : "sum";
  const dimension = w.dimension && v.dimensions.includes(w.dimension) ? w.dimension : null;
  return { ...w, measure, aggregation, dimension };
}

export function newWidget(id: string): Widget {
  return { id, title: "", view: "traces", measure: "count", aggregation: "count", dimension: null, chart: "line", width: 1 };
}

export function moveWidget(widgets: Widget[], id: string, delta: -1 | 1): Widget[] {
  const i = widgets.findIndex((w) => w.id === id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= widgets.length) return widgets;
  const out = [...widgets];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

export function resizeWidget(widgets: Widget[], id: string): Widget[] {
  return widgets.map((w) => (w.id === id ? { ...w, width: w.width === 2 ? 1 : 2 } : w));
}

export function removeWidget(widgets: Widget[], id: string): Widget[] {
  return widgets.filter((w) => w.id !== id);
}

// A short id unique among `taken`.
export function nextWidgetId(taken: Widget[]): string {
  const ids = new Set(taken.map((w) => w.id));
  for (let i = taken.length + 1; ; i++) if (!ids.has(`w${i}`)) return `w${i}`;
}

// What keeps the draft from being saved, in words; null when it can be.
export function draftProblem(name: string, widgets: Widget[]): string | null {
  if (!name.trim()) return "Give the dashboard a name.";
  if (name.length > 200) return "The name is longer than 200 characters.";
  if (widgets.length > 50) return "A dashboard holds at most 50 widgets.";
  return null;
}

export function dashboardsPath(projectId: string, id?: string): string {
  return `/api/ui/projects/${encodeURIComponent(projectId)}/dashboards${id ? `/${encodeURIComponent(id)}` : ""}`;
}
