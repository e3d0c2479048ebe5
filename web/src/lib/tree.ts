// The observation tree of a trace and the timeline's geometry.
import type { Observation } from "../api";

export interface TreeNode {
  obs: Observation;
  depth: number;
  children: TreeNode[];
}

// Roots are observations without a parent (or whose parent is missing); children sorted
// by start time.
export function buildTree(observations: Observation[]): TreeNode[] {
  const byId = new Map<string, TreeNode>();
  for (const o of observations) byId.set(o.id, { obs: o, depth: 0, children: [] });
  const roots: TreeNode[] = [];
  for (const node of byId.values()) {
    const parentId = node.obs.parentObservationId;
    const parent = parentId && parentId !== node.obs.id ? byId.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: TreeNode, b: TreeNode) =>
    Date.parse(a.obs.startTime) - Date.parse(b.obs.startTime);
  const seen = new Set<string>();
  const fix = (nodes: TreeNode[], depth: number) => {
    nodes.sort(byStart);
    for (const n of nodes) {
      if (seen.has(n.obs.id)) continue;
      seen.add(n.obs.id);
      n.depth = depth;
      fix(n.children, depth + 1);
    }
  };
  fix(roots, 0);
  return roots;
}

export function flatten(nodes: TreeNode[]): TreeNode[] {
  const out: TreeNode[] = [];
  const walk = (ns: TreeNode[]) => {
    for (const n of ns) {
      out.push(n);
      walk(n.children);
    }
  };
  walk(nodes);
  return out;
}

export interface Span {
  start: number; // ms
  end: number;
}

export function traceSpan(traceTimestamp: string, observations: Observation[]): Span {
  let start = Date.parse(traceTimestamp);
  let end = start;
  for (const o of observations) {
    const s = Date.parse(o.startTime);
    const e = o.endTime ? Date.parse(o.endTime) : s;
    if (!Number.isNaN(s)) start = Number.isNaN(start) ? s : Math.min(start, s);
    if (!Number.isNaN(e)) end = Math.max(end, e);
  }
  if (Number.isNaN(start)) start = 0;
  if (Number.isNaN(end) || end < start) end = start;
  return { start, end };
}

// Left offset and width of a bar, in percent of the trace's span (at least 0.5% wide).
export function barGeometry(o: Observation, span: Span): { left: number; width: number } {
  const total = Math.max(span.end - span.start, 1);
  const s = Date.parse(o.startTime);
  const e = o.endTime ? Date.parse(o.endTime) : s;
  const left = Math.min(Math.max(((s - span.start) / total) * 100, 0), 100);
  const width = Math.max(((Math.max(e, s) - s) / total) * 100, 0.5);
  return { left, width: Math.min(width, 100 - left + 0.5) };
}

export function observationCost(o: Observation): number | null {
  if (typeof o.calculatedTotalCost === "number") return o.calculatedTotalCost;
  if (typeof o.totalCost === "number") return o.totalCost;
  const t = o.costDetails?.total;
  return typeof t === "number" ? t : null;
}
