// Usage and cost normalization, exercised the way clients reach it: generation events.
#include "ingest/usage.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "ingest/batch_decoder.h"

namespace lanterne {
namespace {

// Decodes one generation-create whose body holds `fields` besides its id.
Result<ObservationPatch> DecodeGeneration(const std::string& fields) {
  std::string body = R"({"batch":[{"id":"e1","type":"generation-create",)"
                     R"("timestamp":"2024-03-15T10:30:00Z","body":{"id":"g1",)" +
                     fields + "}}]}";
  auto batch = DecodeIngestionBatch(body, IngestAccess::kProject);
  if (!batch.ok()) return batch.status();
  if (!batch->errors.empty()) return Status::InvalidArgument(batch->errors[0].error);
  if (batch->events.size() != 1) return Status::Internal("expected one event");
  return batch->events[0].observation;
}

ObservationPatch MustDecode(const std::string& fields) {
  auto patch = DecodeGeneration(fields);
  if (!patch.ok()) {
    ADD_FAILURE() << "rejected: " << patch.status().message();
    return {};
  }
  return std::move(patch).value();
}

TEST(Usage, LegacyInputOutputGetsATotal) {
  ObservationPatch p = MustDecode(R"("usage":{"input":10,"output":5})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 10}, {"output", 5}, {"total", 15}}));
  EXPECT_FALSE(p.usage_unit.has_value());
  EXPECT_TRUE(p.cost_details.empty());
}

TEST(Usage, LegacyExplicitTotalIsKept) {
  ObservationPatch p =
      MustDecode(R"("usage":{"input":10,"output":5,"total":99,"unit":"CHARACTERS"})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 10}, {"output", 5}, {"total", 99}}));
  EXPECT_EQ(p.usage_unit, "CHARACTERS");
}

TEST(Usage, OpenAiStyleLegacyUsageBecomesTokens) {
  ObservationPatch p =
      MustDecode(R"("usage":{"promptTokens":12,"completionTokens":8,"totalTokens":20})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 12}, {"output", 8}, {"total", 20}}));
  EXPECT_EQ(p.usage_unit, "TOKENS");

  ObservationPatch no_total = MustDecode(R"("usage":{"promptTokens":12,"completionTokens":8})");
  EXPECT_EQ(no_total.usage_details, (UsageMap{{"input", 12}, {"output", 8}, {"total", 20}}));
  EXPECT_EQ(no_total.usage_unit, "TOKENS");
}

TEST(Usage, EmptyOrNullUsageIsAbsent) {
  for (const char* fields : {R"("usage":{})", R"("usage":null,"usageDetails":null)",
                             R"("usageDetails":{},"costDetails":{})"}) {
    ObservationPatch p = MustDecode(fields);
    EXPECT_TRUE(p.usage_details.empty()) << fields;
    EXPECT_TRUE(p.cost_details.empty()) << fields;
    EXPECT_FALSE(p.usage_unit.has_value()) << fields;
  }
}

TEST(Usage, MalformedUsageRejectsTheEvent) {
  EXPECT_FALSE(DecodeGeneration(R"("usage":[1,2])").ok());
  EXPECT_FALSE(DecodeGeneration(R"("usage":{"input":"many"})").ok());
  EXPECT_FALSE(DecodeGeneration(R"("usage":{"input":1,"unit":"WORDS"})").ok());
  EXPECT_FALSE(DecodeGeneration(R"("usage":{"input":1,"inputCost":"cheap"})").ok());
  EXPECT_FALSE(DecodeGeneration(R"("usageDetails":"lots")").ok());
  EXPECT_FALSE(DecodeGeneration(R"("costDetails":[0.1])").ok());
}

TEST(Usage, OpenAiChatCompletionDetailsAreSplitOut) {
  ObservationPatch p = MustDecode(R"("usageDetails":{
      "prompt_tokens":100,"completion_tokens":50,"total_tokens":150,
      "prompt_tokens_details":{"cached_tokens":30,"audio_tokens":0},
      "completion_tokens_details":{"reasoning_tokens":20}})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 70},
                                       {"input_cached_tokens", 30},
                                       {"input_audio_tokens", 0},
                                       {"output", 30},
                                       {"output_reasoning_tokens", 20},
                                       {"total", 150}}));
}

TEST(Usage, OpenAiDetailsLargerThanTheirTotalFloorAtZero) {
  ObservationPatch p = MustDecode(R"("usageDetails":{
      "prompt_tokens":10,"completion_tokens":5,"total_tokens":15,
      "prompt_tokens_details":{"cached_tokens":25}})");
  EXPECT_EQ(p.usage_details.at("input"), 0);
  EXPECT_EQ(p.usage_details.at("input_cached_tokens"), 25);
  EXPECT_EQ(p.usage_details.at("output"), 5);
  EXPECT_EQ(p.usage_details.at("total"), 15);
}

TEST(Usage, OpenAiResponsesShapeIsSplitOut) {
  ObservationPatch p = MustDecode(R"("usageDetails":{
      "input_tokens":100,"output_tokens":50,"total_tokens":150,
      "input_tokens_details":{"cached_tokens":40},
      "output_tokens_details":{"reasoning_tokens":10}})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 60},
                                       {"input_cached_tokens", 40},
                                       {"output", 40},
                                       {"output_reasoning_tokens", 10},
                                       {"total", 150}}));
}

TEST(Usage, ArbitraryMapKeepsNonNegativeIntegers) {
  ObservationPatch p = MustDecode(R"("usageDetails":{
      "input":10,"output":"20","cache_read":-5,"note":"abc","flag":true,"nested":{"x":1},
      "nothing":null,"audio":0})");
  EXPECT_EQ(p.usage_details,
            (UsageMap{{"input", 10}, {"output", 20}, {"audio", 0}, {"total", 30}}));
}

TEST(Usage, ArbitraryMapWithTotalKeepsIt) {
  ObservationPatch p = MustDecode(R"("usageDetails":{"input":3,"output":4,"total":100})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 3}, {"output", 4}, {"total", 100}}));
}

TEST(Usage, UsageDetailsOverlayLegacyUsage) {
  ObservationPatch p =
      MustDecode(R"("usage":{"input":10,"output":5},"usageDetails":{"input":12,"cached":3})");
  // Provided usage lacks a total once details are given: total is the sum of every key.
  EXPECT_EQ(p.usage_details,
            (UsageMap{{"input", 12}, {"output", 5}, {"cached", 3}, {"total", 20}}));
}

TEST(Usage, CostDetailsDropNegativesAndNonNumbers) {
  ObservationPatch p = MustDecode(
      R"("costDetails":{"input":0.001,"output":-1,"total":0.003,"bad":"x","n":null,"zero":0})");
  EXPECT_EQ(p.cost_details, (CostMap{{"input", 0.001}, {"total", 0.003}, {"zero", 0}}));
  EXPECT_TRUE(p.usage_details.empty());
}

TEST(Usage, LegacyUsageCostsBecomeCostDetails) {
  ObservationPatch p = MustDecode(
      R"("usage":{"input":10,"output":5,"inputCost":0.01,"outputCost":0.02,"totalCost":0.03})");
  EXPECT_EQ(p.cost_details, (CostMap{{"input", 0.01}, {"output", 0.02}, {"total", 0.03}}));
  EXPECT_EQ(p.usage_details.at("total"), 15);
}

TEST(Usage, LegacyCostIsOnlyInputWhenOnlyInputCostIsGiven) {
  ObservationPatch p = MustDecode(R"("usage":{"inputCost":0.5})");
  EXPECT_EQ(p.cost_details, (CostMap{{"input", 0.5}}));
  EXPECT_TRUE(p.usage_details.empty());
}

TEST(Usage, CostDetailsOverlayLegacyCosts) {
  ObservationPatch p = MustDecode(
      R"("usage":{"inputCost":0.01,"outputCost":0.02},"costDetails":{"output":0.5,"cache":0.1})");
  EXPECT_EQ(p.cost_details, (CostMap{{"input", 0.01}, {"output", 0.5}, {"cache", 0.1}}));
}

TEST(Usage, NormalizeUsageWithNothingLeavesMapsEmpty) {
  UsageMap usage{{"stale", 1}};
  CostMap cost{{"stale", 1}};
  std::optional<std::string> unit;
  EXPECT_EQ(NormalizeUsage(UsageInput{}, &usage, &cost, &unit), "");
  EXPECT_TRUE(usage.empty());
  EXPECT_TRUE(cost.empty());
  EXPECT_FALSE(unit.has_value());
}

TEST(Usage, TotalsSaturateInsteadOfOverflowing) {
  ObservationPatch p = MustDecode(R"("usageDetails":{"a":9223372036854775807,"b":1})");
  EXPECT_EQ(p.usage_details.at("total"), std::numeric_limits<int64_t>::max());
  ObservationPatch legacy = MustDecode(R"("usage":{"input":9223372036854775807,"output":1})");
  EXPECT_EQ(legacy.usage_details.at("total"), std::numeric_limits<int64_t>::max());
}

TEST(Usage, LegacyInputAloneAddsNoOutputKey) {
  ObservationPatch p = MustDecode(R"("usage":{"input":10})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"input", 10}, {"total", 10}}));
}

TEST(Usage, NonIntegerAndNegativeCountsAreDropped) {
  ObservationPatch p = MustDecode(R"("usageDetails":{"a":1.6,"b":-0.4,"c":-3,"d":4})");
  EXPECT_EQ(p.usage_details, (UsageMap{{"d", 4}, {"total", 4}}));
}

TEST(Usage, NegativeLegacyCountsRejectTheEvent) {
  auto p = DecodeGeneration(R"("usage":{"input":-5})");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("body.usage"), std::string::npos);
}

}  // namespace
}  // namespace lanterne
