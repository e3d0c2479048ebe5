// The end users of a project (the traces' userId): first and last seen, traces, tokens, cost.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, type Paged, type UserSummary } from "../api";
import { Pager } from "../components/Pager";
import { partialNote } from "../lib/conversation";
import { toggleSort } from "../lib/filters";
import { formatCost, formatNumber, formatTimestamp } from "../lib/format";
import { userPath, usersApiQuery, userStateFromSearch, userStateToSearch, type UserListState } from "../lib/lists";

const SORTABLE: Record<string, string> = { userId: "User", firstSeen: "First seen", lastSeen: "Last seen", traceCount: "Traces" };

export function UsersPage() {
  const { projectId = "" } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const st = userStateFromSearch(search);
  const update = (patch: Partial<UserListState>) => setSearch(userStateToSearch({ ...st, page: 1, ...patch }));
  const users = useQuery({
    queryKey: ["users", projectId, userStateToSearch(st).toString()],
    queryFn: () =>
      api<Paged<UserSummary>>("GET", `/api/ui/projects/${encodeURIComponent(projectId)}/users?${usersApiQuery(st).toString()}`),
    placeholderData: keepPreviousData,
  });
  const sortHeader = (col: string, numeric = false) => {
    const [c, dir] = st.orderBy.split(".");
    return (
      <th className={`sortable ${numeric ? "num" : ""}`} onClick={() => update({ orderBy: toggleSort(st.orderBy, col) })}>
        {SORTABLE[col]} {c === col ? (dir === "desc" ? "▼" : "▲") : ""}
      </th>
    );
  };
  return (
    <div className="page wide">
      <h1>Users</h1>
      {users.error && <p className="error">{users.error.message}</p>}
      {users.isPending && <p className="muted">Loading users…</p>}
      {users.data && users.data.data.length === 0 && users.data.meta.page === 1 && (
        <div className="card empty" data-testid="users-empty">
          <h2>No users yet</h2>
          <p>
            Users appear here once traces carry a <code>userId</code>, e.g.{" "}
            <code>langfuse.trace({"{"} name: "chat", userId: "user-1" {"}"})</code>. See all traces on the{" "}
            <Link to={`/project/${projectId}/traces`}>traces page</Link>.
          </p>
        </div>
      )}
      {users.data && (users.data.data.length > 0 || users.data.meta.page > 1) && (
        <>
          <div className={`table-wrap ${users.isFetching ? "fetching" : ""}`}>
            <table className="table users">
              <thead>
                <tr>
                  {sortHeader("userId")}
                  {sortHeader("firstSeen")}
                  {sortHeader("lastSeen")}
                  {sortHeader("traceCount", true)}
                  <th className="num">Tokens</th>
                  <th className="num">Cost</th>
                </tr>
              </thead>
              <tbody>
                {users.data.data.length === 0 && (
                  <tr>
                    <td colSpan={6} className="muted">
                      No users on this page.
                    </td>
                  </tr>
                )}
                {users.data.data.map((u) => {
                  const partial = partialNote(u.countedTraces, u.traceCount);
                  return (
                    <tr key={u.userId} className="clickable" data-testid="user-row" onClick={() => navigate(userPath(projectId, u.userId))}>
                      <td>
                        <Link to={userPath(projectId, u.userId)} onClick={(e) => e.stopPropagation()}>
                          {u.userId}
                        </Link>
                      </td>
                      <td className="nowrap">{formatTimestamp(u.firstSeen)}</td>
                      <td className="nowrap">{formatTimestamp(u.lastSeen)}</td>
                      <td className="num">{formatNumber(u.traceCount)}</td>
                      <td className="num" title={partial ?? undefined}>
                        {partial ? "≥ " : ""}
                        {formatNumber(u.totalTokens)}
                      </td>
                      <td className="num" title={partial ?? undefined}>
                        {partial ? "≥ " : ""}
                        {formatCost(u.totalCost)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager
            meta={users.data.meta}
            noun="users"
            onPage={(page) => setSearch(userStateToSearch({ ...st, page }))}
            onLimit={(limit) => update({ limit })}
          />
        </>
      )}
    </div>
  );
}
