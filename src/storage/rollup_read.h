// What the metrics API asks the store for (Store::ReadRollupRows, Store::ReadRawFacts):
// rollup rows of a time range, or, when a query needs what the rollups do not keep, the
// raw rows' contributions with the trace fields joined, under an explicit row bound.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/rollup.h"

namespace lanterne {

struct RollupRowsRequest {
  RollupTable table = RollupTable::kObservations;
  RollupGrain grain = RollupGrain::kHour;
  int64_t from_us = 0, to_us = 0;  // bucket starts: from inclusive, to exclusive
  bool with_sketches = true;
  // One row per key for the whole range (its values summed, bucket_us = from_us), for
  // queries without a time dimension; the store may answer these from RollupCache.
  bool merge_buckets = false;
  size_t max_rows = 500000;  // rows read; past it: InvalidArgument
};

struct RollupRow {
  int64_t bucket_us = 0;
  RollupKey key;  // RollupDimensions(table) order
  RollupValues values;
};

enum class FactSource { kObservations, kTraces, kScores };

struct RawFactsRequest {
  FactSource source = FactSource::kObservations;
  int64_t from_us = 0, to_us = 0;  // record time: from inclusive, to exclusive
  bool with_trace_fields = false;  // observations and scores: join their trace
  size_t max_rows = 100000;
};

// One record: its contribution (the table's key and values: kObservations, kTraces or
// kScores) and, when asked, its trace's fields.
struct RawFact {
  int64_t time_us = 0;
  RollupKey key;
  RollupValues values;
  bool has_trace = false;
  std::optional<std::string> trace_name, user_id, session_id, release, version;
  std::vector<std::string> tags;
  std::optional<std::string> observation_version;  // observations only
  std::optional<std::string> trace_id;
};

struct RawFacts {
  std::vector<RawFact> facts;
  bool truncated = false;  // more than max_rows matched; `facts` is incomplete
};

}  // namespace lanterne
