import { describe, expect, it } from "vitest";
import { searchLagNote } from "./searchStatus";

describe("searchLagNote", () => {
  it("says nothing once the index has caught up", () => {
    expect(searchLagNote(undefined)).toBeNull();
    expect(searchLagNote({ unindexedTraces: 0, unindexedObservations: 0, countedUpTo: 100000 })).toBeNull();
  });
  it("names what is not searchable yet, with 'at least' at the counting cap", () => {
    expect(searchLagNote({ unindexedTraces: 1, unindexedObservations: 0, countedUpTo: 100000 })).toBe(
      "The search index is still catching up: 1 trace of this project cannot be found by search yet, so these results may be incomplete.",
    );
    const note = searchLagNote({ unindexedTraces: 2500, unindexedObservations: 100000, countedUpTo: 100000 });
    expect(note).toContain("2,500 traces and at least 100,000 observations");
  });
});
