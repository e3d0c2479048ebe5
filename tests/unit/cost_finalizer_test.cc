// Pricing a merged observation: what the client sent wins, what the server computed is
// recomputed after every merge (LANGFUSE_API.md 8.3).
#include "ingest/cost_finalizer.h"

#include <gtest/gtest.h>

#include "domain/merge.h"
#include "pricing/builtin_models.h"

namespace lanterne {
namespace {

constexpr char kModels[] = R"({
  "prices_as_of": "2025-11-30",
  "models": [{
    "id": "builtin-gpt-4o", "modelName": "gpt-4o", "matchPattern": "(?i)^(openai/)?gpt-4o$",
    "tokenizerId": "openai",
    "tokenizerConfig": {"tokenizerModel": "gpt-4o", "tokensPerMessage": 3, "tokensPerName": 1},
    "prices": {"input": 2.5e-06, "input_cached_tokens": 1.25e-06, "output": 1e-05}
  }]
})";

class CostFinalizerTest : public ::testing::Test {
 protected:
  CostFinalizerTest() : catalog_(nullptr, *ParseBuiltinModels(kModels)) {}

  ObservationRecord Generation(std::optional<std::string> model) {
    ObservationRecord o;
    o.id = "g1";
    o.type = ObservationType::kGeneration;
    o.model = std::move(model);
    return o;
  }

  void Merge(ObservationRecord& o, const ObservationPatch& patch) {
    ApplyObservationPatch(o, patch, 0, false, 0);
    PriceObservation(catalog_, "p", o);
  }

  ModelCatalog catalog_;
};

TEST_F(CostFinalizerTest, UsageIsPricedPerTypeAndInTotal) {
  ObservationRecord o = Generation("openai/gpt-4o");
  o.usage_details = {{"input", 1000}, {"input_cached_tokens", 400}, {"output", 200}};
  PriceObservation(catalog_, "p", o);
  EXPECT_DOUBLE_EQ(o.cost_details.at("input"), 0.0025);
  EXPECT_DOUBLE_EQ(o.cost_details.at("input_cached_tokens"), 0.0005);
  EXPECT_DOUBLE_EQ(o.cost_details.at("output"), 0.002);
  EXPECT_DOUBLE_EQ(*o.total_cost(), 0.005);
  EXPECT_EQ(o.usage_details.at("total"), 1600);
  EXPECT_EQ(o.model_id, "builtin-gpt-4o");
  EXPECT_EQ(o.input_price, 2.5e-06);
  EXPECT_TRUE(o.cost_calculated);
  EXPECT_FALSE(o.usage_calculated);
}

TEST_F(CostFinalizerTest, ComputedCostIsRecomputedWhenUsageChanges) {
  ObservationRecord o = Generation("gpt-4o");
  o.usage_details = {{"input", 1000}};
  PriceObservation(catalog_, "p", o);
  EXPECT_DOUBLE_EQ(*o.total_cost(), 0.0025);
  ObservationPatch update;
  update.id = "g1";
  update.is_update = true;
  update.usage_details = {{"input", 2000}, {"output", 100}};
  Merge(o, update);
  // Had the first cost been kept as if the client had sent it, this would still be 0.0025.
  EXPECT_DOUBLE_EQ(*o.total_cost(), 0.005 + 0.001);
}

TEST_F(CostFinalizerTest, ClientCostsWinAndStayAcrossMerges) {
  ObservationRecord o = Generation("gpt-4o");
  o.usage_details = {{"input", 1000}};
  o.cost_details = {{"total", 9.5}};
  PriceObservation(catalog_, "p", o);
  EXPECT_DOUBLE_EQ(*o.total_cost(), 9.5);
  EXPECT_FALSE(o.cost_calculated);
  ObservationPatch update;
  update.id = "g1";
  update.is_update = true;
  update.usage_details = {{"input", 5}};
  Merge(o, update);
  EXPECT_DOUBLE_EQ(*o.total_cost(), 9.5);
}

TEST_F(CostFinalizerTest, TokenizedUsageGivesWayToUsageSentLater) {
  ObservationRecord o = Generation("gpt-4o");
  o.input = R"([{"role":"user","content":"Hello, how are you today?"}])";
  o.output = R"("I am fine, thank you!")";
  PriceObservation(catalog_, "p", o);
  EXPECT_EQ(o.usage_details, (UsageMap{{"input", 14}, {"output", 7}, {"total", 21}}));
  EXPECT_TRUE(o.usage_calculated);
  ObservationPatch update;
  update.id = "g1";
  update.is_update = true;
  update.usage_details = {{"input", 100}, {"output", 10}};
  Merge(o, update);
  EXPECT_EQ(o.usage_details, (UsageMap{{"input", 100}, {"output", 10}, {"total", 110}}));
  EXPECT_FALSE(o.usage_calculated);
  EXPECT_DOUBLE_EQ(*o.total_cost(), 100 * 2.5e-06 + 10 * 1e-05);
}

TEST_F(CostFinalizerTest, ErrorsAreNotTokenized) {
  ObservationRecord o = Generation("gpt-4o");
  o.level = Level::kError;
  o.input = R"("hello")";
  PriceObservation(catalog_, "p", o);
  EXPECT_TRUE(o.usage_details.empty());
  EXPECT_FALSE(o.total_cost());
}

TEST_F(CostFinalizerTest, UnknownOrMissingModelClearsWhatWasComputed) {
  ObservationRecord o = Generation("gpt-4o");
  o.usage_details = {{"input", 1000}};
  PriceObservation(catalog_, "p", o);
  ASSERT_TRUE(o.model_id);
  ObservationPatch rename;
  rename.id = "g1";
  rename.is_update = true;
  rename.model.Set("in-house-llm");
  Merge(o, rename);
  EXPECT_FALSE(o.model_id);
  EXPECT_FALSE(o.input_price);
  EXPECT_TRUE(o.cost_details.empty());
  EXPECT_EQ(o.usage_details.at("input"), 1000);  // the client's usage stays
}

}  // namespace
}  // namespace lanterne
