#include "domain/rollup.h"

#include <cctype>
#include <cmath>

#include "core/byte_codec.h"
#include "core/json.h"

namespace lanterne {
namespace {

bool ContainsNoCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[i + j])) == needle[j]) {
      ++j;
    }
    if (j == needle.size()) return true;
  }
  return false;
}

template <typename Map>
auto SumKeysContaining(const Map& map, std::string_view needle) {
  typename Map::mapped_type sum{};
  for (const auto& [key, value] : map) {
    if (ContainsNoCase(key, needle)) sum += value;
  }
  return sum;
}

std::optional<std::string> Opt(const std::optional<std::string>& s) { return s; }

}  // namespace

const char* RollupTableName(RollupTable table) {
  switch (table) {
    case RollupTable::kObservations:
      return "rollup_observations";
    case RollupTable::kTraces:
      return "rollup_traces";
    case RollupTable::kTraceUsers:
      return "rollup_trace_users";
    case RollupTable::kScores:
      return "rollup_scores";
  }
  return "rollup_observations";
}

const std::vector<std::string>& RollupDimensions(RollupTable table) {
  static const std::vector<std::string> kObservations = {"environment", "type", "level", "name",
                                                         "providedModelName"};
  static const std::vector<std::string> kTraces = {"environment", "name", "release", "version",
                                                   "tags"};
  static const std::vector<std::string> kTraceUsers = {"environment", "userId"};
  static const std::vector<std::string> kScores = {"environment", "name", "source", "dataType",
                                                   "stringValue"};
  switch (table) {
    case RollupTable::kObservations:
      return kObservations;
    case RollupTable::kTraces:
      return kTraces;
    case RollupTable::kTraceUsers:
      return kTraceUsers;
    case RollupTable::kScores:
      return kScores;
  }
  return kObservations;
}

int64_t BucketStart(int64_t time_us, RollupGrain grain) {
  const int64_t width = grain == RollupGrain::kHour ? kHourUs : kDayUs;
  int64_t q = time_us / width;
  if (time_us % width < 0) --q;
  return q * width;
}

int64_t ScaleToFixed(double value, double scale) {
  if (!std::isfinite(value)) return 0;
  double scaled = std::round(value * scale);
  if (scaled > 9.2e18) return INT64_MAX / 2;
  if (scaled < -9.2e18) return INT64_MIN / 2;
  return static_cast<int64_t>(scaled);
}

RollupValues RollupValues::For(RollupTable table) {
  RollupValues v;
  switch (table) {
    case RollupTable::kObservations:
      v.sums.assign(obs_sum::kSize, 0);
      v.sketches.resize(obs_sum::kSketches);
      break;
    case RollupTable::kTraces:
    case RollupTable::kTraceUsers:
      v.sums.assign(trace_sum::kSize, 0);
      v.sketches.resize(trace_sum::kSketches);
      break;
    case RollupTable::kScores:
      v.sums.assign(score_sum::kSize, 0);
      v.sketches.resize(score_sum::kSketches);
      break;
  }
  return v;
}

void RollupValues::Add(const RollupValues& other, int sign) {
  if (sums.size() < other.sums.size()) sums.resize(other.sums.size(), 0);
  if (sketches.size() < other.sketches.size()) sketches.resize(other.sketches.size());
  for (size_t i = 0; i < other.sums.size(); ++i) sums[i] += other.sums[i] * sign;
  for (size_t i = 0; i < other.sketches.size(); ++i) sketches[i].Merge(other.sketches[i], sign);
}

bool RollupValues::IsZero() const {
  for (int64_t s : sums) {
    if (s != 0) return false;
  }
  for (const auto& k : sketches) {
    if (!k.empty()) return false;
  }
  return true;
}

std::string RollupValues::Encode() const {
  std::string out;
  AppendVarint(out, sums.size());
  for (int64_t s : sums) AppendVarint(out, ZigZag(s));
  AppendVarint(out, sketches.size());
  for (const auto& k : sketches) {
    std::string bytes = k.Encode();
    AppendVarint(out, bytes.size());
    out += bytes;
  }
  return out;
}

bool RollupValues::Decode(std::string_view bytes, RollupValues* out, bool with_sketches) {
  out->sums.clear();
  out->sketches.clear();
  uint64_t n = 0;
  if (!ConsumeVarint(bytes, &n) || n > bytes.size()) return false;
  out->sums.resize(n);
  for (auto& s : out->sums) {
    uint64_t v = 0;
    if (!ConsumeVarint(bytes, &v)) return false;
    s = UnZigZag(v);
  }
  if (!ConsumeVarint(bytes, &n) || n > bytes.size() + 1) return false;
  out->sketches.resize(n);
  for (auto& k : out->sketches) {
    uint64_t size = 0;
    if (!ConsumeVarint(bytes, &size) || size > bytes.size()) return false;
    if (with_sketches && !Sketch::Decode(bytes.substr(0, size), &k)) return false;
    bytes.remove_prefix(size);
  }
  return bytes.empty();
}

std::string EncodeRollupKey(const RollupKey& key) {
  std::string out;
  for (const auto& part : key) {
    if (!part) {
      AppendVarint(out, 0);
      continue;
    }
    AppendVarint(out, part->size() + 1);
    out += *part;
  }
  return out;
}

bool DecodeRollupKey(std::string_view bytes, RollupKey* out) {
  out->clear();
  while (!bytes.empty()) {
    uint64_t size = 0;
    if (!ConsumeVarint(bytes, &size)) return false;
    if (size == 0) {
      out->emplace_back(std::nullopt);
      continue;
    }
    if (size - 1 > bytes.size()) return false;
    out->emplace_back(std::string(bytes.substr(0, size - 1)));
    bytes.remove_prefix(size - 1);
  }
  return true;
}

void AppendObservationKey(const ObservationRecord& o, std::string* out) {
  auto put = [&](std::string_view v) {
    AppendVarint(*out, v.size() + 1);
    out->append(v);
  };
  auto put_opt = [&](const std::optional<std::string>& v) {
    if (v) {
      put(*v);
    } else {
      AppendVarint(*out, 0);
    }
  };
  put(o.environment);
  put(ObservationTypeName(o.type));
  put(LevelName(o.level));
  put_opt(o.name);
  put_opt(o.model);
}

void AddObservationValues(const ObservationRecord& o, int sign, RollupValues* into) {
  using namespace obs_sum;
  auto& s = into->sums;
  s[kCount] += sign;
  s[kTotalCost] += sign * ScaleToFixed(o.total_cost().value_or(0), kCostScale);
  if (!o.cost_details.empty()) {
    s[kInputCost] += sign * ScaleToFixed(SumKeysContaining(o.cost_details, "input"), kCostScale);
    s[kOutputCost] += sign * ScaleToFixed(SumKeysContaining(o.cost_details, "output"), kCostScale);
  }
  if (!o.usage_details.empty()) {
    s[kInputTokens] += sign * SumKeysContaining(o.usage_details, "input");
    s[kOutputTokens] += sign * SumKeysContaining(o.usage_details, "output");
    s[kTotalTokens] += sign * o.total_tokens().value_or(0);
    s[kCachedTokens] += sign * SumKeysContaining(o.usage_details, "cache");
    s[kReasoningTokens] += sign * SumKeysContaining(o.usage_details, "reasoning");
  }
  if (o.end_time_us) {
    int64_t latency = *o.end_time_us - o.start_time_us;
    s[kLatencyCount] += sign;
    s[kLatencySumUs] += sign * latency;
    into->sketches[kLatencySketch].Add(static_cast<double>(latency) / 1000.0, sign);
  }
  if (o.completion_start_time_us) {
    int64_t ttft = *o.completion_start_time_us - o.start_time_us;
    s[kTtftCount] += sign;
    s[kTtftSumUs] += sign * ttft;
    into->sketches[kTtftSketch].Add(static_cast<double>(ttft) / 1000.0, sign);
  }
}

Contribution ObservationContribution(const ObservationRecord& o) {
  Contribution c;
  c.table = RollupTable::kObservations;
  c.time_us = o.start_time_us;
  c.key = {o.environment, std::string(ObservationTypeName(o.type)), std::string(LevelName(o.level)),
           Opt(o.name), Opt(o.model)};
  c.values = RollupValues::For(c.table);
  AddObservationValues(o, 1, &c.values);
  return c;
}

Contribution ScoreContribution(const ScoreRecord& r) {
  using namespace score_sum;
  Contribution c;
  c.table = RollupTable::kScores;
  c.time_us = r.timestamp_us;
  // Numeric scores' string values would only split rows; categorical and boolean ones are
  // what the categorical charts count.
  std::optional<std::string> string_value;
  if (r.data_type != ScoreDataType::kNumeric) string_value = r.string_value;
  c.key = {r.environment, r.name, r.source, std::string(ScoreDataTypeName(r.data_type)),
           string_value};
  c.values = RollupValues::For(c.table);
  c.values.sums[kCount] = 1;
  c.values.sums[kValueSum] = ScaleToFixed(r.value, kScoreScale);
  c.values.sketches[kValueSketch].Add(r.value);
  return c;
}

void AddToTraceAggregate(TraceAggregate& a, int64_t start_us, std::optional<int64_t> end_us,
                         std::optional<double> total_cost, std::optional<int64_t> total_tokens) {
  a.observation_count += 1;
  a.total_cost += ScaleToFixed(total_cost.value_or(0), kCostScale);
  a.total_tokens += total_tokens.value_or(0);
  if (!a.min_start_us || start_us < *a.min_start_us) a.min_start_us = start_us;
  if (end_us && (!a.max_end_us || *end_us > *a.max_end_us)) a.max_end_us = end_us;
}

TraceDims TraceDimsOf(const TraceRecord& t) {
  TraceDims d;
  d.timestamp_us = t.timestamp_us;
  d.environment = t.environment;
  d.name = t.name;
  d.user_id = t.user_id;
  d.release = t.release;
  d.version = t.version;
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteStringArray(w, t.tags);
  d.tags_json.assign(buffer.GetString(), buffer.GetSize());
  return d;
}

std::vector<Contribution> TraceContributions(const TraceDims& d, const TraceAggregate& a) {
  using namespace trace_sum;
  Contribution traces;
  traces.table = RollupTable::kTraces;
  traces.time_us = d.timestamp_us;
  traces.key = {d.environment, d.name, d.release, d.version, d.tags_json};
  traces.values = RollupValues::For(traces.table);
  auto& s = traces.values.sums;
  s[kCount] = 1;
  s[kObservationCount] = a.observation_count;
  s[kTotalCost] = a.total_cost;
  s[kTotalTokens] = a.total_tokens;
  if (a.min_start_us && a.max_end_us) {
    int64_t latency = *a.max_end_us - *a.min_start_us;
    s[kLatencyCount] = 1;
    s[kLatencySumUs] = latency;
    traces.values.sketches[kLatencySketch].Add(static_cast<double>(latency) / 1000.0);
  }
  Contribution users = traces;
  users.table = RollupTable::kTraceUsers;
  users.key = {d.environment, d.user_id};
  return {std::move(traces), std::move(users)};
}

}  // namespace lanterne
