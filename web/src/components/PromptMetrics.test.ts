import { describe, expect, it } from "vitest";
import { barWidths } from "./PromptMetrics";

describe("metric bars", () => {
  it("scale to the largest value and leave unknowns empty", () => {
    expect(barWidths([2, 4, null, 1])).toEqual([50, 100, 0, 25]);
    expect(barWidths([null, null])).toEqual([0, 0]);
    expect(barWidths([0, 0])).toEqual([0, 0]);
  });
});
