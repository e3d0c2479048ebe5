#include "api/metrics_query.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <simdjson.h>

#include "core/json.h"
#include "core/time.h"

namespace lanterne {
namespace {

struct MeasureSpec {
  const char* name;
  int sum;       // index in RollupValues::sums
  int n;         // how many records have a value
  double scale;  // stored units per output unit
  int sketch;    // index in RollupValues::sketches, or -1
  bool integer;  // counts and tokens
};

struct ViewSpec {
  const char* name;
  FactSource source;
  std::vector<RollupTable> tables;  // tried in order
  const char* time_column;
  std::vector<std::string> fields;  // dimensions and filter columns, after aliases
  std::vector<MeasureSpec> measures;
};

const std::vector<ViewSpec>& Views() {
  using namespace obs_sum;
  static const std::vector<ViewSpec> kViews = {
      {"traces",
       FactSource::kTraces,
       {RollupTable::kTraces, RollupTable::kTraceUsers},
       "timestamp",
       {"name", "environment", "release", "version", "tags", "userId", "sessionId"},
       {{"count", trace_sum::kCount, trace_sum::kCount, 1, -1, true},
        {"observationsCount", trace_sum::kObservationCount, trace_sum::kCount, 1, -1, true},
        {"latency", trace_sum::kLatencySumUs, trace_sum::kLatencyCount, 1000,
         trace_sum::kLatencySketch, false},
        {"totalCost", trace_sum::kTotalCost, trace_sum::kCount, kCostScale, -1, false},
        {"totalTokens", trace_sum::kTotalTokens, trace_sum::kCount, 1, -1, true}}},
      {"observations",
       FactSource::kObservations,
       {RollupTable::kObservations},
       "startTime",
       {"name", "type", "level", "environment", "providedModelName", "traceName", "userId",
        "sessionId", "tags", "traceRelease", "version", "traceVersion"},
       {{"count", kCount, kCount, 1, -1, true},
        {"latency", kLatencySumUs, kLatencyCount, 1000, kLatencySketch, false},
        {"timeToFirstToken", kTtftSumUs, kTtftCount, 1000, kTtftSketch, false},
        {"totalCost", kTotalCost, kCount, kCostScale, -1, false},
        {"inputCost", kInputCost, kCount, kCostScale, -1, false},
        {"outputCost", kOutputCost, kCount, kCostScale, -1, false},
        {"inputTokens", kInputTokens, kCount, 1, -1, true},
        {"outputTokens", kOutputTokens, kCount, 1, -1, true},
        {"totalTokens", kTotalTokens, kCount, 1, -1, true},
        {"cachedTokens", kCachedTokens, kCount, 1, -1, true},
        {"reasoningTokens", kReasoningTokens, kCount, 1, -1, true}}},
      {"scores-numeric",
       FactSource::kScores,
       {RollupTable::kScores},
       "timestamp",
       {"name", "source", "dataType", "environment", "traceName", "userId", "sessionId", "tags",
        "traceRelease", "traceVersion", "value"},
       {{"count", score_sum::kCount, score_sum::kCount, 1, -1, true},
        {"value", score_sum::kValueSum, score_sum::kCount, kScoreScale, score_sum::kValueSketch,
         false}}},
      {"scores-categorical",
       FactSource::kScores,
       {RollupTable::kScores},
       "timestamp",
       {"name", "source", "dataType", "environment", "stringValue", "traceName", "userId",
        "sessionId", "tags", "traceRelease", "traceVersion"},
       {{"count", score_sum::kCount, score_sum::kCount, 1, -1, true}}},
  };
  return kViews;
}

const ViewSpec* FindView(std::string_view name) {
  for (const auto& v : Views()) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

// Langfuse's alternative spellings of a column, per view.
std::string Canonical(const ViewSpec& view, const std::string& field) {
  const std::string_view v = view.name;
  if (v == "traces" && field == "traceName") return "name";
  if (v != "traces") {
    if (field == "release") return "traceRelease";
    if (v != "observations" && field == "version") return "traceVersion";
    if (field == "providedModelName" && v != "observations") return field;
  }
  if (v != "observations" && field == "scoreName") return "name";
  return field;
}

bool HasField(const ViewSpec& view, const std::string& canonical) {
  return std::find(view.fields.begin(), view.fields.end(), canonical) != view.fields.end();
}

const MeasureSpec* FindMeasure(const ViewSpec& view, const std::string& name) {
  for (const auto& m : view.measures) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

bool NeedsSketch(const std::string& aggregation) {
  return aggregation != "sum" && aggregation != "avg" && aggregation != "count";
}

std::string FieldList(const ViewSpec& view) {
  std::string out;
  for (const auto& f : view.fields) out += (out.empty() ? "" : ", ") + f;
  return out;
}

std::optional<double> QuantileOf(const std::string& aggregation) {
  if (aggregation == "p50") return 0.5;
  if (aggregation == "p75") return 0.75;
  if (aggregation == "p90") return 0.9;
  if (aggregation == "p95") return 0.95;
  if (aggregation == "p99") return 0.99;
  return std::nullopt;
}

// UTC bucket starts.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void CivilFromDays(int64_t z, int64_t* y, unsigned* m) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t TimeBucket(int64_t time_us, const std::string& granularity) {
  constexpr int64_t kMinuteUs = 60'000'000;
  if (granularity == "minute") return FloorDiv(time_us, kMinuteUs) * kMinuteUs;
  if (granularity == "hour") return FloorDiv(time_us, kHourUs) * kHourUs;
  const int64_t day = FloorDiv(time_us, kDayUs);
  if (granularity == "day") return day * kDayUs;
  if (granularity == "week") return (FloorDiv(day + 3, 7) * 7 - 3) * kDayUs;  // Mondays
  int64_t y;
  unsigned m;
  CivilFromDays(day, &y, &m);
  return DaysFromCivil(y, m, 1) * kDayUs;
}

int64_t NextBucket(int64_t bucket_us, const std::string& granularity) {
  if (granularity == "month") return TimeBucket(bucket_us + 32 * kDayUs, granularity);
  if (granularity == "week") return bucket_us + 7 * kDayUs;
  if (granularity == "day") return bucket_us + kDayUs;
  if (granularity == "hour") return bucket_us + kHourUs;
  return bucket_us + 60'000'000;
}

// One row the aggregation reads: a rollup row or a raw record. Rollup rows may be
// subtracted (sign -1): a partial day can be read as its day row minus its hours outside
// the range.
struct Row {
  int64_t time_us;
  RollupTable table;
  const RollupKey* key;
  const RollupValues* values;
  const RawFact* fact;  // raw rows only
  int sign = 1;
};

std::optional<std::string> ScalarField(const Row& row, const std::string& field) {
  const auto& dims = RollupDimensions(row.table);
  auto it = std::find(dims.begin(), dims.end(), field);
  if (it != dims.end()) return (*row.key)[it - dims.begin()];
  const RawFact* f = row.fact;
  if (!f) return std::nullopt;
  if (field == "traceName") return f->trace_name;
  if (field == "userId") return f->user_id;
  if (field == "sessionId") return f->session_id;
  if (field == "traceRelease") return f->release;
  if (field == "traceVersion") return f->version;
  if (field == "version") return f->observation_version;
  if (field == "value" && !row.values->sums.empty()) {
    return std::to_string(static_cast<double>(row.values->sums[score_sum::kValueSum]) /
                          kScoreScale);
  }
  return std::nullopt;
}

std::vector<std::string> TagsField(const Row& row) {
  const auto& dims = RollupDimensions(row.table);
  auto it = std::find(dims.begin(), dims.end(), "tags");
  if (it != dims.end()) {
    const auto& v = (*row.key)[it - dims.begin()];
    return v ? StringArrayFromJson(*v) : std::vector<std::string>();
  }
  return row.fact ? row.fact->tags : std::vector<std::string>();
}

bool ContainsText(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

bool Matches(const MetricsFilter& f, const Row& row) {
  if (f.type == "arrayOptions") {
    auto tags = TagsField(row);
    auto has = [&](const std::string& v) {
      return std::find(tags.begin(), tags.end(), v) != tags.end();
    };
    if (f.op == "any of") return std::any_of(f.values.begin(), f.values.end(), has);
    if (f.op == "none of") return std::none_of(f.values.begin(), f.values.end(), has);
    return std::all_of(f.values.begin(), f.values.end(), has);  // all of
  }
  auto value = ScalarField(row, f.column);
  if (f.type == "null") return f.op == "is null" ? !value : value.has_value();
  if (f.type == "number") {
    if (!value) return false;
    double v = std::strtod(value->c_str(), nullptr), x = *f.number;
    if (f.op == "=") return v == x;
    if (f.op == ">") return v > x;
    if (f.op == "<") return v < x;
    if (f.op == ">=") return v >= x;
    return v <= x;
  }
  if (f.type == "stringOptions" || f.type == "categoryOptions") {
    bool in = value && std::find(f.values.begin(), f.values.end(), *value) != f.values.end();
    return f.op == "any of" ? in : !in;
  }
  // string
  const std::string text = value.value_or("");
  const std::string& x = f.values.front();
  if (f.op == "=") return value && *value == x;
  if (f.op == "!=" || f.op == "<>") return !value || *value != x;
  if (f.op == "contains") return value && ContainsText(text, x);
  if (f.op == "does not contain") return !ContainsText(text, x);
  if (f.op == "starts with") return value && text.rfind(x, 0) == 0;
  return value && text.size() >= x.size() && text.compare(text.size() - x.size(), x.size(), x) == 0;
}

struct Accumulator {
  int64_t sum = 0, n = 0;
  std::optional<double> raw_min, raw_max;
  Sketch rollup_sketch, raw_sketch;
};

struct Group {
  std::vector<std::optional<std::string>> dims;
  std::optional<int64_t> bucket_us;
  std::vector<Accumulator> acc;
  int64_t records = 0;  // rows' record counts, net of subtracted rows
};

struct Answer {
  std::vector<std::optional<std::string>> dims;
  std::optional<int64_t> bucket_us;
  struct Value {
    enum Kind { kNull, kInt, kDouble, kHistogram } kind = kNull;
    int64_t i = 0;
    double d = 0;
    std::vector<std::tuple<double, double, double>> histogram;
  };
  std::vector<Value> values;
};

double AsDouble(const Answer::Value& v) {
  if (v.kind == Answer::Value::kInt) return static_cast<double>(v.i);
  if (v.kind == Answer::Value::kDouble) return v.d;
  return -INFINITY;
}

Status Bad(const std::string& message) { return Status::InvalidArgument(message); }

Result<std::vector<std::string>> StringValues(simdjson::dom::element value,
                                              const std::string& where) {
  std::vector<std::string> out;
  std::string_view s;
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    out.emplace_back(s);
    return out;
  }
  simdjson::dom::array arr;
  if (value.get_array().get(arr) != simdjson::SUCCESS) {
    return Bad(where + ".value must be a string or an array of strings");
  }
  for (auto item : arr) {
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return Bad(where + ".value must hold strings only");
    }
    out.emplace_back(s);
  }
  return out;
}

}  // namespace

Result<MetricsQuery> ParseMetricsQuery(std::string_view json, bool v2) {
  if (json.empty()) return Bad("query is required: a JSON object (see docs/api.md, Metrics)");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Bad("query is not valid JSON");
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Bad("query must be a JSON object");
  MetricsQuery q;
  std::string_view s;
  if (obj["view"].get_string().get(s) != simdjson::SUCCESS) {
    return Bad("view is required: traces, observations, scores-numeric or scores-categorical");
  }
  q.view = std::string(s);
  const ViewSpec* view = FindView(q.view);
  if (!view || (v2 && q.view == "traces")) {
    return Bad("view '" + q.view + "' is not supported" +
               (v2 ? "; v2 views: observations, scores-numeric, scores-categorical"
                   : "; views: traces, observations, scores-numeric, scores-categorical"));
  }
  simdjson::dom::array arr;
  auto dims = obj["dimensions"];
  if (dims.error() == simdjson::SUCCESS && !dims.is_null()) {
    if (dims.get_array().get(arr) != simdjson::SUCCESS) return Bad("dimensions must be an array");
    for (auto d : arr) {
      if (d["field"].get_string().get(s) != simdjson::SUCCESS) {
        return Bad("dimensions[].field must be a string");
      }
      std::string field = Canonical(*view, std::string(s));
      if (!HasField(*view, field) || field == "value") {
        return Bad("dimensions: invalid dimension '" + std::string(s) + "' for view " + q.view +
                   ". Must be one of " + FieldList(*view));
      }
      if (v2 && (field == "userId" || field == "sessionId")) {
        return Bad("dimensions: '" + std::string(s) +
                   "' is high-cardinality and not allowed in v2");
      }
      q.dimensions.push_back(field);
    }
  }
  auto metrics = obj["metrics"];
  if (metrics.error() == simdjson::SUCCESS && !metrics.is_null()) {
    if (metrics.get_array().get(arr) != simdjson::SUCCESS) return Bad("metrics must be an array");
    for (auto m : arr) {
      std::string_view measure, aggregation;
      if (m["measure"].get_string().get(measure) != simdjson::SUCCESS ||
          m["aggregation"].get_string().get(aggregation) != simdjson::SUCCESS) {
        return Bad("metrics[] needs string fields measure and aggregation");
      }
      if (!FindMeasure(*view, std::string(measure))) {
        std::string names;
        for (const auto& ms : view->measures)
          names += (names.empty() ? "" : ", ") + std::string(ms.name);
        return Bad("metrics: invalid measure '" + std::string(measure) + "' for view " + q.view +
                   ". Must be one of " + names);
      }
      static const char* kAggs[] = {"sum", "avg", "count", "max", "min",      "p50",
                                    "p75", "p90", "p95",   "p99", "histogram"};
      if (std::none_of(std::begin(kAggs), std::end(kAggs),
                       [&](const char* a) { return aggregation == a; })) {
        return Bad("metrics: invalid aggregation '" + std::string(aggregation) +
                   "'. Must be one of sum, avg, count, max, min, p50, p75, p90, p95, p99, "
                   "histogram");
      }
      q.metrics.push_back({std::string(measure), std::string(aggregation)});
    }
  }
  auto filters = obj["filters"];
  if (filters.error() == simdjson::SUCCESS && !filters.is_null()) {
    if (filters.get_array().get(arr) != simdjson::SUCCESS) return Bad("filters must be an array");
    size_t i = 0;
    for (auto f : arr) {
      const std::string where = "filters[" + std::to_string(i++) + "]";
      std::string_view column, op, type;
      if (f["column"].get_string().get(column) != simdjson::SUCCESS ||
          f["operator"].get_string().get(op) != simdjson::SUCCESS ||
          f["type"].get_string().get(type) != simdjson::SUCCESS) {
        return Bad(where + " needs string fields column, operator and type");
      }
      MetricsFilter filter;
      filter.column = Canonical(*view, std::string(column));
      filter.op = std::string(op);
      filter.type = std::string(type);
      auto value = f["value"];
      const bool time_column = filter.column == view->time_column ||
                               (filter.column == "start_time" && q.view == "observations");
      if (filter.type == "datetime") {
        std::string_view text;
        std::optional<int64_t> t;
        if (value.get_string().get(text) == simdjson::SUCCESS) t = ParseIsoTimestamp(text);
        if (!t) return Bad(where + ".value must be an ISO 8601 timestamp");
        if (!time_column) {
          return Bad(where + ": datetime filters apply to " + view->time_column + " only");
        }
        if (op != ">" && op != ">=" && op != "<" && op != "<=") {
          return Bad(where + ".operator must be one of >, >=, <, <= for datetime");
        }
        filter.time_us = t;
        q.filters.push_back(std::move(filter));
        continue;
      }
      if (!HasField(*view, filter.column)) {
        return Bad(where + ": invalid filter column '" + std::string(column) + "' for view " +
                   q.view + ". Must be one of " + FieldList(*view) + " or " + view->time_column);
      }
      if (filter.column == "tags") {
        if (filter.type != "arrayOptions") {
          return Bad(where + ": array fields (tags) require type 'arrayOptions'");
        }
      } else if (filter.type == "arrayOptions") {
        return Bad(where + ": type 'arrayOptions' applies to tags only");
      }
      if (filter.type == "string") {
        static const char* kOps[] = {
            "=", "!=", "<>", "contains", "does not contain", "starts with", "ends with"};
        if (std::none_of(std::begin(kOps), std::end(kOps),
                         [&](const char* o) { return op == o; })) {
          return Bad(where + ".operator '" + filter.op +
                     "' is not a string operator (=, contains, "
                     "does not contain, starts with, ends with)");
        }
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) {
          return Bad(where + ".value must be a string");
        }
        filter.values.emplace_back(text);
      } else if (filter.type == "stringOptions" || filter.type == "categoryOptions" ||
                 filter.type == "arrayOptions") {
        const bool array = filter.type == "arrayOptions";
        if (op != "any of" && op != "none of" && !(array && op == "all of")) {
          return Bad(where + ".operator must be 'any of' or 'none of'" +
                     std::string(array ? " or 'all of'" : ""));
        }
        if (value.error() != simdjson::SUCCESS) return Bad(where + ".value is required");
        auto values = StringValues(value.value_unsafe(), where);
        if (!values.ok()) return values.status();
        filter.values = std::move(values).value();
      } else if (filter.type == "number") {
        if (filter.column != "value") {
          return Bad(where + ": number filters apply to the numeric column 'value' only");
        }
        double number;
        if (value.get_double().get(number) != simdjson::SUCCESS) {
          return Bad(where + ".value must be a number");
        }
        if (op != "=" && op != ">" && op != "<" && op != ">=" && op != "<=") {
          return Bad(where + ".operator must be one of =, >, <, >=, <= for numbers");
        }
        filter.number = number;
      } else if (filter.type == "null") {
        if (op != "is null" && op != "is not null") {
          return Bad(where + ".operator must be 'is null' or 'is not null'");
        }
      } else {
        return Bad(where + ".type '" + filter.type +
                   "' is not supported; use string, stringOptions, arrayOptions, number, "
                   "datetime or null");
      }
      q.filters.push_back(std::move(filter));
    }
  }
  std::string_view from_text, to_text;
  if (obj["fromTimestamp"].get_string().get(from_text) != simdjson::SUCCESS) {
    return Bad("fromTimestamp is required (ISO 8601)");
  }
  if (obj["toTimestamp"].get_string().get(to_text) != simdjson::SUCCESS) {
    return Bad("toTimestamp is required (ISO 8601)");
  }
  auto from = ParseIsoTimestamp(from_text), to = ParseIsoTimestamp(to_text);
  if (!from) return Bad("fromTimestamp is not an ISO 8601 timestamp");
  if (!to) return Bad("toTimestamp is not an ISO 8601 timestamp");
  if (*from >= *to) return Bad("fromTimestamp must be before toTimestamp");
  // Langfuse compares at millisecond precision (DateTime64(3)): `to` covers its whole
  // millisecond.
  q.from_us = FloorDiv(*from, 1000) * 1000;
  q.to_us = FloorDiv(*to, 1000) * 1000 + 999;
  auto time_dimension = obj["timeDimension"];
  if (time_dimension.error() == simdjson::SUCCESS && !time_dimension.is_null()) {
    std::string_view g;
    if (time_dimension["granularity"].get_string().get(g) != simdjson::SUCCESS) {
      return Bad("timeDimension.granularity is required: auto, minute, hour, day, week or month");
    }
    std::string granularity(g);
    if (granularity == "auto") {
      const double hours = static_cast<double>(q.to_us - q.from_us) / kHourUs;
      granularity = hours < 2      ? "minute"
                    : hours < 72   ? "hour"
                    : hours < 1440 ? "day"
                    : hours < 8760 ? "week"
                                   : "month";
    }
    if (granularity != "minute" && granularity != "hour" && granularity != "day" &&
        granularity != "week" && granularity != "month") {
      return Bad("timeDimension.granularity must be one of auto, minute, hour, day, week, month");
    }
    q.granularity = granularity;
  }
  for (const char* key : {"config", "chartConfig"}) {
    simdjson::dom::object config;
    if (obj[key].get_object().get(config) != simdjson::SUCCESS) continue;
    int64_t n;
    auto bins = config["bins"];
    if (bins.error() == simdjson::SUCCESS && !bins.is_null()) {
      if (bins.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > 100) {
        return Bad(std::string(key) + ".bins must be an integer from 1 to 100");
      }
      q.bins = static_cast<int>(n);
    }
    auto limit = config["row_limit"];
    if (limit.error() == simdjson::SUCCESS && !limit.is_null()) {
      if (limit.get_int64().get(n) != simdjson::SUCCESS || n < 1 || n > 1000) {
        return Bad(std::string(key) + ".row_limit must be an integer from 1 to 1000");
      }
      q.row_limit = static_cast<int>(n);
    }
  }
  auto order = obj["orderBy"];
  if (order.error() == simdjson::SUCCESS && !order.is_null()) {
    if (order.get_array().get(arr) != simdjson::SUCCESS) return Bad("orderBy must be an array");
    for (auto o : arr) {
      std::string_view field, direction;
      if (o["field"].get_string().get(field) != simdjson::SUCCESS ||
          o["direction"].get_string().get(direction) != simdjson::SUCCESS ||
          (direction != "asc" && direction != "desc")) {
        return Bad("orderBy[] needs a field and a direction (asc or desc)");
      }
      std::string f(field);
      bool known = (f == "time_dimension" && q.granularity) ||
                   std::find(q.dimensions.begin(), q.dimensions.end(), Canonical(*view, f)) !=
                       q.dimensions.end();
      for (const auto& m : q.metrics) known = known || f == m.aggregation + "_" + m.measure;
      if (q.metrics.empty()) known = known || f == "count";
      if (!known) {
        return Bad("orderBy: invalid field '" + f +
                   "'. Must be one of the dimension or metric fields");
      }
      if (std::find(q.dimensions.begin(), q.dimensions.end(), Canonical(*view, f)) !=
          q.dimensions.end()) {
        f = Canonical(*view, f);
      }
      q.order_by.push_back({f, direction == "desc"});
    }
    q.order_given = !q.order_by.empty();
  }
  // Datetime filters narrow the range.
  for (const auto& f : q.filters) {
    if (f.type != "datetime") continue;
    if (f.op == ">=") q.from_us = std::max(q.from_us, *f.time_us);
    if (f.op == ">") q.from_us = std::max(q.from_us, *f.time_us + 1);
    if (f.op == "<=") q.to_us = std::min(q.to_us, *f.time_us);
    if (f.op == "<") q.to_us = std::min(q.to_us, *f.time_us - 1);
  }
  return q;
}

Result<std::string> RunMetricsQuery(Store& store, const std::string& project_id,
                                    const MetricsQuery& query, MetricsPlan* plan_out) {
  const ViewSpec& view = *FindView(query.view);
  std::vector<MetricsQuery::Metric> metrics = query.metrics;
  const bool bare_count = metrics.empty();
  if (bare_count) metrics.push_back({"count", "count"});
  std::vector<const MeasureSpec*> measures;
  for (const auto& m : metrics) measures.push_back(FindMeasure(view, m.measure));

  std::vector<MetricsFilter> filters;
  for (const auto& f : query.filters) {
    if (f.type != "datetime") filters.push_back(f);
  }
  // The views' fixed segments: numeric views hold every type but categorical.
  if (query.view == "scores-numeric") {
    filters.push_back({"dataType", "none of", "stringOptions", {"CATEGORICAL"}, {}, {}});
  } else if (query.view == "scores-categorical") {
    filters.push_back({"dataType", "any of", "stringOptions", {"CATEGORICAL"}, {}, {}});
  }

  // Which rollup table covers every field the query reads, if any.
  std::optional<RollupTable> table;
  std::string uncovered;
  if (query.granularity != std::optional<std::string>("minute")) {
    for (RollupTable candidate : view.tables) {
      const auto& dims = RollupDimensions(candidate);
      auto covered = [&](const std::string& f) {
        return std::find(dims.begin(), dims.end(), f) != dims.end();
      };
      std::string missing;
      for (const auto& d : query.dimensions) {
        if (!covered(d) && missing.empty()) missing = "dimension '" + d + "'";
      }
      for (const auto& f : filters) {
        if (!covered(f.column) && missing.empty()) missing = "filter on '" + f.column + "'";
      }
      for (size_t i = 0; i < metrics.size(); ++i) {
        if (NeedsSketch(metrics[i].aggregation) && measures[i]->sketch < 0 && missing.empty()) {
          missing = metrics[i].aggregation + " of " + metrics[i].measure;
        }
        // Per-user rows carry no trace sketch worth trusting for other dimensions: fine.
      }
      if (missing.empty()) {
        table = candidate;
        break;
      }
      if (uncovered.empty()) uncovered = missing;
    }
  } else {
    uncovered = "minute granularity";
  }

  // Time segments: whole hours (or days) from rollups, the partial hours at the edges and
  // everything when no table covers the query from raw rows.
  struct Segment {
    bool raw;
    RollupGrain grain;
    int64_t from, to;  // exclusive
    int sign = 1;
  };
  std::vector<Segment> segments;
  const int64_t end = query.to_us + 1;
  if (!table) {
    segments.push_back({true, RollupGrain::kHour, query.from_us, end});
  } else {
    const int64_t h0 = BucketStart(query.from_us + kHourUs - 1, RollupGrain::kHour);
    const int64_t h1 = BucketStart(end, RollupGrain::kHour);
    if (h0 >= h1) {
      segments.push_back({true, RollupGrain::kHour, query.from_us, end});
    } else {
      if (query.from_us < h0) segments.push_back({true, RollupGrain::kHour, query.from_us, h0});
      const bool days_ok = query.granularity != std::optional<std::string>("hour");
      const int64_t d0 = BucketStart(h0 + kDayUs - 1, RollupGrain::kDay);
      const int64_t d1 = BucketStart(h1, RollupGrain::kDay);
      if (days_ok && d0 <= d1) {
        // A partial day at an edge is read as its hours in the range, or as its day row
        // minus its hours outside the range when those are fewer: the end of a range that
        // ends now is today's day row alone (no hour after now holds anything), however
        // many hours today has had.
        auto partial_day = [&](int64_t day, int64_t in_from, int64_t in_to) {
          if (in_from >= in_to) return;
          const int64_t hours_in = (in_to - in_from) / kHourUs;
          if (24 - hours_in < hours_in) {
            segments.push_back({false, RollupGrain::kDay, day, day + kDayUs});
            if (day < in_from) segments.push_back({false, RollupGrain::kHour, day, in_from, -1});
            if (in_to < day + kDayUs) {
              segments.push_back({false, RollupGrain::kHour, in_to, day + kDayUs, -1});
            }
          } else {
            segments.push_back({false, RollupGrain::kHour, in_from, in_to});
          }
        };
        partial_day(d0 - kDayUs, h0, d0);
        // The past days apart from today's (a range that ends at midnight tonight, as the
        // presets do from 23:00 UTC, takes today whole): that is the read kept in memory
        // and warmed ahead of the first page load (rollup_cache.h), and today's row changes
        // with every write.
        const int64_t today = BucketStart(NowMicros(), RollupGrain::kDay);
        const int64_t past_end = std::clamp(today, d0, d1);
        if (d0 < past_end) segments.push_back({false, RollupGrain::kDay, d0, past_end});
        if (past_end < d1) segments.push_back({false, RollupGrain::kDay, past_end, d1});
        partial_day(d1, d1, h1);
      } else {
        segments.push_back({false, RollupGrain::kHour, h0, h1});
      }
      if (h1 < end) segments.push_back({true, RollupGrain::kHour, h1, end});
    }
  }

  bool needs_sketch = false;
  for (const auto& m : metrics) needs_sketch = needs_sketch || NeedsSketch(m.aggregation);
  bool needs_trace = false;
  for (const auto& d : query.dimensions) {
    needs_trace = needs_trace || !HasField(view, d) ||
                  (d != "name" && d != "type" && d != "level" && d != "environment" &&
                   d != "providedModelName" && d != "source" && d != "dataType" &&
                   d != "stringValue" && d != "release" && d != "version");
  }
  for (const auto& f : filters) {
    needs_trace = needs_trace || (f.column != "name" && f.column != "type" && f.column != "level" &&
                                  f.column != "environment" && f.column != "providedModelName" &&
                                  f.column != "source" && f.column != "dataType" &&
                                  f.column != "stringValue" && f.column != "value");
  }

  MetricsPlan plan;
  plan.from_rollups = table.has_value();
  // By the bytes of the group's dimension values and bucket; the answer's order is set by
  // the final sort alone.
  std::unordered_map<std::string, Group> groups;
  std::vector<std::optional<std::string>> dims;
  std::string group_key;
  auto add_row = [&](const Row& row) -> Status {
    for (const auto& f : filters) {
      if (!Matches(f, row)) return Status::Ok();
    }
    dims.clear();
    group_key.clear();
    for (const auto& d : query.dimensions) {
      std::optional<std::string> v;
      if (d == "tags") {
        JsonBuffer buffer;
        JsonWriter w(buffer);
        WriteStringArray(w, TagsField(row));
        v = std::string(buffer.GetString(), buffer.GetSize());
      } else {
        v = ScalarField(row, d);
      }
      group_key.push_back(v ? '\x01' : '\x00');
      if (v) {
        const uint32_t size = static_cast<uint32_t>(v->size());
        group_key.append(reinterpret_cast<const char*>(&size), sizeof size).append(*v);
      }
      dims.push_back(std::move(v));
    }
    std::optional<int64_t> bucket;
    if (query.granularity) {
      bucket = TimeBucket(row.time_us, *query.granularity);
      group_key.append(reinterpret_cast<const char*>(&*bucket), sizeof(int64_t));
    }
    auto [it, inserted] = groups.try_emplace(group_key);
    if (inserted) {
      if (groups.size() > kMaxGroups) {
        return Bad("the query builds more than " + std::to_string(kMaxGroups) +
                   " groups; use fewer dimensions or a coarser granularity");
      }
      it->second.dims = std::move(dims);
      it->second.bucket_us = bucket;
      it->second.acc.resize(metrics.size());
    }
    const auto& sums = row.values->sums;
    it->second.records += row.sign * sums[0];  // every table's first sum counts records
    for (size_t i = 0; i < metrics.size(); ++i) {
      const MeasureSpec& m = *measures[i];
      Accumulator& a = it->second.acc[i];
      const int64_t row_sum = sums[m.sum], row_n = sums[m.n];
      a.sum += row.sign * row_sum;
      a.n += row.sign * row_n;
      if (!NeedsSketch(metrics[i].aggregation)) continue;
      if (row.fact) {
        if (row_n > 0) {
          const double v = static_cast<double>(row_sum) / m.scale;
          a.raw_min = a.raw_min ? std::min(*a.raw_min, v) : v;
          a.raw_max = a.raw_max ? std::max(*a.raw_max, v) : v;
          a.raw_sketch.Add(v);
        }
      } else if (m.sketch >= 0) {
        a.rollup_sketch.Merge(row.values->sketches[m.sketch], row.sign);
      }
    }
    return Status::Ok();
  };

  for (const auto& seg : segments) {
    if (seg.from >= seg.to) continue;
    if (seg.raw) {
      RawFactsRequest request;
      request.source = view.source;
      request.from_us = seg.from;
      request.to_us = seg.to;
      request.with_trace_fields = needs_trace;
      request.max_rows = kMaxRawRows;
      auto facts = store.ReadRawFacts(project_id, request);
      if (!facts.ok()) return facts.status();
      if (facts->truncated) {
        return Bad("this query reads raw rows (" +
                   (uncovered.empty() ? std::string("the partial hours at the range's edges")
                                      : uncovered + " is not kept in rollups") +
                   ") and the range holds more than " + std::to_string(kMaxRawRows) +
                   " of them; narrow fromTimestamp/toTimestamp" +
                   (uncovered.empty() ? " or align them to whole hours" : ""));
      }
      plan.raw_rows += facts->facts.size();
      const RollupTable fact_table = view.source == FactSource::kObservations
                                         ? RollupTable::kObservations
                                     : view.source == FactSource::kTraces ? RollupTable::kTraces
                                                                          : RollupTable::kScores;
      for (const auto& fact : facts->facts) {
        LANTERNE_RETURN_IF_ERROR(
            add_row(Row{fact.time_us, fact_table, &fact.key, &fact.values, &fact}));
      }
      continue;
    }
    RollupRowsRequest request;
    request.table = *table;
    request.grain = seg.grain;
    request.from_us = seg.from;
    request.to_us = seg.to;
    request.with_sketches = needs_sketch;
    // Without a time dimension the buckets of a segment all fall into the same groups.
    request.merge_buckets = !query.granularity;
    request.max_rows = kMaxRollupRows - std::min(kMaxRollupRows - 1, plan.rollup_rows);
    auto rows = store.ReadRollupRows(project_id, request);
    if (!rows.ok()) return rows.status();
    plan.rollup_rows += rows->size();
    for (const auto& r : *rows) {
      LANTERNE_RETURN_IF_ERROR(
          add_row(Row{r.bucket_us, *table, &r.key, &r.values, nullptr, seg.sign}));
    }
  }

  // A group whose rows were all subtracted again (a key seen only in the hours outside the
  // range of a partial day) holds nothing.
  std::erase_if(groups, [](const auto& g) { return g.second.records == 0; });
  // An aggregate without dimensions answers one row even over nothing, as SQL does.
  if (query.dimensions.empty() && !query.granularity && groups.empty()) {
    groups[""].acc.resize(metrics.size());
  }

  // Values per group.
  std::vector<Answer> answers;
  answers.reserve(groups.size());
  for (auto& [key, g] : groups) {
    Answer a;
    a.dims = std::move(g.dims);
    a.bucket_us = g.bucket_us;
    for (size_t i = 0; i < metrics.size(); ++i) {
      const MeasureSpec& m = *measures[i];
      Accumulator& acc = g.acc[i];
      const std::string& agg = metrics[i].aggregation;
      Answer::Value v;
      if (agg == "count") {
        v.kind = Answer::Value::kInt;
        v.i = acc.n;
      } else if (agg == "sum") {
        if (m.integer) {
          v.kind = Answer::Value::kInt;
          v.i = acc.sum;
        } else {
          v.kind = Answer::Value::kDouble;
          v.d = static_cast<double>(acc.sum) / m.scale;
        }
      } else if (agg == "avg") {
        if (acc.n > 0) {
          v.kind = Answer::Value::kDouble;
          v.d = static_cast<double>(acc.sum) / m.scale / static_cast<double>(acc.n);
        }
      } else {
        Sketch merged = acc.rollup_sketch;
        merged.Merge(acc.raw_sketch);
        std::optional<double> x;
        if (agg == "min" || agg == "max") {
          const bool is_min = agg == "min";
          std::optional<double> from_sketch =
              acc.rollup_sketch.empty()
                  ? std::nullopt
                  : (is_min ? acc.rollup_sketch.Min() : acc.rollup_sketch.Max());
          std::optional<double> exact = is_min ? acc.raw_min : acc.raw_max;
          if (from_sketch && exact) {
            x = is_min ? std::min(*from_sketch, *exact) : std::max(*from_sketch, *exact);
          } else {
            x = from_sketch ? from_sketch : exact;
          }
        } else if (auto q = QuantileOf(agg)) {
          x = merged.Quantile(*q);
        } else {  // histogram
          v.kind = Answer::Value::kHistogram;
          v.histogram = merged.Histogram(query.bins);
        }
        if (x) {
          v.kind = Answer::Value::kDouble;
          v.d = *x;
        }
      }
      a.values.push_back(std::move(v));
    }
    answers.push_back(std::move(a));
  }

  // Gap filling (Langfuse's WITH FILL): a time series without an explicit order gets a row
  // for every empty bucket of the range.
  if (query.granularity && !query.order_given) {
    std::unordered_map<int64_t, bool> present;
    for (const auto& a : answers) present[*a.bucket_us] = true;
    const int64_t last = TimeBucket(query.to_us, *query.granularity);
    size_t added = 0;
    for (int64_t b = TimeBucket(query.from_us, *query.granularity); b <= last;
         b = NextBucket(b, *query.granularity)) {
      if (present.count(b)) continue;
      if (++added > kMaxGroups) break;
      Answer a;
      a.dims.resize(query.dimensions.size());
      a.bucket_us = b;
      for (const auto& m : metrics) {
        Answer::Value v;
        if (m.aggregation == "histogram") {
          v.kind = Answer::Value::kHistogram;
        } else {
          v.kind = Answer::Value::kInt;
        }
        a.values.push_back(v);
      }
      answers.push_back(std::move(a));
    }
  }

  // Order: as asked; else by time, else by the first metric (descending), else by the first
  // dimension.
  std::vector<MetricsQuery::Order> order = query.order_by;
  if (order.empty()) {
    if (query.granularity) {
      order.push_back({"time_dimension", false});
    } else if (!query.dimensions.empty() && !metrics.empty()) {
      order.push_back({metrics[0].aggregation + "_" + metrics[0].measure, true});
    } else if (!query.dimensions.empty()) {
      order.push_back({query.dimensions[0], false});
    }
  }
  if (bare_count) {
    for (auto& o : order) {
      if (o.field == "count") o.field = "count_count";
    }
  }
  // What each order field compares, resolved once: the time, a dimension or a metric (the
  // last metric of that name wins, as the answer's column does).
  struct SortKey {
    enum { kTime, kDimension, kMetric, kNone } kind = kNone;
    size_t index = 0;
    bool descending = false;
  };
  std::vector<SortKey> sort_keys;
  for (const auto& o : order) {
    SortKey k;
    k.descending = o.descending;
    if (o.field == "time_dimension") {
      k.kind = SortKey::kTime;
    } else if (auto d = std::find(query.dimensions.begin(), query.dimensions.end(), o.field);
               d != query.dimensions.end()) {
      k.kind = SortKey::kDimension;
      k.index = static_cast<size_t>(d - query.dimensions.begin());
    } else {
      for (size_t i = 0; i < metrics.size(); ++i) {
        if (o.field != metrics[i].aggregation + "_" + metrics[i].measure) continue;
        k.kind = SortKey::kMetric;
        k.index = i;
      }
    }
    sort_keys.push_back(k);
  }
  auto compare = [&](const Answer& x, const Answer& y) {
    for (const auto& k : sort_keys) {
      int c = 0;
      if (k.kind == SortKey::kTime) {
        c = x.bucket_us < y.bucket_us ? -1 : x.bucket_us > y.bucket_us ? 1 : 0;
      } else if (k.kind == SortKey::kDimension) {
        const auto& a = x.dims[k.index];
        const auto& b = y.dims[k.index];
        c = a == b ? 0 : (a < b ? -1 : 1);
      } else if (k.kind == SortKey::kMetric) {
        double a = AsDouble(x.values[k.index]), b = AsDouble(y.values[k.index]);
        c = a < b ? -1 : a > b ? 1 : 0;
      }
      if (c != 0) return k.descending ? c > 0 : c < 0;
    }
    // Deterministic answers: the rest by dimensions, then time.
    if (x.dims != y.dims) return x.dims < y.dims;
    return x.bucket_us < y.bucket_us;
  };
  // Only the first row_limit answers are kept: a top 50 of 10,000 users needs no full sort.
  const size_t keep = std::min(answers.size(), static_cast<size_t>(query.row_limit));
  std::partial_sort(answers.begin(), answers.begin() + static_cast<ptrdiff_t>(keep), answers.end(),
                    compare);
  answers.resize(keep);

  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& a : answers) {
    w.StartObject();
    for (size_t i = 0; i < query.dimensions.size(); ++i) {
      w.Key(query.dimensions[i].c_str());
      if (!a.dims[i]) {
        w.Null();
      } else if (query.dimensions[i] == "tags") {
        w.RawValue(a.dims[i]->data(), a.dims[i]->size(), rapidjson::kArrayType);
      } else {
        WriteString(w, *a.dims[i]);
      }
    }
    if (a.bucket_us) {
      w.Key("time_dimension");
      WriteString(w, FormatIsoMillis(*a.bucket_us));
    }
    for (size_t i = 0; i < metrics.size(); ++i) {
      const std::string key =
          bare_count ? std::string("count") : metrics[i].aggregation + "_" + metrics[i].measure;
      w.Key(key.c_str());
      const auto& v = a.values[i];
      switch (v.kind) {
        case Answer::Value::kNull:
          w.Null();
          break;
        case Answer::Value::kInt:
          w.Int64(v.i);
          break;
        case Answer::Value::kDouble:
          if (std::isfinite(v.d)) {
            w.Double(v.d);
          } else {
            w.Null();
          }
          break;
        case Answer::Value::kHistogram:
          w.StartArray();
          for (const auto& [lo, hi, height] : v.histogram) {
            w.StartArray();
            w.Double(lo);
            w.Double(hi);
            w.Double(height);
            w.EndArray();
          }
          w.EndArray();
          break;
      }
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  if (plan_out) *plan_out = plan;
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace lanterne
