// Usage and cost normalization (LANGFUSE_API.md 3.4): the legacy `usage` object, OpenAI
// Chat Completions and Responses usage objects, or any map of usage types to counts, all
// become one map of usage type → units, and one map of usage type → cost.
#pragma once

#include <optional>
#include <string>

#include <simdjson.h>

#include "domain/records.h"

namespace lanterne {

struct UsageInput {
  std::optional<simdjson::dom::element> usage;          // legacy `usage`
  std::optional<simdjson::dom::element> usage_details;  // `usageDetails`
  std::optional<simdjson::dom::element> cost_details;   // `costDetails`
};

// Fills `usage` and `cost` (left empty when nothing was provided) and the legacy unit.
// Returns an error message naming the field, or "" on success.
std::string NormalizeUsage(const UsageInput& in, UsageMap* usage, CostMap* cost,
                           std::optional<std::string>* unit);

}  // namespace lanterne
