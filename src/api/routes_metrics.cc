#include "api/routes_metrics.h"

#include <algorithm>
#include <map>
#include <set>

#include <simdjson.h>

#include "api/metrics_query.h"
#include "api/query_params.h"
#include "api/responses.h"
#include "core/json.h"
#include "core/time.h"

namespace lanterne {
namespace {

Response RunQuery(ApiContext& ctx, Request& request, const AuthContext& auth, bool v2) {
  auto query = ParseMetricsQuery(request.QueryValue("query").value_or(""), v2);
  if (!query.ok()) return ErrorResponse(query.status());
  MetricsPlan plan;
  auto body = RunMetricsQuery(ctx.store, auth.project_id, *query, &plan);
  if (!body.ok()) return ErrorResponse(body.status());
  Response response(200, std::move(body).value());
  response.headers.emplace_back("X-Lanterne-Metrics",
                                std::string(plan.from_rollups ? "rollups" : "raw") +
                                    "; rollup-rows=" + std::to_string(plan.rollup_rows) +
                                    "; raw-rows=" + std::to_string(plan.raw_rows));
  return response;
}

Response QueryV2(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return RunQuery(ctx, request, auth, true);
}

// Rows of a metrics answer, parsed back (the daily endpoint composes three queries).
Result<std::vector<simdjson::dom::object>> Rows(simdjson::dom::parser& parser,
                                                const std::string& json) {
  simdjson::dom::element root;
  simdjson::dom::array data;
  if (parser.parse(json).get(root) != simdjson::SUCCESS ||
      root["data"].get_array().get(data) != simdjson::SUCCESS) {
    return Status::Internal("metrics answer is not the expected JSON");
  }
  std::vector<simdjson::dom::object> rows;
  for (auto row : data) rows.push_back(row.get_object().value_unsafe());
  return rows;
}

double Number(simdjson::dom::object row, const char* key) {
  double d;
  int64_t i;
  auto v = row[key];
  if (v.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  if (v.get_double().get(d) == simdjson::SUCCESS) return d;
  return 0;
}

// Langfuse's legacy daily metrics: per UTC day (newest first) the traces, the observations
// and their cost, and per model the usage, cost, observations and distinct traces.
Response Daily(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto page = ReadPage(request, 50, 100);
  if (!page.ok()) return ErrorResponse(page.status());
  auto from = ReadTimestamp(request, "fromTimestamp");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toTimestamp");
  if (!to.ok()) return ErrorResponse(to.status());
  MetricsQuery base;
  base.from_us = from->value_or(0);
  base.to_us = to->has_value() ? **to - 1 : NowMicros() + 366 * kDayUs;
  if (base.from_us > base.to_us) {
    return ErrorResponse(Status::InvalidArgument("fromTimestamp must be before toTimestamp"));
  }
  base.granularity = "day";
  base.order_by = {{"time_dimension", true}};
  base.order_given = true;
  base.row_limit = 1000000;  // internal: every day of the range, paged below
  std::vector<MetricsFilter> trace_filters, observation_filters;
  if (auto name = request.QueryValue("traceName")) {
    trace_filters.push_back({"name", "=", "string", {*name}, {}, {}});
    observation_filters.push_back({"traceName", "=", "string", {*name}, {}, {}});
  }
  if (auto user = request.QueryValue("userId")) {
    trace_filters.push_back({"userId", "=", "string", {*user}, {}, {}});
    observation_filters.push_back({"userId", "=", "string", {*user}, {}, {}});
  }
  auto tags = ReadList(request, "tags", false);
  if (!tags.empty()) {
    trace_filters.push_back({"tags", "all of", "arrayOptions", tags, {}, {}});
    observation_filters.push_back({"tags", "all of", "arrayOptions", tags, {}, {}});
  }
  auto environments = ReadList(request, "environment", true);
  if (!environments.empty()) {
    trace_filters.push_back({"environment", "any of", "stringOptions", environments, {}, {}});
    observation_filters.push_back({"environment", "any of", "stringOptions", environments, {}, {}});
  }

  MetricsQuery traces = base;
  traces.view = "traces";
  traces.filters = trace_filters;
  traces.metrics = {{"count", "count"}};
  MetricsQuery observations = base;
  observations.view = "observations";
  observations.filters = observation_filters;
  observations.dimensions = {"providedModelName"};
  observations.metrics = {{"count", "count"},
                          {"inputTokens", "sum"},
                          {"outputTokens", "sum"},
                          {"totalTokens", "sum"},
                          {"totalCost", "sum"}};
  auto trace_json = RunMetricsQuery(ctx.store, auth.project_id, traces);
  if (!trace_json.ok()) return ErrorResponse(trace_json.status());
  auto observation_json = RunMetricsQuery(ctx.store, auth.project_id, observations);
  if (!observation_json.ok()) return ErrorResponse(observation_json.status());

  struct Usage {
    std::optional<std::string> model;
    double input = 0, output = 0, total = 0, cost = 0;
    int64_t observations = 0, traces = 0;
  };
  struct Day {
    int64_t traces = 0, observations = 0;
    double cost = 0;
    std::vector<Usage> usage;
  };
  std::map<int64_t, Day, std::greater<>> days;
  simdjson::dom::parser parser;
  auto trace_rows = Rows(parser, *trace_json);
  if (!trace_rows.ok()) return ErrorResponse(trace_rows.status());
  for (auto row : *trace_rows) {
    std::string_view t;
    if (row["time_dimension"].get_string().get(t) != simdjson::SUCCESS) continue;
    days[ParseIsoTimestamp(t).value_or(0)].traces =
        static_cast<int64_t>(Number(row, "count_count"));
  }
  simdjson::dom::parser parser2;
  auto observation_rows = Rows(parser2, *observation_json);
  if (!observation_rows.ok()) return ErrorResponse(observation_rows.status());
  for (auto row : *observation_rows) {
    std::string_view t, model;
    if (row["time_dimension"].get_string().get(t) != simdjson::SUCCESS) continue;
    Day& day = days[ParseIsoTimestamp(t).value_or(0)];
    Usage u;
    if (row["providedModelName"].get_string().get(model) == simdjson::SUCCESS) u.model = model;
    u.observations = static_cast<int64_t>(Number(row, "count_count"));
    u.input = Number(row, "sum_inputTokens");
    u.output = Number(row, "sum_outputTokens");
    u.total = Number(row, "sum_totalTokens");
    u.cost = Number(row, "sum_totalCost");
    day.observations += u.observations;
    day.cost += u.cost;
    day.usage.push_back(std::move(u));
  }

  // The requested page; distinct traces per model are counted from the raw rows of its days.
  const int64_t total = static_cast<int64_t>(days.size());
  std::vector<std::pair<int64_t, Day*>> page_days;
  int64_t index = 0;
  for (auto& [start, day] : days) {
    if (index++ < (page->page - 1) * page->limit) continue;
    if (static_cast<int64_t>(page_days.size()) == page->limit) break;
    page_days.emplace_back(start, &day);
  }
  for (auto& [start, day] : page_days) {
    if (day->usage.empty()) continue;
    RawFactsRequest raw;
    raw.source = FactSource::kObservations;
    raw.from_us = std::max(start, base.from_us);
    raw.to_us = std::min(start + kDayUs, base.to_us + 1);
    raw.with_trace_fields = !observation_filters.empty();
    raw.max_rows = kMaxRawRows;
    auto facts = ctx.store.ReadRawFacts(auth.project_id, raw);
    if (!facts.ok()) return ErrorResponse(facts.status());
    if (facts->truncated) {
      return ErrorResponse(Status::InvalidArgument(
          "a day of this page holds more than " + std::to_string(kMaxRawRows) +
          " observations, too many to count distinct traces per model; use the metrics query "
          "API (/api/public/metrics) instead"));
    }
    std::map<std::optional<std::string>, std::set<std::string>> traces_per_model;
    for (const auto& f : facts->facts) {
      bool keep = true;
      for (const auto& flt : observation_filters) {
        if (flt.column == "environment") {
          keep = keep &&
                 std::find(flt.values.begin(), flt.values.end(), *f.key[0]) != flt.values.end();
        } else if (flt.column == "traceName") {
          keep = keep && f.trace_name == flt.values[0];
        } else if (flt.column == "userId") {
          keep = keep && f.user_id == flt.values[0];
        } else if (flt.column == "tags") {
          for (const auto& tag : flt.values) {
            keep = keep && std::find(f.tags.begin(), f.tags.end(), tag) != f.tags.end();
          }
        }
      }
      if (keep && f.trace_id) traces_per_model[f.key[4]].insert(*f.trace_id);
    }
    for (auto& u : day->usage) u.traces = static_cast<int64_t>(traces_per_model[u.model].size());
  }

  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& [start, day] : page_days) {
    w.StartObject();
    w.Key("date");
    WriteString(w, FormatIsoMillis(start).substr(0, 10));
    w.Key("countTraces");
    w.Int64(day->traces);
    w.Key("countObservations");
    w.Int64(day->observations);
    w.Key("totalCost");
    w.Double(day->cost);
    w.Key("usage");
    w.StartArray();
    for (const auto& u : day->usage) {
      w.StartObject();
      w.Key("model");
      WriteOptString(w, u.model);
      w.Key("inputUsage");
      w.Double(u.input);
      w.Key("outputUsage");
      w.Double(u.output);
      w.Key("totalUsage");
      w.Double(u.total);
      w.Key("countObservations");
      w.Int64(u.observations);
      w.Key("countTraces");
      w.Int64(u.traces);
      w.Key("totalCost");
      w.Double(u.cost);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  WritePageMeta(w, page->page, page->limit, total);
  w.EndObject();
  return JsonResponse(200, buffer);
}

}  // namespace

Response MetricsQueryHandler(ApiContext& ctx, Request& request, const AuthContext& auth) {
  return RunQuery(ctx, request, auth, false);
}

void RegisterMetricsRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/metrics", Authed(ctx, false, MetricsQueryHandler));
  router.Add("GET", "/api/public/v2/metrics", Authed(ctx, false, QueryV2));
  router.Add("GET", "/api/public/metrics/daily", Authed(ctx, false, Daily));
}

}  // namespace lanterne
