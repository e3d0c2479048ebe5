// Cost computation (pricing/cost.h): tiers, cached tokens, provided costs, units, and
// decimal exactness.
#include <gtest/gtest.h>

#include "pricing/cost.h"

namespace lanterne {
namespace {

PricingTier Tier(std::string name, std::map<std::string, double> prices, bool is_default = false,
                 int priority = 0, std::vector<TierCondition> conditions = {}) {
  PricingTier tier;
  tier.id = "tier-" + name;
  tier.name = std::move(name);
  tier.is_default = is_default;
  tier.priority = priority;
  tier.conditions = std::move(conditions);
  tier.prices = std::move(prices);
  return tier;
}

ModelDefinition Model(std::vector<PricingTier> tiers, std::optional<std::string> unit = "TOKENS") {
  ModelDefinition m;
  m.id = "model-1";
  m.model_name = "test";
  m.match_pattern = "(?i)^test$";
  m.unit = std::move(unit);
  m.pricing_tiers = std::move(tiers);
  EXPECT_TRUE(CompileModel(m).ok());
  return m;
}

ModelDefinition Gpt4o() {
  return Model({Tier(
      "Standard", {{"input", 2.5e-6}, {"input_cached_tokens", 1.25e-6}, {"output", 1e-5}}, true)});
}

UsageCondition Usage(std::string pattern, std::string op, double value) {
  UsageCondition c;
  c.usage_detail_pattern = std::move(pattern);
  c.op = std::move(op);
  c.value = value;
  return c;
}

AttributeCondition Attribute(std::string source, std::string key, std::vector<std::string> values) {
  return AttributeCondition{std::move(source), std::move(key), std::move(values)};
}

TEST(ComputeCost, PricesEachUsageTypeAndSumsTheTotal) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"input", 1000}, {"output", 500}}, {});
  EXPECT_EQ(r.usage.at("total"), 1500);
  EXPECT_EQ(r.cost.at("input"), 0.0025);
  EXPECT_EQ(r.cost.at("output"), 0.005);
  EXPECT_EQ(r.cost.at("total"), 0.0075);
  EXPECT_EQ(r.total_cost, 0.0075);
  EXPECT_EQ(r.model_id, "model-1");
  EXPECT_EQ(r.tier_name, "Standard");
  EXPECT_EQ(r.tier_id, "tier-Standard");
  EXPECT_EQ(r.input_price, 2.5e-6);
  EXPECT_EQ(r.output_price, 1e-5);
  EXPECT_FALSE(r.total_price.has_value());
  EXPECT_FALSE(r.cost_provided);
}

TEST(ComputeCost, CachedTokensAtTheirOwnPrice) {
  // OpenAI usage normalized: prompt 1200 of which 1000 cached → input 200 + cached 1000.
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"input", 200}, {"input_cached_tokens", 1000}, {"output", 100}}, {});
  EXPECT_EQ(r.cost.at("input"), 0.0005);
  EXPECT_EQ(r.cost.at("input_cached_tokens"), 0.00125);
  EXPECT_EQ(r.cost.at("output"), 0.001);
  EXPECT_EQ(r.total_cost, 0.00275);
  EXPECT_EQ(r.usage.at("total"), 1300);
}

TEST(ComputeCost, UnpricedUsageTypesCostNothing) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"input", 10}, {"output_reasoning_tokens", 50}, {"total", 60}}, {});
  EXPECT_EQ(r.cost.count("output_reasoning_tokens"), 0u);
  EXPECT_EQ(r.cost.at("input"), 0.000025);
  EXPECT_EQ(r.total_cost, 0.000025);
  EXPECT_EQ(r.usage.at("total"), 60);  // a sent total is kept
}

TEST(ComputeCost, NoPricedTypeMeansNoCost) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"images", 3}}, {});
  EXPECT_TRUE(r.cost.empty());
  EXPECT_FALSE(r.total_cost.has_value());
  EXPECT_EQ(r.model_id, "model-1");
}

TEST(ComputeCost, TotalPriceIsTheTotal) {
  ModelDefinition m = Model({Tier("Standard", {{"total", 2e-8}}, true)});
  auto r = ComputeCost(&m, {{"input", 5000}}, {});
  EXPECT_EQ(r.usage.at("total"), 5000);
  EXPECT_EQ(r.cost.at("total"), 0.0001);
  EXPECT_EQ(r.total_cost, 0.0001);
  EXPECT_EQ(r.cost.count("input"), 0u);
  EXPECT_EQ(r.total_price, 2e-8);
}

TEST(ComputeCost, WithoutModelOnlyUsageIsCompleted) {
  auto r = ComputeCost(nullptr, {{"input", 3}, {"output", 4}}, {});
  EXPECT_EQ(r.usage.at("total"), 7);
  EXPECT_TRUE(r.cost.empty());
  EXPECT_FALSE(r.model_id.has_value());
  EXPECT_FALSE(r.total_cost.has_value());
}

TEST(ComputeCost, EmptyUsageStaysEmptyAndPicksNoTier) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {}, {});
  EXPECT_TRUE(r.usage.empty());
  EXPECT_FALSE(r.tier_id.has_value());
  EXPECT_FALSE(r.total_cost.has_value());
  EXPECT_EQ(r.input_price, 2.5e-6);  // the model's prices still show
}

TEST(ComputeCost, ProvidedCostWinsAsIs) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"input", 1000}, {"output", 500}}, {{"input", 1.0}, {"output", 2.0}});
  EXPECT_TRUE(r.cost_provided);
  EXPECT_EQ(r.cost.at("input"), 1.0);
  EXPECT_EQ(r.cost.at("output"), 2.0);
  EXPECT_EQ(r.cost.at("total"), 3.0);
  EXPECT_EQ(r.total_cost, 3.0);
  EXPECT_EQ(r.model_id, "model-1");  // still recorded

  auto total = ComputeCost(&m, {{"input", 1}}, {{"input", 1.0}, {"total", 5.0}});
  EXPECT_EQ(total.total_cost, 5.0);

  // Other keys without a total: nothing is inferred, as Langfuse does.
  auto other = ComputeCost(&m, {{"input", 1}}, {{"input", 1.0}, {"input_cached_tokens", 0.5}});
  EXPECT_FALSE(other.total_cost.has_value());
  EXPECT_EQ(other.cost.count("total"), 0u);
  EXPECT_EQ(other.cost.size(), 2u);

  auto without_model = ComputeCost(nullptr, {}, {{"total", 0.25}});
  EXPECT_EQ(without_model.total_cost, 0.25);
}

TEST(ComputeCost, DecimalExactnessOverManyTokens) {
  // 0.1 + 0.2 != 0.3 in binary floating point; the sum of atto-dollars is exact.
  ModelDefinition m = Model({Tier("Standard", {{"a", 1e-7}, {"b", 2e-7}}, true)});
  auto r = ComputeCost(&m, {{"a", 1000000}, {"b", 1000000}}, {});
  EXPECT_EQ(r.cost.at("a"), 0.1);
  EXPECT_EQ(r.cost.at("b"), 0.2);
  EXPECT_EQ(r.total_cost, 0.3);
  // Prices with many decimals (claude-instant-1 era: 1.63e-6).
  ModelDefinition odd = Model({Tier("Standard", {{"input", 1.63e-6}, {"output", 5.51e-6}}, true)});
  auto o = ComputeCost(&odd, {{"input", 123457}, {"output", 7}}, {});
  EXPECT_EQ(o.cost.at("input"), 0.20123491);
  EXPECT_EQ(o.cost.at("output"), 0.00003857);
  EXPECT_EQ(o.total_cost, 0.20127348);
}

TEST(ComputeCost, UsageConditionSelectsTier) {
  std::vector<TierCondition> large = {Usage("input", "gt", 200000)};
  ModelDefinition m =
      Model({Tier("Standard", {{"input", 3e-6}, {"output", 1.5e-5}}, true),
             Tier("Large Context", {{"input", 6e-6}, {"output", 2.25e-5}}, false, 1, large)});
  auto small = ComputeCost(&m, {{"input", 1000}, {"output", 10}}, {});
  EXPECT_EQ(small.tier_name, "Standard");
  // The condition sums every matching key: 150k input + 60k cache reads is over 200k.
  auto big = ComputeCost(&m, {{"input", 150000}, {"cache_read_input_tokens", 60000}}, {});
  EXPECT_EQ(big.tier_name, "Large Context");
  EXPECT_EQ(big.tier_id, "tier-Large Context");
  EXPECT_EQ(big.cost.at("input"), 0.9);
  EXPECT_EQ(big.tier_prices.at("input"), 6e-6);
  // The observation shows the default tier's prices, as Langfuse does.
  EXPECT_EQ(big.input_price, 3e-6);
}

TEST(ComputeCost, TiersAreTriedByPriority) {
  ModelDefinition m =
      Model({Tier("Standard", {{"input", 1e-6}}, true),
             Tier("Over 100", {{"input", 2e-6}}, false, 2, {Usage("^input$", "gte", 100)}),
             Tier("Over 10", {{"input", 3e-6}}, false, 1, {Usage("^input$", "gte", 10)})});
  EXPECT_EQ(ComputeCost(&m, {{"input", 500}}, {}).tier_name, "Over 10");
  EXPECT_EQ(ComputeCost(&m, {{"input", 5}}, {}).tier_name, "Standard");
}

TEST(ComputeCost, UsageConditionOperatorsAndCase) {
  auto tier_for = [](UsageCondition c, const UsageMap& usage) {
    ModelDefinition m = Model({Tier("Standard", {{"input", 1e-6}}, true),
                               Tier("Special", {{"input", 2e-6}}, false, 1, {c})});
    return *ComputeCost(&m, usage, {}).tier_name;
  };
  EXPECT_EQ(tier_for(Usage("^input$", "eq", 5), {{"input", 5}}), "Special");
  EXPECT_EQ(tier_for(Usage("^input$", "neq", 5), {{"input", 5}}), "Standard");
  EXPECT_EQ(tier_for(Usage("^input$", "lt", 5), {{"input", 4}}), "Special");
  EXPECT_EQ(tier_for(Usage("^input$", "lte", 5), {{"input", 6}}), "Standard");
  EXPECT_EQ(tier_for(Usage("^INPUT$", "gte", 1), {{"input", 1}}), "Special");  // case-insensitive
  UsageCondition sensitive = Usage("^INPUT$", "gte", 1);
  sensitive.case_sensitive = true;
  EXPECT_EQ(tier_for(sensitive, {{"input", 1}}), "Standard");
  // No matching key sums to 0.
  EXPECT_EQ(tier_for(Usage("^audio", "eq", 0), {{"input", 1}}), "Special");
}

TEST(ComputeCost, AttributeConditionsReadModelParametersAndMetadata) {
  ModelDefinition m = Model(
      {Tier("Standard", {{"input", 1e-6}}, true),
       Tier("Priority", {{"input", 2e-6}}, false, 1,
            {Attribute("model_parameters", "service_tier", {"priority", "fast"})}),
       Tier("Batch", {{"input", 5e-7}}, false, 2, {Attribute("metadata", "batch", {"true"})})});
  UsageMap usage = {{"input", 1000}};
  CostContext priority;
  priority.model_parameters = R"({"service_tier":"priority","temperature":0.2})";
  EXPECT_EQ(ComputeCost(&m, usage, {}, priority).tier_name, "Priority");
  EXPECT_EQ(ComputeCost(&m, usage, {}, priority).cost.at("input"), 0.002);
  CostContext other;
  other.model_parameters = R"({"service_tier":"default"})";
  EXPECT_EQ(ComputeCost(&m, usage, {}, other).tier_name, "Standard");
  CostContext batch;
  batch.metadata = R"({"batch":true})";  // a boolean compares by its JSON text
  EXPECT_EQ(ComputeCost(&m, usage, {}, batch).tier_name, "Batch");
  CostContext nested;  // only top-level keys count
  nested.model_parameters = R"({"options":{"service_tier":"priority"}})";
  EXPECT_EQ(ComputeCost(&m, usage, {}, nested).tier_name, "Standard");
  CostContext broken;
  broken.model_parameters = "not json";
  EXPECT_EQ(ComputeCost(&m, usage, {}, broken).tier_name, "Standard");
}

TEST(ComputeCost, ConditionsAreAllRequired) {
  ModelDefinition m =
      Model({Tier("Standard", {{"input", 1e-6}}, true),
             Tier("Both", {{"input", 2e-6}}, false, 1,
                  {Usage("^input$", "gt", 10), Attribute("metadata", "region", {"eu"})})});
  CostContext eu;
  eu.metadata = R"({"region":"eu"})";
  EXPECT_EQ(ComputeCost(&m, {{"input", 11}}, {}, eu).tier_name, "Both");
  EXPECT_EQ(ComputeCost(&m, {{"input", 9}}, {}, eu).tier_name, "Standard");
  EXPECT_EQ(ComputeCost(&m, {{"input", 11}}, {}).tier_name, "Standard");
}

TEST(ComputeCost, UnitsConvertBetweenMillisecondsAndSeconds) {
  ModelDefinition per_second = Model({Tier("Standard", {{"total", 1e-4}}, true)}, "SECONDS");
  CostContext ms;
  ms.usage_unit = "MILLISECONDS";
  auto r = ComputeCost(&per_second, {{"total", 90500}}, {}, ms);  // 90.5 s
  EXPECT_EQ(r.total_cost, 0.00905);
  EXPECT_EQ(r.usage.at("total"), 90500);  // usage stays in the client's unit

  ModelDefinition per_ms = Model({Tier("Standard", {{"total", 1e-7}}, true)}, "MILLISECONDS");
  CostContext s;
  s.usage_unit = "SECONDS";
  EXPECT_EQ(ComputeCost(&per_ms, {{"total", 3}}, {}, s).total_cost, 0.0003);
}

TEST(ComputeCost, IncompatibleUnitsInferNoCost) {
  ModelDefinition per_token = Gpt4o();
  CostContext chars;
  chars.usage_unit = "CHARACTERS";
  auto r = ComputeCost(&per_token, {{"input", 1000}}, {}, chars);
  EXPECT_TRUE(r.unit_mismatch);
  EXPECT_TRUE(r.cost.empty());
  EXPECT_FALSE(r.total_cost.has_value());
  EXPECT_EQ(r.model_id, "model-1");
  // Same unit, or no unit on either side: priced.
  CostContext tokens;
  tokens.usage_unit = "TOKENS";
  EXPECT_EQ(ComputeCost(&per_token, {{"input", 1000}}, {}, tokens).total_cost, 0.0025);
  ModelDefinition unitless = Model({Tier("Standard", {{"input", 1e-6}}, true)}, std::nullopt);
  EXPECT_EQ(ComputeCost(&unitless, {{"input", 1000}}, {}, chars).total_cost, 0.001);
  // Provided costs do not care about units.
  EXPECT_EQ(ComputeCost(&per_token, {{"input", 1}}, {{"total", 1.5}}, chars).total_cost, 1.5);
}

TEST(ComputeCost, HugeUsageDoesNotOverflow) {
  ModelDefinition m = Gpt4o();
  auto r = ComputeCost(&m, {{"input", INT64_MAX}, {"output", INT64_MAX}}, {});
  EXPECT_EQ(r.usage.at("total"), INT64_MAX);  // saturated
  ASSERT_TRUE(r.total_cost.has_value());
  EXPECT_NEAR(*r.total_cost, 9.223372036854775807e18 * 1.25e-5, 1e9);
}

}  // namespace
}  // namespace lanterne
