#include "ingest/usage.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace lanterne {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::optional<int64_t> AsCount(element value) {
  int64_t i;
  uint64_t u;
  double d;
  std::string_view s;
  // Counts are non-negative integers (or integer strings); anything else is not a count.
  if (value.get_int64().get(i) == simdjson::SUCCESS) {
    return i >= 0 ? std::optional<int64_t>(i) : std::nullopt;
  }
  if (value.get_uint64().get(u) == simdjson::SUCCESS) return std::nullopt;  // beyond int64
  if (value.get_double().get(d) == simdjson::SUCCESS) {
    if (std::isfinite(d) && d >= 0 && d < 9e18 && std::floor(d) == d) {
      return static_cast<int64_t>(d);
    }
    return std::nullopt;
  }
  if (value.get_string().get(s) == simdjson::SUCCESS) {
    int64_t parsed;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
    if (ec == std::errc() && ptr == s.data() + s.size() && parsed >= 0) return parsed;
  }
  return std::nullopt;
}

// Totals saturate instead of overflowing: a hostile client cannot wrap them negative.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum)) return std::numeric_limits<int64_t>::max();
  return sum;
}

std::optional<double> AsNumber(element value) {
  double d;
  int64_t i;
  if (value.get_double().get(d) == simdjson::SUCCESS) return d;
  if (value.get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return std::nullopt;
}

bool HasKey(object obj, std::string_view key) {
  element v;
  return obj.at_key(key).get(v) == simdjson::SUCCESS && !v.is_null();
}

// OpenAI's usage objects nest details (cached, reasoning, audio tokens) that are part of
// the prompt/completion counts: they become their own keys and are taken out of the totals.
void ReadOpenAiUsage(object obj, std::string_view input_key, std::string_view output_key,
                     std::string_view input_details_key, std::string_view output_details_key,
                     UsageMap* usage) {
  int64_t input = 0, output = 0;
  element v;
  if (obj.at_key(input_key).get(v) == simdjson::SUCCESS) input = AsCount(v).value_or(0);
  if (obj.at_key(output_key).get(v) == simdjson::SUCCESS) output = AsCount(v).value_or(0);
  if (obj.at_key("total_tokens").get(v) == simdjson::SUCCESS) {
    if (auto total = AsCount(v)) (*usage)["total"] = *total;
  }
  auto read_details = [&](std::string_view key, std::string_view prefix, int64_t* base) {
    object details;
    if (obj.at_key(key).get_object().get(details) != simdjson::SUCCESS) return;
    for (auto field : details) {
      auto count = AsCount(field.value);
      if (!count || *count < 0) continue;
      (*usage)[std::string(prefix) + std::string(field.key)] = *count;
      *base = std::max<int64_t>(0, *base - *count);
    }
  };
  read_details(input_details_key, "input_", &input);
  read_details(output_details_key, "output_", &output);
  (*usage)["input"] = input;
  (*usage)["output"] = output;
}

}  // namespace

std::string NormalizeUsage(const UsageInput& in, UsageMap* usage, CostMap* cost,
                           std::optional<std::string>* unit) {
  UsageMap legacy;
  CostMap legacy_cost;
  if (in.usage && !in.usage->is_null()) {
    object obj;
    if (in.usage->get_object().get(obj) != simdjson::SUCCESS) {
      return "body.usage: expected an object";
    }
    auto take = [&](std::string_view key, std::string_view as) {
      element v;
      if (obj.at_key(key).get(v) != simdjson::SUCCESS || v.is_null()) return true;
      auto count = AsCount(v);
      if (!count) return false;
      legacy[std::string(as)] = *count;
      return true;
    };
    if (!take("input", "input") || !take("output", "output") || !take("total", "total") ||
        !take("promptTokens", "input") || !take("completionTokens", "output") ||
        !take("totalTokens", "total")) {
      return "body.usage: token counts must be non-negative integers";
    }
    std::string_view unit_text;
    if (obj.at_key("unit").get_string().get(unit_text) == simdjson::SUCCESS) {
      static constexpr std::string_view kUnits[] = {"CHARACTERS",   "TOKENS", "SECONDS",
                                                    "MILLISECONDS", "IMAGES", "REQUESTS"};
      if (std::find(std::begin(kUnits), std::end(kUnits), unit_text) == std::end(kUnits)) {
        return "body.usage.unit: expected one of CHARACTERS, TOKENS, SECONDS, MILLISECONDS, "
               "IMAGES, REQUESTS";
      }
      *unit = std::string(unit_text);
    } else if (HasKey(obj, "promptTokens") || HasKey(obj, "completionTokens")) {
      *unit = "TOKENS";
    }
    for (auto [key, as] : {std::pair{"inputCost", "input"}, std::pair{"outputCost", "output"},
                           std::pair{"totalCost", "total"}}) {
      element v;
      if (obj.at_key(key).get(v) != simdjson::SUCCESS || v.is_null()) continue;
      auto number = AsNumber(v);
      if (!number) return std::string("body.usage.") + key + ": expected a number";
      if (*number >= 0) legacy_cost[as] = *number;
    }
  }

  UsageMap details;
  if (in.usage_details && !in.usage_details->is_null()) {
    object obj;
    if (in.usage_details->get_object().get(obj) != simdjson::SUCCESS) {
      return "body.usageDetails: expected an object";
    }
    if (HasKey(obj, "prompt_tokens") && HasKey(obj, "completion_tokens")) {
      ReadOpenAiUsage(obj, "prompt_tokens", "completion_tokens", "prompt_tokens_details",
                      "completion_tokens_details", &details);
    } else if (HasKey(obj, "input_tokens") && HasKey(obj, "output_tokens") &&
               HasKey(obj, "total_tokens")) {
      ReadOpenAiUsage(obj, "input_tokens", "output_tokens", "input_tokens_details",
                      "output_tokens_details", &details);
    } else {
      for (auto field : obj) {
        auto count = AsCount(field.value);
        if (count && *count >= 0) details[std::string(field.key)] = *count;
      }
    }
  }

  CostMap cost_details;
  if (in.cost_details && !in.cost_details->is_null()) {
    object obj;
    if (in.cost_details->get_object().get(obj) != simdjson::SUCCESS) {
      return "body.costDetails: expected an object";
    }
    for (auto field : obj) {
      auto number = AsNumber(field.value);
      if (number && *number >= 0 && std::isfinite(*number)) {
        cost_details[std::string(field.key)] = *number;
      }
    }
  }

  *usage = legacy;
  if (details.empty() && !usage->empty() && !usage->contains("total") &&
      (usage->contains("input") || usage->contains("output"))) {
    int64_t input = usage->contains("input") ? usage->at("input") : 0;
    int64_t output = usage->contains("output") ? usage->at("output") : 0;
    (*usage)["total"] = SaturatingAdd(input, output);
  }
  for (auto& [key, value] : details) (*usage)[key] = value;
  if (!usage->empty() && !usage->contains("total")) {
    int64_t sum = 0;
    for (const auto& [key, value] : *usage) sum = SaturatingAdd(sum, value);
    (*usage)["total"] = sum;
  }
  *cost = legacy_cost;
  for (auto& [key, value] : cost_details) (*cost)[key] = value;
  return "";
}

}  // namespace lanterne
