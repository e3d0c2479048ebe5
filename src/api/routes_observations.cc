// Observations (v1): list with filters, and one by id.
#include "api/api_context.h"
#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"

namespace lanterne {
namespace {

Response ListObservations(ApiContext& ctx, Request& request, const AuthContext& auth) {
  ObservationQuery q;
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  q.page = *page;
  q.name = request.QueryValue("name");
  q.user_id = request.QueryValue("userId");
  q.trace_id = request.QueryValue("traceId");
  q.parent_observation_id = request.QueryValue("parentObservationId");
  q.version = request.QueryValue("version");
  if (auto type = request.QueryValue("type")) {
    q.type = ParseObservationType(*type);
    if (!q.type) return ErrorResponse(Status::InvalidArgument("type: unknown observation type"));
  }
  if (auto level = request.QueryValue("level")) {
    q.level = ParseLevel(*level);
    if (!q.level) {
      return ErrorResponse(
          Status::InvalidArgument("level: expected DEBUG, DEFAULT, WARNING or ERROR"));
    }
  }
  q.environments = ReadList(request, "environment", true);
  auto from = ReadTimestamp(request, "fromStartTime");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toStartTime");
  if (!to.ok()) return ErrorResponse(to.status());
  q.from_start_us = *from;
  q.to_start_us = *to;
  auto observations = ctx.store.ListObservations(auth.project_id, q);
  if (!observations.ok()) return ErrorResponse(observations.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& o : observations->items) WriteObservation(w, o);
  w.EndArray();
  WritePageMeta(w, q.page.page, q.page.limit, observations->total_items);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response GetObservation(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto observation = ctx.store.GetObservation(auth.project_id, id);
  if (!observation.ok()) return ErrorResponse(observation.status());
  if (!observation->has_value()) {
    return ErrorResponse(
        Status::NotFound("Observation " + id + " not found within authorized project"));
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteObservation(w, **observation);
  return JsonResponse(200, buffer);
}

}  // namespace

void RegisterObservationRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/observations", Authed(ctx, false, ListObservations));
  router.Add("GET", "/api/public/observations/{observationId}", Authed(ctx, false, GetObservation));
}

void ExportObservationHandlers(DataHandlers& out) {
  out.list_observations = ListObservations;
  out.get_observation = GetObservation;
}

}  // namespace lanterne
