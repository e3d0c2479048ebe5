// The pure geometry of the dashboard charts (components/charts.tsx): linear scales, "nice"
// axis ticks, time ticks, stacking, and the short labels of tick values.

export type Scale = ((v: number) => number) & { domain: [number, number]; range: [number, number] };

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as Scale;
  f.domain = domain;
  f.range = range;
  return f;
}

// A step of 1, 2, 2.5 or 5 × 10^k, about `span / count`.
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1;
  const raw = span / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return nice * power;
}

// Ticks covering [min, max] at a nice step; the domain is widened to the outer ticks. A
// value axis always includes 0 when `zero` (bars and stacks start at 0).
export function niceTicks(min: number, max: number, count = 5, zero = true): { ticks: number[]; min: number; max: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = 0;
    max = 1;
  }
  if (zero) {
    min = Math.min(0, min);
    max = Math.max(0, max);
  }
  if (min === max) {
    if (max === 0) max = 1;
    else if (max > 0) min = zero ? 0 : max - Math.abs(max) * 0.5;
    else max = 0;
  }
  const step = niceStep(max - min, count);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-6; v += step) ticks.push(round(v, step));
  return { ticks, min: lo, max: hi };
}

function round(v: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(v.toFixed(Math.min(digits, 12)));
}

export type Unit = "count" | "usd" | "ms" | "percent" | "tokens" | "number";

// Short labels: 1.2k, 3.4M; $0.012, $1.2k; 850ms, 1.2s, 2.5m; 12%.
export function formatValue(v: number | null | undefined, unit: Unit = "number"): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "usd":
      if (v === 0) return "$0";
      if (Math.abs(v) < 1) return "$" + trimNumber(v.toPrecision(2));
      if (Math.abs(v) < 1000) return "$" + trimNumber(v.toFixed(2));
      return "$" + compact(v);
    case "ms":
      if (Math.abs(v) < 1000) return `${trimNumber(v.toFixed(v < 10 ? 1 : 0))}ms`;
      if (Math.abs(v) < 60_000) return `${trimNumber((v / 1000).toFixed(2))}s`;
      return `${trimNumber((v / 60_000).toFixed(1))}m`;
    case "percent":
      return `${trimNumber((v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1))}%`;
    default:
      return compact(v);
  }
}

function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return trimNumber((v / 1e9).toFixed(1)) + "B";
  if (a >= 1e6) return trimNumber((v / 1e6).toFixed(1)) + "M";
  if (a >= 1e4) return trimNumber((v / 1e3).toFixed(1)) + "k";
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  if (a >= 100) return trimNumber(v.toFixed(0));
  return trimNumber(v.toPrecision(3));
}

function trimNumber(s: string): string {
  if (!s.includes(".") || s.includes("e")) return s;
  return s.replace(/\.?0+$/, "");
}

// Stacks series (each an array over the same x): for series i at x, [y0, y1] where y0 is
// the sum of the earlier series (nulls count as 0).
export function stack(series: (number | null)[][]): [number, number][][] {
  const n = series.length ? series[0].length : 0;
  const base = new Array<number>(n).fill(0);
  return series.map((values) =>
    values.map((v, i) => {
      const y0 = base[i];
      base[i] = y0 + (v ?? 0);
      return [y0, base[i]] as [number, number];
    }),
  );
}

// The largest stacked total (for the value axis).
export function stackedMax(series: (number | null)[][]): number {
  const stacked = stack(series);
  let max = 0;
  for (const s of stacked) for (const [, y1] of s) max = Math.max(max, y1);
  return max;
}

export type Granularity = "minute" | "hour" | "day" | "week" | "month";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// About `count` tick positions (ms) inside [start, end], on round times for the span.
export function timeTicks(start: number, end: number, count = 6): number[] {
  const span = end - start;
  if (!(span > 0)) return [start];
  const steps = [
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 365 * DAY,
  ];
  const step = steps.find((s) => span / s <= count) ?? steps[steps.length - 1];
  // Round times in local time for sub-day steps; days at local midnight.
  const offset = new Date(start).getTimezoneOffset() * MINUTE;
  const first = Math.ceil((start - offset) / step) * step + offset;
  const ticks: number[] = [];
  for (let t = first; t <= end; t += step) ticks.push(t);
  return ticks.length ? ticks : [start];
}

// A tick's label: the time of day for spans under two days, else the date.
export function formatTimeTick(t: number, span: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, "0");
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  if (span <= 2 * DAY) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (span <= 400 * DAY) return `${months[d.getMonth()]} ${d.getDate()}`;
  return `${months[d.getMonth()]} ${d.getFullYear()}`;
}

// A bucket's label in a tooltip, precise to its granularity.
export function formatBucket(t: number, granularity: Granularity): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  if (granularity === "minute" || granularity === "hour") return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (granularity === "week") return `week of ${date}`;
  if (granularity === "month") return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`;
  return date;
}

// The index of the x nearest to `value` in a sorted array.
export function nearestIndex(xs: number[], value: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(xs[lo - 1] - value) <= Math.abs(xs[lo] - value)) return lo - 1;
  return lo;
}

// Series colours: distinguishable in both themes.
export const PALETTE = [
  "#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#f97316", "#64748b",
];
export const OTHER_COLOR = "#9ca3af";
export function seriesColor(i: number, label?: string): string {
  if (label === OTHER_LABEL) return OTHER_COLOR;
  return PALETTE[i % PALETTE.length];
}
export const OTHER_LABEL = "Other";
