import { describe, expect, it } from "vitest";
import type { Observation } from "../api";
import { barGeometry, buildTree, flatten, observationCost, traceSpan } from "./tree";

const obs = (id: string, parent: string | null, start: number, end: number | null): Observation => ({
  id,
  traceId: "t",
  type: "SPAN",
  name: id,
  startTime: new Date(start).toISOString(),
  endTime: end === null ? null : new Date(end).toISOString(),
  input: null,
  output: null,
  metadata: null,
  level: "DEFAULT",
  parentObservationId: parent,
});

describe("observation tree", () => {
  it("nests children under parents in start order, orphans become roots", () => {
    const list = [obs("c2", "root", 300, 400), obs("root", null, 0, 1000), obs("c1", "root", 100, 200), obs("orphan", "missing", 50, 60)];
    const flat = flatten(buildTree(list));
    expect(flat.map((n) => [n.obs.id, n.depth])).toEqual([
      ["root", 0],
      ["c1", 1],
      ["c2", 1],
      ["orphan", 0],
    ]);
  });
  it("places bars on the trace's span", () => {
    const list = [obs("a", null, 1000, 2000), obs("b", null, 1500, null)];
    const span = traceSpan(new Date(1000).toISOString(), list);
    expect(span).toEqual({ start: 1000, end: 2000 });
    expect(barGeometry(list[0], span)).toEqual({ left: 0, width: 100 });
    const b = barGeometry(list[1], span);
    expect(b.left).toBe(50);
    expect(b.width).toBe(0.5);
  });
  it("reads an observation's cost", () => {
    expect(observationCost({ ...obs("a", null, 0, 1), calculatedTotalCost: 0.5 })).toBe(0.5);
    expect(observationCost({ ...obs("a", null, 0, 1), costDetails: { total: 0.25 } })).toBe(0.25);
    expect(observationCost(obs("a", null, 0, 1))).toBeNull();
  });
});
