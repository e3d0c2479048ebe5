#include "domain/records.h"

#include <array>
#include <utility>

namespace lanterne {
namespace {

constexpr std::array<std::pair<ObservationType, const char*>, 10> kObservationTypes = {{
    {ObservationType::kSpan, "SPAN"},
    {ObservationType::kGeneration, "GENERATION"},
    {ObservationType::kEvent, "EVENT"},
    {ObservationType::kAgent, "AGENT"},
    {ObservationType::kTool, "TOOL"},
    {ObservationType::kChain, "CHAIN"},
    {ObservationType::kRetriever, "RETRIEVER"},
    {ObservationType::kEvaluator, "EVALUATOR"},
    {ObservationType::kEmbedding, "EMBEDDING"},
    {ObservationType::kGuardrail, "GUARDRAIL"},
}};

constexpr std::array<std::pair<Level, const char*>, 4> kLevels = {{
    {Level::kDebug, "DEBUG"},
    {Level::kDefault, "DEFAULT"},
    {Level::kWarning, "WARNING"},
    {Level::kError, "ERROR"},
}};

constexpr std::array<std::pair<ScoreDataType, const char*>, 5> kScoreDataTypes = {{
    {ScoreDataType::kNumeric, "NUMERIC"},
    {ScoreDataType::kCategorical, "CATEGORICAL"},
    {ScoreDataType::kBoolean, "BOOLEAN"},
    {ScoreDataType::kText, "TEXT"},
    {ScoreDataType::kCorrection, "CORRECTION"},
}};

template <typename E, size_t N>
const char* NameOf(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::pair<E, const char*>, N>& table,
                        std::string_view name) {
  for (const auto& [e, n] : table) {
    if (name == n) return e;
  }
  return std::nullopt;
}

}  // namespace

const char* ObservationTypeName(ObservationType type) { return NameOf(kObservationTypes, type); }
std::optional<ObservationType> ParseObservationType(std::string_view name) {
  return Lookup(kObservationTypes, name);
}
const char* LevelName(Level level) { return NameOf(kLevels, level); }
std::optional<Level> ParseLevel(std::string_view name) { return Lookup(kLevels, name); }
const char* ScoreDataTypeName(ScoreDataType type) { return NameOf(kScoreDataTypes, type); }
std::optional<ScoreDataType> ParseScoreDataType(std::string_view name) {
  return Lookup(kScoreDataTypes, name);
}

std::optional<int64_t> ObservationRecord::total_tokens() const {
  if (usage_details.empty()) return std::nullopt;
  auto it = usage_details.find("total");
  if (it != usage_details.end()) return it->second;
  int64_t sum = 0;
  for (const auto& [key, value] : usage_details) sum += value;
  return sum;
}

std::optional<double> ObservationRecord::total_cost() const {
  if (cost_details.empty()) return std::nullopt;
  auto it = cost_details.find("total");
  if (it != cost_details.end()) return it->second;
  double sum = 0;
  for (const auto& [key, value] : cost_details) sum += value;
  return sum;
}

}  // namespace lanterne
