// Observations (v1): list with filters, and one by id.
#include "api/api_context.h"
#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"

namespace lanterne {
namespace {

// Filters and ordering the web UI's observations table adds to Langfuse's parameters.
Status ReadTableFilters(const Request& request, ObservationQuery& q) {
  auto counting = ReadCounting(request);
  if (!counting.ok()) return counting.status();
  q.counting = *counting;
  q.models = ReadList(request, "model", false);
  auto seconds_to_us = [](double seconds) { return static_cast<int64_t>(seconds * 1e6 + 0.5); };
  for (auto [key, bound] :
       {std::pair{"minLatency", &q.min_latency_us}, std::pair{"maxLatency", &q.max_latency_us}}) {
    auto v = ReadNonNegative(request, key);
    if (!v.ok()) return v.status();
    if (*v) {
      if (**v > 1e9) return Status::InvalidArgument(std::string(key) + ": at most 1e9 seconds");
      *bound = seconds_to_us(**v);
    }
  }
  for (auto [key, bound] : {std::pair{"minCost", &q.min_cost}, std::pair{"maxCost", &q.max_cost}}) {
    auto v = ReadNonNegative(request, key);
    if (!v.ok()) return v.status();
    *bound = *v;
  }
  if (auto order = request.QueryValue("orderBy"); order && !order->empty()) {
    // Langfuse's style: "field" or "field.asc" / "field.desc".
    std::string field = *order;
    std::string dir = "desc";
    if (auto dot = field.rfind('.'); dot != std::string::npos) {
      dir = field.substr(dot + 1);
      field.resize(dot);
    }
    if (field != "startTime" && field != "latency" && field != "totalCost") {
      return Status::InvalidArgument("orderBy: expected startTime, latency or totalCost");
    }
    if (dir != "asc" && dir != "desc") {
      return Status::InvalidArgument("orderBy: the direction must be asc or desc");
    }
    q.order_by = field;
    q.ascending = dir == "asc";
  }
  return Status::Ok();
}

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
  if (Status table = ReadTableFilters(request, q); !table.ok()) return ErrorResponse(table);
  auto observations = ctx.store.ListObservations(auth.project_id, q);
  if (!observations.ok()) return ErrorResponse(observations.status());
  return PagedResponse(q.page, q.counting, *observations,
                       [](JsonWriter& w, const auto& o) { WriteObservation(w, o); });
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
