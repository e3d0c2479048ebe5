// The sessions and users lists' state in the URL (page, limit, time range, sort) and the
// UI API query for it (docs/ui-api.md).
import { LIMITS, presetMillis, TIME_PRESETS, type TimePreset } from "./filters";

export interface SessionListState {
  time: TimePreset | "";
  page: number;
  limit: number;
}

export const USER_SORTS = ["lastSeen", "firstSeen", "traceCount", "userId"] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserListState {
  orderBy: string; // "lastSeen.desc"
  page: number;
  limit: number;
}

export const DEFAULT_USER_ORDER = "lastSeen.desc";

function posInt(s: string | null, fallback: number): number {
  if (!s) return fallback;
  const n = Number(s);
  return Number.isInteger(n) && n >= 1 ? n : fallback;
}

function pageOf(search: URLSearchParams) {
  const limit = posInt(search.get("limit"), 50);
  return { page: posInt(search.get("page"), 1), limit: LIMITS.includes(limit) ? limit : 50 };
}

function writePage(s: URLSearchParams, page: number, limit: number) {
  if (page !== 1) s.set("page", String(page));
  if (limit !== 50) s.set("limit", String(limit));
}

export function sessionStateFromSearch(search: URLSearchParams): SessionListState {
  const time = search.get("time") ?? "";
  return {
    time: (TIME_PRESETS as readonly string[]).includes(time) ? (time as TimePreset) : "",
    ...pageOf(search),
  };
}

export function sessionStateToSearch(st: SessionListState): URLSearchParams {
  const s = new URLSearchParams();
  if (st.time) s.set("time", st.time);
  writePage(s, st.page, st.limit);
  return s;
}

// `now` is injectable for tests; `userId` narrows to one user's sessions.
export function sessionsApiQuery(st: SessionListState, now: number = Date.now(), userId?: string): URLSearchParams {
  const q = new URLSearchParams();
  q.set("page", String(st.page));
  q.set("limit", String(st.limit));
  if (st.time) q.set("fromTimestamp", new Date(now - presetMillis(st.time)).toISOString());
  if (userId) q.set("userId", userId);
  return q;
}

export function userStateFromSearch(search: URLSearchParams): UserListState {
  const orderBy = search.get("orderBy") ?? "";
  const [field, dir] = orderBy.split(".");
  const valid = (USER_SORTS as readonly string[]).includes(field) && (dir === "asc" || dir === "desc");
  return { orderBy: valid ? orderBy : DEFAULT_USER_ORDER, ...pageOf(search) };
}

export function userStateToSearch(st: UserListState): URLSearchParams {
  const s = new URLSearchParams();
  if (st.orderBy !== DEFAULT_USER_ORDER) s.set("orderBy", st.orderBy);
  writePage(s, st.page, st.limit);
  return s;
}

export function usersApiQuery(st: UserListState): URLSearchParams {
  return new URLSearchParams({ page: String(st.page), limit: String(st.limit), orderBy: st.orderBy });
}

// The UI's pages for one session and one user (ids may hold any character).
export function sessionPath(projectId: string, sessionId: string): string {
  return `/project/${projectId}/sessions/${encodeURIComponent(sessionId)}`;
}
export function userPath(projectId: string, userId: string): string {
  return `/project/${projectId}/users/${encodeURIComponent(userId)}`;
}

// A pager's words: "1,234 traces · page 2 of 25"; while the total is being counted (it comes
// apart from the page, see PageOnlyMeta), "counting traces… · page 2".
export function pagerSummary(noun: string, page: number, limit: number, total: number | undefined): string {
  if (total === undefined) return `counting ${noun}… · page ${page}`;
  const pages = Math.max(Math.ceil(total / limit), 1);
  return `${total.toLocaleString("en-US")} ${total === 1 ? noun.replace(/s$/, "") : noun} · page ${page} of ${pages}`;
}
