import { formatNumber } from "./format";

/** GET /api/ui/projects/{id}/search-status (docs/ui-api.md, "What is not searchable yet"). */
export interface SearchStatus {
  unindexedTraces: number;
  unindexedObservations: number;
  countedUpTo: number;
}

/** The note shown beside search results while the index has not caught up; null once it has. */
export function searchLagNote(status: SearchStatus | undefined): string | null {
  if (!status) return null;
  const { unindexedTraces: traces, unindexedObservations: observations, countedUpTo: cap } = status;
  if (traces <= 0 && observations <= 0) return null;
  const count = (n: number, one: string, many: string) =>
    `${n >= cap ? "at least " : ""}${formatNumber(n)} ${n === 1 ? one : many}`;
  const parts = [];
  if (traces > 0) parts.push(count(traces, "trace", "traces"));
  if (observations > 0) parts.push(count(observations, "observation", "observations"));
  return (
    `The search index is still catching up: ${parts.join(" and ")} of this project ` +
    `cannot be found by search yet, so these results may be incomplete.`
  );
}
