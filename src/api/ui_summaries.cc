#include "api/ui_summaries.h"

#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"

namespace lanterne {
namespace {

// How many of a group's newest traces are summed for cost and tokens (TraceTotals): a list
// page sums at most this many per row, one session or user page more.
constexpr int64_t kListCountedTraces = 1000;
constexpr int64_t kDetailCountedTraces = 20000;

void WriteOptDouble(JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

void WriteTokens(JsonWriter& w, const TraceTotals& t) {
  w.Key("inputTokens");
  t.tokens_split ? w.Int64(t.input_tokens) : w.Null();
  w.Key("outputTokens");
  t.tokens_split ? w.Int64(t.output_tokens) : w.Null();
  w.Key("totalTokens");
  w.Int64(t.total_tokens);
}

// The session's fields; the caller closes the object.
void WriteSessionSummaryFields(JsonWriter& w, const SessionSummary& s) {
  const TraceTotals& t = s.totals;
  WriteSession(w, s.session);
  w.Key("traceCount");
  w.Int64(t.trace_count);
  w.Key("countedTraces");
  w.Int64(t.counted_traces);
  w.Key("firstTraceAt");
  WriteOptTimestamp(w, t.first_timestamp_us);
  w.Key("lastTraceAt");
  WriteOptTimestamp(w, t.last_timestamp_us);
  w.Key("endedAt");
  WriteOptTimestamp(w, t.last_end_us);
  // From the first trace's timestamp to the end of the last trace or observation.
  w.Key("durationSeconds");
  std::optional<double> duration;
  if (t.first_timestamp_us && t.last_end_us) {
    duration = static_cast<double>(*t.last_end_us - *t.first_timestamp_us) / 1e6;
  }
  WriteOptDouble(w, duration);
  w.Key("totalCost");
  w.Double(t.total_cost);
  w.Key("userIds");
  w.StartArray();
  for (const auto& user : s.user_ids) WriteString(w, user);
  w.EndArray();
}

void WriteUser(JsonWriter& w, const UserSummary& u) {
  const TraceTotals& t = u.totals;
  w.StartObject();
  w.Key("userId");
  WriteString(w, u.user_id);
  w.Key("firstSeen");
  WriteOptTimestamp(w, t.first_timestamp_us);
  w.Key("lastSeen");
  WriteOptTimestamp(w, t.last_timestamp_us);
  w.Key("traceCount");
  w.Int64(t.trace_count);
  w.Key("countedTraces");
  w.Int64(t.counted_traces);
  w.Key("totalCost");
  w.Double(t.total_cost);
  WriteTokens(w, t);
  w.EndObject();
}

}  // namespace

Response ListUiSessions(ApiContext& ctx, Request& request, const AuthContext& auth) {
  SessionSummaryQuery q;
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  q.page = *page;
  auto from = ReadTimestamp(request, "fromTimestamp");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toTimestamp");
  if (!to.ok()) return ErrorResponse(to.status());
  q.from_us = *from;
  q.to_us = *to;
  q.environments = ReadList(request, "environment", true);
  if (auto user = request.QueryValue("userId"); user && !user->empty()) q.user_id = *user;
  q.max_counted_traces = kListCountedTraces;
  auto sessions = ctx.store.ListSessionSummaries(auth.project_id, q);
  if (!sessions.ok()) return ErrorResponse(sessions.status());
  return PagedResponse(q.page.page, q.page.limit, sessions->total_items, sessions->items,
                       [](JsonWriter& w, const auto& s) {
                         w.StartObject();
                         WriteSessionSummaryFields(w, s);
                         w.EndObject();
                       });
}

// The session's totals and one page of its traces, oldest first (a conversation reads
// forward), each with its latency and cost.
Response GetUiSession(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  auto session = ctx.store.GetSessionSummary(auth.project_id, id, kDetailCountedTraces, *page);
  if (!session.ok()) return ErrorResponse(session.status());
  if (!session->has_value()) {
    return ErrorResponse(
        Status::NotFound("Session " + id + " not found within authorized project"));
  }
  const std::vector<std::string>& ids = (*session)->page_trace_ids;
  std::vector<TraceRecord> traces;
  for (const auto& trace_id : ids) {
    auto trace = ctx.store.GetTrace(auth.project_id, trace_id);
    if (!trace.ok()) return ErrorResponse(trace.status());
    // Deleted between the two reads: the page is one shorter.
    if (trace->has_value()) traces.push_back(std::move(**trace));
  }
  std::vector<std::string> found;
  for (const auto& t : traces) found.push_back(t.id);
  auto rollups = ctx.store.RollupTraces(auth.project_id, found);
  if (!rollups.ok()) return ErrorResponse(rollups.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteSessionSummaryFields(w, **session);
  WriteTokens(w, (*session)->totals);
  w.Key("traces");
  w.StartArray();
  for (size_t i = 0; i < traces.size(); ++i) WriteTraceSummary(w, traces[i], (*rollups)[i]);
  w.EndArray();
  WritePageMeta(w, page->page, page->limit, (*session)->totals.trace_count);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response ListUiUsers(ApiContext& ctx, Request& request, const AuthContext& auth) {
  UserQuery q;
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  q.page = *page;
  if (auto order = request.QueryValue("orderBy"); order && !order->empty()) {
    auto dot = order->find('.');
    std::string field = order->substr(0, dot);
    std::string direction = dot == std::string::npos ? "" : order->substr(dot + 1);
    bool known =
        field == "lastSeen" || field == "firstSeen" || field == "traceCount" || field == "userId";
    if (!known || (direction != "asc" && direction != "desc")) {
      return ErrorResponse(Status::InvalidArgument(
          "orderBy: expected <field>.<asc|desc> with field one of lastSeen, firstSeen, "
          "traceCount, userId"));
    }
    q.order_by = field;
    q.descending = direction == "desc";
  }
  q.max_counted_traces = kListCountedTraces;
  auto users = ctx.store.ListUsers(auth.project_id, q);
  if (!users.ok()) return ErrorResponse(users.status());
  return PagedResponse(q.page.page, q.page.limit, users->total_items, users->items,
                       [](JsonWriter& w, const auto& u) { WriteUser(w, u); });
}

Response GetUiUser(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto user = ctx.store.GetUserSummary(auth.project_id, id, kDetailCountedTraces);
  if (!user.ok()) return ErrorResponse(user.status());
  if (!user->has_value()) {
    return ErrorResponse(Status::NotFound("User " + id + " has no traces in this project"));
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteUser(w, **user);
  return JsonResponse(200, buffer);
}

}  // namespace lanterne
