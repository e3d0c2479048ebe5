// Scores: create (also from browsers with a public key), list (v1 and v2), get, delete.
#include <charconv>
#include <map>

#include "api/api_context.h"
#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"
#include "core/ids.h"
#include "core/time.h"
#include "ingest/batch_decoder.h"

namespace lanterne {
namespace {

Response CreateScore(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto score = DecodeScoreBody(request.body, RandomUuid(), NowMicros());
  if (!score.ok()) return ErrorResponse(400, "Invalid request data", score.status().message());
  if (score->source == "EVAL") {
    return ErrorResponse(Status::InvalidArgument("source: expected API or ANNOTATION"));
  }
  IngestEvent event;
  event.event_id = score->id;
  event.timestamp_us = score->timestamp_us;
  event.kind = EventKind::kScore;
  event.score = *score;
  std::vector<IngestEvent> events;
  events.push_back(std::move(event));
  Status written = ctx.pipeline.Submit(auth.project_id, std::move(events));
  if (!written.ok()) return ErrorResponse(written);
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, score->id);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Result<ScoreQuery> ReadScoreQuery(const Request& request) {
  ScoreQuery q;
  auto page = ReadPage(request);
  if (!page.ok()) return page.status();
  q.page = *page;
  q.user_id = request.QueryValue("userId");
  q.name = request.QueryValue("name");
  q.source = request.QueryValue("source");
  q.config_id = request.QueryValue("configId");
  q.queue_id = request.QueryValue("queueId");
  q.trace_id = request.QueryValue("traceId");
  q.session_id = request.QueryValue("sessionId");
  q.dataset_run_id = request.QueryValue("datasetRunId");
  q.observation_ids = ReadList(request, "observationId", true);
  q.score_ids = ReadList(request, "scoreIds", true);
  q.trace_tags = ReadList(request, "traceTags", false);
  q.environments = ReadList(request, "environment", true);
  if (auto dt = request.QueryValue("dataType")) {
    q.data_type = ParseScoreDataType(*dt);
    if (!q.data_type) return Status::InvalidArgument("dataType: unknown score data type");
  }
  auto from = ReadTimestamp(request, "fromTimestamp");
  if (!from.ok()) return from.status();
  auto to = ReadTimestamp(request, "toTimestamp");
  if (!to.ok()) return to.status();
  q.from_us = *from;
  q.to_us = *to;
  if (auto op = request.QueryValue("operator")) {
    static const char* kOperators[] = {"<", ">", "<=", ">=", "!=", "="};
    bool known = false;
    for (const char* k : kOperators) known |= *op == k;
    if (!known) return Status::InvalidArgument("operator: expected one of <, >, <=, >=, !=, =");
    q.value_operator = *op;
  }
  if (auto value = request.QueryValue("value")) {
    char* end = nullptr;
    double v = std::strtod(value->c_str(), &end);
    if (value->empty() || *end != '\0') return Status::InvalidArgument("value: expected a number");
    q.value = v;
    if (!q.value_operator) q.value_operator = "=";
  }
  return q;
}

Response ListScores(ApiContext& ctx, Request& request, const AuthContext& auth, bool v2) {
  auto q = ReadScoreQuery(request);
  if (!q.ok()) return ErrorResponse(q.status());
  q->trace_linked_only = !v2;
  auto scores = ctx.store.ListScores(auth.project_id, *q);
  if (!scores.ok()) return ErrorResponse(scores.status());
  std::map<std::string, std::optional<TraceRecord>> traces;
  for (const auto& s : scores->items) {
    if (!s.trace_id || traces.contains(*s.trace_id)) continue;
    auto trace = ctx.store.GetTrace(auth.project_id, *s.trace_id);
    if (!trace.ok()) return ErrorResponse(trace.status());
    traces.emplace(*s.trace_id, std::move(trace).value());
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& s : scores->items) {
    const TraceRecord* trace = nullptr;
    if (s.trace_id) {
      auto& found = traces[*s.trace_id];
      if (found) trace = &*found;
    }
    WriteScore(w, s, trace, v2);
  }
  w.EndArray();
  WritePageMeta(w, q->page.page, q->page.limit, scores->total_items);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response ListScoresV1(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return ListScores(ctx, request, auth, false);
}

Response ListScoresV2(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return ListScores(ctx, request, auth, true);
}

Response GetScore(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto score = ctx.store.GetScore(auth.project_id, id);
  if (!score.ok()) return ErrorResponse(score.status());
  if (!score->has_value()) {
    return ErrorResponse(Status::NotFound("Score " + id + " not found within authorized project"));
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteScore(w, **score);
  return JsonResponse(200, buffer);
}

Response DeleteScore(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  bool existed = false;
  Status status = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteScore(auth.project_id, id);
    if (!deleted.ok()) return deleted.status();
    existed = *deleted;
    return Status::Ok();
  });
  if (!status.ok()) return ErrorResponse(status);
  if (!existed) {
    return ErrorResponse(Status::NotFound("Score " + id + " not found within authorized project"));
  }
  return JsonResponse(202, R"({"message":"Score deletion queued successfully"})");
}

}  // namespace

void RegisterScoreRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/public/scores", Authed(ctx, true, CreateScore));
  router.Add("GET", "/api/public/scores", Authed(ctx, false, ListScoresV1));
  router.Add("GET", "/api/public/scores/{scoreId}", Authed(ctx, false, GetScore));
  router.Add("DELETE", "/api/public/scores/{scoreId}", Authed(ctx, false, DeleteScore));
  router.Add("GET", "/api/public/v2/scores", Authed(ctx, false, ListScoresV2));
  router.Add("GET", "/api/public/v2/scores/{scoreId}", Authed(ctx, false, GetScore));
}

void ExportScoreHandlers(DataHandlers& out) {
  out.list_scores_v2 = ListScoresV2;
  out.get_score = GetScore;
}

}  // namespace lanterne
