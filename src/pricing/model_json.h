// Model definitions as JSON, in Langfuse's shapes: the Model object of GET /models, and
// pricing tiers as the API takes and returns them (also how the store keeps them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "core/json.h"
#include "core/status.h"
#include "pricing/model_definition.h"

namespace lanterne {

// Reads and validates a `pricingTiers` array with Langfuse's rules: exactly one default
// tier, with priority 0 and no conditions; every other tier has conditions; unique names
// and priorities; at least one non-negative price per tier; every tier prices the same
// usage types as the default one. Tier ids are read when present (else left empty).
// Errors are InvalidArgument naming the field, under `field` (e.g. "pricingTiers").
Result<std::vector<PricingTier>> ParsePricingTiers(simdjson::dom::element tiers,
                                                   std::string_view field);

// Reads a `prices` object (usage type → non-negative number, at least one).
Result<std::map<std::string, double>> ParsePrices(simdjson::dom::element prices,
                                                  std::string_view field);

// The stored form of pricing tiers: the same JSON as the API returns.
std::string PricingTiersToJson(const std::vector<PricingTier>& tiers);
Result<std::vector<PricingTier>> PricingTiersFromJson(std::string_view json);

// Langfuse's Model object: id, modelName, matchPattern, startDate, unit, inputPrice,
// outputPrice, totalPrice (from the default tier), tokenizerId, tokenizerConfig,
// isLangfuseManaged, createdAt, prices {type: {price}}, pricingTiers.
void WriteModelJson(JsonWriter& w, const ModelDefinition& model);

}  // namespace lanterne
