#include "domain/merge.h"

#include <gtest/gtest.h>

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000'000;  // an event time, in microseconds
constexpr int64_t kSecond = 1'000'000;

TracePatch TraceNamed(std::string name) {
  TracePatch p;
  p.id = "t1";
  p.name.Set(std::move(name));
  return p;
}

// ---- Traces ----------------------------------------------------------------------------------

TEST(TraceMerge, EarliestTimestampMovesTheTraceBackButNeverForward) {
  TraceRecord r;
  TracePatch child;
  child.id = "t1";
  child.earliest_timestamp_us = kT0 + 3 * kSecond;
  ApplyTracePatch(r, child, kT0 + 10 * kSecond, true, kT0);
  EXPECT_EQ(r.timestamp_us, kT0 + 3 * kSecond);  // a child exported first sets it

  TracePatch root = child;
  root.earliest_timestamp_us = kT0;
  ApplyTracePatch(r, root, kT0 + 11 * kSecond, false, kT0);
  EXPECT_EQ(r.timestamp_us, kT0);  // the root started earlier: it wins

  TracePatch late = child;
  late.earliest_timestamp_us = kT0 + 5 * kSecond;
  ApplyTracePatch(r, late, kT0 + 12 * kSecond, false, kT0);
  EXPECT_EQ(r.timestamp_us, kT0);
}

TEST(TraceMerge, FirstWriteTakesIdTimestampAndEnvironment) {
  TraceRecord r;
  TracePatch p;
  p.id = "t1";
  p.environment = "prod";
  ApplyTracePatch(r, p, kT0, true, kT0 + 5);
  EXPECT_EQ(r.id, "t1");
  EXPECT_EQ(r.timestamp_us, kT0);  // defaults to the event time
  EXPECT_EQ(r.environment, "prod");
  EXPECT_EQ(r.created_at_us, kT0 + 5);
  EXPECT_EQ(r.updated_at_us, kT0 + 5);
  EXPECT_EQ(r.metadata, "{}");
  EXPECT_TRUE(r.tags.empty());
}

TEST(TraceMerge, FirstWriteWithoutEnvironmentIsDefault) {
  TraceRecord r;
  TracePatch p;
  p.id = "t1";
  ApplyTracePatch(r, p, kT0, true, kT0);
  EXPECT_EQ(r.environment, "default");
}

TEST(TraceMerge, TimestampAndEnvironmentAreFixedByTheFirstWrite) {
  TraceRecord r;
  TracePatch first;
  first.id = "t1";
  first.timestamp_us = kT0 - kSecond;
  first.environment = "prod";
  ApplyTracePatch(r, first, kT0, true, kT0);

  TracePatch second;
  second.id = "t1";
  second.timestamp_us = kT0 + 10 * kSecond;
  second.environment = "staging";
  ApplyTracePatch(r, second, kT0 + 20 * kSecond, false, kT0 + 30 * kSecond);
  EXPECT_EQ(r.timestamp_us, kT0 - kSecond);
  EXPECT_EQ(r.environment, "prod");
  EXPECT_EQ(r.created_at_us, kT0);
  EXPECT_EQ(r.updated_at_us, kT0 + 30 * kSecond);
}

TEST(TraceMerge, LaterNonNullValueWins) {
  TraceRecord r;
  ApplyTracePatch(r, TraceNamed("first"), kT0, true, kT0);
  ApplyTracePatch(r, TraceNamed("second"), kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.name, "second");
}

TEST(TraceMerge, AbsentFieldsNeverOverwrite) {
  TraceRecord r;
  TracePatch full = TraceNamed("chat");
  full.user_id.Set("u1");
  full.session_id.Set("s1");
  full.release.Set("r1");
  full.version.Set("v1");
  full.input = R"({"q":1})";
  full.output = R"("a")";
  full.is_public = true;
  ApplyTracePatch(r, full, kT0, true, kT0);

  TracePatch empty;
  empty.id = "t1";
  ApplyTracePatch(r, empty, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.name, "chat");
  EXPECT_EQ(r.user_id, "u1");
  EXPECT_EQ(r.session_id, "s1");
  EXPECT_EQ(r.release, "r1");
  EXPECT_EQ(r.version, "v1");
  EXPECT_EQ(r.input, R"({"q":1})");
  EXPECT_EQ(r.output, R"("a")");
  EXPECT_TRUE(r.is_public);
}

TEST(TraceMerge, ExplicitNullClearsNameAndUserId) {
  TraceRecord r;
  TracePatch first = TraceNamed("chat");
  first.user_id.Set("u1");
  first.session_id.Set("s1");
  first.release.Set("r1");
  ApplyTracePatch(r, first, kT0, true, kT0);

  TracePatch clear;
  clear.id = "t1";
  clear.name.SetNull();
  clear.user_id.SetNull();
  clear.release.SetNull();
  ApplyTracePatch(r, clear, kT0 + 1, false, kT0 + 1);
  EXPECT_FALSE(r.name.has_value());
  EXPECT_FALSE(r.user_id.has_value());
  EXPECT_FALSE(r.release.has_value());
  EXPECT_EQ(r.session_id, "s1");
}

TEST(TraceMerge, PublicFalseResetsPublic) {
  TraceRecord r;
  TracePatch p = TraceNamed("x");
  p.is_public = true;
  ApplyTracePatch(r, p, kT0, true, kT0);
  EXPECT_TRUE(r.is_public);
  p.is_public = false;
  ApplyTracePatch(r, p, kT0 + 1, false, kT0 + 1);
  EXPECT_FALSE(r.is_public);
}

TEST(TraceMerge, MetadataIsDeepMergedByKey) {
  TraceRecord r;
  TracePatch first;
  first.id = "t1";
  first.metadata = R"({"a":1,"nested":{"x":1,"y":2},"keep":"k"})";
  ApplyTracePatch(r, first, kT0, true, kT0);
  EXPECT_EQ(r.metadata, R"({"a":1,"nested":{"x":1,"y":2},"keep":"k"})");

  TracePatch second;
  second.id = "t1";
  second.metadata = R"({"a":2,"nested":{"y":3,"z":{"deep":true}},"b":[1]})";
  ApplyTracePatch(r, second, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.metadata, R"({"a":2,"nested":{"x":1,"y":3,"z":{"deep":true}},"keep":"k","b":[1]})");

  TracePatch none;
  none.id = "t1";
  ApplyTracePatch(r, none, kT0 + 2, false, kT0 + 2);
  EXPECT_EQ(r.metadata, R"({"a":2,"nested":{"x":1,"y":3,"z":{"deep":true}},"keep":"k","b":[1]})");
}

TEST(TraceMerge, TagsAreASortedUniqueUnion) {
  TraceRecord r;
  TracePatch first;
  first.id = "t1";
  first.tags = {"prod", "beta", "prod"};
  ApplyTracePatch(r, first, kT0, true, kT0);
  EXPECT_EQ(r.tags, (std::vector<std::string>{"beta", "prod"}));

  TracePatch second;
  second.id = "t1";
  second.tags = {"alpha", "beta"};
  ApplyTracePatch(r, second, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.tags, (std::vector<std::string>{"alpha", "beta", "prod"}));

  TracePatch none;
  none.id = "t1";
  ApplyTracePatch(r, none, kT0 + 2, false, kT0 + 2);
  EXPECT_EQ(r.tags, (std::vector<std::string>{"alpha", "beta", "prod"}));
}

// ---- Observations ----------------------------------------------------------------------------

ObservationPatch Obs(ObservationType type, bool is_update) {
  ObservationPatch p;
  p.id = "o1";
  p.type = type;
  p.is_update = is_update;
  return p;
}

TEST(ObservationMerge, FirstWriteTakesTraceStartTimeAndEnvironment) {
  ObservationRecord r;
  ObservationPatch p = Obs(ObservationType::kGeneration, false);
  p.trace_id = "t1";
  p.environment = "prod";
  ApplyObservationPatch(r, p, kT0, true, kT0 + 9);
  EXPECT_EQ(r.id, "o1");
  EXPECT_EQ(r.trace_id, "t1");
  EXPECT_EQ(r.type, ObservationType::kGeneration);
  EXPECT_EQ(r.start_time_us, kT0);
  EXPECT_EQ(r.environment, "prod");
  EXPECT_EQ(r.level, Level::kDefault);
  EXPECT_EQ(r.created_at_us, kT0 + 9);
}

TEST(ObservationMerge, StartTimeTraceIdAndEnvironmentAreFixedByTheFirstWrite) {
  ObservationRecord r;
  ObservationPatch first = Obs(ObservationType::kSpan, false);
  first.trace_id = "t1";
  first.start_time_us = kT0;
  ApplyObservationPatch(r, first, kT0, true, kT0);

  ObservationPatch later = Obs(ObservationType::kSpan, true);
  later.trace_id = "t2";
  later.start_time_us = kT0 + 5 * kSecond;
  later.environment = "other";
  ApplyObservationPatch(r, later, kT0 + 5 * kSecond, false, kT0 + 5 * kSecond);
  EXPECT_EQ(r.trace_id, "t1");
  EXPECT_EQ(r.start_time_us, kT0);
  EXPECT_EQ(r.environment, "default");
}

TEST(ObservationMerge, LaterNonNullValuesWinAndAbsentNeverOverwrites) {
  ObservationRecord r;
  ObservationPatch first = Obs(ObservationType::kGeneration, false);
  first.name.Set("llm");
  first.model.Set("gpt-4o");
  first.status_message = "started";
  first.version = "v1";
  first.input = R"("question")";
  first.model_parameters = R"({"temperature":0})";
  first.parent_observation_id = "root";
  ApplyObservationPatch(r, first, kT0, true, kT0);

  ObservationPatch update = Obs(ObservationType::kGeneration, true);
  update.output = R"("answer")";
  update.status_message = "done";
  update.model.Set("gpt-4o-mini");
  ApplyObservationPatch(r, update, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.name, "llm");
  EXPECT_EQ(r.model, "gpt-4o-mini");
  EXPECT_EQ(r.status_message, "done");
  EXPECT_EQ(r.version, "v1");
  EXPECT_EQ(r.input, R"("question")");
  EXPECT_EQ(r.output, R"("answer")");
  EXPECT_EQ(r.model_parameters, R"({"temperature":0})");
  EXPECT_EQ(r.parent_observation_id, "root");
}

TEST(ObservationMerge, ExplicitNullClearsNameAndModel) {
  ObservationRecord r;
  ObservationPatch first = Obs(ObservationType::kGeneration, false);
  first.name.Set("llm");
  first.model.Set("gpt-4o");
  ApplyObservationPatch(r, first, kT0, true, kT0);
  ObservationPatch clear = Obs(ObservationType::kGeneration, true);
  clear.name.SetNull();
  clear.model.SetNull();
  ApplyObservationPatch(r, clear, kT0 + 1, false, kT0 + 1);
  EXPECT_FALSE(r.name.has_value());
  EXPECT_FALSE(r.model.has_value());
}

TEST(ObservationMerge, EndTimeBeforeStartTimeIsClamped) {
  ObservationRecord r;
  ObservationPatch p = Obs(ObservationType::kSpan, false);
  p.start_time_us = kT0;
  p.end_time_us = kT0 - kSecond;
  ApplyObservationPatch(r, p, kT0, true, kT0);
  EXPECT_EQ(r.end_time_us, kT0);

  ObservationPatch later = Obs(ObservationType::kSpan, true);
  later.end_time_us = kT0 + kSecond;
  ApplyObservationPatch(r, later, kT0 + kSecond, false, kT0 + kSecond);
  EXPECT_EQ(r.end_time_us, kT0 + kSecond);

  ObservationPatch earlier = Obs(ObservationType::kSpan, true);
  earlier.end_time_us = kT0 - 2 * kSecond;
  ApplyObservationPatch(r, earlier, kT0 + 2 * kSecond, false, kT0 + 2 * kSecond);
  EXPECT_EQ(r.end_time_us, kT0);
}

TEST(ObservationMerge, LevelNullFallsBackToDefault) {
  ObservationRecord r;
  ObservationPatch p = Obs(ObservationType::kSpan, false);
  p.level.Set(Level::kError);
  ApplyObservationPatch(r, p, kT0, true, kT0);
  EXPECT_EQ(r.level, Level::kError);

  ObservationPatch absent = Obs(ObservationType::kSpan, true);
  ApplyObservationPatch(r, absent, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.level, Level::kError);

  ObservationPatch null_level = Obs(ObservationType::kSpan, true);
  null_level.level.SetNull();
  ApplyObservationPatch(r, null_level, kT0 + 2, false, kT0 + 2);
  EXPECT_EQ(r.level, Level::kDefault);
}

TEST(ObservationMerge, UsageAndCostAreReplacedOnlyByNonEmptyMaps) {
  ObservationRecord r;
  ObservationPatch p = Obs(ObservationType::kGeneration, false);
  p.usage_details = {{"input", 10}, {"output", 5}, {"total", 15}};
  p.cost_details = {{"total", 0.5}};
  p.usage_unit = "TOKENS";
  ApplyObservationPatch(r, p, kT0, true, kT0);

  ObservationPatch empty = Obs(ObservationType::kGeneration, true);
  ApplyObservationPatch(r, empty, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.usage_details, (UsageMap{{"input", 10}, {"output", 5}, {"total", 15}}));
  EXPECT_EQ(r.cost_details, (CostMap{{"total", 0.5}}));
  EXPECT_EQ(r.usage_unit, "TOKENS");

  ObservationPatch replace = Obs(ObservationType::kGeneration, true);
  replace.usage_details = {{"input", 20}, {"total", 20}};
  ApplyObservationPatch(r, replace, kT0 + 2, false, kT0 + 2);
  // Replaced as a whole, not merged key by key.
  EXPECT_EQ(r.usage_details, (UsageMap{{"input", 20}, {"total", 20}}));
  EXPECT_EQ(r.cost_details, (CostMap{{"total", 0.5}}));
  EXPECT_EQ(r.total_cost(), 0.5);
}

TEST(ObservationMerge, CreateAfterUpdateSetsTheType) {
  ObservationRecord r;
  ApplyObservationPatch(r, Obs(ObservationType::kSpan, true), kT0, true, kT0);
  EXPECT_EQ(r.type, ObservationType::kSpan);
  ApplyObservationPatch(r, Obs(ObservationType::kAgent, false), kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.type, ObservationType::kAgent);
}

TEST(ObservationMerge, UpdateKeepsTheCreatedType) {
  ObservationRecord r;
  ApplyObservationPatch(r, Obs(ObservationType::kGeneration, false), kT0, true, kT0);
  ApplyObservationPatch(r, Obs(ObservationType::kSpan, true), kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.type, ObservationType::kGeneration);
}

TEST(ObservationMerge, PromptIsLinkedOnlyWhenNameAndVersionAreBothGiven) {
  ObservationRecord r;
  ObservationPatch name_only = Obs(ObservationType::kGeneration, false);
  name_only.prompt_name = "greeting";
  ApplyObservationPatch(r, name_only, kT0, true, kT0);
  EXPECT_FALSE(r.prompt_name.has_value());
  EXPECT_FALSE(r.prompt_version.has_value());

  ObservationPatch both = Obs(ObservationType::kGeneration, true);
  both.prompt_name = "greeting";
  both.prompt_version = 3;
  ApplyObservationPatch(r, both, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.prompt_name, "greeting");
  EXPECT_EQ(r.prompt_version, 3);

  ObservationPatch version_only = Obs(ObservationType::kGeneration, true);
  version_only.prompt_version = 9;
  ApplyObservationPatch(r, version_only, kT0 + 2, false, kT0 + 2);
  EXPECT_EQ(r.prompt_name, "greeting");
  EXPECT_EQ(r.prompt_version, 3);
}

TEST(ObservationMerge, MetadataIsDeepMergedByKey) {
  ObservationRecord r;
  ObservationPatch first = Obs(ObservationType::kSpan, false);
  first.metadata = R"({"a":{"b":1}})";
  ApplyObservationPatch(r, first, kT0, true, kT0);
  ObservationPatch second = Obs(ObservationType::kSpan, true);
  second.metadata = R"({"a":{"c":2},"d":3})";
  ApplyObservationPatch(r, second, kT0 + 1, false, kT0 + 1);
  EXPECT_EQ(r.metadata, R"({"a":{"b":1,"c":2},"d":3})");
}

// ---- Scores ------------------------------------------------------------------------------------

TEST(ScoreMerge, LaterValuesWinButIdentityIsFixed) {
  ScoreRecord r;
  r.project_id = "p1";
  ScorePatch first;
  first.id = "s1";
  first.name = "quality";
  first.value = 0.5;
  first.timestamp_us = kT0;
  first.trace_id = "t1";
  first.environment = "prod";
  first.comment = "first";
  ApplyScorePatch(r, first, true, kT0 + 1);
  EXPECT_EQ(r.project_id, "p1");
  EXPECT_EQ(r.id, "s1");
  EXPECT_EQ(r.created_at_us, kT0 + 1);

  ScorePatch second;
  second.id = "s1";
  second.name = "quality-v2";
  second.value = 0.9;
  second.timestamp_us = kT0 + 10 * kSecond;
  second.trace_id = "t2";
  second.environment = "staging";
  ApplyScorePatch(r, second, false, kT0 + 20 * kSecond);
  EXPECT_EQ(r.project_id, "p1");
  EXPECT_EQ(r.name, "quality-v2");
  EXPECT_EQ(r.value, 0.9);
  EXPECT_EQ(r.timestamp_us, kT0);
  EXPECT_EQ(r.trace_id, "t1");
  EXPECT_EQ(r.environment, "prod");
  EXPECT_EQ(r.created_at_us, kT0 + 1);
  EXPECT_EQ(r.updated_at_us, kT0 + 20 * kSecond);
  // A score is validated whole, so the later score's comment (none) replaces the earlier one.
  EXPECT_FALSE(r.comment.has_value());
}

}  // namespace
}  // namespace lanterne
