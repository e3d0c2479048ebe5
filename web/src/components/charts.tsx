// Hand-written SVG charts for the dashboards: over time (line, stacked bars, bars),
// horizontal bars by category (optionally stacked), a table and a big number. The
// geometry lives in lib/chart.ts; colours follow the theme's CSS variables.
import { useLayoutEffect, useRef, useState, type ReactNode } from "react";
import {
  formatBucket,
  formatTimeTick,
  formatValue,
  linearScale,
  nearestIndex,
  niceTicks,
  seriesColor,
  stack,
  stackedMax,
  timeTicks,
  type Granularity,
  type Unit,
} from "../lib/chart";
import { formatCost } from "../lib/format";
import type { Category, Histogram, TimeSeries } from "../lib/metrics";

function useWidth<T extends HTMLElement>(): [React.RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(480);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth || 480);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || 480));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

export function Legend({ items, onPick }: { items: { label: string; color: string; value?: string }[]; onPick?: (label: string) => void }) {
  if (items.length <= 1 && !items[0]?.value) return null;
  return (
    <ul className="legend">
      {items.map((it) => (
        <li key={it.label}>
          <span className="swatch" style={{ background: it.color }} />
          {onPick ? (
            <button className="link" onClick={() => onPick(it.label)} title={`Filter on ${it.label}`}>
              {it.label}
            </button>
          ) : (
            <span>{it.label}</span>
          )}
          {it.value !== undefined && <span className="muted"> {it.value}</span>}
        </li>
      ))}
    </ul>
  );
}

const M = { top: 10, right: 12, bottom: 22, left: 52 };

// Values over time. `kind`: line (one line per series; nulls are gaps), stacked (bars
// stacked per bucket), bar (grouped bars per bucket).
export function TimeChart({
  data,
  kind,
  unit,
  granularity,
  height = 200,
  onPickSeries,
  legendTotals = true,
}: {
  data: TimeSeries;
  kind: "line" | "stacked" | "bar";
  unit: Unit;
  granularity: Granularity;
  height?: number;
  onPickSeries?: (label: string) => void;
  legendTotals?: boolean;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const { xs, series } = data;
  const values = series.map((s) => s.values);
  const maxV =
    kind === "stacked"
      ? stackedMax(values)
      : Math.max(0, ...values.flat().filter((v): v is number => v !== null));
  const y = niceTicks(0, maxV, 4);
  const plotW = Math.max(10, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const step = xs.length > 1 ? xs[1] - xs[0] : 60_000;
  const x0 = xs[0] ?? 0;
  const x1 = (xs[xs.length - 1] ?? 0) + (kind === "line" ? 0 : step);
  const sx = linearScale([x0, x1 === x0 ? x0 + 1 : x1], [M.left, M.left + plotW]);
  const sy = linearScale([y.min, y.max], [M.top + plotH, M.top]);
  const slot = xs.length ? plotW / Math.max(1, kind === "line" ? xs.length - 1 || 1 : xs.length) : plotW;
  const barW = Math.max(1, slot * 0.8);
  const xCenter = (i: number) => (kind === "line" ? sx(xs[i]) : M.left + slot * (i + 0.5));
  const ticks = timeTicks(x0, x1, Math.max(2, Math.floor(plotW / 90)));
  const stacked = kind === "stacked" ? stack(values) : [];

  const onMove = (e: React.MouseEvent<SVGRectElement>) => {
    const box = (e.currentTarget.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
    const px = e.clientX - box.left;
    if (kind === "line") setHover(nearestIndex(xs.map((_, i) => xCenter(i)), px));
    else setHover(Math.min(xs.length - 1, Math.max(0, Math.floor((px - M.left) / slot))));
  };

  const legend = series.map((s, i) => ({
    label: s.label,
    color: seriesColor(i, s.label),
    value: legendTotals && unitSums(unit) ? formatValue(s.values.reduce<number>((a, v) => a + (v ?? 0), 0), unit) : undefined,
  }));

  return (
    <div className="chart" ref={ref}>
      <svg width={width} height={height} role="img" aria-label="chart">
        {y.ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={M.left} x2={M.left + plotW} y1={sy(t)} y2={sy(t)} />
            <text className="tick" x={M.left - 6} y={sy(t)} dy="0.32em" textAnchor="end">
              {formatValue(t, unit)}
            </text>
          </g>
        ))}
        {ticks.map((t) => (
          <text key={t} className="tick" x={sx(t)} y={height - 6} textAnchor="middle">
            {formatTimeTick(t, x1 - x0)}
          </text>
        ))}
        <line className="axis" x1={M.left} x2={M.left + plotW} y1={M.top + plotH} y2={M.top + plotH} />
        {kind === "line" &&
          series.map((s, si) => (
            <path key={s.key} className="series-line" d={linePath(s.values, xCenter, sy)} stroke={seriesColor(si, s.label)} />
          ))}
        {kind === "line" &&
          xs.length <= 60 &&
          series.map((s, si) =>
            s.values.map((v, i) =>
              v === null ? null : <circle key={`${s.key}-${i}`} cx={xCenter(i)} cy={sy(v)} r={2} fill={seriesColor(si, s.label)} />,
            ),
          )}
        {kind === "stacked" &&
          stacked.map((s, si) =>
            s.map(([a, b], i) =>
              b > a ? (
                <rect
                  key={`${si}-${i}`}
                  x={xCenter(i) - barW / 2}
                  width={barW}
                  y={sy(b)}
                  height={Math.max(0.5, sy(a) - sy(b))}
                  fill={seriesColor(si, series[si].label)}
                />
              ) : null,
            ),
          )}
        {kind === "bar" &&
          series.map((s, si) =>
            s.values.map((v, i) => {
              if (!v) return null;
              const w = barW / series.length;
              return (
                <rect
                  key={`${si}-${i}`}
                  x={xCenter(i) - barW / 2 + si * w}
                  width={Math.max(0.5, w)}
                  y={sy(Math.max(0, v))}
                  height={Math.max(0.5, sy(0) - sy(Math.max(0, v)))}
                  fill={seriesColor(si, s.label)}
                />
              );
            }),
          )}
        {hover !== null && xs[hover] !== undefined && (
          <line className="hover-line" x1={xCenter(hover)} x2={xCenter(hover)} y1={M.top} y2={M.top + plotH} />
        )}
        <rect
          x={M.left}
          y={M.top}
          width={plotW}
          height={plotH}
          fill="transparent"
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
        />
      </svg>
      {hover !== null && xs[hover] !== undefined && (
        <Tooltip left={xCenter(hover)} width={width}>
          <div className="tt-title">{formatBucket(xs[hover], granularity)}</div>
          {series.map((s, si) => (
            <div key={s.key} className="tt-row">
              <span className="swatch" style={{ background: seriesColor(si, s.label) }} />
              <span className="tt-label">{s.label}</span>
              <span className="tt-value">{formatValue(s.values[hover], unit)}</span>
            </div>
          ))}
        </Tooltip>
      )}
      <Legend items={legend} onPick={onPickSeries} />
    </div>
  );
}

function unitSums(unit: Unit): boolean {
  return unit === "count" || unit === "usd" || unit === "tokens";
}

function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function Tooltip({ left, width, children }: { left: number; width: number; children: ReactNode }) {
  const flip = left > width / 2;
  return (
    <div className="chart-tooltip" style={flip ? { right: width - left + 10 } : { left: left + 10 }}>
      {children}
    </div>
  );
}

// Horizontal bars, one per category; several keys are stacked segments (tokens by type).
export function HBarChart({
  categories,
  keys,
  unit,
  onPick,
  stacked = true,
}: {
  categories: Category[];
  keys: { key: string; label: string }[];
  unit: Unit;
  onPick?: (c: Category) => void;
  stacked?: boolean;
}) {
  const [hover, setHover] = useState<number | null>(null);
  const totals = categories.map((c) => c.values.reduce<number>((a, v) => a + (stacked ? v ?? 0 : Math.max(a, v ?? 0)), 0));
  const max = Math.max(0, ...totals) || 1;
  return (
    <div className="hbars">
      {categories.map((c, ci) => {
        let offset = 0;
        return (
          <div
            key={c.label}
            className={`hbar-row ${onPick ? "clickable" : ""}`}
            onClick={onPick ? () => onPick(c) : undefined}
            onMouseEnter={() => setHover(ci)}
            onMouseLeave={() => setHover(null)}
            title={onPick ? `Open the traces of ${c.label}` : undefined}
          >
            <span className="hbar-label" title={c.label}>
              {c.label}
            </span>
            <span className="hbar-track">
              {c.values.map((v, i) => {
                const w = ((v ?? 0) / max) * 100;
                const left = offset;
                if (stacked) offset += w;
                return (
                  <span
                    key={i}
                    className="hbar"
                    style={{ left: `${stacked ? left : 0}%`, width: `${w}%`, background: seriesColor(i, keys[i]?.label) }}
                  />
                );
              })}
            </span>
            <span className="hbar-value num">{formatValue(totals[ci], unit)}</span>
            {hover === ci && keys.length > 1 && (
              <div className="chart-tooltip hbar-tip">
                <div className="tt-title">{c.label}</div>
                {keys.map((k, i) => (
                  <div key={k.key} className="tt-row">
                    <span className="swatch" style={{ background: seriesColor(i, k.label) }} />
                    <span className="tt-label">{k.label}</span>
                    <span className="tt-value">{formatValue(c.values[i], unit)}</span>
                  </div>
                ))}
              </div>
            )}
          </div>
        );
      })}
      {keys.length > 1 && <Legend items={keys.map((k, i) => ({ label: k.label, color: seriesColor(i, k.label) }))} />}
    </div>
  );
}

// Categories as a table, one column per key.
export function MetricTable({
  categories,
  dimensionLabel,
  columns,
  onPick,
}: {
  categories: Category[];
  dimensionLabel: string;
  columns: { key: string; label: string; unit: Unit }[];
  onPick?: (c: Category) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table metric-table">
        <thead>
          <tr>
            <th>{dimensionLabel}</th>
            {columns.map((c) => (
              <th key={c.key} className="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {categories.map((c) => (
            <tr key={c.label} className={onPick ? "clickable" : ""} onClick={onPick ? () => onPick(c) : undefined}>
              <td>{c.label}</td>
              {columns.map((col, i) => (
                <td key={col.key} className="num">
                  {formatValue(c.values[i], col.unit)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function BigNumber({ label, value, unit, sub }: { label: string; value: number | null; unit: Unit; sub?: ReactNode }) {
  return (
    <div className="big-number">
      <div className="big-label">{label}</div>
      <div className="big-value" data-testid={`big-${label}`} title={value === null ? "" : String(value)}>
        {value === null ? "—" : formatExact(value, unit)}
      </div>
      {sub && <div className="big-sub muted small">{sub}</div>}
    </div>
  );
}

// Big numbers are shown in full: every digit of a count, costs to the hundredth of a cent.
function formatExact(v: number, unit: Unit): string {
  if (unit === "usd") return formatCost(v);
  if (unit === "count" || unit === "tokens") return Math.round(v).toLocaleString("en-US");
  return formatValue(v, unit);
}

// Distributions as small column charts, one per series (a score's name): equal-width bins
// left to right, heights relative to that series' largest bin; each bin's title gives its
// range and count.
export function Histograms({ items, unit }: { items: Histogram[]; unit: Unit }) {
  return (
    <div className="histograms">
      {items.map((h, hi) => {
        const max = Math.max(1, ...h.bins.map((b) => b.count));
        const first = h.bins[0];
        const last = h.bins[h.bins.length - 1];
        return (
          <div key={h.label} className="histogram" data-testid="histogram">
            <div className="histogram-title">
              <span>{h.label}</span>
              <span className="muted small num">{formatValue(h.total, "count")}</span>
            </div>
            <div className="histogram-bars">
              {h.bins.map((b, bi) => (
                <span
                  key={bi}
                  className="histogram-bar"
                  style={{ height: `${(b.count / max) * 100}%`, background: seriesColor(hi) }}
                  title={`${formatValue(b.lower, unit)} – ${formatValue(b.upper, unit)}: ${formatValue(b.count, "count")}`}
                />
              ))}
            </div>
            <div className="histogram-axis muted small">
              <span>{formatValue(first.lower, unit)}</span>
              <span>{formatValue(last.upper, unit)}</span>
            </div>
          </div>
        );
      })}
    </div>
  );
}
