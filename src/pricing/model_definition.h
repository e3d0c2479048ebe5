// A model definition (LANGFUSE_API.md 8): which observation model names it matches and
// what each usage type costs, in one or more pricing tiers. Built-in definitions come from
// share/models.json (builtin_models.h); a project's own definitions from the store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace re2 {
class RE2;
}

namespace lanterne {

// The units a model can be priced in; the same names as the legacy `usage.unit`.
inline constexpr std::string_view kModelUnits[] = {"TOKENS",  "CHARACTERS", "MILLISECONDS",
                                                   "SECONDS", "IMAGES",     "REQUESTS"};
bool IsModelUnit(std::string_view unit);

// Holds when the sum of the usage types whose name matches `usage_detail_pattern` (a
// search, not anchored, as Langfuse's JavaScript RegExp.test) compares with `value`.
struct UsageCondition {
  std::string usage_detail_pattern;
  std::string op;  // gt, gte, lt, lte, eq, neq
  double value = 0;
  bool case_sensitive = false;
  std::shared_ptr<const re2::RE2> compiled;  // set by CompileModel
};

// Holds when the observation's model parameters (or metadata) have `key` at the top level
// with one of `values`. Langfuse's only operator for these is "in".
struct AttributeCondition {
  std::string source;  // model_parameters | metadata
  std::string key;
  std::vector<std::string> values;
};

using TierCondition = std::variant<UsageCondition, AttributeCondition>;

struct PricingTier {
  std::string id, name;
  bool is_default = false;
  int priority = 0;                       // non-default tiers are tried in ascending order
  std::vector<TierCondition> conditions;  // all must hold; empty on the default tier
  std::map<std::string, double> prices;   // usage type → USD per unit
};

struct ModelDefinition {
  std::string id;
  std::optional<std::string> project_id;  // none: built-in ("isLangfuseManaged")
  std::string model_name;
  std::string match_pattern;  // RE2 syntax, searched in the observation's model name
  std::optional<int64_t> start_date_us;
  std::optional<std::string> unit;              // one of kModelUnits
  std::optional<std::string> tokenizer_id;      // openai | claude
  std::optional<std::string> tokenizer_config;  // JSON object text, e.g. {"tokenizerModel":…}
  std::vector<PricingTier> pricing_tiers;       // exactly one is_default
  int64_t created_at_us = 0;
  std::shared_ptr<const re2::RE2> compiled_pattern;  // set by CompileModel

  bool is_builtin() const { return !project_id.has_value(); }
  // The default tier, or nullptr for a definition that has none (never once validated).
  const PricingTier* default_tier() const;
};

// Compiles a model match pattern. Matching is case-insensitive unless the pattern turns
// that off itself (`(?-i)`); Langfuse's patterns carry `(?i)` anyway. InvalidArgument
// names `field` when RE2 rejects the pattern.
Result<std::shared_ptr<const re2::RE2>> CompileMatchPattern(std::string_view pattern,
                                                            std::string_view field);

// Compiles the match pattern and every usage-condition pattern of `model`, so matching
// and cost computation never compile on the write path. Errors name the field.
Status CompileModel(ModelDefinition& model);

// True when the compiled pattern is found in `model_name` (Postgres `~` semantics: a
// search, so only `^…$` patterns are exact).
bool MatchesModelName(const ModelDefinition& model, std::string_view model_name);

// Langfuse's precedence among candidates: project definitions before built-in ones, then
// the newest start date (none counts as oldest), then the newest created.
bool MatchPrecedes(const ModelDefinition& a, const ModelDefinition& b);

}  // namespace lanterne
