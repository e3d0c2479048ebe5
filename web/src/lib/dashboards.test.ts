import { describe, expect, it } from "vitest";
import {
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
  type Widget,
} from "./dashboards";

const w = (id: string, patch: Partial<Widget> = {}): Widget => ({ ...newWidget(id), ...patch });

describe("widget queries", () => {
  it("line and stacked charts are over time, split by the dimension", () => {
    const q = widgetQuery(w("a", { view: "observations", measure: "totalCost", aggregation: "sum", dimension: "providedModelName", chart: "stacked" }));
    expect(q).toMatchObject({ view: "observations", metrics: [{ measure: "totalCost", aggregation: "sum" }], dimensions: ["providedModelName"], time: true });
  });
  it("bars and tables by a dimension are ordered and bounded; numbers are one total", () => {
    const bar = widgetQuery(w("a", { dimension: "name", chart: "bar" }));
    expect(bar).toMatchObject({ dimensions: ["name"], time: false, orderBy: [{ field: "count_count", direction: "desc" }], rowLimit: 50 });
    expect(widgetQuery(w("a", { chart: "bar" })).time).toBe(true);
    expect(widgetQuery(w("a", { dimension: "name", chart: "number" }))).toMatchObject({ dimensions: [], time: false });
    expect(overTime({ chart: "table", dimension: null })).toBe(false);
  });
  it("units and gap filling follow the metric", () => {
    expect(unitOf("latency", "p95")).toBe("ms");
    expect(unitOf("totalCost", "sum")).toBe("usd");
    expect(unitOf("inputTokens", "avg")).toBe("tokens");
    expect(unitOf("latency", "count")).toBe("count");
    expect(fillFor("sum")).toBe(0);
    expect(fillFor("p95")).toBeNull();
  });
});

describe("the editor", () => {
  it("keeps measure and dimension valid when the view changes", () => {
    const fixed = normalizeWidget(w("a", { view: "scores-numeric", measure: "totalCost", aggregation: "sum", dimension: "providedModelName" }));
    expect(fixed).toMatchObject({ measure: "count", aggregation: "count", dimension: null });
    const latency = normalizeWidget(w("a", { view: "traces", measure: "latency", aggregation: "count" }));
    expect(latency.aggregation).toBe("sum");
    expect(normalizeWidget(w("a", { measure: "latency", aggregation: "p95", dimension: "name" }))).toMatchObject({ aggregation: "p95", dimension: "name" });
  });
  it("moves, resizes and removes widgets", () => {
    const ws = [w("a"), w("b"), w("c")];
    expect(moveWidget(ws, "b", -1).map((x) => x.id)).toEqual(["b", "a", "c"]);
    expect(moveWidget(ws, "c", 1)).toBe(ws);
    expect(resizeWidget(ws, "a")[0].width).toBe(2);
    expect(resizeWidget(resizeWidget(ws, "a"), "a")[0].width).toBe(1);
    expect(removeWidget(ws, "b").map((x) => x.id)).toEqual(["a", "c"]);
    expect(nextWidgetId([w("w1"), w("w3")])).toBe("w4");
    expect(nextWidgetId([])).toBe("w1");
  });
  it("says why a draft cannot be saved", () => {
    expect(draftProblem(" ", [])).toMatch(/name/);
    expect(draftProblem("Costs", [])).toBeNull();
    expect(draftProblem("x".repeat(201), [])).toMatch(/200/);
  });
  it("titles widgets from their metric", () => {
    expect(defaultTitle({ view: "traces", measure: "count", aggregation: "count", dimension: "name" })).toBe("Traces count by name");
    expect(defaultTitle({ view: "observations", measure: "latency", aggregation: "p95", dimension: null })).toBe("p95 latency");
  });
});
