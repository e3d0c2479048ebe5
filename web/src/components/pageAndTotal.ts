// A table's page and its exact total, asked for apart (`total=false`, `total=only`): the
// page's work is bounded by its rows, the count's grows with the matches, so the rows show
// without waiting for it. `url(total)` builds the listing URL with that parameter set;
// `pageKey` names the view, `totalKey` the view without its page and order (paging and
// sorting count once). Both queries sit under [name, projectId], so invalidating that (after
// a delete) refreshes the rows and the total.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, type Paged, type PagedOnly } from "../api";

export function usePageAndTotal<T>(
  name: string,
  projectId: string,
  pageKey: string,
  totalKey: string,
  url: (total: "false" | "only") => string,
) {
  const page = useQuery({
    queryKey: [name, projectId, "page", pageKey],
    queryFn: () => api<PagedOnly<T>>("GET", url("false")),
    placeholderData: keepPreviousData,
  });
  const total = useQuery({
    queryKey: [name, projectId, "total", totalKey],
    queryFn: () => api<Paged<T>>("GET", url("only")).then((r) => r.meta.totalItems),
  });
  return { page, total: total.data };
}
