// Reading a model definition from JSON: the body of POST /api/public/models (LANGFUSE_API.md
// 8.1), and one entry of the built-in price list (share/models.json), which shares its
// field names and adds a `prices` shorthand for a single "Standard" tier.
#pragma once

#include <string_view>

#include <simdjson.h>

#include "core/status.h"
#include "pricing/model_definition.h"

namespace lanterne {

struct ModelParseOptions {
  bool require_unit = true;             // Langfuse's server schema requires `unit` on create
  bool allow_prices_shorthand = false;  // `prices: {type: price}` as the one default tier
};

// Reads modelName, matchPattern, startDate, unit, tokenizerId, tokenizerConfig and the
// prices: flat inputPrice/outputPrice/totalPrice (a "Standard" tier; totalPrice only without
// the other two) or pricingTiers, not both and not neither. The result is compiled
// (CompileModel). Tier ids left empty; id, project and creation time are the caller's.
// Errors are InvalidArgument naming the field (`matchPattern: invalid regular expression…`).
Result<ModelDefinition> ParseModelObject(simdjson::dom::object obj,
                                         const ModelParseOptions& options);

// The body of POST /api/public/models.
Result<ModelDefinition> ParseCreateModelBody(std::string_view body);

}  // namespace lanterne
