#include "pricing/cost.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include <re2/re2.h>
#include <simdjson.h>

namespace lanterne {
namespace {

using Atto = __int128;  // 1e-18 USD: prices to 18 decimals, products of int64 usage exact
constexpr double kAttoPerUsd = 1e18;

// Fills `total` with the sum of the other keys, as Langfuse does when the client sent none.
UsageMap WithTotal(const UsageMap& usage) {
  UsageMap out = usage;
  if (out.empty() || out.contains("total")) return out;
  int64_t sum = 0;
  for (const auto& [key, units] : usage) {
    if (__builtin_add_overflow(sum, units, &sum)) sum = INT64_MAX;
  }
  out["total"] = sum;
  return out;
}

// Top-level values of a JSON object, parsed once per source when a condition needs them.
class Attributes {
 public:
  explicit Attributes(std::string_view json) : json_(json) {}

  // Strings compare as they are; numbers and booleans by their JSON text ("true", "0.7").
  std::optional<std::string> Get(const std::string& key) {
    if (!parsed_) Parse();
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  void Parse() {
    parsed_ = true;
    if (json_.empty()) return;
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(json_.data(), json_.size()).get_object().get(obj) != simdjson::SUCCESS) {
      return;
    }
    for (auto [key, value] : obj) {
      std::string_view text;
      if (value.get_string().get(text) == simdjson::SUCCESS) {
        values_.emplace(std::string(key), std::string(text));
      } else if (value.is_number() || value.is_bool()) {
        values_.emplace(std::string(key), simdjson::minify(value));
      }
    }
  }

  std::string_view json_;
  bool parsed_ = false;
  std::map<std::string, std::string> values_;
};

bool Compare(double sum, const std::string& op, double value) {
  if (op == "gt") return sum > value;
  if (op == "gte") return sum >= value;
  if (op == "lt") return sum < value;
  if (op == "lte") return sum <= value;
  if (op == "eq") return sum == value;
  if (op == "neq") return sum != value;
  return false;
}

bool Holds(const UsageCondition& c, const UsageMap& usage) {
  std::shared_ptr<const re2::RE2> re = c.compiled;
  if (!re) {
    // Not compiled ahead (a hand-built definition): compile now; a bad pattern never holds.
    re2::RE2::Options options;
    options.set_case_sensitive(c.case_sensitive);
    options.set_log_errors(false);
    re = std::make_shared<const re2::RE2>(c.usage_detail_pattern, options);
    if (!re->ok()) return false;
  }
  double sum = 0;
  for (const auto& [key, units] : usage) {
    if (re2::RE2::PartialMatch(key, *re)) sum += static_cast<double>(units);
  }
  return Compare(sum, c.op, c.value);
}

bool Holds(const AttributeCondition& c, Attributes& model_parameters, Attributes& metadata) {
  auto value = (c.source == "model_parameters" ? model_parameters : metadata).Get(c.key);
  return value && std::find(c.values.begin(), c.values.end(), *value) != c.values.end();
}

const PricingTier* SelectTier(const ModelDefinition& model, const UsageMap& usage,
                              const CostContext& context) {
  std::vector<const PricingTier*> candidates;
  for (const auto& tier : model.pricing_tiers) {
    if (!tier.is_default && !tier.conditions.empty()) candidates.push_back(&tier);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const PricingTier* a, const PricingTier* b) { return a->priority < b->priority; });
  Attributes model_parameters(context.model_parameters), metadata(context.metadata);
  for (const PricingTier* tier : candidates) {
    bool all = true;
    for (const auto& condition : tier->conditions) {
      if (const auto* u = std::get_if<UsageCondition>(&condition)) {
        all = Holds(*u, usage);
      } else {
        all = Holds(std::get<AttributeCondition>(condition), model_parameters, metadata);
      }
      if (!all) break;
    }
    if (all) return tier;
  }
  return model.default_tier();
}

// How a usage count converts into the model's priced unit: units × numerator / denominator.
struct UnitScale {
  int64_t numerator = 1, denominator = 1;
  bool convertible = true;
};

UnitScale ScaleFor(const ModelDefinition& model, std::optional<std::string_view> usage_unit) {
  if (!usage_unit || !model.unit || *usage_unit == *model.unit) return {};
  if (*usage_unit == "MILLISECONDS" && *model.unit == "SECONDS") return {1, 1000, true};
  if (*usage_unit == "SECONDS" && *model.unit == "MILLISECONDS") return {1000, 1, true};
  return {1, 1, false};
}

// The double nearest to an exact amount of atto-dollars: the decimal text is exact, and
// strtod rounds it correctly, so a cost prints as the decimal it is (0.0025, not
// 0.0025000000000000005).
double AttoToUsd(Atto atto) {
  bool negative = atto < 0;
  unsigned __int128 v = negative ? static_cast<unsigned __int128>(-atto) : atto;
  char digits[48];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  std::string text = negative ? "-" : "";
  while (n > 0) text += digits[--n];
  text += "e-18";
  return std::strtod(text.c_str(), nullptr);
}

// units × price × scale in atto-dollars; nullopt when it does not fit (absurd prices), so
// the caller falls back to floating point.
std::optional<Atto> ExactCost(int64_t units, double price, const UnitScale& scale) {
  double scaled = price * kAttoPerUsd;
  if (!(scaled >= 0) || scaled > 1e36) return std::nullopt;
  Atto unit_price = static_cast<Atto>(std::nearbyint(scaled));
  Atto cost = 0;
  if (__builtin_mul_overflow(static_cast<Atto>(units), unit_price, &cost) ||
      __builtin_mul_overflow(cost, static_cast<Atto>(scale.numerator), &cost)) {
    return std::nullopt;
  }
  // Round half up when converting milliseconds into seconds.
  if (scale.denominator != 1) cost = (cost + scale.denominator / 2) / scale.denominator;
  return cost;
}

void UseProvidedCost(const CostMap& provided, CostResult& result) {
  result.cost_provided = true;
  result.cost = provided;
  if (auto it = provided.find("total"); it != provided.end()) {
    result.total_cost = it->second;
    return;
  }
  bool only_input_output = std::all_of(provided.begin(), provided.end(), [](const auto& entry) {
    return entry.first == "input" || entry.first == "output";
  });
  if (!only_input_output) return;
  double total = 0;
  for (const auto& [key, cost] : provided) total += cost;
  result.total_cost = total;
  result.cost["total"] = total;
}

void ComputeFromPrices(const PricingTier& tier, const UnitScale& scale, CostResult& result) {
  std::map<std::string, Atto> exact;
  bool fits = true;
  for (const auto& [key, units] : result.usage) {
    auto price = tier.prices.find(key);
    if (price == tier.prices.end()) continue;
    auto cost = ExactCost(units, price->second, scale);
    if (!cost) fits = false;
    exact[key] = cost.value_or(0);
    // Kept in floating point too, for the absurd prices that do not fit in 128 bits.
    result.cost[key] = static_cast<double>(units) * price->second *
                       static_cast<double>(scale.numerator) /
                       static_cast<double>(scale.denominator);
  }
  if (result.cost.empty()) return;
  if (fits) {
    for (const auto& [key, atto] : exact) result.cost[key] = AttoToUsd(atto);
  }
  if (auto total = result.cost.find("total"); total != result.cost.end()) {
    result.total_cost = total->second;
    return;
  }
  if (fits) {
    Atto sum = 0;
    for (const auto& [key, atto] : exact) sum += atto;
    result.total_cost = AttoToUsd(sum);
  } else {
    double sum = 0;
    for (const auto& [key, cost] : result.cost) sum += cost;
    result.total_cost = sum;
  }
  result.cost["total"] = *result.total_cost;
}

std::optional<double> PriceOf(const PricingTier* tier, const char* type) {
  if (!tier) return std::nullopt;
  auto it = tier->prices.find(type);
  if (it == tier->prices.end()) return std::nullopt;
  return it->second;
}

}  // namespace

CostResult ComputeCost(const ModelDefinition* model, const UsageMap& usage,
                       const CostMap& provided_cost, const CostContext& context) {
  CostResult result;
  result.usage = WithTotal(usage);
  const PricingTier* tier = nullptr;
  UnitScale scale;
  if (model) {
    result.model_id = model->id;
    const PricingTier* default_tier = model->default_tier();
    result.input_price = PriceOf(default_tier, "input");
    result.output_price = PriceOf(default_tier, "output");
    result.total_price = PriceOf(default_tier, "total");
    if (!result.usage.empty()) tier = SelectTier(*model, result.usage, context);
    if (tier) {
      result.tier_id = tier->id;
      result.tier_name = tier->name;
      result.tier_prices = tier->prices;
    }
    scale = ScaleFor(*model, context.usage_unit);
  }
  if (!provided_cost.empty()) {
    UseProvidedCost(provided_cost, result);
    return result;
  }
  if (!tier) return result;
  if (!scale.convertible) {
    result.unit_mismatch = true;
    return result;
  }
  ComputeFromPrices(*tier, scale, result);
  return result;
}

}  // namespace lanterne
