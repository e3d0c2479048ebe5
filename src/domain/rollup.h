// What the dashboards' rollups hold (storage/sqlite/rollup_rows.h maintains them; the
// metrics API reads them, docs/architecture.md "Rollups"): per project, time bucket and
// key (a tuple of dimension values), sums and sketches of what the rows of one table
// contribute. A record's contribution is a pure function of the record, so a write can
// subtract what the stored version contributed and add what the new one does, and a full
// recomputation from the raw rows gives the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/records.h"
#include "domain/sketch.h"

namespace lanterne {

enum class RollupTable {
  kObservations = 0,  // key: environment, type, level, name, providedModelName
  kTraces = 1,        // key: environment, name, release, version, tags (JSON array, sorted)
  kTraceUsers = 2,    // key: environment, userId
  kScores = 3,        // key: environment, name, source, dataType, stringValue
};
constexpr int kRollupTableCount = 4;
const char* RollupTableName(RollupTable table);  // the SQL table
// The dimension names of the table's key, in key order.
const std::vector<std::string>& RollupDimensions(RollupTable table);

// Time grains kept. Buckets are UTC starts in microseconds.
enum class RollupGrain { kHour = 0, kDay = 1 };
constexpr int64_t kHourUs = 3'600'000'000;
constexpr int64_t kDayUs = 24 * kHourUs;
int64_t BucketStart(int64_t time_us, RollupGrain grain);

// Sums are exact integers: costs in units of 1e-10 USD, score values in 1e-9, durations in
// microseconds, so subtracting what was added leaves exactly zero.
constexpr double kCostScale = 1e10;
constexpr double kScoreScale = 1e9;
int64_t ScaleToFixed(double value, double scale);

// Positions in RollupValues::sums and ::sketches, per table.
namespace obs_sum {
enum : int {
  kCount,
  kTotalCost,
  kInputCost,
  kOutputCost,
  kInputTokens,
  kOutputTokens,
  kTotalTokens,
  kCachedTokens,
  kReasoningTokens,
  kLatencyCount,
  kLatencySumUs,
  kTtftCount,
  kTtftSumUs,
  kSize
};
enum : int { kLatencySketch, kTtftSketch, kSketches };  // milliseconds
}  // namespace obs_sum
namespace trace_sum {  // kTraces and kTraceUsers
enum : int {
  kCount,
  kObservationCount,
  kTotalCost,
  kTotalTokens,
  kLatencyCount,
  kLatencySumUs,
  kSize
};
enum : int { kLatencySketch, kSketches };  // milliseconds
}  // namespace trace_sum
namespace score_sum {
enum : int { kCount, kValueSum, kSize };
enum : int { kValueSketch, kSketches };
}  // namespace score_sum

struct RollupValues {
  std::vector<int64_t> sums;
  std::vector<Sketch> sketches;

  static RollupValues For(RollupTable table);
  // Adds `other` times `sign` (1 or -1); sizes must match.
  void Add(const RollupValues& other, int sign = 1);
  // Nothing left: the row can go.
  bool IsZero() const;
  std::string Encode() const;
  // `with_sketches` false skips decoding them (sums-only reads). False on corrupt bytes.
  static bool Decode(std::string_view bytes, RollupValues* out, bool with_sketches = true);
  bool operator==(const RollupValues& other) const = default;
};

using RollupKey = std::vector<std::optional<std::string>>;
// Canonical bytes of a key (length-prefixed; null distinct from "").
std::string EncodeRollupKey(const RollupKey& key);
bool DecodeRollupKey(std::string_view bytes, RollupKey* out);

struct Contribution {
  RollupTable table = RollupTable::kObservations;
  int64_t time_us = 0;
  RollupKey key;
  RollupValues values;
};

// Langfuse's per-observation measures (its query data model): input/output tokens and cost
// sum the usage/cost keys containing "input"/"output" (case-insensitive); cached and
// reasoning tokens the keys containing "cache"/"reasoning"; latency is end − start and time
// to first token completion start − start, both only when both times are known.
Contribution ObservationContribution(const ObservationRecord& o);
// The same in parts, for the writer's hot path: the key's bytes (EncodeRollupKey of
// ObservationContribution's key) appended to `out`, and the values added `sign` times.
void AppendObservationKey(const ObservationRecord& o, std::string* out);
void AddObservationValues(const ObservationRecord& o, int sign, RollupValues* into);
Contribution ScoreContribution(const ScoreRecord& s);

// What a trace's observations add up to (the traces view's latency, cost and tokens):
// latency is the last end minus the first start, counted once at least one end is known.
struct TraceAggregate {
  int64_t observation_count = 0;
  int64_t total_cost = 0;  // kCostScale units
  int64_t total_tokens = 0;
  std::optional<int64_t> min_start_us, max_end_us;
  bool operator==(const TraceAggregate& other) const = default;
};
// One observation's part of its trace's aggregate (the same function on every path).
void AddToTraceAggregate(TraceAggregate& aggregate, int64_t start_us, std::optional<int64_t> end_us,
                         std::optional<double> total_cost, std::optional<int64_t> total_tokens);

// The trace fields the trace rollups key on.
struct TraceDims {
  int64_t timestamp_us = 0;
  std::string environment = "default";
  std::optional<std::string> name, user_id, release, version;
  std::string tags_json = "[]";
  bool operator==(const TraceDims& other) const = default;
};
TraceDims TraceDimsOf(const TraceRecord& t);
// The trace's rows in kTraces and kTraceUsers.
std::vector<Contribution> TraceContributions(const TraceDims& dims, const TraceAggregate& agg);

}  // namespace lanterne
