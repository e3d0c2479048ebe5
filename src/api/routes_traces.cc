// Traces: list with filters, one with its observations and scores, delete one or many.
#include <algorithm>

#include <simdjson.h>

#include "api/api_context.h"
#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"
#include "storage/search_text.h"

namespace lanterne {
namespace {

// The web UI's metadata filters: `metadata.<key>=<value>` (equals) and
// `metadataContains.<key>=<value>` (substring), each ANDed with the rest.
Status ReadMetadataFilters(const Request& request, std::vector<MetadataFilter>& out) {
  constexpr std::string_view kEquals = "metadata.", kContains = "metadataContains.";
  for (const auto& [name, value] : request.query) {
    std::string_view n = name;
    bool contains = n.starts_with(kContains);
    if (!contains && !n.starts_with(kEquals)) continue;
    std::string_view key = n.substr(contains ? kContains.size() : kEquals.size());
    if (key.empty() || key.size() > kMetadataKeyBytes) {
      return Status::InvalidArgument(std::string(n.substr(0, n.size() - key.size())) +
                                     "<key>: the key must be 1 to 200 bytes");
    }
    if (contains && value.empty()) {
      return Status::InvalidArgument("metadataContains." + std::string(key) +
                                     ": expected a non-empty value");
    }
    out.push_back(MetadataFilter{std::string(key), value, contains});
  }
  if (out.size() > 10) return Status::InvalidArgument("metadata: at most 10 metadata filters");
  return Status::Ok();
}

// `with_search`: the web UI's listing also takes `search` (full text); the public API keeps
// Langfuse's parameters, which have none.
Response ListTracesOf(ApiContext& ctx, Request& request, const AuthContext& auth,
                      bool with_search) {
  TraceQuery q;
  if (auto search = request.QueryValue("search"); with_search && search) {
    auto normalized = NormalizeSearchQuery(*search);
    if (!normalized.ok()) return ErrorResponse(normalized.status());
    if (!normalized->empty()) q.search = std::move(normalized).value();
  }
  if (auto bookmarked = request.QueryValue("bookmarked"); with_search && bookmarked) {
    if (*bookmarked != "true" && *bookmarked != "false") {
      return ErrorResponse(Status::InvalidArgument("bookmarked: expected true or false"));
    }
    q.bookmarked = *bookmarked == "true";
  }
  if (with_search) {
    Status metadata = ReadMetadataFilters(request, q.metadata);
    if (!metadata.ok()) return ErrorResponse(metadata);
    auto counting = ReadCounting(request);
    if (!counting.ok()) return ErrorResponse(counting.status());
    q.counting = *counting;
  }
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  q.page = *page;
  q.user_id = request.QueryValue("userId");
  q.name = request.QueryValue("name");
  q.session_id = request.QueryValue("sessionId");
  q.release = request.QueryValue("release");
  q.version = request.QueryValue("version");
  q.tags = ReadList(request, "tags", false);
  q.environments = ReadList(request, "environment", true);
  auto from = ReadTimestamp(request, "fromTimestamp");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toTimestamp");
  if (!to.ok()) return ErrorResponse(to.status());
  q.from_us = *from;
  q.to_us = *to;
  if (auto order = request.QueryValue("orderBy"); order && !order->empty()) {
    auto dot = order->rfind('.');
    std::string field = order->substr(0, dot);
    std::string direction = dot == std::string::npos ? "desc" : order->substr(dot + 1);
    static const char* kFields[] = {"id",      "timestamp", "name",       "userId",   "release",
                                    "version", "public",    "bookmarked", "sessionId"};
    bool known = false;
    for (const char* f : kFields) known |= field == f;
    if (!known || (direction != "asc" && direction != "desc")) {
      return ErrorResponse(Status::InvalidArgument(
          "orderBy: expected <field>.<asc|desc> with field one of id, timestamp, name, userId, "
          "release, version, public, bookmarked, sessionId"));
    }
    q.order_by = field;
    q.descending = direction == "desc";
  }
  // `fields` (core, io, scores, observations, metrics) lets clients skip the per-trace
  // roll-up; unknown names are ignored and core and io are always sent.
  bool with_observations = true, with_scores = true, with_metrics = true;
  if (auto fields = ReadList(request, "fields", true); !fields.empty()) {
    auto has = [&](std::string_view f) {
      return std::find(fields.begin(), fields.end(), f) != fields.end();
    };
    with_observations = has("observations");
    with_scores = has("scores");
    with_metrics = has("metrics");
  }
  auto traces = ctx.store.ListTraces(auth.project_id, q);
  if (!traces.ok()) return ErrorResponse(traces.status());
  std::vector<TraceRollup> rollups(traces->items.size());
  if (with_observations || with_scores || with_metrics) {
    std::vector<std::string> ids;
    for (const auto& t : traces->items) ids.push_back(t.id);
    auto computed = ctx.store.RollupTraces(auth.project_id, ids);
    if (!computed.ok()) return ErrorResponse(computed.status());
    rollups = std::move(computed).value();
  }
  for (auto& rollup : rollups) {
    if (!with_observations) rollup.observation_ids.clear();
    if (!with_scores) rollup.score_ids.clear();
  }
  // The web UI's table also shows tokens and scores: for the page's traces, in bulk.
  std::vector<TraceTableExtras> extras;
  if (with_search) {
    std::vector<std::string> ids;
    for (const auto& t : traces->items) ids.push_back(t.id);
    auto computed = ctx.store.TraceTableColumns(auth.project_id, ids);
    if (!computed.ok()) return ErrorResponse(computed.status());
    extras = std::move(computed).value();
  }

  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (size_t i = 0; i < traces->items.size(); ++i) {
    WriteTraceSummary(w, traces->items[i], rollups[i], with_metrics,
                      extras.empty() ? nullptr : &extras[i]);
  }
  w.EndArray();
  WritePageMeta(w, q.page.page, q.page.limit, traces->total_items, q.counting, traces->has_more);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response ListTraces(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return ListTracesOf(ctx, request, auth, false);
}

Response SearchTraces(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return ListTracesOf(ctx, request, auth, true);
}

Response GetTrace(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto trace = ctx.store.GetTrace(auth.project_id, id);
  if (!trace.ok()) return ErrorResponse(trace.status());
  if (!trace->has_value()) {
    return ErrorResponse(Status::NotFound("Trace " + id + " not found within authorized project"));
  }
  auto observations = ctx.store.ObservationsOfTrace(auth.project_id, id);
  if (!observations.ok()) return ErrorResponse(observations.status());
  auto scores = ctx.store.ScoresOfTrace(auth.project_id, id);
  if (!scores.ok()) return ErrorResponse(scores.status());

  TraceRollup rollup;
  for (const auto& o : *observations) {
    rollup.AddObservation(o.id, o.start_time_us, o.end_time_us, o.total_cost());
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteTraceFields(w, **trace);
  w.Key("latency");
  w.Double(TraceLatencySeconds(rollup));
  w.Key("totalCost");
  w.Double(rollup.total_cost);
  w.Key("observations");
  w.StartArray();
  for (const auto& o : *observations) WriteObservation(w, o);
  w.EndArray();
  w.Key("scores");
  w.StartArray();
  for (const auto& s : *scores) WriteScore(w, s);
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response DeleteTrace(ApiContext& ctx, Request& request, const AuthContext& auth) {
  std::vector<std::string> ids{request.path_params[0]};
  Status status = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteTraces(auth.project_id, ids);
    return deleted.ok() ? Status::Ok() : deleted.status();
  });
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, R"({"message":"Trace deleted successfully"})");
}

Response DeleteTraces(ApiContext& ctx, Request& request, const AuthContext& auth) {
  simdjson::dom::parser parser;
  simdjson::dom::array ids_json;
  if (parser.parse(request.body).at_key("traceIds").get_array().get(ids_json) !=
      simdjson::SUCCESS) {
    return ErrorResponse(Status::InvalidArgument("traceIds: required, an array of trace ids"));
  }
  std::vector<std::string> ids;
  for (auto item : ids_json) {
    std::string_view id;
    if (item.get_string().get(id) != simdjson::SUCCESS) {
      return ErrorResponse(Status::InvalidArgument("traceIds: every entry must be a string"));
    }
    ids.emplace_back(id);
  }
  if (ids.empty() || ids.size() > 1000) {
    return ErrorResponse(Status::InvalidArgument("traceIds: between 1 and 1000 ids"));
  }
  Status status = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteTraces(auth.project_id, ids);
    return deleted.ok() ? Status::Ok() : deleted.status();
  });
  if (!status.ok()) return ErrorResponse(status);
  return JsonResponse(200, R"({"message":"Traces deleted successfully"})");
}

}  // namespace

void RegisterTraceRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/traces", Authed(ctx, false, ListTraces));
  router.Add("DELETE", "/api/public/traces", Authed(ctx, false, DeleteTraces));
  router.Add("GET", "/api/public/traces/{traceId}", Authed(ctx, false, GetTrace));
  router.Add("DELETE", "/api/public/traces/{traceId}", Authed(ctx, false, DeleteTrace));
}

void ExportTraceHandlers(DataHandlers& out) {
  out.list_traces = ListTraces;
  out.search_traces = SearchTraces;
  out.get_trace = GetTrace;
  out.delete_trace = DeleteTrace;
  out.delete_traces = DeleteTraces;
}

}  // namespace lanterne
