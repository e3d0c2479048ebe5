// POST /api/public/models validation (pricing/model_parse.h) and the Model JSON shape
// (pricing/model_json.h).
#include "pricing/model_parse.h"

#include <gtest/gtest.h>

#include "pricing/model_json.h"

namespace lanterne {
namespace {

// The validation message, or "" when the body is accepted.
std::string ErrorOf(std::string_view body) {
  auto model = ParseCreateModelBody(body);
  return model.ok() ? "" : model.status().message();
}

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(ParseCreateModelBody, FlatPricesMakeAStandardTier) {
  auto model = ParseCreateModelBody(R"({"modelName":"my-gpt","matchPattern":"(?i)^my-gpt$",
      "unit":"TOKENS","inputPrice":0.000001,"outputPrice":0.000002,
      "startDate":"2025-01-01T00:00:00Z","tokenizerId":"openai",
      "tokenizerConfig":{"tokenizerModel":"gpt-4o"}})");
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ(model->model_name, "my-gpt");
  EXPECT_EQ(model->unit, "TOKENS");
  EXPECT_EQ(model->start_date_us, 1735689600000000);
  EXPECT_EQ(model->tokenizer_id, "openai");
  EXPECT_EQ(model->tokenizer_config, R"({"tokenizerModel":"gpt-4o"})");
  ASSERT_EQ(model->pricing_tiers.size(), 1u);
  const auto& tier = model->pricing_tiers[0];
  EXPECT_EQ(tier.name, "Standard");
  EXPECT_TRUE(tier.is_default);
  EXPECT_EQ(tier.priority, 0);
  EXPECT_EQ(tier.prices.at("input"), 1e-6);
  EXPECT_EQ(tier.prices.at("output"), 2e-6);
  EXPECT_EQ(tier.prices.count("total"), 0u);
  EXPECT_TRUE(model->compiled_pattern);
  EXPECT_TRUE(MatchesModelName(*model, "MY-GPT"));
}

TEST(ParseCreateModelBody, PricingTiers) {
  auto model = ParseCreateModelBody(R"({"modelName":"m","matchPattern":"^m$","unit":"TOKENS",
      "pricingTiers":[
        {"name":"Standard","isDefault":true,"priority":0,"conditions":[],
         "prices":{"input":1e-6,"output":2e-6}},
        {"name":" Large ","isDefault":false,"priority":1,
         "conditions":[{"usageDetailPattern":"input","operator":"gt","value":200000},
                       {"source":"model_parameters","key":"service_tier","operator":"in",
                        "values":["priority"]}],
         "prices":{"input":2e-6,"output":4e-6}}]})");
  ASSERT_TRUE(model.ok()) << model.status().message();
  ASSERT_EQ(model->pricing_tiers.size(), 2u);
  const auto& large = model->pricing_tiers[1];
  EXPECT_EQ(large.name, "Large");  // trimmed
  ASSERT_EQ(large.conditions.size(), 2u);
  const auto& usage = std::get<UsageCondition>(large.conditions[0]);
  EXPECT_EQ(usage.op, "gt");
  EXPECT_EQ(usage.value, 200000);
  EXPECT_FALSE(usage.case_sensitive);
  EXPECT_TRUE(usage.compiled);
  const auto& attribute = std::get<AttributeCondition>(large.conditions[1]);
  EXPECT_EQ(attribute.source, "model_parameters");
  EXPECT_EQ(attribute.values, std::vector<std::string>{"priority"});
}

TEST(ParseCreateModelBody, ErrorsNameTheField) {
  EXPECT_EQ(ErrorOf("[]"), "body: expected a JSON object");
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"matchPattern":"x","unit":"TOKENS","totalPrice":1})"), "modelName:"));
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"modelName":"m","unit":"TOKENS","totalPrice":1})"), "matchPattern:"));
  // RE2 rejects it: a 400 naming matchPattern, not a crash or a silent non-match later.
  EXPECT_TRUE(StartsWith(
      ErrorOf(R"({"modelName":"m","matchPattern":"(?i)^(gpt-4o","unit":"TOKENS","totalPrice":1})"),
      "matchPattern: invalid regular expression"));
  // Backreferences are not regular: RE2 refuses them.
  EXPECT_TRUE(StartsWith(
      ErrorOf(R"({"modelName":"m","matchPattern":"(a)\\1","unit":"TOKENS","totalPrice":1})"),
      "matchPattern: invalid regular expression"));
  EXPECT_TRUE(StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","totalPrice":1})"),
                         "unit: required"));
  EXPECT_TRUE(StartsWith(
      ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKEN","totalPrice":1})"), "unit:"));
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","inputPrice":-1})"),
                 "inputPrice:"));
  EXPECT_TRUE(StartsWith(
      ErrorOf(
          R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","inputPrice":1,"totalPrice":1})"),
      "totalPrice:"));
  EXPECT_TRUE(StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS"})"),
                         "pricingTiers: provide either"));
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","inputPrice":1,
                  "pricingTiers":[{"name":"S","isDefault":true,"priority":0,"conditions":[],
                                   "prices":{"input":1}}]})"),
                 "pricingTiers: provide either"));
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","totalPrice":1,
                  "startDate":"yesterday"})"),
                 "startDate:"));
  EXPECT_TRUE(
      StartsWith(ErrorOf(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","totalPrice":1,
                  "tokenizerId":"llama"})"),
                 "tokenizerId:"));
}

std::string TierError(std::string_view tiers) {
  return ErrorOf(
      std::string(R"({"modelName":"m","matchPattern":"m","unit":"TOKENS","pricingTiers":)") +
      std::string(tiers) + "}");
}

TEST(ParseCreateModelBody, TierRules) {
  const std::string standard =
      R"({"name":"Standard","isDefault":true,"priority":0,"conditions":[],"prices":{"input":1}})";
  EXPECT_EQ(TierError("[" + standard + "]"), "");
  EXPECT_NE(TierError(R"([{"name":"A","isDefault":false,"priority":1,
      "conditions":[{"usageDetailPattern":"input","operator":"gt","value":1}],"prices":{"input":1}}])")
                .find("exactly one pricing tier must have isDefault"),
            std::string::npos);
  EXPECT_NE(TierError("[" + standard + "," + standard + "]").find("exactly one"),
            std::string::npos);
  EXPECT_NE(
      TierError(
          R"([{"name":"S","isDefault":true,"priority":1,"conditions":[],"prices":{"input":1}}])")
          .find("priority: 0"),
      std::string::npos);
  EXPECT_NE(TierError(R"([{"name":"S","isDefault":true,"priority":0,"prices":{"input":1},
      "conditions":[{"usageDetailPattern":"input","operator":"gt","value":1}]}])")
                .find("empty conditions"),
            std::string::npos);
  EXPECT_NE(
      TierError(
          "[" + standard +
          R"(,{"name":"B","isDefault":false,"priority":1,"conditions":[],"prices":{"input":2}}])")
          .find("must have at least one condition"),
      std::string::npos);
  const std::string condition =
      R"("conditions":[{"usageDetailPattern":"input","operator":"gt","value":1}])";
  EXPECT_NE(TierError("[" + standard + R"(,{"name":"Standard","isDefault":false,"priority":1,)" +
                      condition + R"(,"prices":{"input":2}}])")
                .find("names must be unique"),
            std::string::npos);
  EXPECT_NE(
      TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":2,)" + condition +
                R"(,"prices":{"input":2}},{"name":"C","isDefault":false,"priority":2,)" +
                condition + R"(,"prices":{"input":2}}])")
          .find("priorities must be unique"),
      std::string::npos);
  EXPECT_NE(TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":1,)" +
                      condition + R"(,"prices":{"output":2}}])")
                .find("same usage types"),
            std::string::npos);
  EXPECT_TRUE(StartsWith(
      TierError(R"([{"name":"S","isDefault":true,"priority":0,"conditions":[],"prices":{}}])"),
      "pricingTiers[0].prices: at least one price"));
  EXPECT_TRUE(StartsWith(TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":1,
      "conditions":[{"usageDetailPattern":"input","operator":"between","value":1}],"prices":{"input":2}}])"),
                         "pricingTiers[1].conditions[0].operator:"));
  EXPECT_TRUE(
      StartsWith(TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":1,
      "conditions":[{"usageDetailPattern":"(input","operator":"gt","value":1}],"prices":{"input":2}}])"),
                 "pricingTiers[1].conditions[0].usageDetailPattern: invalid regular expression"));
  EXPECT_TRUE(StartsWith(TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":1,
      "conditions":[{"source":"headers","key":"k","operator":"in","values":["v"]}],"prices":{"input":2}}])"),
                         "pricingTiers[1].conditions[0].source:"));
  EXPECT_TRUE(
      StartsWith(TierError("[" + standard + R"(,{"name":"B","isDefault":false,"priority":1000,)" +
                           condition + R"(,"prices":{"input":2}}])"),
                 "pricingTiers[1].priority:"));
}

TEST(WriteModelJson, LangfuseShape) {
  auto model = ParseCreateModelBody(R"({"modelName":"m","matchPattern":"^m$","unit":"TOKENS",
      "inputPrice":0.0000025,"outputPrice":0.00001})");
  ASSERT_TRUE(model.ok());
  model->id = "model-1";
  model->project_id = "p";
  model->created_at_us = 1735689600000000;
  model->pricing_tiers[0].id = "tier-1";
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteModelJson(w, *model);
  simdjson::dom::parser parser;
  simdjson::dom::element json;
  ASSERT_EQ(parser.parse(std::string(buffer.GetString())).get(json), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(json["id"]), "model-1");
  EXPECT_EQ(std::string_view(json["modelName"]), "m");
  EXPECT_TRUE(json["startDate"].is_null());
  EXPECT_EQ(std::string_view(json["unit"]), "TOKENS");
  EXPECT_EQ(double(json["inputPrice"]), 2.5e-6);
  EXPECT_EQ(double(json["outputPrice"]), 1e-5);
  EXPECT_TRUE(json["totalPrice"].is_null());
  EXPECT_TRUE(json["tokenizerId"].is_null());
  EXPECT_TRUE(json["tokenizerConfig"].is_null());
  EXPECT_FALSE(bool(json["isLangfuseManaged"]));
  EXPECT_EQ(std::string_view(json["createdAt"]), "2025-01-01T00:00:00.000Z");
  EXPECT_EQ(double(json["prices"]["input"]["price"]), 2.5e-6);
  EXPECT_EQ(std::string_view(json["pricingTiers"].at(0)["id"]), "tier-1");
  EXPECT_EQ(double(json["pricingTiers"].at(0)["prices"]["output"]), 1e-5);

  model->project_id.reset();
  JsonBuffer builtin_buffer;
  JsonWriter bw(builtin_buffer);
  WriteModelJson(bw, *model);
  EXPECT_NE(std::string(builtin_buffer.GetString()).find(R"("isLangfuseManaged":true)"),
            std::string::npos);
}

TEST(PricingTiersJson, RoundTrip) {
  auto model = ParseCreateModelBody(R"({"modelName":"m","matchPattern":"^m$","unit":"TOKENS",
      "pricingTiers":[
        {"name":"Standard","isDefault":true,"priority":0,"conditions":[],"prices":{"input":1e-6}},
        {"name":"Big","isDefault":false,"priority":3,
         "conditions":[{"usageDetailPattern":"^input","operator":"gte","value":5,"caseSensitive":true},
                       {"source":"metadata","key":"tier","operator":"in","values":["a","b"]}],
         "prices":{"input":3e-6}}]})");
  ASSERT_TRUE(model.ok()) << model.status().message();
  model->pricing_tiers[0].id = "t0";
  model->pricing_tiers[1].id = "t1";
  std::string json = PricingTiersToJson(model->pricing_tiers);
  auto back = PricingTiersFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(PricingTiersToJson(*back), json);
  EXPECT_EQ((*back)[1].id, "t1");
  EXPECT_TRUE(std::get<UsageCondition>((*back)[1].conditions[0]).case_sensitive);
  EXPECT_EQ(std::get<AttributeCondition>((*back)[1].conditions[1]).values.size(), 2u);
}

}  // namespace
}  // namespace lanterne
