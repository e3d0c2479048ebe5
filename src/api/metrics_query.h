// The metrics query API (GET /api/public/metrics, /api/public/v2/metrics, and the web UI's
// /api/ui/projects/{id}/metrics): Langfuse's query shape (LANGFUSE_API.md 5.7) answered
// from the rollups (storage/rollup_read.h) when they keep what the query asks for, else
// from raw rows under an explicit bound. docs/api.md "Metrics" lists views, fields and
// bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne {

struct MetricsFilter {
  std::string column, op, type;
  std::vector<std::string> values;  // string, stringOptions, arrayOptions
  std::optional<double> number;
  std::optional<int64_t> time_us;
};

struct MetricsQuery {
  std::string view;  // traces, observations, scores-numeric, scores-categorical
  std::vector<std::string> dimensions;
  struct Metric {
    std::string measure, aggregation;
  };
  std::vector<Metric> metrics;  // empty: count(*) as "count"
  std::vector<MetricsFilter> filters;
  std::optional<std::string> granularity;  // minute, hour, day, week, month ("auto" resolved)
  int64_t from_us = 0, to_us = 0;          // both inclusive, as Langfuse's >= and <=
  struct Order {
    std::string field;
    bool descending = false;
  };
  std::vector<Order> order_by;
  bool order_given = false;
  int bins = 10;
  int row_limit = 100;
};

// Raw rows a query may read when rollups cannot answer it (per raw time range).
inline constexpr size_t kMaxRawRows = 100000;
// Rollup rows a query may read.
inline constexpr size_t kMaxRollupRows = 500000;
// Groups a query may build before its row_limit applies.
inline constexpr size_t kMaxGroups = 100000;

// Parses and validates the `query` parameter. InvalidArgument names the field. `v2` refuses
// the traces view.
Result<MetricsQuery> ParseMetricsQuery(std::string_view json, bool v2);

// How a query was answered (tests and the benchmark read it from the X-Lanterne-Metrics
// header).
struct MetricsPlan {
  bool from_rollups = false;
  size_t rollup_rows = 0, raw_rows = 0;
};

// Runs the query and returns the answer's JSON ({"data": [...]}).
Result<std::string> RunMetricsQuery(Store& store, const std::string& project_id,
                                    const MetricsQuery& query, MetricsPlan* plan = nullptr);

}  // namespace lanterne
