import { describe, expect, it } from "vitest";
import {
  compactCount,
  DEFAULT_LAYOUT,
  moveColumn,
  nextActiveRow,
  parseLayout,
  scoreBadges,
  tokensCell,
  toggleColumn,
  TRACE_COLUMNS,
  visibleColumns,
} from "./traceColumns";

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

describe("tokens and scores columns", () => {
  it("are in the chooser and shown by default", () => {
    expect(TRACE_COLUMNS.map((c) => c.id)).toEqual(expect.arrayContaining(["tokens", "scores"]));
    expect(visibleColumns(DEFAULT_LAYOUT)).toEqual(expect.arrayContaining(["tokens", "scores"]));
    // A layout saved before they existed gets them appended, visible.
    const old = parseLayout(JSON.stringify({ order: ["name", "timestamp"], hidden: [] }));
    expect(visibleColumns(old)).toEqual(expect.arrayContaining(["tokens", "scores"]));
  });

  it("formats tokens as input → output (Σ total), compactly", () => {
    expect(tokensCell({ inputTokens: 13, outputTokens: 7, totalTokens: 20 })).toBe("13 → 7 (Σ 20)");
    expect(tokensCell({ inputTokens: 1234, outputTokens: 56_789, totalTokens: 2_500_000 })).toBe("1.2k → 57k (Σ 2.5M)");
    expect(tokensCell({ inputTokens: 0, outputTokens: 0, totalTokens: 0 })).toBe("");
    expect(tokensCell({})).toBe("");
    expect(compactCount(999)).toBe("999");
    expect(compactCount(1000)).toBe("1k");
  });

  it("makes one badge per score name", () => {
    const badges = scoreBadges([
      { name: "quality", dataType: "NUMERIC", count: 2, average: 0.75, values: [] },
      { name: "helpful", dataType: "BOOLEAN", count: 1, average: 1, values: [] },
      { name: "tone", dataType: "CATEGORICAL", count: 3, average: null, values: [{ value: "calm", count: 2 }, { value: "angry", count: 1 }] },
      { name: "topic", dataType: "CATEGORICAL", count: 1, average: null, values: [{ value: "billing", count: 1 }] },
      { name: "mood", dataType: "CATEGORICAL", count: 3, average: null, values: [{ value: "a", count: 1 }, { value: "b", count: 1 }, { value: "c", count: 1 }] },
    ]);
    expect(badges.map((b) => `${b.name}: ${b.text}`)).toEqual([
      "quality: 0.75",
      "helpful: 1",
      "tone: calm ×2, angry ×1",
      "topic: billing",
      "mood: a ×1, b ×1, …",
    ]);
    expect(badges[0].title).toBe("quality: average of 2 scores");
    expect(scoreBadges(undefined)).toEqual([]);
    expect(scoreBadges([{ name: "x", dataType: "NUMERIC", count: 3, average: 2 / 3, values: [] }])[0].text).toBe("0.67");
  });
});
