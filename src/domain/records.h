// The stored shape of traces, observations, scores and sessions, and the partial updates
// (patches) that ingestion events carry. JSON-valued fields (input, output, metadata,
// modelParameters) are kept as compact JSON text and spliced into responses as they are.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lanterne {

// A field of a patch: absent (leave the stored value), explicit null (clear it, where the
// merge rules allow), or a value.
template <typename T>
struct Patch {
  enum class State { kAbsent, kNull, kSet };
  State state = State::kAbsent;
  T value{};

  bool absent() const { return state == State::kAbsent; }
  bool is_null() const { return state == State::kNull; }
  bool is_set() const { return state == State::kSet; }
  void Set(T v) {
    state = State::kSet;
    value = std::move(v);
  }
  void SetNull() { state = State::kNull; }
};

enum class ObservationType {
  kSpan,
  kGeneration,
  kEvent,
  kAgent,
  kTool,
  kChain,
  kRetriever,
  kEvaluator,
  kEmbedding,
  kGuardrail,
};
const char* ObservationTypeName(ObservationType type);
std::optional<ObservationType> ParseObservationType(std::string_view name);

enum class Level { kDebug, kDefault, kWarning, kError };
const char* LevelName(Level level);
std::optional<Level> ParseLevel(std::string_view name);

struct TraceRecord {
  std::string project_id;
  std::string id;
  int64_t timestamp_us = 0;
  std::optional<std::string> name, user_id, session_id, release, version;
  std::optional<std::string> input, output;  // JSON text
  std::string metadata = "{}";               // JSON object text
  std::vector<std::string> tags;             // sorted, unique
  bool is_public = false;
  bool bookmarked = false;
  std::string environment = "default";
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

struct TracePatch {
  std::string id;
  std::optional<int64_t> timestamp_us;
  // The trace started no later than this (an OTel span of it started then): the stored
  // timestamp becomes the earliest such time, so children exported before their root
  // cannot pin the trace to their own start.
  std::optional<int64_t> earliest_timestamp_us;
  Patch<std::string> name, user_id, session_id, release, version;
  std::optional<std::string> input, output, metadata;  // JSON text; metadata always an object
  std::vector<std::string> tags;
  std::optional<bool> is_public;
  std::optional<std::string> environment;
};

using UsageMap = std::map<std::string, int64_t>;
using CostMap = std::map<std::string, double>;

struct ObservationRecord {
  std::string project_id;
  std::string id;
  std::string trace_id;
  ObservationType type = ObservationType::kSpan;
  int64_t start_time_us = 0;
  std::optional<int64_t> end_time_us, completion_start_time_us;
  std::optional<std::string> name, status_message, parent_observation_id, version, model;
  std::optional<std::string> input, output;  // JSON text
  std::string metadata = "{}";
  std::optional<std::string> model_parameters;  // JSON object text
  Level level = Level::kDefault;
  std::string environment = "default";
  UsageMap usage_details;
  CostMap cost_details;
  std::optional<std::string> usage_unit;
  std::optional<std::string> prompt_name;
  std::optional<int64_t> prompt_version;
  // Derived by the server from model definitions (src/pricing): the definition that priced
  // it, its tier and unit prices. Usage or cost the server computed (tokenized, priced)
  // rather than received is flagged, so the next merge recomputes it instead of keeping it
  // as if the client had sent it.
  std::optional<std::string> model_id, pricing_tier_id, pricing_tier_name;
  std::optional<double> input_price, output_price, total_price;
  bool usage_calculated = false;
  bool cost_calculated = false;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;

  std::optional<double> total_cost() const;
  // usage_details["total"], else the sum of the other units; nullopt without usage.
  std::optional<int64_t> total_tokens() const;
};

struct ObservationPatch {
  std::string id;
  std::optional<std::string> trace_id;
  ObservationType type = ObservationType::kSpan;
  bool is_update = false;
  std::optional<int64_t> start_time_us, end_time_us, completion_start_time_us;
  Patch<std::string> name, model;
  Patch<Level> level;
  std::optional<std::string> status_message, parent_observation_id, version;
  std::optional<std::string> input, output, metadata, model_parameters;
  std::optional<std::string> environment;
  UsageMap usage_details;  // empty = absent
  CostMap cost_details;    // empty = absent
  std::optional<std::string> usage_unit;
  std::optional<std::string> prompt_name;
  std::optional<int64_t> prompt_version;
};

enum class ScoreDataType { kNumeric, kCategorical, kBoolean, kText, kCorrection };
const char* ScoreDataTypeName(ScoreDataType type);
std::optional<ScoreDataType> ParseScoreDataType(std::string_view name);

struct ScoreRecord {
  std::string project_id;
  std::string id;
  int64_t timestamp_us = 0;
  std::string name;
  double value = 0;
  std::optional<std::string> string_value;
  ScoreDataType data_type = ScoreDataType::kNumeric;
  std::string source = "API";
  std::optional<std::string> trace_id, observation_id, session_id, dataset_run_id;
  std::optional<std::string> comment, config_id, queue_id, author_user_id;
  std::string metadata = "{}";
  std::string environment = "default";
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

// Scores are validated whole at ingestion, so a patch is a complete record minus the
// bookkeeping fields.
using ScorePatch = ScoreRecord;

struct SessionRecord {
  std::string project_id;
  std::string id;
  int64_t created_at_us = 0;
  std::string environment = "default";
};

}  // namespace lanterne
