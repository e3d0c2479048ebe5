// Page navigation under a list: "N <noun> · page x of y", previous/next, rows per page.
// `noun` is plural ("sessions"); one item drops its final "s".
import type { Meta } from "../api";
import { LIMITS } from "../lib/filters";

export function Pager({
  meta,
  noun,
  onPage,
  onLimit,
}: {
  meta: Meta;
  noun: string;
  onPage: (page: number) => void;
  onLimit?: (limit: number) => void; // without it, no rows-per-page choice
}) {
  return (
    <div className="pager">
      <span className="muted" data-testid="pager-summary">
        {meta.totalItems.toLocaleString("en-US")} {meta.totalItems === 1 ? noun.replace(/s$/, "") : noun} · page {meta.page} of {Math.max(meta.totalPages, 1)}
      </span>
      <button disabled={meta.page <= 1} onClick={() => onPage(meta.page - 1)}>
        ‹ Previous
      </button>
      <button disabled={meta.page >= meta.totalPages} onClick={() => onPage(meta.page + 1)}>
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
