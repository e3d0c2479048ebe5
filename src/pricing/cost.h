// Usage and cost of one observation from its matched model (LANGFUSE_API.md 8.3, steps
// 2–5). A pure function: no store, no catalog, no clock; the caller matches the model
// (ModelCatalog::Match) and, when usage is empty and the model has a tokenizer, counts
// tokens (step 1) before calling it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/records.h"
#include "pricing/model_definition.h"

namespace lanterne {

// What tier conditions and unit conversion read besides usage and cost.
struct CostContext {
  // The legacy `usage.unit` the client sent (TOKENS, CHARACTERS, …), when it sent one.
  std::optional<std::string_view> usage_unit;
  // The observation's modelParameters and metadata as JSON object text ("" = none): tier
  // attribute conditions look up top-level keys there.
  std::string_view model_parameters;
  std::string_view metadata;
};

struct CostResult {
  UsageMap usage;  // the input usage with `total` = sum of the others when it was missing
  CostMap cost;    // costDetails: the provided costs as-is, or the computed ones; `total`
                   // filled in when it is known
  std::optional<double> total_cost;               // totalCost / calculatedTotalCost
  std::optional<std::string> model_id;            // internalModelId (modelId on reads)
  std::optional<std::string> tier_id, tier_name;  // usagePricingTierId / usagePricingTierName
  std::map<std::string, double> tier_prices;      // unit prices of the tier applied
  // The default tier's input/output/total prices: what Langfuse shows as an observation's
  // inputPrice/outputPrice/totalPrice (LANGFUSE_API.md 5.2), whichever tier applied.
  std::optional<double> input_price, output_price, total_price;
  bool cost_provided = false;  // the client sent costs, and they were used as they are
  // The model is priced in another unit than the client's usage.unit and the two cannot be
  // converted (only MILLISECONDS ↔ SECONDS can): no cost is inferred.
  bool unit_mismatch = false;
};

// `model` is the matched definition, or nullptr when none matched.
// - usage: `total` = sum of the other keys when missing (and usage is not empty);
// - tier: with usage, the first non-default tier by ascending priority whose conditions
//   all hold, else the default tier;
// - cost: provided costs win as they are (total = provided `total`, else input + output
//   when only those two were sent, else none). Otherwise each usage type with a price of
//   the same name costs units × price; total = the `total` type's cost when priced, else
//   the sum. Types without a price cost nothing.
// Arithmetic is exact decimal (integer atto-dollars, 1e-18 USD), rounded once to the
// nearest double at the end, so 1000 × 0.0000025 is 0.0025 and sums do not drift.
CostResult ComputeCost(const ModelDefinition* model, const UsageMap& usage,
                       const CostMap& provided_cost, const CostContext& context = {});

}  // namespace lanterne
