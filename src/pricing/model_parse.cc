#include "pricing/model_parse.h"

#include <cmath>

#include "core/json.h"
#include "core/time.h"
#include "pricing/model_json.h"

namespace lanterne {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Status Invalid(std::string_view field, std::string_view what) {
  return Status::InvalidArgument(std::string(field) + ": " + std::string(what));
}

std::optional<element> Get(object obj, std::string_view key) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

Result<std::string> RequiredString(object obj, std::string_view key) {
  auto value = Get(obj, key);
  std::string_view text;
  if (!value || value->get_string().get(text) != simdjson::SUCCESS) {
    return Invalid(key, "expected a string");
  }
  if (text.empty()) return Invalid(key, "must not be empty");
  return std::string(text);
}

// An optional non-negative price; nullopt when absent or null.
Result<std::optional<double>> OptionalPrice(object obj, std::string_view key) {
  auto value = Get(obj, key);
  if (!value) return std::optional<double>();
  double price = 0;
  if (value->get_double().get(price) != simdjson::SUCCESS || !std::isfinite(price) || price < 0) {
    return Invalid(key, "expected a non-negative number");
  }
  return std::optional<double>(price);
}

}  // namespace

Result<ModelDefinition> ParseModelObject(object obj, const ModelParseOptions& options) {
  ModelDefinition model;
  auto name = RequiredString(obj, "modelName");
  if (!name.ok()) return name.status();
  model.model_name = std::move(name).value();
  auto pattern = RequiredString(obj, "matchPattern");
  if (!pattern.ok()) return pattern.status();
  model.match_pattern = std::move(pattern).value();

  if (auto start = Get(obj, "startDate")) {
    std::string_view text;
    std::optional<int64_t> us;
    if (start->get_string().get(text) == simdjson::SUCCESS) us = ParseLenientTimestamp(text);
    if (!us) return Invalid("startDate", "expected an ISO 8601 date or timestamp");
    model.start_date_us = us;
  }

  if (auto unit = Get(obj, "unit")) {
    std::string_view text;
    if (unit->get_string().get(text) != simdjson::SUCCESS || !IsModelUnit(text)) {
      return Invalid("unit",
                     "expected one of TOKENS, CHARACTERS, MILLISECONDS, SECONDS, IMAGES, REQUESTS");
    }
    model.unit = std::string(text);
  } else if (options.require_unit) {
    return Invalid("unit",
                   "required: one of TOKENS, CHARACTERS, MILLISECONDS, SECONDS, IMAGES, REQUESTS");
  }

  if (auto tokenizer = Get(obj, "tokenizerId")) {
    std::string_view text;
    if (tokenizer->get_string().get(text) != simdjson::SUCCESS ||
        (text != "openai" && text != "claude")) {
      return Invalid("tokenizerId", "expected openai or claude");
    }
    model.tokenizer_id = std::string(text);
  }
  if (auto config = Get(obj, "tokenizerConfig")) model.tokenizer_config = ToJsonText(*config);

  auto input = OptionalPrice(obj, "inputPrice");
  if (!input.ok()) return input.status();
  auto output = OptionalPrice(obj, "outputPrice");
  if (!output.ok()) return output.status();
  auto total = OptionalPrice(obj, "totalPrice");
  if (!total.ok()) return total.status();
  bool has_flat = input->has_value() || output->has_value() || total->has_value();

  auto tiers_value = Get(obj, "pricingTiers");
  simdjson::dom::array tiers_array;
  bool has_tiers = tiers_value && tiers_value->get_array().get(tiers_array) == simdjson::SUCCESS &&
                   tiers_array.size() > 0;
  if (tiers_value && !tiers_value->is_array()) return Invalid("pricingTiers", "expected an array");

  auto shorthand = options.allow_prices_shorthand ? Get(obj, "prices") : std::nullopt;
  int forms = int{has_flat} + int{has_tiers} + int{shorthand.has_value()};
  if (forms > 1) {
    return Invalid("pricingTiers",
                   "provide either flat prices (inputPrice/outputPrice/totalPrice) or "
                   "pricingTiers, not both");
  }
  if (forms == 0) {
    return Invalid("pricingTiers",
                   "provide either flat prices (inputPrice/outputPrice/totalPrice) or "
                   "pricingTiers");
  }

  if (has_tiers) {
    auto tiers = ParsePricingTiers(*tiers_value, "pricingTiers");
    if (!tiers.ok()) return tiers.status();
    model.pricing_tiers = std::move(tiers).value();
  } else {
    PricingTier standard;
    standard.name = "Standard";
    standard.is_default = true;
    if (shorthand) {
      auto prices = ParsePrices(*shorthand, "prices");
      if (!prices.ok()) return prices.status();
      standard.prices = std::move(prices).value();
    } else {
      if ((input->has_value() || output->has_value()) && total->has_value()) {
        return Invalid("totalPrice", "must be null when inputPrice or outputPrice is set");
      }
      if (*input) standard.prices["input"] = **input;
      if (*output) standard.prices["output"] = **output;
      if (*total) standard.prices["total"] = **total;
    }
    model.pricing_tiers.push_back(std::move(standard));
  }
  LANTERNE_RETURN_IF_ERROR(CompileModel(model));
  return model;
}

Result<ModelDefinition> ParseCreateModelBody(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  object obj;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("body: expected a JSON object");
  }
  return ParseModelObject(obj, ModelParseOptions{});
}

}  // namespace lanterne
