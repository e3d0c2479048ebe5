#include "pricing/model_definition.h"

#include <re2/re2.h>

namespace lanterne {

bool IsModelUnit(std::string_view unit) {
  for (std::string_view known : kModelUnits) {
    if (unit == known) return true;
  }
  return false;
}

const PricingTier* ModelDefinition::default_tier() const {
  for (const auto& tier : pricing_tiers) {
    if (tier.is_default) return &tier;
  }
  return nullptr;
}

namespace {

// RE2 bounds its own memory; a pattern this long is a mistake, not a model name.
constexpr size_t kMaxPatternLength = 2000;

Result<std::shared_ptr<const re2::RE2>> Compile(std::string_view pattern, std::string_view field,
                                                bool case_sensitive) {
  if (pattern.empty()) return Status::InvalidArgument(std::string(field) + ": must not be empty");
  if (pattern.size() > kMaxPatternLength) {
    return Status::InvalidArgument(std::string(field) + ": longer than " +
                                   std::to_string(kMaxPatternLength) + " characters");
  }
  re2::RE2::Options options;
  options.set_case_sensitive(case_sensitive);
  options.set_log_errors(false);
  auto re =
      std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) {
    return Status::InvalidArgument(std::string(field) + ": invalid regular expression (" +
                                   re->error() + ")");
  }
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

}  // namespace

Result<std::shared_ptr<const re2::RE2>> CompileMatchPattern(std::string_view pattern,
                                                            std::string_view field) {
  return Compile(pattern, field, /*case_sensitive=*/false);
}

Status CompileModel(ModelDefinition& model) {
  auto pattern = CompileMatchPattern(model.match_pattern, "matchPattern");
  if (!pattern.ok()) return pattern.status();
  model.compiled_pattern = std::move(pattern).value();
  for (size_t t = 0; t < model.pricing_tiers.size(); ++t) {
    auto& conditions = model.pricing_tiers[t].conditions;
    for (size_t c = 0; c < conditions.size(); ++c) {
      auto* usage = std::get_if<UsageCondition>(&conditions[c]);
      if (!usage) continue;
      std::string field = "pricingTiers[" + std::to_string(t) + "].conditions[" +
                          std::to_string(c) + "].usageDetailPattern";
      auto re = Compile(usage->usage_detail_pattern, field, usage->case_sensitive);
      if (!re.ok()) return re.status();
      usage->compiled = std::move(re).value();
    }
  }
  return Status::Ok();
}

bool MatchesModelName(const ModelDefinition& model, std::string_view model_name) {
  if (!model.compiled_pattern) return false;
  return re2::RE2::PartialMatch(re2::StringPiece(model_name.data(), model_name.size()),
                                *model.compiled_pattern);
}

bool MatchPrecedes(const ModelDefinition& a, const ModelDefinition& b) {
  if (a.is_builtin() != b.is_builtin()) return !a.is_builtin();
  if (a.start_date_us != b.start_date_us) {
    if (!a.start_date_us) return false;
    if (!b.start_date_us) return true;
    return *a.start_date_us > *b.start_date_us;
  }
  return a.created_at_us > b.created_at_us;
}

}  // namespace lanterne
