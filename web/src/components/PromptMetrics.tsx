// Per-version metrics of a prompt's linked generations (GET .../prompt-metrics): a table
// with bars, so a team sees at a glance whether version 7 is faster, cheaper or better
// scored than version 6.
import { useQuery } from "@tanstack/react-query";
import { api } from "../api";
import { formatCost, formatLatency, formatNumber } from "../lib/format";

export interface VersionMetrics {
  version: number;
  generations: number;
  medianLatency: number | null;
  p90Latency: number | null;
  totalTokens: number;
  totalCost: number | null;
  scores: { name: string; average: number; count: number }[];
}

// Bar widths in percent of the largest value of the column (0 when nothing to compare).
export function barWidths(values: (number | null)[]): number[] {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return values.map((v) => (max > 0 && v !== null ? Math.round((v / max) * 100) : 0));
}

function Bar({ width, children }: { width: number; children: React.ReactNode }) {
  return (
    <div className="metric-bar">
      <span style={{ width: `${width}%` }} />
      <em>{children}</em>
    </div>
  );
}

export function PromptMetrics({ projectId, name }: { projectId: string; name: string }) {
  const metrics = useQuery({
    queryKey: ["prompt-metrics", projectId, name],
    queryFn: () =>
      api<{ data: VersionMetrics[] }>(
        "GET",
        `/api/ui/projects/${encodeURIComponent(projectId)}/prompt-metrics?name=${encodeURIComponent(name)}`,
      ).then((r) => r.data),
  });
  if (metrics.isPending) return <p className="muted">Loading metrics…</p>;
  if (metrics.error) return <p className="error">{metrics.error.message}</p>;
  const rows = metrics.data;
  if (rows.length === 0) {
    return (
      <p className="muted" data-testid="prompt-metrics-empty">
        No generations are linked to this prompt yet. Pass the prompt to your generations (langfuse v3:{" "}
        <code>trace.generation({"{"} prompt, … {"}"})</code>) to compare versions here.
      </p>
    );
  }
  const scoreNames = [...new Set(rows.flatMap((r) => r.scores.map((s) => s.name)))];
  const latency = barWidths(rows.map((r) => r.medianLatency));
  const cost = barWidths(rows.map((r) => (r.totalCost === null ? null : r.totalCost / Math.max(r.generations, 1))));
  return (
    <table className="table metrics" data-testid="prompt-metrics">
      <thead>
        <tr>
          <th>Version</th>
          <th className="num">Generations</th>
          <th>Median latency (p90)</th>
          <th className="num">Tokens / generation</th>
          <th>Cost / generation</th>
          {scoreNames.map((n) => (
            <th key={n}>{n} (avg)</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => {
          const perGen = r.totalCost === null ? null : r.totalCost / Math.max(r.generations, 1);
          return (
            <tr key={r.version}>
              <td>v{r.version}</td>
              <td className="num">{formatNumber(r.generations)}</td>
              <td>
                <Bar width={latency[i]}>
                  {formatLatency(r.medianLatency)} ({formatLatency(r.p90Latency)})
                </Bar>
              </td>
              <td className="num">{formatNumber(Math.round(r.totalTokens / Math.max(r.generations, 1)))}</td>
              <td>
                <Bar width={cost[i]}>{formatCost(perGen)}</Bar>
              </td>
              {scoreNames.map((n) => {
                const s = r.scores.find((x) => x.name === n);
                const widths = barWidths(rows.map((row) => row.scores.find((x) => x.name === n)?.average ?? null));
                return (
                  <td key={n}>{s ? <Bar width={widths[i]}>{`${s.average.toFixed(2)} (${s.count})`}</Bar> : ""}</td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
