// The web UI's saved custom dashboards (docs/ui-api.md, "Dashboards"): list, create, read,
// replace and delete, per project. Reads need dashboards:read (every role), writes
// dashboards:CUD (MEMBER and up), checked on every request. The definition is the UI's
// widgets as JSON, validated here field by field (a 400 names the first bad field) and
// stored as compact JSON text.
#include <algorithm>
#include <array>
#include <string_view>

#include "api/responses.h"
#include "api/ui_common.h"
#include "core/ids.h"
#include "core/time.h"

namespace lanterne {
namespace {

constexpr size_t kMaxBody = 256 * 1024;
constexpr size_t kMaxName = 200;
constexpr size_t kMaxDescription = 2000;
constexpr size_t kMaxWidgets = 50;
constexpr size_t kMaxFilters = 20;
constexpr size_t kMaxText = 200;

// The metrics query's views, and what each can measure and group by (the v1 query).
struct ViewSpec {
  std::string_view name;
  std::vector<std::string_view> measures;
  std::vector<std::string_view> dimensions;
};

const std::vector<ViewSpec>& Views() {
  static const std::vector<ViewSpec> views = {
      {"traces",
       {"count", "latency", "totalCost", "totalTokens"},
       {"name", "environment", "release", "version", "userId", "tags"}},
      {"observations",
       {"count", "latency", "totalCost", "inputCost", "outputCost", "inputTokens", "outputTokens",
        "totalTokens", "cachedTokens", "reasoningTokens", "timeToFirstToken"},
       {"name", "type", "level", "environment", "providedModelName", "traceName"}},
      {"scores-numeric", {"count", "value"}, {"name", "source", "dataType"}},
      {"scores-categorical", {"count"}, {"name", "stringValue", "source"}},
  };
  return views;
}

constexpr std::array<std::string_view, 11> kAggregations = {
    "sum", "avg", "count", "max", "min", "p50", "p75", "p90", "p95", "p99", "histogram"};
constexpr std::array<std::string_view, 5> kCharts = {"line", "bar", "stacked", "table", "number"};
constexpr std::array<std::string_view, 5> kFilterTypes = {"string", "stringOptions", "arrayOptions",
                                                          "number", "datetime"};
constexpr std::array<std::string_view, 13> kOperators = {
    "=",         "!=",     "contains", "does not contain", "starts with",
    "ends with", "any of", "none of",  "all of",           ">",
    "<",         ">=",     "<="};

template <typename List>
bool OneOf(const List& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

template <typename List>
std::string Joined(const List& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument(field + ": " + what);
}

// A required string of 1..max characters at `key`.
Result<std::string_view> RequiredString(simdjson::dom::object object, const char* key,
                                        const std::string& field, size_t max) {
  std::string_view value;
  if (object[key].get_string().get(value)) return Bad(field, "required, a string");
  if (value.empty() || value.size() > max) {
    return Bad(field, "1 to " + std::to_string(max) + " characters");
  }
  return value;
}

Status CheckFilter(simdjson::dom::element element, const std::string& field) {
  simdjson::dom::object filter;
  if (element.get_object().get(filter)) return Bad(field, "must be an object");
  auto column = RequiredString(filter, "column", field + ".column", kMaxText);
  if (!column.ok()) return column.status();
  auto op = RequiredString(filter, "operator", field + ".operator", kMaxText);
  if (!op.ok()) return op.status();
  if (!OneOf(kOperators, *op)) return Bad(field + ".operator", "one of " + Joined(kOperators));
  auto type = RequiredString(filter, "type", field + ".type", kMaxText);
  if (!type.ok()) return type.status();
  if (!OneOf(kFilterTypes, *type)) return Bad(field + ".type", "one of " + Joined(kFilterTypes));
  simdjson::dom::element value;
  if (filter["value"].get(value)) return Bad(field + ".value", "required");
  if (*type == "stringOptions" || *type == "arrayOptions") {
    simdjson::dom::array items;
    if (value.get_array().get(items)) return Bad(field + ".value", "an array of strings");
    for (auto item : items) {
      if (!item.is_string()) return Bad(field + ".value", "an array of strings");
    }
  } else if (*type == "number") {
    if (!value.is_number()) return Bad(field + ".value", "a number");
  } else if (!value.is_string()) {
    return Bad(field + ".value", "a string");
  }
  return Status::Ok();
}

Status CheckWidget(simdjson::dom::element element, const std::string& field) {
  simdjson::dom::object widget;
  if (element.get_object().get(widget)) return Bad(field, "must be an object");
  auto id = RequiredString(widget, "id", field + ".id", 64);
  if (!id.ok()) return id.status();
  std::string_view title;
  if (widget["title"].get_string().get(title) || title.size() > kMaxText) {
    return Bad(field + ".title", "required, a string of at most 200 characters");
  }
  auto view_name = RequiredString(widget, "view", field + ".view", kMaxText);
  if (!view_name.ok()) return view_name.status();
  const auto& views = Views();
  auto view = std::find_if(views.begin(), views.end(),
                           [&](const ViewSpec& v) { return v.name == *view_name; });
  if (view == views.end()) {
    std::vector<std::string_view> names;
    for (const auto& v : views) names.push_back(v.name);
    return Bad(field + ".view", "one of " + Joined(names));
  }
  auto measure = RequiredString(widget, "measure", field + ".measure", kMaxText);
  if (!measure.ok()) return measure.status();
  if (!OneOf(view->measures, *measure)) {
    return Bad(field + ".measure",
               "one of " + Joined(view->measures) + " for view " + std::string(view->name));
  }
  auto aggregation = RequiredString(widget, "aggregation", field + ".aggregation", kMaxText);
  if (!aggregation.ok()) return aggregation.status();
  if (!OneOf(kAggregations, *aggregation)) {
    return Bad(field + ".aggregation", "one of " + Joined(kAggregations));
  }
  simdjson::dom::element dimension;
  if (!widget["dimension"].get(dimension) && !dimension.is_null()) {
    std::string_view name;
    if (dimension.get_string().get(name) || !OneOf(view->dimensions, name)) {
      return Bad(field + ".dimension", "null or one of " + Joined(view->dimensions) + " for view " +
                                           std::string(view->name));
    }
  }
  auto chart = RequiredString(widget, "chart", field + ".chart", kMaxText);
  if (!chart.ok()) return chart.status();
  if (!OneOf(kCharts, *chart)) return Bad(field + ".chart", "one of " + Joined(kCharts));
  simdjson::dom::element width;
  if (!widget["width"].get(width)) {
    int64_t w = 0;
    if (width.get_int64().get(w) || w < 1 || w > 2) return Bad(field + ".width", "1 or 2");
  }
  simdjson::dom::element filters_element;
  if (!widget["filters"].get(filters_element)) {
    simdjson::dom::array filters;
    if (filters_element.get_array().get(filters)) return Bad(field + ".filters", "an array");
    if (filters.size() > kMaxFilters) {
      return Bad(field + ".filters", "at most " + std::to_string(kMaxFilters));
    }
    size_t i = 0;
    for (auto filter : filters) {
      LANTERNE_RETURN_IF_ERROR(
          CheckFilter(filter, field + ".filters[" + std::to_string(i++) + "]"));
    }
  }
  return Status::Ok();
}

struct DashboardInput {
  std::string name;
  std::string description;
  std::string definition_json;
};

// {name, description?, definition: {widgets: [...]}}: every field checked, the first bad
// one named in the error.
Result<DashboardInput> ParseDashboardBody(const std::string& body) {
  if (body.size() > kMaxBody) return Status::PayloadTooLarge("body: at most 256 KiB");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(body).get(root) || root.get_object().get(object)) {
    return Status::InvalidArgument("body: expected a JSON object");
  }
  DashboardInput input;
  auto name = RequiredString(object, "name", "name", kMaxName);
  if (!name.ok()) return name.status();
  input.name = std::string(*name);
  if (input.name.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Bad("name", "must not be blank");
  }
  simdjson::dom::element description;
  if (!object["description"].get(description) && !description.is_null()) {
    std::string_view text;
    if (description.get_string().get(text) || text.size() > kMaxDescription) {
      return Bad("description", "a string of at most 2000 characters");
    }
    input.description = std::string(text);
  }
  simdjson::dom::element definition;
  simdjson::dom::object definition_object;
  if (object["definition"].get(definition) || definition.get_object().get(definition_object)) {
    return Bad("definition", "required, an object with `widgets`");
  }
  simdjson::dom::array widgets;
  if (definition_object["widgets"].get_array().get(widgets)) {
    return Bad("definition.widgets", "required, an array");
  }
  if (widgets.size() > kMaxWidgets) {
    return Bad("definition.widgets", "at most " + std::to_string(kMaxWidgets));
  }
  std::vector<std::string_view> ids;
  size_t i = 0;
  for (auto widget : widgets) {
    const std::string field = "definition.widgets[" + std::to_string(i++) + "]";
    LANTERNE_RETURN_IF_ERROR(CheckWidget(widget, field));
    std::string_view id = widget["id"].get_string().value_unsafe();
    if (OneOf(ids, id)) return Bad(field + ".id", "duplicate widget id");
    ids.push_back(id);
  }
  input.definition_json = ToJsonText(definition);
  return input;
}

void WriteDashboard(JsonWriter& w, const Dashboard& d) {
  w.StartObject();
  w.Key("id");
  WriteString(w, d.id);
  w.Key("projectId");
  WriteString(w, d.project_id);
  w.Key("name");
  WriteString(w, d.name);
  w.Key("description");
  WriteString(w, d.description);
  w.Key("definition");
  WriteRaw(w, d.definition_json);
  w.Key("createdBy");
  WriteString(w, d.created_by);
  w.Key("createdAt");
  WriteString(w, FormatIsoMillis(d.created_at_us));
  w.Key("updatedAt");
  WriteString(w, FormatIsoMillis(d.updated_at_us));
  w.EndObject();
}

Response DashboardJson(int status, const Dashboard& d) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteDashboard(w, d);
  return JsonResponse(status, buffer);
}

Response NotFoundDashboard(const std::string& id) {
  return ErrorResponse(Status::NotFound("Dashboard " + id + " not found"));
}

Response ListDashboards(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kDashboardsRead);
  if (!access.ok()) return ErrorResponse(access.status());
  auto dashboards = state.ctx.store.ListDashboards(access->project.id);
  if (!dashboards.ok()) return ErrorResponse(dashboards.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& d : *dashboards) WriteDashboard(w, d);
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response GetDashboard(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kDashboardsRead);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& id = request.path_params[1];
  auto dashboard = state.ctx.store.GetDashboard(access->project.id, id);
  if (!dashboard.ok()) return ErrorResponse(dashboard.status());
  if (!*dashboard) return NotFoundDashboard(id);
  return DashboardJson(200, **dashboard);
}

Response CreateDashboard(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kDashboardsCud);
  if (!access.ok()) return ErrorResponse(access.status());
  auto input = ParseDashboardBody(request.body);
  if (!input.ok()) return ErrorResponse(input.status());
  Dashboard d;
  d.project_id = access->project.id;
  d.id = RandomUuid();
  d.name = std::move(input->name);
  d.description = std::move(input->description);
  d.definition_json = std::move(input->definition_json);
  d.created_by = caller.user.email;
  d.created_at_us = d.updated_at_us = NowMicros();
  Status written = state.write([&](WriteTxn& txn) { return txn.InsertDashboard(d); });
  if (!written.ok()) return ErrorResponse(written);
  return DashboardJson(201, d);
}

Response ReplaceDashboard(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kDashboardsCud);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& id = request.path_params[1];
  auto input = ParseDashboardBody(request.body);
  if (!input.ok()) return ErrorResponse(input.status());
  Dashboard d;
  d.project_id = access->project.id;
  d.id = id;
  d.name = std::move(input->name);
  d.description = std::move(input->description);
  d.definition_json = std::move(input->definition_json);
  d.updated_at_us = NowMicros();
  bool found = false;
  Status written = state.write([&](WriteTxn& txn) -> Status {
    auto updated = txn.UpdateDashboard(d);
    if (!updated.ok()) return updated.status();
    found = *updated;
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  if (!found) return NotFoundDashboard(id);
  auto stored = state.ctx.store.GetDashboard(d.project_id, id);
  if (!stored.ok()) return ErrorResponse(stored.status());
  if (!*stored) return NotFoundDashboard(id);  // deleted meanwhile
  return DashboardJson(200, **stored);
}

Response DeleteDashboard(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kDashboardsCud);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& id = request.path_params[1];
  bool found = false;
  Status written = state.write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteDashboard(access->project.id, id);
    if (!deleted.ok()) return deleted.status();
    found = *deleted;
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  if (!found) return NotFoundDashboard(id);
  return NoContent();
}

}  // namespace

void RegisterUiDashboardRoutes(Router& router, std::shared_ptr<UiState> state) {
  const std::string p = "/api/ui/projects/{projectId}/dashboards";
  router.Add("GET", p, WithSession(state, ListDashboards));
  router.Add("POST", p, WithSession(state, CreateDashboard));
  router.Add("GET", p + "/{id}", WithSession(state, GetDashboard));
  router.Add("PUT", p + "/{id}", WithSession(state, ReplaceDashboard));
  router.Add("DELETE", p + "/{id}", WithSession(state, DeleteDashboard));
}

}  // namespace lanterne
