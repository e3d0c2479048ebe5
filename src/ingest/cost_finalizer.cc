#include "ingest/cost_finalizer.h"

#include "pricing/cost.h"
#include "tokenize/generation_tokens.h"

namespace lanterne {
namespace {

void ClearPricing(ObservationRecord& o) {
  o.model_id.reset();
  o.pricing_tier_id.reset();
  o.pricing_tier_name.reset();
  o.input_price.reset();
  o.output_price.reset();
  o.total_price.reset();
}

// Token counts when Langfuse would count: the model has a tokenizer, the client sent no
// usage and no cost, and the observation is not an error.
UsageMap CountedUsage(const ModelDefinition& model, const ObservationRecord& o) {
  UsageMap usage;
  if (o.level == Level::kError) return usage;
  std::optional<std::string_view> tokenizer_id, tokenizer_config;
  if (model.tokenizer_id) tokenizer_id = *model.tokenizer_id;
  if (model.tokenizer_config) tokenizer_config = *model.tokenizer_config;
  auto spec = TokenizerSpecFromModelDefinition(tokenizer_id, tokenizer_config);
  if (!spec) return usage;
  GenerationTokenCounts counts = CountGenerationTokens(*spec, o.input, o.output);
  if (counts.input) usage["input"] = *counts.input;
  if (counts.output) usage["output"] = *counts.output;
  if (counts.total) usage["total"] = *counts.total;
  return usage;
}

}  // namespace

void PriceObservation(ModelCatalog& catalog, const std::string& project_id, ObservationRecord& o) {
  // Start from what the client sent: values computed by an earlier merge are recomputed.
  if (o.usage_calculated) o.usage_details.clear();
  if (o.cost_calculated) o.cost_details.clear();
  o.usage_calculated = o.cost_calculated = false;
  ClearPricing(o);
  if (!o.model || o.model->empty()) return;

  auto matched = catalog.Match(project_id, *o.model);
  // A store error while loading the project's definitions prices nothing rather than
  // failing the write: the client's usage and cost are still stored.
  std::shared_ptr<const ModelDefinition> model = matched.ok() ? *matched : nullptr;

  if (model && o.usage_details.empty() && o.cost_details.empty()) {
    o.usage_details = CountedUsage(*model, o);
    o.usage_calculated = !o.usage_details.empty();
  }
  CostContext context;
  if (o.usage_unit) context.usage_unit = *o.usage_unit;
  if (o.model_parameters) context.model_parameters = *o.model_parameters;
  context.metadata = o.metadata;
  CostResult result = ComputeCost(model.get(), o.usage_details, o.cost_details, context);

  o.usage_details = std::move(result.usage);
  o.cost_details = std::move(result.cost);
  o.cost_calculated = !result.cost_provided && !o.cost_details.empty();
  o.model_id = std::move(result.model_id);
  o.pricing_tier_id = std::move(result.tier_id);
  o.pricing_tier_name = std::move(result.tier_name);
  o.input_price = result.input_price;
  o.output_price = result.output_price;
  o.total_price = result.total_price;
}

ObservationFinalizer MakeCostFinalizer(ModelCatalog& catalog) {
  return [&catalog](const std::string& project_id, ObservationRecord& observation) {
    PriceObservation(catalog, project_id, observation);
  };
}

}  // namespace lanterne
