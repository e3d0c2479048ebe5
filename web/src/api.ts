// The UI API client (docs/ui-api.md): JSON over fetch with the session cookie, and the
// CSRF token from the `lanterne_csrf` cookie on every state-changing request.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

export function csrfToken(cookie: string = typeof document === "undefined" ? "" : document.cookie) {
  for (const part of cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === "lanterne_csrf") return decodeURIComponent(v.join("="));
  }
  return "";
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "Cannot reach the server. Check that Lanterne is running.");
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, errorMessage(res.status, data));
  return data as T;
}

export function errorMessage(status: number, data: unknown): string {
  const msg = (data as { message?: unknown } | undefined)?.message;
  if (typeof msg === "string" && msg) return msg;
  if (status === 401) return "You are not signed in.";
  if (status === 403) return "You do not have permission to do this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many attempts. Wait a few minutes and try again.";
  return `The server answered ${status}.`;
}

export interface User {
  id: string;
  email: string;
  name: string;
}
export interface ProjectRef {
  id: string;
  name: string;
  role: string;
  permissions?: string[];
}
export interface OrgRef {
  id: string;
  name: string;
  role: string;
  permissions?: string[];
  projects: ProjectRef[];
}
export interface Me {
  user: User;
  organizations: OrgRef[];
}
export interface ApiKey {
  id: string;
  publicKey: string;
  displaySecretKey: string;
  note: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}
export interface CreatedApiKey extends ApiKey {
  secretKey: string;
}
export interface Meta {
  page: number;
  limit: number;
  totalItems: number;
  totalPages: number;
}
export interface Paged<T> {
  data: T[];
  meta: Meta;
}
// A table page asked for with `total=false`: its total comes from a second request
// (`total=only`), since counting grows with the matches and the page does not.
export interface PageOnlyMeta {
  page: number;
  limit: number;
  totalItems: null;
  totalPages: null;
  hasMore: boolean;
}
export interface PagedOnly<T> {
  data: T[];
  meta: PageOnlyMeta;
}
export interface Trace {
  id: string;
  timestamp: string;
  name: string | null;
  userId: string | null;
  sessionId: string | null;
  tags: string[];
  environment?: string | null;
  release?: string | null;
  version?: string | null;
  input: unknown;
  output: unknown;
  metadata: unknown;
  latency?: number | null;
  totalCost?: number | null;
  level?: string | null;
  bookmarked?: boolean;
  // The UI listing only (docs/ui-api.md): usage summed over the observations, scores by name.
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  scoreAggregates?: ScoreAggregate[];
}
export interface ScoreAggregate {
  name: string;
  dataType: string; // NUMERIC, BOOLEAN or CATEGORICAL
  count: number;
  average: number | null; // null for CATEGORICAL
  values: { value: string; count: number }[]; // CATEGORICAL: most frequent first
}
export interface Observation {
  id: string;
  traceId: string;
  type: string;
  name: string | null;
  startTime: string;
  endTime: string | null;
  completionStartTime?: string | null;
  model?: string | null;
  modelParameters?: unknown;
  input: unknown;
  output: unknown;
  metadata: unknown;
  level: string;
  statusMessage?: string | null;
  parentObservationId: string | null;
  usageDetails?: Record<string, number> | null;
  costDetails?: Record<string, number> | null;
  calculatedTotalCost?: number | null;
  totalCost?: number | null;
  environment?: string | null;
}
export interface TraceDetail extends Trace {
  observations: Observation[];
}

export function findProject(me: Me | undefined, projectId: string | undefined) {
  if (!me || !projectId) return undefined;
  for (const org of me.organizations)
    for (const p of org.projects) if (p.id === projectId) return { org, project: p };
  return undefined;
}

// Whether the user's role in this project (or organization) grants `scope`, from the
// `permissions` that GET /api/ui/me lists.
export function can(target: { permissions?: string[] } | undefined, scope: string): boolean {
  return !!target?.permissions?.includes(scope);
}

// The sessions and users pages (docs/ui-api.md, "Sessions and users"). Cost and tokens
// cover `countedTraces` of `traceCount` traces (the newest ones).
export interface SessionSummary {
  id: string;
  createdAt: string;
  environment: string;
  traceCount: number;
  countedTraces: number;
  firstTraceAt: string | null;
  lastTraceAt: string | null;
  endedAt: string | null;
  durationSeconds: number | null;
  totalCost: number;
  userIds: string[];
}
export interface SessionDetail extends SessionSummary {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  traces: Trace[];
  meta: Meta;
}
export interface UserSummary {
  userId: string;
  firstSeen: string;
  lastSeen: string;
  traceCount: number;
  countedTraces: number;
  totalCost: number;
  // null in the users list, which reads totals from the rollups (they keep no split)
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number;
}
