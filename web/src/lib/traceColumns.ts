// The traces table's columns: which are shown and in what order, kept per project in
// localStorage (the filters live in the URL; the column layout is a personal preference).
import type { ScoreAggregate } from "../api";

export const TRACE_COLUMNS = [
  { id: "timestamp", label: "Timestamp" },
  { id: "name", label: "Name" },
  { id: "userId", label: "User" },
  { id: "sessionId", label: "Session" },
  { id: "tags", label: "Tags" },
  { id: "latency", label: "Latency" },
  { id: "tokens", label: "Tokens" },
  { id: "cost", label: "Cost" },
  { id: "scores", label: "Scores" },
  { id: "level", label: "Level" },
  { id: "environment", label: "Environment" },
  { id: "release", label: "Release" },
  { id: "version", label: "Version" },
  { id: "input", label: "Input" },
  { id: "output", label: "Output" },
  { id: "id", label: "ID" },
] as const;
export type TraceColumnId = (typeof TRACE_COLUMNS)[number]["id"];

export interface ColumnLayout {
  order: TraceColumnId[]; // every column, in display order
  hidden: TraceColumnId[];
}

export const DEFAULT_LAYOUT: ColumnLayout = {
  order: TRACE_COLUMNS.map((c) => c.id),
  hidden: ["release", "version", "output"],
};

const KNOWN = new Set<string>(TRACE_COLUMNS.map((c) => c.id));

// A stored layout, repaired: unknown ids dropped, columns added since it was saved appended.
export function parseLayout(text: string | null): ColumnLayout {
  if (!text) return DEFAULT_LAYOUT;
  try {
    const raw = JSON.parse(text) as Partial<ColumnLayout>;
    const order = (Array.isArray(raw.order) ? raw.order : []).filter((id): id is TraceColumnId => KNOWN.has(id));
    const unique = [...new Set(order)];
    for (const c of TRACE_COLUMNS) if (!unique.includes(c.id)) unique.push(c.id);
    const hidden = (Array.isArray(raw.hidden) ? raw.hidden : []).filter((id): id is TraceColumnId => KNOWN.has(id));
    return { order: unique, hidden: [...new Set(hidden)] };
  } catch {
    return DEFAULT_LAYOUT;
  }
}

export function visibleColumns(layout: ColumnLayout): TraceColumnId[] {
  return layout.order.filter((id) => !layout.hidden.includes(id));
}

export function toggleColumn(layout: ColumnLayout, id: TraceColumnId): ColumnLayout {
  const hidden = layout.hidden.includes(id) ? layout.hidden.filter((h) => h !== id) : [...layout.hidden, id];
  // At least one column stays visible.
  if (hidden.length >= layout.order.length) return layout;
  return { ...layout, hidden };
}

// Moves a column one place earlier (-1) or later (+1); the ends stay put.
export function moveColumn(layout: ColumnLayout, id: TraceColumnId, delta: -1 | 1): ColumnLayout {
  const i = layout.order.indexOf(id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= layout.order.length) return layout;
  const order = [...layout.order];
  [order[i], order[j]] = [order[j], order[i]];
  return { ...layout, order };
}

export const layoutKey = (projectId: string) => `lanterne.traceColumns.${projectId}`;

// The row the keyboard moves to: j/ArrowDown and k/ArrowUp, clamped to the page.
export function nextActiveRow(active: number, key: string, rows: number): number {
  if (rows === 0) return -1;
  if (key === "j" || key === "ArrowDown") return Math.min(active + 1, rows - 1);
  if (key === "k" || key === "ArrowUp") return Math.max(active - 1, 0);
  return active;
}

// Compact counts for the tokens column: 950, 1.2k, 3.4M.
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${+(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${+(n / 1_000_000).toFixed(1)}M`;
}

// "input → output (Σ total)"; empty when the trace has no usage.
export function tokensCell(t: { inputTokens?: number; outputTokens?: number; totalTokens?: number }): string {
  const total = t.totalTokens ?? 0;
  if (!total && !t.inputTokens && !t.outputTokens) return "";
  return `${compactCount(t.inputTokens ?? 0)} → ${compactCount(t.outputTokens ?? 0)} (Σ ${compactCount(total)})`;
}

// One badge per score name: the average (numeric, boolean) or the values seen (categorical,
// most frequent first, with their counts when there are several), and the score count.
export interface ScoreBadge {
  name: string;
  text: string;
  title: string;
}
export function scoreBadges(aggregates: ScoreAggregate[] | undefined): ScoreBadge[] {
  return (aggregates ?? []).map((a) => {
    let text: string;
    if (a.dataType === "CATEGORICAL") {
      const shown = a.values.slice(0, 2).map((v) => (a.values.length > 1 ? `${v.value} ×${v.count}` : v.value));
      text = shown.join(", ") + (a.values.length > 2 ? ", …" : "");
    } else {
      const avg = a.average ?? 0;
      text = String(Number(avg.toFixed(2)));
    }
    const kind = a.dataType === "CATEGORICAL" ? "values" : a.count > 1 ? "average" : "value";
    return { name: a.name, text, title: `${a.name}: ${kind} of ${a.count} score${a.count === 1 ? "" : "s"}` };
  });
}
