// Page navigation under a list: "N <noun> · page x of y", previous/next, rows per page.
// `noun` is plural ("sessions"); one item drops its final "s". A page listed without its
// total (PageOnlyMeta) takes the total apart, as `total` (undefined while it is counted).
import type { Meta, PageOnlyMeta } from "../api";
import { LIMITS } from "../lib/filters";
import { pagerSummary } from "../lib/lists";

export function Pager({
  meta,
  total,
  noun,
  onPage,
  onLimit,
}: {
  meta: Meta | PageOnlyMeta;
  total?: number;
  noun: string;
  onPage: (page: number) => void;
  onLimit?: (limit: number) => void; // without it, no rows-per-page choice
}) {
  const known = "hasMore" in meta ? total : meta.totalItems;
  const hasMore = "hasMore" in meta ? meta.hasMore : meta.page < meta.totalPages;
  return (
    <div className="pager">
      <span className="muted" data-testid="pager-summary">
        {pagerSummary(noun, meta.page, meta.limit, known)}
      </span>
      <button disabled={meta.page <= 1} onClick={() => onPage(meta.page - 1)}>
        ‹ Previous
      </button>
      <button disabled={!hasMore} onClick={() => onPage(meta.page + 1)}>
        Next ›
      </button>
      {onLimit && (
        <select aria-label="Rows per page" value={meta.limit} onChange={(e) => onLimit(Number(e.target.value))}>
          {LIMITS.map((l) => (
            <option key={l} value={l}>
              {l} per page
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
