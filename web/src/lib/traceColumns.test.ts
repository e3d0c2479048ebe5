import { describe, expect, it } from "vitest";
import { DEFAULT_LAYOUT, moveColumn, nextActiveRow, parseLayout, toggleColumn, TRACE_COLUMNS, visibleColumns } from "./traceColumns";

describe("trace column layout", () => {
  it("defaults when nothing or garbage is stored", () => {
    expect(parseLayout(null)).toEqual(DEFAULT_LAYOUT);
    expect(parseLayout("{not json")).toEqual(DEFAULT_LAYOUT);
    expect(visibleColumns(DEFAULT_LAYOUT)).not.toContain("output");
  });

  it("repairs stored layouts: unknown ids dropped, new columns appended", () => {
    const layout = parseLayout(JSON.stringify({ order: ["cost", "bogus", "name", "cost"], hidden: ["name", "bogus"] }));
    expect(layout.order.slice(0, 2)).toEqual(["cost", "name"]);
    expect(layout.order).toHaveLength(TRACE_COLUMNS.length);
    expect(layout.hidden).toEqual(["name"]);
    expect(visibleColumns(layout)[0]).toBe("cost");
  });

  it("shows, hides and reorders", () => {
    let layout = toggleColumn(DEFAULT_LAYOUT, "output");
    expect(visibleColumns(layout)).toContain("output");
    layout = toggleColumn(layout, "timestamp");
    expect(visibleColumns(layout)).not.toContain("timestamp");
    layout = moveColumn(layout, "name", -1);
    expect(layout.order[0]).toBe("name");
    expect(moveColumn(layout, "name", -1)).toBe(layout);
    expect(moveColumn(layout, "id", 1)).toBe(layout);
  });

  it("never hides the last visible column", () => {
    let layout = DEFAULT_LAYOUT;
    for (const id of visibleColumns(DEFAULT_LAYOUT)) layout = toggleColumn(layout, id);
    expect(visibleColumns(layout)).toEqual(["id"]);
  });
});

describe("keyboard row navigation", () => {
  it("moves within the page", () => {
    expect(nextActiveRow(-1, "j", 3)).toBe(0);
    expect(nextActiveRow(2, "ArrowDown", 3)).toBe(2);
    expect(nextActiveRow(0, "k", 3)).toBe(0);
    expect(nextActiveRow(2, "ArrowUp", 3)).toBe(1);
    expect(nextActiveRow(1, "x", 3)).toBe(1);
    expect(nextActiveRow(0, "j", 0)).toBe(-1);
  });
});
