#include "ingest/batch_decoder.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/time.h"

namespace lanterne {
namespace {

constexpr const char* kTimestamp = "2024-03-15T10:30:00.000Z";

std::string Event(std::string_view id, std::string_view type, std::string_view body,
                  std::string_view timestamp = kTimestamp) {
  return R"({"id":")" + std::string(id) + R"(","type":")" + std::string(type) +
         R"(","timestamp":")" + std::string(timestamp) + R"(","body":)" + std::string(body) + "}";
}

std::string Batch(const std::vector<std::string>& events) {
  std::string out = R"({"batch":[)";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) out += ",";
    out += events[i];
  }
  return out + R"(],"metadata":{"sdk_name":"test"}})";
}

DecodedBatch Decode(const std::string& body, IngestAccess access = IngestAccess::kProject) {
  auto result = DecodeIngestionBatch(body, access);
  if (!result.ok()) {
    ADD_FAILURE() << "whole request rejected: " << result.status().message();
    return {};
  }
  return std::move(result).value();
}

// Decodes a batch of one event that must be valid.
IngestEvent DecodeOne(const std::string& event, IngestAccess access = IngestAccess::kProject) {
  DecodedBatch batch = Decode(Batch({event}), access);
  EXPECT_TRUE(batch.errors.empty()) << (batch.errors.empty() ? "" : batch.errors[0].error);
  if (batch.events.size() != 1) {
    ADD_FAILURE() << "expected exactly one decoded event, got " << batch.events.size();
    return {};
  }
  return std::move(batch.events[0]);
}

// Decodes a batch of one event that must be rejected, and returns its error.
EventError DecodeError(const std::string& event, IngestAccess access = IngestAccess::kProject) {
  DecodedBatch batch = Decode(Batch({event}), access);
  EXPECT_TRUE(batch.events.empty());
  EXPECT_TRUE(batch.acknowledged.empty());
  if (batch.errors.size() != 1) {
    ADD_FAILURE() << "expected exactly one error, got " << batch.errors.size();
    return {};
  }
  return batch.errors[0];
}

// ---- Whole-request failures -------------------------------------------------------------

TEST(BatchDecoder, BodyThatIsNotJsonFailsTheRequest) {
  for (const char* body : {"", "not json", "{\"batch\": [", "{\"batch\": []} trailing"}) {
    auto result = DecodeIngestionBatch(body, IngestAccess::kProject);
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(BatchDecoder, MissingBatchFailsTheRequest) {
  auto result = DecodeIngestionBatch(R"({"metadata":{}})", IngestAccess::kProject);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchDecoder, BatchThatIsNotAnArrayFailsTheRequest) {
  for (const char* body : {R"({"batch":{}})", R"({"batch":"x"})", R"({"batch":null})", "[]"}) {
    auto result = DecodeIngestionBatch(body, IngestAccess::kProject);
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

TEST(BatchDecoder, InvalidUtf8FailsTheRequest) {
  std::string body = Batch({Event("e1", "trace-create", "{\"id\":\"t1\",\"name\":\"\xff\xfe\"}")});
  auto result = DecodeIngestionBatch(body, IngestAccess::kProject);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
}

TEST(BatchDecoder, EmptyBatchHasNoSuccessesAndNoErrors) {
  DecodedBatch batch = Decode(R"({"batch":[]})");
  EXPECT_TRUE(batch.events.empty());
  EXPECT_TRUE(batch.acknowledged.empty());
  EXPECT_TRUE(batch.errors.empty());
}

// ---- Per-event failures -----------------------------------------------------------------

TEST(BatchDecoder, OneBadEventFailsAlone) {
  DecodedBatch batch = Decode(Batch({
      Event("e1", "trace-create", R"({"id":"t1"})"),
      Event("e2", "trace-create", R"({"id":"t2"})", "yesterday"),
      Event("e3", "span-create", R"({"id":"s1","traceId":"t1"})"),
  }));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(batch.events[0].event_id, "e1");
  EXPECT_EQ(batch.events[1].event_id, "e3");
  EXPECT_EQ(batch.acknowledged, (std::vector<std::string>{"e1", "e3"}));
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].id, "e2");
  EXPECT_EQ(batch.errors[0].status, 400);
  EXPECT_EQ(batch.errors[0].message, "Invalid request data");
}

TEST(BatchDecoder, EventWithoutIdIsReportedAsUnknown) {
  DecodedBatch batch = Decode(
      R"({"batch":[{"type":"trace-create","timestamp":"2024-03-15T10:30:00Z","body":{"id":"t"}}]})");
  EXPECT_TRUE(batch.events.empty());
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].id, "unknown");
  EXPECT_EQ(batch.errors[0].status, 400);
}

TEST(BatchDecoder, EventIdMustBeOneTo800CharactersWithoutCarriageReturn) {
  EXPECT_EQ(DecodeError(Event("", "trace-create", R"({"id":"t"})")).status, 400);
  EXPECT_EQ(DecodeError(Event(std::string(801, 'x'), "trace-create", R"({"id":"t"})")).status, 400);
  EXPECT_EQ(DecodeError(Event("a\\rb", "trace-create", R"({"id":"t"})")).status, 400);
  EXPECT_EQ(DecodeOne(Event(std::string(800, 'x'), "trace-create", R"({"id":"t"})")).event_id,
            std::string(800, 'x'));
}

TEST(BatchDecoder, EventThatIsNotAnObjectFailsAlone) {
  DecodedBatch batch =
      Decode(R"({"batch":[42,)" + Event("e1", "trace-create", R"({"id":"t"})") + "]}");
  ASSERT_EQ(batch.events.size(), 1u);
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].id, "unknown");
}

TEST(BatchDecoder, BadTimestampIsRejected) {
  for (const char* ts : {"2024-03-15T10:30:00", "not-a-date", "2024-02-30T25:00:00Z", ""}) {
    EventError error = DecodeError(Event("e1", "trace-create", R"({"id":"t"})", ts));
    EXPECT_EQ(error.id, "e1") << ts;
    EXPECT_EQ(error.status, 400) << ts;
    EXPECT_NE(error.error.find("timestamp"), std::string::npos) << error.error;
  }
}

TEST(BatchDecoder, BadBodyTimestampIsRejected) {
  EventError error =
      DecodeError(Event("e1", "span-create", R"({"id":"s","startTime":"2024-03-15 10:00"})"));
  EXPECT_NE(error.error.find("startTime"), std::string::npos) << error.error;
}

TEST(BatchDecoder, UnknownTypeIsRejected) {
  EventError error = DecodeError(Event("e1", "widget-create", R"({"id":"w"})"));
  EXPECT_EQ(error.id, "e1");
  EXPECT_EQ(error.status, 400);
  EXPECT_NE(error.error.find("widget-create"), std::string::npos) << error.error;
  // There are no update events for the newer observation types.
  EXPECT_EQ(DecodeError(Event("e2", "agent-update", R"({"id":"a"})")).status, 400);
}

TEST(BatchDecoder, BodyThatIsNotAnObjectIsRejected) {
  for (const char* body : {"[]", "\"text\"", "null", "1"}) {
    EventError error = DecodeError(Event("e1", "trace-create", body));
    EXPECT_EQ(error.status, 400) << body;
    EXPECT_NE(error.error.find("body"), std::string::npos) << error.error;
  }
}

TEST(BatchDecoder, ObservationWithoutBodyIdIsRejected) {
  for (const char* type : {"span-create", "span-update", "generation-create", "event-create",
                           "generation-update", "agent-create"}) {
    EventError error = DecodeError(Event("e1", type, R"({"traceId":"t1","name":"x"})"));
    EXPECT_EQ(error.status, 400) << type;
    EXPECT_NE(error.error.find("body.id"), std::string::npos) << type << ": " << error.error;
  }
}

TEST(BatchDecoder, PromptNameAndVersionMustComeTogether) {
  EventError error =
      DecodeError(Event("e1", "generation-create", R"({"id":"g","promptName":"greeting"})"));
  EXPECT_NE(error.error.find("prompt"), std::string::npos) << error.error;
  DecodeError(Event("e2", "generation-create", R"({"id":"g","promptVersion":3})"));
  DecodeError(
      Event("e3", "generation-create", R"({"id":"g","promptName":"p","promptVersion":"x"})"));

  IngestEvent event = DecodeOne(
      Event("e4", "generation-create", R"({"id":"g","promptName":"greeting","promptVersion":3})"));
  EXPECT_EQ(event.observation.prompt_name, "greeting");
  EXPECT_EQ(event.observation.prompt_version, 3);
}

TEST(BatchDecoder, UnknownLevelIsRejected) {
  EventError error = DecodeError(Event("e1", "span-create", R"({"id":"s","level":"FATAL"})"));
  EXPECT_NE(error.error.find("level"), std::string::npos) << error.error;
  DecodeError(Event("e2", "span-create", R"({"id":"s","level":3})"));
}

TEST(BatchDecoder, LevelIsParsedAndNullIsKept) {
  IngestEvent warning = DecodeOne(Event("e1", "span-create", R"({"id":"s","level":"WARNING"})"));
  ASSERT_TRUE(warning.observation.level.is_set());
  EXPECT_EQ(warning.observation.level.value, Level::kWarning);
  IngestEvent cleared = DecodeOne(Event("e2", "span-update", R"({"id":"s","level":null})"));
  EXPECT_TRUE(cleared.observation.level.is_null());
  IngestEvent absent = DecodeOne(Event("e3", "span-update", R"({"id":"s"})"));
  EXPECT_TRUE(absent.observation.level.absent());
}

TEST(BatchDecoder, NonStringUserIdIsRejected) {
  EventError error = DecodeError(Event("e1", "trace-create", R"({"id":"t","userId":42})"));
  EXPECT_NE(error.error.find("userId"), std::string::npos) << error.error;
  DecodeError(Event("e2", "trace-create", R"({"id":"t","sessionId":{"a":1}})"));
  DecodeError(Event("e3", "trace-create", R"({"id":"t","tags":["ok",1]})"));
  DecodeError(Event("e4", "trace-create", R"({"id":"t","public":"yes"})"));
}

TEST(BatchDecoder, TraceNameLongerThan1000CharactersIsRejected) {
  std::string ok_name(1000, 'n');
  std::string long_name(1001, 'n');
  EXPECT_EQ(DecodeOne(Event("e1", "trace-create", R"({"id":"t","name":")" + ok_name + "\"}"))
                .trace.name.value,
            ok_name);
  DecodeError(Event("e2", "trace-create", R"({"id":"t","name":")" + long_name + "\"}"));
}

TEST(BatchDecoder, SdkLogIsNeitherSuccessNorError) {
  DecodedBatch batch = Decode(Batch({
      Event("log1", "sdk-log", R"({"log":"something happened"})"),
      Event("e1", "trace-create", R"({"id":"t"})"),
  }));
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].event_id, "e1");
  EXPECT_EQ(batch.acknowledged, std::vector<std::string>{"e1"});
  EXPECT_TRUE(batch.errors.empty());
}

TEST(BatchDecoder, TraceWithoutIdIsAcknowledgedButNotStored) {
  DecodedBatch batch = Decode(Batch({Event("e1", "trace-create", R"({"name":"no id"})")}));
  EXPECT_TRUE(batch.events.empty());
  EXPECT_TRUE(batch.errors.empty());
  EXPECT_EQ(batch.acknowledged, std::vector<std::string>{"e1"});
}

// ---- Event types --------------------------------------------------------------------------

TEST(BatchDecoder, EveryObservationEventTypeMapsToItsType) {
  struct Case {
    const char* event_type;
    ObservationType type;
    bool is_update;
  };
  const Case cases[] = {
      {"span-create", ObservationType::kSpan, false},
      {"span-update", ObservationType::kSpan, true},
      {"generation-create", ObservationType::kGeneration, false},
      {"generation-update", ObservationType::kGeneration, true},
      {"event-create", ObservationType::kEvent, false},
      {"agent-create", ObservationType::kAgent, false},
      {"tool-create", ObservationType::kTool, false},
      {"chain-create", ObservationType::kChain, false},
      {"retriever-create", ObservationType::kRetriever, false},
      {"evaluator-create", ObservationType::kEvaluator, false},
      {"embedding-create", ObservationType::kEmbedding, false},
      {"guardrail-create", ObservationType::kGuardrail, false},
  };
  for (const Case& c : cases) {
    IngestEvent event = DecodeOne(
        Event("e1", c.event_type,
              R"({"id":"o1","traceId":"t1","model":"gpt-4o","usage":{"input":1,"output":2}})"));
    EXPECT_EQ(event.kind, EventKind::kObservation) << c.event_type;
    EXPECT_EQ(event.observation.type, c.type) << c.event_type;
    EXPECT_EQ(event.observation.is_update, c.is_update) << c.event_type;
    EXPECT_EQ(event.observation.id, "o1") << c.event_type;
    EXPECT_EQ(event.observation.trace_id, "t1") << c.event_type;
    EXPECT_EQ(event.observation.model.value, "gpt-4o") << c.event_type;
    EXPECT_EQ(event.observation.usage_details.at("input"), 1) << c.event_type;
  }
}

TEST(BatchDecoder, LegacyObservationEventsTakeTheirTypeFromTheBody) {
  IngestEvent generation =
      DecodeOne(Event("e1", "observation-create", R"({"id":"o","type":"GENERATION"})"));
  EXPECT_EQ(generation.observation.type, ObservationType::kGeneration);
  EXPECT_FALSE(generation.observation.is_update);
  IngestEvent event = DecodeOne(Event("e2", "observation-update", R"({"id":"o","type":"EVENT"})"));
  EXPECT_EQ(event.observation.type, ObservationType::kEvent);
  EXPECT_TRUE(event.observation.is_update);
  IngestEvent span = DecodeOne(Event("e3", "observation-create", R"({"id":"o","type":"SPAN"})"));
  EXPECT_EQ(span.observation.type, ObservationType::kSpan);

  DecodeError(Event("e4", "observation-create", R"({"id":"o"})"));
  DecodeError(Event("e5", "observation-create", R"({"id":"o","type":"AGENT"})"));
  DecodeError(Event("e6", "observation-create", R"({"id":"o","type":"span"})"));
}

TEST(BatchDecoder, ObservationFieldsAreDecoded) {
  IngestEvent event = DecodeOne(Event("e1", "generation-create", R"({
    "id":"g1","traceId":"t1","name":"llm","startTime":"2024-03-15T10:30:01Z",
    "endTime":"2024-03-15T10:30:02.5Z","completionStartTime":"2024-03-15T10:30:01.250Z",
    "statusMessage":"ok","parentObservationId":"s0","version":"v2","environment":"staging",
    "modelParameters":{"temperature":0.2,"stop":["\n"]},"input":[{"role":"user"}],
    "output":{"content":"hi"}})"));
  const ObservationPatch& p = event.observation;
  EXPECT_EQ(event.timestamp_us, ParseIsoTimestamp(kTimestamp));
  EXPECT_EQ(p.name.value, "llm");
  EXPECT_EQ(p.start_time_us, ParseIsoTimestamp("2024-03-15T10:30:01Z"));
  EXPECT_EQ(p.end_time_us, ParseIsoTimestamp("2024-03-15T10:30:02.500Z"));
  EXPECT_EQ(p.completion_start_time_us, ParseIsoTimestamp("2024-03-15T10:30:01.250Z"));
  EXPECT_EQ(p.status_message, "ok");
  EXPECT_EQ(p.parent_observation_id, "s0");
  EXPECT_EQ(p.version, "v2");
  EXPECT_EQ(p.environment, "staging");
  EXPECT_EQ(p.model_parameters, R"({"temperature":0.2,"stop":["\n"]})");
  EXPECT_EQ(p.input, R"([{"role":"user"}])");
  EXPECT_EQ(p.output, R"({"content":"hi"})");
  EXPECT_TRUE(p.usage_details.empty());
  EXPECT_TRUE(p.cost_details.empty());
}

TEST(BatchDecoder, ModelParametersMustBeAnObject) {
  DecodeError(Event("e1", "generation-create", R"({"id":"g","modelParameters":[1]})"));
}

TEST(BatchDecoder, TraceFieldsAreDecoded) {
  IngestEvent event = DecodeOne(Event("e1", "trace-create", R"({
    "id":"t1","timestamp":"2024-03-15T09:00:00Z","name":"chat","userId":"u1","sessionId":"s1",
    "release":"r1","version":"v1","input":{"q":1},"output":"answer","tags":["b","a"],
    "public":true,"metadata":{"k":"v"},"externalId":"ignored"})"));
  EXPECT_EQ(event.kind, EventKind::kTrace);
  const TracePatch& p = event.trace;
  EXPECT_EQ(p.id, "t1");
  EXPECT_EQ(p.timestamp_us, ParseIsoTimestamp("2024-03-15T09:00:00Z"));
  EXPECT_EQ(p.name.value, "chat");
  EXPECT_EQ(p.user_id.value, "u1");
  EXPECT_EQ(p.session_id.value, "s1");
  EXPECT_EQ(p.release.value, "r1");
  EXPECT_EQ(p.version.value, "v1");
  EXPECT_EQ(p.input, R"({"q":1})");
  EXPECT_EQ(p.output, R"("answer")");
  EXPECT_EQ(p.tags, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(p.is_public, true);
  EXPECT_EQ(p.metadata, R"({"k":"v"})");
  EXPECT_FALSE(p.environment.has_value());
}

TEST(BatchDecoder, ExplicitNullIsDistinguishedFromAbsent) {
  IngestEvent event =
      DecodeOne(Event("e1", "trace-create", R"({"id":"t1","name":null,"release":"r"})"));
  EXPECT_TRUE(event.trace.name.is_null());
  EXPECT_TRUE(event.trace.user_id.absent());
  EXPECT_TRUE(event.trace.release.is_set());
}

TEST(BatchDecoder, TraceCreateWithoutPublicWritesFalse) {
  IngestEvent event = DecodeOne(Event("e1", "trace-create", R"({"id":"t1"})"));
  ASSERT_TRUE(event.trace.is_public.has_value());
  EXPECT_FALSE(*event.trace.is_public);
}

TEST(BatchDecoder, NonObjectMetadataIsWrapped) {
  EXPECT_EQ(
      DecodeOne(Event("e1", "trace-create", R"({"id":"t","metadata":"note"})")).trace.metadata,
      R"({"metadata":"note"})");
  EXPECT_EQ(DecodeOne(Event("e2", "span-create", R"({"id":"s","metadata":[1,"two"]})"))
                .observation.metadata,
            R"({"metadata":[1,"two"]})");
  EXPECT_EQ(
      DecodeOne(Event("e3", "span-create", R"({"id":"s","metadata":7})")).observation.metadata,
      R"({"metadata":7})");
  EXPECT_EQ(DecodeOne(Event("e4", "span-create", R"({"id":"s","metadata":{"a":{"b":1}}})"))
                .observation.metadata,
            R"({"a":{"b":1}})");
  EXPECT_FALSE(DecodeOne(Event("e5", "span-create", R"({"id":"s","metadata":null})"))
                   .observation.metadata.has_value());
}

TEST(BatchDecoder, FalsyInputAndOutputAreIgnored) {
  for (const char* falsy : {"null", "\"\"", "0", "false"}) {
    std::string body = std::string(R"({"id":"t","input":)") + falsy + R"(,"output":)" + falsy + "}";
    IngestEvent trace = DecodeOne(Event("e1", "trace-create", body));
    EXPECT_FALSE(trace.trace.input.has_value()) << falsy;
    EXPECT_FALSE(trace.trace.output.has_value()) << falsy;
    IngestEvent span = DecodeOne(Event("e2", "span-update", body));
    EXPECT_FALSE(span.observation.input.has_value()) << falsy;
    EXPECT_FALSE(span.observation.output.has_value()) << falsy;
  }
  // Zero however it is spelled, as JavaScript's falsiness has it.
  for (const char* zero : {"0.0", "-0", "0e5"}) {
    std::string body = std::string(R"({"id":"t","input":)") + zero + "}";
    EXPECT_FALSE(DecodeOne(Event("e4", "trace-create", body)).trace.input.has_value()) << zero;
  }
  // Empty containers and truthy scalars are values.
  IngestEvent kept =
      DecodeOne(Event("e3", "trace-create", R"({"id":"t","input":{},"output":true})"));
  EXPECT_EQ(kept.trace.input, "{}");
  EXPECT_EQ(kept.trace.output, "true");
}

// ---- Environment ---------------------------------------------------------------------------

TEST(NormalizeEnvironment, LowercasesAndStripsLangfusePrefixes) {
  EXPECT_EQ(NormalizeEnvironment("Langfuse-Prod"), "prod");
  EXPECT_EQ(NormalizeEnvironment("PRODUCTION"), "production");
  EXPECT_EQ(NormalizeEnvironment("langfuse_staging"), "staging");
  EXPECT_EQ(NormalizeEnvironment("langfusedev"), "dev");
  EXPECT_EQ(NormalizeEnvironment("langfuse-langfuse_test"), "test");
  EXPECT_EQ(NormalizeEnvironment("my-env_2"), "my-env_2");
}

TEST(NormalizeEnvironment, FallsBackToDefault) {
  EXPECT_EQ(NormalizeEnvironment(""), "default");
  EXPECT_EQ(NormalizeEnvironment("langfuse"), "default");
  EXPECT_EQ(NormalizeEnvironment("Langfuse-"), "default");
  EXPECT_EQ(NormalizeEnvironment("has space"), "default");
  EXPECT_EQ(NormalizeEnvironment("prod!"), "default");
  EXPECT_EQ(NormalizeEnvironment("prod.eu"), "default");
  EXPECT_EQ(NormalizeEnvironment("pröd"), "default");
}

TEST(NormalizeEnvironment, TruncatesTo40Characters) {
  EXPECT_EQ(NormalizeEnvironment(std::string(50, 'a')), std::string(40, 'a'));
  EXPECT_EQ(NormalizeEnvironment("langfuse-" + std::string(45, 'b')), std::string(40, 'b'));
}

TEST(BatchDecoder, EnvironmentIsNormalizedOnEveryEntity) {
  EXPECT_EQ(DecodeOne(Event("e1", "trace-create", R"({"id":"t","environment":"Langfuse-Prod"})"))
                .trace.environment,
            "prod");
  EXPECT_EQ(DecodeOne(Event("e2", "span-create", R"({"id":"s","environment":"bad env"})"))
                .observation.environment,
            "default");
  EXPECT_EQ(DecodeOne(Event("e3", "generation-create",
                            R"({"id":"g","environment":")" + std::string(50, 'x') + "\"}"))
                .observation.environment,
            std::string(40, 'x'));
  EXPECT_EQ(DecodeOne(Event("e4", "score-create",
                            R"({"name":"q","value":1,"traceId":"t","environment":"QA"})"))
                .score.environment,
            "qa");
  // Absent environment stays absent in patches; records default it.
  EXPECT_FALSE(
      DecodeOne(Event("e5", "span-create", R"({"id":"s"})")).observation.environment.has_value());
  EXPECT_EQ(DecodeOne(Event("e6", "score-create", R"({"name":"q","value":1,"traceId":"t"})"))
                .score.environment,
            "default");
}

// ---- Access --------------------------------------------------------------------------------

TEST(BatchDecoder, ScoresOnlyAccessRejectsEverythingButScores) {
  DecodedBatch batch =
      Decode(Batch({
                 Event("e1", "trace-create", R"({"id":"t"})"),
                 Event("e2", "span-create", R"({"id":"s"})"),
                 Event("e3", "score-create", R"({"name":"quality","value":1,"traceId":"t"})"),
             }),
             IngestAccess::kScoresOnly);
  ASSERT_EQ(batch.events.size(), 1u);
  EXPECT_EQ(batch.events[0].kind, EventKind::kScore);
  EXPECT_EQ(batch.acknowledged, std::vector<std::string>{"e3"});
  ASSERT_EQ(batch.errors.size(), 2u);
  for (const EventError& error : batch.errors) {
    EXPECT_EQ(error.status, 401);
    EXPECT_EQ(error.message, "Access Scope Denied");
  }
  EXPECT_EQ(batch.errors[0].id, "e1");
  EXPECT_EQ(batch.errors[1].id, "e2");
}

// ---- Scores --------------------------------------------------------------------------------

TEST(BatchDecoder, ScoreNeedsExactlyOneSubject) {
  DecodeError(Event("e1", "score-create", R"({"name":"q","value":1})"));
  DecodeError(
      Event("e2", "score-create", R"({"name":"q","value":1,"traceId":"t","sessionId":"s"})"));
  DecodeError(
      Event("e3", "score-create", R"({"name":"q","value":1,"sessionId":"s","datasetRunId":"r"})"));
  DecodeError(Event("e4", "score-create", R"({"name":"q","value":1,"observationId":"o"})"));

  IngestEvent trace = DecodeOne(
      Event("e5", "score-create", R"({"name":"q","value":1,"traceId":"t","observationId":"o"})"));
  EXPECT_EQ(trace.score.trace_id, "t");
  EXPECT_EQ(trace.score.observation_id, "o");
  IngestEvent session =
      DecodeOne(Event("e6", "score-create", R"({"name":"q","value":1,"sessionId":"s"})"));
  EXPECT_EQ(session.score.session_id, "s");
  EXPECT_FALSE(session.score.trace_id.has_value());
  IngestEvent run =
      DecodeOne(Event("e7", "score-create", R"({"name":"q","value":1,"datasetRunId":"r"})"));
  EXPECT_EQ(run.score.dataset_run_id, "r");
}

TEST(BatchDecoder, ScoreNeedsNameAndValue) {
  DecodeError(Event("e1", "score-create", R"({"value":1,"traceId":"t"})"));
  DecodeError(Event("e2", "score-create", R"({"name":"","value":1,"traceId":"t"})"));
  DecodeError(Event("e3", "score-create", R"({"name":"q","traceId":"t"})"));
  DecodeError(Event("e4", "score-create", R"({"name":"q","value":null,"traceId":"t"})"));
  DecodeError(Event("e5", "score-create", R"({"name":"q","value":[1],"traceId":"t"})"));
}

TEST(BatchDecoder, BooleanScoreNeedsZeroOrOne) {
  DecodeError(
      Event("e1", "score-create", R"({"name":"q","value":2,"dataType":"BOOLEAN","traceId":"t"})"));
  DecodeError(Event("e2", "score-create",
                    R"({"name":"q","value":0.5,"dataType":"BOOLEAN","traceId":"t"})"));
  DecodeError(Event("e3", "score-create",
                    R"({"name":"q","value":"true","dataType":"BOOLEAN","traceId":"t"})"));

  IngestEvent yes = DecodeOne(
      Event("e4", "score-create", R"({"name":"q","value":1,"dataType":"BOOLEAN","traceId":"t"})"));
  EXPECT_EQ(yes.score.data_type, ScoreDataType::kBoolean);
  EXPECT_EQ(yes.score.value, 1);
  EXPECT_EQ(yes.score.string_value, "True");
  IngestEvent no = DecodeOne(
      Event("e5", "score-create", R"({"name":"q","value":0,"dataType":"BOOLEAN","traceId":"t"})"));
  EXPECT_EQ(no.score.value, 0);
  EXPECT_EQ(no.score.string_value, "False");
}

TEST(BatchDecoder, ScoreDataTypeIsInferredFromTheValue) {
  IngestEvent numeric =
      DecodeOne(Event("e1", "score-create", R"({"name":"q","value":0.75,"traceId":"t"})"));
  EXPECT_EQ(numeric.score.data_type, ScoreDataType::kNumeric);
  EXPECT_DOUBLE_EQ(numeric.score.value, 0.75);
  EXPECT_FALSE(numeric.score.string_value.has_value());

  IngestEvent categorical =
      DecodeOne(Event("e2", "score-create", R"({"name":"q","value":"good","traceId":"t"})"));
  EXPECT_EQ(categorical.score.data_type, ScoreDataType::kCategorical);
  EXPECT_EQ(categorical.score.string_value, "good");
  EXPECT_EQ(categorical.score.value, 0);
}

TEST(BatchDecoder, NumericScoreWithStringValueIsRejected) {
  EventError error = DecodeError(Event(
      "e1", "score-create", R"({"name":"q","value":"high","dataType":"NUMERIC","traceId":"t"})"));
  EXPECT_NE(error.error.find("value"), std::string::npos) << error.error;
  DecodeError(
      Event("e2", "score-create", R"({"name":"q","value":1,"dataType":"NUMBER","traceId":"t"})"));
}

TEST(BatchDecoder, TextScoreLengthIsBounded) {
  auto text_score = [](const std::string& value) {
    return Event("e1", "score-create",
                 R"({"name":"q","dataType":"TEXT","traceId":"t","value":")" + value + "\"}");
  };
  DecodeError(text_score(""));
  DecodeError(text_score(std::string(501, 'x')));
  IngestEvent one = DecodeOne(text_score("x"));
  EXPECT_EQ(one.score.string_value, "x");
  EXPECT_EQ(one.score.data_type, ScoreDataType::kText);
  IngestEvent max = DecodeOne(text_score(std::string(500, 'x')));
  EXPECT_EQ(max.score.string_value, std::string(500, 'x'));
  EXPECT_EQ(max.score.value, 0);
  DecodeError(
      Event("e2", "score-create", R"({"name":"q","dataType":"TEXT","traceId":"t","value":3})"));
}

TEST(BatchDecoder, ScoreIdDefaultsToTheEventId) {
  IngestEvent defaulted =
      DecodeOne(Event("event-42", "score-create", R"({"name":"q","value":1,"traceId":"t"})",
                      "2024-03-15T10:30:00.250Z"));
  EXPECT_EQ(defaulted.kind, EventKind::kScore);
  EXPECT_EQ(defaulted.score.id, "event-42");
  EXPECT_EQ(defaulted.score.timestamp_us, ParseIsoTimestamp("2024-03-15T10:30:00.250Z"));
  IngestEvent explicit_id = DecodeOne(
      Event("event-43", "score-create", R"({"id":"s1","name":"q","value":1,"traceId":"t"})"));
  EXPECT_EQ(explicit_id.score.id, "s1");
}

TEST(BatchDecoder, ScoreFieldsAreDecoded) {
  IngestEvent event = DecodeOne(Event("e1", "score-create", R"({
    "id":"s1","name":"accuracy","value":0.9,"traceId":"t1","observationId":"o1",
    "comment":"fine","configId":"c1","queueId":"q1","source":"EVAL","metadata":{"by":"x"}})"));
  const ScorePatch& s = event.score;
  EXPECT_EQ(s.name, "accuracy");
  EXPECT_EQ(s.comment, "fine");
  EXPECT_EQ(s.config_id, "c1");
  EXPECT_EQ(s.queue_id, "q1");
  EXPECT_EQ(s.source, "EVAL");
  EXPECT_EQ(s.metadata, R"({"by":"x"})");
  DecodeError(
      Event("e2", "score-create", R"({"name":"q","value":1,"traceId":"t","source":"HUMAN"})"));
  EXPECT_EQ(DecodeOne(Event("e3", "score-create", R"({"name":"q","value":1,"traceId":"t"})"))
                .score.source,
            "API");
}

TEST(DecodeScoreBody, AppliesTheSameRulesAsScoreCreate) {
  auto ok = DecodeScoreBody(R"({"name":"q","value":"good","sessionId":"s"})", "fallback", 123);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->id, "fallback");
  EXPECT_EQ(ok->timestamp_us, 123);
  EXPECT_EQ(ok->data_type, ScoreDataType::kCategorical);

  auto bad = DecodeScoreBody(R"({"name":"q","value":1})", "fallback", 123);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(DecodeScoreBody("[1]", "f", 0).ok());
  EXPECT_FALSE(DecodeScoreBody("{", "f", 0).ok());
}

// ---- Unicode -------------------------------------------------------------------------------

TEST(BatchDecoder, UnicodeStringsArePreservedByteExactly) {
  const std::string name =
      "h\xC3\xA9llo \xF0\x9F\x8C\x8D \xE6\x97\xA5\xE6\x9C\xAC";  // héllo 🌍 日本
  const std::string user = "\xD0\xBF\xD0\xBE\xD0\xBB\xD1\x8C";   // поль
  IngestEvent event =
      DecodeOne(Event("e1", "trace-create",
                      R"({"id":"t-)" + name + R"(","name":")" + name + R"(","userId":")" + user +
                          R"(","tags":[")" + name + R"("],"input":{"text":")" + name +
                          R"("},"metadata":{")" + user + R"(":")" + name + R"("}})"));
  EXPECT_EQ(event.trace.id, "t-" + name);
  EXPECT_EQ(event.trace.name.value, name);
  EXPECT_EQ(event.trace.user_id.value, user);
  EXPECT_EQ(event.trace.tags, std::vector<std::string>{name});
  EXPECT_EQ(event.trace.input, R"({"text":")" + name + R"("})");
  EXPECT_EQ(event.trace.metadata, R"({")" + user + R"(":")" + name + R"("})");
}

// input, output and metadata are stored as the client wrote them, less the whitespace
// between tokens: strings and numbers keep their spelling.
TEST(BatchDecoder, JsonValuesKeepTheClientsTextWithoutWhitespace) {
  IngestEvent event = DecodeOne(Event("e1", "generation-create", R"({
      "id": "g", "traceId": "t",
      "input": [ { "role" : "user", "content" : "caf\u00e9 \"quoted\"  two  spaces" } ],
      "output": { "n" : 1.50, "big" : 18446744073709551615, "e" : 1e3, "ok" : true },
      "metadata": { "input": "not the input", "nested": { "a" : [ 1 , 2 ] } }
    })"));
  EXPECT_EQ(event.observation.input,
            R"([{"role":"user","content":"caf\u00e9 \"quoted\"  two  spaces"}])");
  EXPECT_EQ(event.observation.output, R"({"n":1.50,"big":18446744073709551615,"e":1e3,"ok":true})");
  EXPECT_EQ(event.observation.metadata, R"({"input":"not the input","nested":{"a":[1,2]}})");
  IngestEvent scalar =
      DecodeOne(Event("e2", "trace-create", R"({"id":"t", "input" : "a b" , "output" : -2.50 })"));
  EXPECT_EQ(scalar.trace.input, R"("a b")");
  EXPECT_EQ(scalar.trace.output, "-2.50");
}

// simdjson refuses integers beyond 64 bits; JavaScript reads them as doubles, and so does
// Langfuse: the batch is not refused for them.
TEST(BatchDecoder, IntegersBeyond64BitsAreReadAsDoubles) {
  IngestEvent event = DecodeOne(Event(
      "e1", "trace-create",
      R"({"id":"t","input":{"big":123456789012345678901234,"neg":-9223372036854775809,)"
      R"("max":18446744073709551615,"min":-9223372036854775808,"f":0.1234567890123456789012345,)"
      R"("e":1e-5,"s":"123456789012345678901234"}})"));
  EXPECT_EQ(
      event.trace.input,
      R"({"big":123456789012345678901234.0,"neg":-9223372036854775809.0,)"
      R"("max":18446744073709551615,"min":-9223372036854775808,"f":0.1234567890123456789012345,)"
      R"("e":1e-5,"s":"123456789012345678901234"})");
  // Malformed numbers are still malformed.
  auto bad = DecodeIngestionBatch(R"({"batch":[{"n":01}]})", IngestAccess::kProject);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Invalid JSON body"), std::string::npos);
}

// A number beyond a double's range (a Python client can send 1e400) is Infinity to
// JavaScript, which JSON.stringify writes as null: in a JSON value it becomes null; where a
// number is required, the event fails alone, naming the field.
TEST(BatchDecoder, NumbersBeyondADoubleAreNullAndFailOnlyTheirEvent) {
  DecodedBatch batch = Decode(Batch(
      {Event("e1", "trace-create",
             R"({"id":"t","input":{"inf":1e400,"neg":-2.5E+999,"digits":)" + std::string(400, '9') +
                 R"(,"tiny":1e-5,"under":1e-400,"ok":1.50,"s":"1e400"}})"),
       Event("e2", "score-create", R"({"name":"q","value":1e400,"traceId":"t"})"),
       Event("e3", "score-create", R"({"name":"q","value":0.5,"traceId":"t"})")}));
  ASSERT_EQ(batch.events.size(), 2u);
  EXPECT_EQ(
      batch.events[0].trace.input,
      R"({"inf":null,"neg":null,"digits":null,"tiny":1e-5,"under":1e-400,"ok":1.50,"s":"1e400"})");
  ASSERT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.errors[0].id, "e2");
  EXPECT_NE(batch.errors[0].error.find("value"), std::string::npos) << batch.errors[0].error;
}

// Over 1 MB the on-demand pass works in buffers of its own, freed after the request.
TEST(BatchDecoder, LargeBodiesKeepTheClientsTextToo) {
  const std::string long_text(1 << 20, 'x');
  IngestEvent event =
      DecodeOne(Event("e1", "trace-create",
                      R"({"id":"t","input":{ "n" : 1.50, "text" : ")" + long_text + R"(" }})"));
  EXPECT_EQ(event.trace.input, R"({"n":1.50,"text":")" + long_text + R"("})");
}

// The first of duplicate keys is the value, for the text as for the parsed fields; events
// that are not objects keep the others' texts in place.
TEST(BatchDecoder, JsonValueTextsFollowTheParsedValues) {
  DecodedBatch batch =
      Decode(R"({"batch":[5,)" +
             Event("e1", "trace-create", R"({"id":"t1","input":"first","input":"second"})") + "," +
             R"({"id":"e2","type":"trace-create","timestamp":")" + std::string(kTimestamp) +
             R"(","body":{"id":"t2","input":{"a":1}},"body":{"id":"t3","input":{"b":2}}},)" +
             Event("e3", "trace-create", R"({"id":"t4","metadata":[ "not" , "an object" ]})") +
             R"(],"batch":[]})");
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.errors.size(), 1u);
  EXPECT_EQ(batch.events[0].trace.input, R"("first")");
  EXPECT_EQ(batch.events[1].trace.id, "t2");
  EXPECT_EQ(batch.events[1].trace.input, R"({"a":1})");
  EXPECT_EQ(batch.events[2].trace.metadata, R"({"metadata":["not","an object"]})");
}

TEST(BatchDecoder, EscapedUnicodeIsDecoded) {
  IngestEvent event =
      DecodeOne(Event("e1", "trace-create", R"({"id":"t","name":"caf\u00e9 \ud83c\udf0d"})"));
  EXPECT_EQ(event.trace.name.value, "caf\xC3\xA9 \xF0\x9F\x8C\x8D");
}

TEST(BatchDecoder, EmptyEntityIdsAreRejected) {
  EventError span = DecodeError(
      R"({"id":"e1","type":"span-create","timestamp":"2024-01-01T00:00:00Z","body":{"id":""}})");
  EXPECT_EQ(span.status, 400);
  EXPECT_NE(span.error.find("body.id"), std::string::npos);
  EventError trace = DecodeError(
      R"({"id":"e2","type":"trace-create","timestamp":"2024-01-01T00:00:00Z","body":{"id":""}})");
  EXPECT_NE(trace.error.find("body.id"), std::string::npos);
}

}  // namespace
}  // namespace lanterne
