// OTLP decoding (protobuf and JSON into the same messages) and the span → trace and
// observation mapping of LANGFUSE_API.md section 4.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>

#include "ingest/otlp/otlp_decode.h"
#include "ingest/otlp/span_mapping.h"

namespace lanterne {
namespace {

constexpr int64_t kNow = 1'800'000'000'000'000;
constexpr uint64_t kStartNs = 1'731'000'000'000'000'000;
const std::string kTraceHex = "5b8efff798038103d269b633813fc60c";

std::string Bytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Builds one export with one resource and one scope, span by span.
class ExportBuilder {
 public:
  ExportBuilder() {
    resource_spans_ = request_.add_resource_spans();
    scope_spans_ = resource_spans_->add_scope_spans();
    scope_spans_->mutable_scope()->set_name("my-app");
  }

  ExportBuilder& Scope(const std::string& name) {
    scope_spans_->mutable_scope()->set_name(name);
    return *this;
  }
  ExportBuilder& ResourceString(const std::string& key, const std::string& value) {
    auto* kv = resource_spans_->mutable_resource()->add_attributes();
    kv->set_key(key);
    kv->mutable_value()->set_string_value(value);
    return *this;
  }
  otlp::Span& Span(const std::string& span_hex, const std::string& parent_hex = "",
                   const std::string& name = "span") {
    otlp::Span* span = scope_spans_->add_spans();
    span->set_trace_id(Bytes(kTraceHex));
    span->set_span_id(Bytes(span_hex));
    if (!parent_hex.empty()) span->set_parent_span_id(Bytes(parent_hex));
    span->set_name(name);
    span->set_start_time_unix_nano(kStartNs);
    span->set_end_time_unix_nano(kStartNs + 500'000'000);
    return *span;
  }
  const OtlpExportRequest& request() const { return request_; }

 private:
  OtlpExportRequest request_;
  otlp::ResourceSpans* resource_spans_;
  otlp::ScopeSpans* scope_spans_;
};

void Str(otlp::Span& span, const std::string& key, const std::string& value) {
  auto* kv = span.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
void Int(otlp::Span& span, const std::string& key, int64_t value) {
  auto* kv = span.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}
void Dbl(otlp::Span& span, const std::string& key, double value) {
  auto* kv = span.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_double_value(value);
}

const ObservationPatch& OnlyObservation(const OtlpMappedExport& mapped) {
  const ObservationPatch* found = nullptr;
  for (const auto& e : mapped.events) {
    if (e.kind == EventKind::kObservation) {
      EXPECT_EQ(found, nullptr) << "more than one observation";
      found = &e.observation;
    }
  }
  EXPECT_NE(found, nullptr);
  return *found;
}

// The observation of a one-span export, by value: the export dies with the statement.
ObservationPatch ObservationOf(const ExportBuilder& b) {
  return OnlyObservation(MapOtlpExport(b.request(), kNow));
}

TracePatch TraceOf(const OtlpMappedExport& mapped, size_t index = 0) {
  size_t seen = 0;
  for (const auto& e : mapped.events) {
    if (e.kind == EventKind::kTrace && seen++ == index) return e.trace;
  }
  ADD_FAILURE() << "no trace event " << index;
  static TracePatch none;
  return none;
}

// ---- Decoding --------------------------------------------------------------------------

TEST(OtlpDecode, ContentTypesPickTheEncoding) {
  EXPECT_EQ(OtlpEncodingFromContentType("application/x-protobuf"), OtlpEncoding::kProtobuf);
  EXPECT_EQ(OtlpEncodingFromContentType("application/json; charset=utf-8"), OtlpEncoding::kJson);
  EXPECT_EQ(OtlpEncodingFromContentType("text/plain"), std::nullopt);
}

TEST(OtlpDecode, ProtobufRoundTrip) {
  ExportBuilder b;
  Str(b.Span("eee19b7ec3c1b174"), "k", "v");
  std::string wire = b.request().SerializeAsString();
  OtlpExportRequest decoded;
  ASSERT_TRUE(DecodeOtlpProtobuf(wire, &decoded).ok());
  ASSERT_EQ(decoded.resource_spans(0).scope_spans(0).spans_size(), 1);
  EXPECT_EQ(decoded.resource_spans(0).scope_spans(0).spans(0).attributes(0).value().string_value(),
            "v");
}

TEST(OtlpDecode, GarbageAndTruncatedProtobufAreRefused) {
  ExportBuilder b;
  Str(b.Span("eee19b7ec3c1b174"), "key", "a value long enough to truncate");
  std::string wire = b.request().SerializeAsString();
  OtlpExportRequest decoded;
  Status truncated = DecodeOtlpProtobuf(wire.substr(0, wire.size() - 5), &decoded);
  EXPECT_EQ(truncated.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(truncated.message().find("ExportTraceServiceRequest"), std::string::npos);
  OtlpExportRequest garbage;
  EXPECT_FALSE(DecodeOtlpProtobuf("\xff\xff\xff\xff\xff", &garbage).ok());
}

TEST(OtlpDecode, JsonIdsAreHexAndIntegersMayBeStrings) {
  OtlpExportRequest decoded;
  Status s = DecodeOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{
      "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",
      "startTimeUnixNano":"1731000000000000000","endTimeUnixNano":1731000000500000000,
      "attributes":[{"key":"n","value":{"intValue":"42"}},
                    {"key":"d","value":{"doubleValue":"NaN"}},
                    {"key":"b","value":{"bytesValue":"aGk="}},
                    {"key":"l","value":{"kvlistValue":{"values":[{"key":"x","value":{"boolValue":true}}]}}}],
      "status":{"code":2,"message":"boom"}}]}]}]})",
                            &decoded);
  ASSERT_TRUE(s.ok()) << s.message();
  const auto& span = decoded.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.trace_id(), Bytes(kTraceHex));
  EXPECT_EQ(span.start_time_unix_nano(), 1731000000000000000u);
  EXPECT_EQ(span.end_time_unix_nano(), 1731000000500000000u);
  EXPECT_EQ(span.attributes(0).value().int_value(), 42);
  EXPECT_TRUE(std::isnan(span.attributes(1).value().double_value()));
  EXPECT_EQ(span.attributes(2).value().bytes_value(), "hi");
  EXPECT_TRUE(span.attributes(3).value().kvlist_value().values(0).value().bool_value());
  EXPECT_EQ(span.status().code(), 2);
}

TEST(OtlpDecode, JsonStructuralErrorsNameThePath) {
  OtlpExportRequest decoded;
  Status s = DecodeOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]})", &decoded);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("resourceSpans[0].scopeSpans[0].spans must be an array"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(DecodeOtlpJson(R"({"resourceSpans":[{"scopeSpans":[)", &decoded).ok());
  EXPECT_FALSE(DecodeOtlpJson("[1,2]", &decoded).ok());
  Status bad_int = DecodeOtlpJson(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]})", &decoded);
  EXPECT_NE(bad_int.message().find("startTimeUnixNano must be an integer"), std::string::npos);
}

TEST(OtlpDecode, JsonNestingIsBounded) {
  std::string value = R"({"stringValue":"x"})";
  for (int i = 0; i < 200; ++i) value = R"({"arrayValue":{"values":[)" + value + "]}}";
  std::string body =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":)" + value +
      "}]}]}]}]}";
  OtlpExportRequest decoded;
  Status s = DecodeOtlpJson(body, &decoded);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nests too deeply"), std::string::npos);
}

TEST(OtlpDecode, EmptyExportIsValid) {
  OtlpExportRequest decoded;
  EXPECT_TRUE(DecodeOtlpJson("{}", &decoded).ok());
  EXPECT_TRUE(MapOtlpExport(decoded, kNow).events.empty());
}

// ---- Real exports captured from the npm SDKs (tests/compat/fixtures/otlp) --------------

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(LANTERNE_SOURCE_DIR) + "/tests/compat/fixtures/otlp/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void ExpectGenAiFixture(const OtlpExportRequest& request) {
  OtlpMappedExport mapped = MapOtlpExport(request, kNow);
  ASSERT_EQ(mapped.accepted_spans, 2);
  const ObservationPatch* chat = nullptr;
  for (const auto& e : mapped.events) {
    if (e.kind == EventKind::kObservation && e.observation.name.value == "chat gpt-4o") {
      chat = &e.observation;
    }
  }
  ASSERT_NE(chat, nullptr);
  EXPECT_EQ(chat->type, ObservationType::kGeneration);
  EXPECT_EQ(chat->model.value, "gpt-4o-2024-08-06");
  EXPECT_EQ(chat->usage_details, (UsageMap{{"input", 31}, {"output", 12}, {"total", 43}}));
  EXPECT_EQ(chat->model_parameters, R"({"max_tokens":300,"temperature":0.7})");
  EXPECT_NE(chat->metadata->find(R"("app.custom_flag":"blue-42")"), std::string::npos);
  EXPECT_EQ(chat->start_time_us, 1740823200000000 + 100000) << "2025-03-01T10:00:00.100Z";
}

TEST(OtlpFixtures, ProtobufExportFromExporterTraceOtlpProto) {
  OtlpExportRequest request;
  ASSERT_TRUE(DecodeOtlpProtobuf(Fixture("genai-proto.pb"), &request).ok());
  ExpectGenAiFixture(request);
}

TEST(OtlpFixtures, JsonExportFromExporterTraceOtlpHttp) {
  OtlpExportRequest request;
  Status s = DecodeOtlpJson(Fixture("genai-http.json"), &request);
  ASSERT_TRUE(s.ok()) << s.message();
  ExpectGenAiFixture(request);
}

TEST(OtlpFixtures, LangfuseOtelExport) {
  OtlpExportRequest request;
  ASSERT_TRUE(DecodeOtlpJson(Fixture("langfuse-otel.json"), &request).ok());
  ASSERT_TRUE(CheckOtlpSpanIds(request).ok());
  OtlpMappedExport mapped = MapOtlpExport(request, kNow);
  EXPECT_EQ(mapped.accepted_spans, 7);
  std::map<std::string, ObservationType> types;
  for (const auto& e : mapped.events) {
    if (e.kind == EventKind::kObservation) types[e.observation.name.value] = e.observation.type;
    if (e.kind == EventKind::kTrace) {
      EXPECT_EQ(e.trace.name.value, "otel-rag-agent");
      EXPECT_EQ(e.trace.tags, (std::vector<std::string>{"compat", "otel"}));
      EXPECT_EQ(e.trace.environment, "compat");
    }
  }
  EXPECT_EQ(types,
            (std::map<std::string, ObservationType>{{"rag-request", ObservationType::kSpan},
                                                    {"planner", ObservationType::kAgent},
                                                    {"vector-search", ObservationType::kRetriever},
                                                    {"embed-query", ObservationType::kEmbedding},
                                                    {"get-weather", ObservationType::kTool},
                                                    {"answer", ObservationType::kGeneration},
                                                    {"flaky-step", ObservationType::kSpan}}));
}

// ---- Mapping: ids, hierarchy, times -----------------------------------------------------

TEST(OtlpMapping, IdsAreHexAndRootsFillTheirTrace) {
  ExportBuilder b;
  b.Span("eee19b7ec3c1b174", "", "handle-request");
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  EXPECT_EQ(mapped.accepted_spans, 1);
  const ObservationPatch& o = OnlyObservation(mapped);
  EXPECT_EQ(o.id, "eee19b7ec3c1b174");
  EXPECT_EQ(o.trace_id, kTraceHex);
  EXPECT_FALSE(o.parent_observation_id);
  EXPECT_EQ(o.type, ObservationType::kSpan);
  EXPECT_EQ(o.start_time_us, static_cast<int64_t>(kStartNs / 1000));
  EXPECT_EQ(o.end_time_us, static_cast<int64_t>(kStartNs / 1000) + 500'000);
  const TracePatch t = TraceOf(mapped);
  EXPECT_EQ(t.id, kTraceHex);
  EXPECT_EQ(t.name.value, "handle-request");  // a root names its trace
  EXPECT_EQ(t.earliest_timestamp_us, static_cast<int64_t>(kStartNs / 1000));
}

TEST(OtlpMapping, ChildWithoutTraceAttributesOnlyEnsuresTheTrace) {
  ExportBuilder b;
  b.Span("eee19b7ec3c1b175", "eee19b7ec3c1b174", "child");
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  EXPECT_EQ(OnlyObservation(mapped).parent_observation_id, "eee19b7ec3c1b174");
  const TracePatch t = TraceOf(mapped);
  EXPECT_EQ(t.id, kTraceHex);
  EXPECT_TRUE(t.name.absent());
  EXPECT_FALSE(t.metadata);
  EXPECT_TRUE(t.earliest_timestamp_us);
}

TEST(OtlpMapping, BadIdsRejectTheSpanAlone) {
  ExportBuilder b;
  b.Span("eee19b7ec3c1b174");
  otlp::Span& bad = b.Span("eee19b7ec3c1b175", "", "broken");
  bad.set_trace_id("short");
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  EXPECT_EQ(mapped.accepted_spans, 1);
  EXPECT_EQ(mapped.rejected_spans, 1);
  EXPECT_NE(mapped.rejection_message.find("\"broken\": traceId must be 16 bytes"),
            std::string::npos)
      << mapped.rejection_message;
}

TEST(OtlpMapping, MissingIdsRejectTheWholeExport) {
  ExportBuilder b;
  b.Span("eee19b7ec3c1b174");
  EXPECT_TRUE(CheckOtlpSpanIds(b.request()).ok());
  b.Span("eee19b7ec3c1b175", "", "no-ids").clear_span_id();
  Status s = CheckOtlpSpanIds(b.request());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(R"(spans[1] ("no-ids") has no spanId)"), std::string::npos)
      << s.message();
}

TEST(OtlpMapping, ExportsThatExpandTooMuchAreCutWithAMessage) {
  // Every span's metadata repeats the resource: 200 spans × 10 KB of resource.
  ExportBuilder b;
  b.ResourceString("big", std::string(10000, 'x'));
  for (int i = 0; i < 200; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", i + 1);
    b.Span(id);
  }
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow, 500'000);
  EXPECT_GT(mapped.accepted_spans, 10);
  EXPECT_LT(mapped.accepted_spans, 60);
  EXPECT_EQ(mapped.accepted_spans + mapped.rejected_spans, 200);
  EXPECT_NE(mapped.rejection_message.find("the mapped spans exceed"), std::string::npos);
}

TEST(OtlpMapping, MissingTimesFallBack) {
  ExportBuilder b;
  otlp::Span& only_end = b.Span("eee19b7ec3c1b174");
  only_end.set_start_time_unix_nano(0);
  otlp::Span& none = b.Span("eee19b7ec3c1b175");
  none.set_start_time_unix_nano(0);
  none.set_end_time_unix_nano(0);
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  EXPECT_EQ(mapped.events[1].observation.start_time_us,
            static_cast<int64_t>(kStartNs / 1000) + 500'000);
  EXPECT_EQ(mapped.events[3].observation.start_time_us, kNow);
}

// ---- Mapping: Langfuse SDK attributes ---------------------------------------------------

TEST(OtlpMapping, LangfuseAttributes) {
  ExportBuilder b;
  b.Scope("langfuse-sdk").ResourceString("service.name", "rag");
  otlp::Span& s = b.Span("eee19b7ec3c1b175", "eee19b7ec3c1b174", "llm-call");
  Str(s, "langfuse.observation.type", "generation");
  Str(s, "langfuse.observation.input", R"({"question":"capital?"})");
  Str(s, "langfuse.observation.output", "Paris");
  Str(s, "langfuse.observation.model.name", "gpt-4o");
  Str(s, "langfuse.observation.model.parameters", R"({"temperature":0.1})");
  Str(s, "langfuse.observation.usage_details", R"({"input":10,"output":3})");
  Str(s, "langfuse.observation.cost_details", R"({"total":0.002})");
  Str(s, "langfuse.observation.level", "warn");
  Str(s, "langfuse.observation.status_message", "slow");
  Str(s, "langfuse.observation.prompt.name", "qa");
  Int(s, "langfuse.observation.prompt.version", 3);
  Str(s, "langfuse.observation.metadata.step", "answer");
  Str(s, "langfuse.observation.completion_start_time", "\"2024-11-07T17:20:00.250Z\"");
  Str(s, "langfuse.environment", "Production");
  Str(s, "langfuse.release", "v1");
  Str(s, "langfuse.version", "7");
  Str(s, "user.id", "u1");
  Str(s, "session.id", "s1");
  Str(s, "langfuse.trace.name", "qa-trace");
  Str(s, "langfuse.trace.tags", R"(["b","a"])");
  Str(s, "langfuse.trace.metadata.tenant", "acme");
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  const ObservationPatch& o = OnlyObservation(mapped);
  EXPECT_EQ(o.type, ObservationType::kGeneration);
  EXPECT_EQ(o.input, R"({"question":"capital?"})");
  EXPECT_EQ(o.output, R"("Paris")");
  EXPECT_EQ(o.model.value, "gpt-4o");
  EXPECT_EQ(o.model_parameters, R"({"temperature":0.1})");
  EXPECT_EQ(o.usage_details.at("input"), 10);
  EXPECT_EQ(o.usage_details.at("output"), 3);
  EXPECT_EQ(o.usage_details.at("total"), 13);
  EXPECT_DOUBLE_EQ(o.cost_details.at("total"), 0.002);
  EXPECT_EQ(o.level.value, Level::kWarning);
  EXPECT_EQ(o.status_message, "slow");
  EXPECT_EQ(o.prompt_name, "qa");
  EXPECT_EQ(o.prompt_version, 3);
  EXPECT_EQ(o.completion_start_time_us, 1731000000250000);
  EXPECT_EQ(o.environment, "production");
  EXPECT_EQ(o.version, "7");
  // Langfuse SDK spans keep only what no field took: here nothing but the trace keys.
  EXPECT_EQ(
      o.metadata,
      R"({"attributes":{"session.id":"s1","user.id":"u1"},"resourceAttributes":{"service.name":"rag"},)"
      R"("scope":{"attributes":{},"name":"langfuse-sdk","version":""},"step":"answer"})");
  // Trace attributes on a child update the trace; its trace metadata goes there alone.
  const TracePatch t = TraceOf(mapped);
  EXPECT_EQ(t.name.value, "qa-trace");
  EXPECT_EQ(t.user_id.value, "u1");
  EXPECT_EQ(t.session_id.value, "s1");
  EXPECT_EQ(t.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.release.value, "v1");
  EXPECT_EQ(t.environment, "production");
  EXPECT_NE(t.metadata->find(R"("tenant":"acme")"), std::string::npos);
}

TEST(OtlpMapping, ErrorStatusBecomesErrorLevel) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174");
  s.mutable_status()->set_code(2);
  s.mutable_status()->set_message("tool crashed");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.level.value, Level::kError);
  EXPECT_EQ(o.status_message, "tool crashed");
}

TEST(OtlpMapping, TagsInEveryForm) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {R"(["x","y"])", {"x", "y"}}, {"x, y", {"x", "y"}}, {"solo", {"solo"}}}) {
    ExportBuilder b;
    Str(b.Span("eee19b7ec3c1b174"), "langfuse.trace.tags", text);
    EXPECT_EQ(TraceOf(MapOtlpExport(b.request(), kNow)).tags, expected) << text;
  }
}

// ---- Mapping: OpenTelemetry GenAI -------------------------------------------------------

TEST(OtlpMapping, GenAiChatSpan) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b175", "eee19b7ec3c1b174", "chat gpt-4o");
  Str(s, "gen_ai.operation.name", "chat");
  Str(s, "gen_ai.system", "openai");
  Str(s, "gen_ai.request.model", "gpt-4o");
  Str(s, "gen_ai.response.model", "gpt-4o-2024-08-06");
  Dbl(s, "gen_ai.request.temperature", 0.2);
  Int(s, "gen_ai.request.max_tokens", 100);
  Int(s, "gen_ai.usage.input_tokens", 12);
  Int(s, "gen_ai.usage.output_tokens", 7);
  Str(s, "gen_ai.system_instructions", "be brief");
  Str(s, "gen_ai.input.messages", R"([{"role":"user","content":"hi"}])");
  Str(s, "gen_ai.output.messages", R"([{"role":"assistant","content":"hello"}])");
  Str(s, "app.feature", "faq");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.type, ObservationType::kGeneration);
  EXPECT_EQ(o.model.value, "gpt-4o-2024-08-06");
  EXPECT_EQ(o.model_parameters, R"({"max_tokens":100,"temperature":0.2})");
  EXPECT_EQ(o.usage_details, (UsageMap{{"input", 12}, {"output", 7}, {"total", 19}}));
  EXPECT_EQ(o.input, R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])");
  EXPECT_EQ(o.output, R"([{"role":"assistant","content":"hello"}])");
  // Unknown attributes are kept, as strings, under metadata.attributes.
  EXPECT_NE(o.metadata->find(R"("app.feature":"faq")"), std::string::npos) << *o.metadata;
  EXPECT_NE(o.metadata->find(R"("gen_ai.system":"openai")"), std::string::npos);
  EXPECT_EQ(o.metadata->find("gen_ai.input.messages"), std::string::npos);
}

TEST(OtlpMapping, GenAiMessageEvents) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174");
  Str(s, "gen_ai.request.model", "m");
  auto* user = s.add_events();
  user->set_name("gen_ai.user.message");
  auto* kv = user->add_attributes();
  kv->set_key("content");
  kv->mutable_value()->set_string_value("hi");
  auto* choice = s.add_events();
  choice->set_name("gen_ai.choice");
  kv = choice->add_attributes();
  kv->set_key("message");
  kv->mutable_value()->set_string_value(R"({"role":"assistant","content":"yo"})");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.input, R"([{"content":"hi","role":"user"}])");
  EXPECT_EQ(o.output, R"({"message":{"role":"assistant","content":"yo"}})");
}

TEST(OtlpMapping, GenAiToolSpan) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174", "", "execute_tool");
  Str(s, "gen_ai.operation.name", "execute_tool");
  Str(s, "gen_ai.tool.name", "get_weather");
  Str(s, "gen_ai.tool.call.arguments", R"({"city":"Paris"})");
  Str(s, "gen_ai.tool.call.result", "sunny");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.type, ObservationType::kTool);
  EXPECT_EQ(o.name.value, "get_weather");
  EXPECT_EQ(o.input, R"({"city":"Paris"})");
  EXPECT_EQ(o.output, R"("sunny")");
}

// ---- Mapping: OpenInference and OpenLLMetry ---------------------------------------------

TEST(OtlpMapping, OpenInferenceLlmSpan) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174");
  Str(s, "openinference.span.kind", "LLM");
  Str(s, "llm.model_name", "claude-3-5-sonnet");
  Str(s, "llm.invocation_parameters", R"({"max_tokens":256})");
  Str(s, "input.value", R"({"messages":[{"role":"user","content":"hi"}]})");
  Str(s, "output.value", "hello");
  Int(s, "llm.token_count.prompt", 20);
  Int(s, "llm.token_count.completion", 5);
  Int(s, "llm.token_count.total", 25);
  Str(s, "llm.input_messages.0.message.role", "user");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.type, ObservationType::kGeneration);
  EXPECT_EQ(o.model.value, "claude-3-5-sonnet");
  EXPECT_EQ(o.model_parameters, R"({"max_tokens":256})");
  EXPECT_EQ(o.input, R"({"messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(o.output, R"("hello")");
  EXPECT_EQ(o.usage_details, (UsageMap{{"input", 20}, {"output", 5}, {"total", 25}}));
}

TEST(OtlpMapping, OpenInferenceKinds) {
  for (const auto& [kind, type] : std::vector<std::pair<std::string, ObservationType>>{
           {"RETRIEVER", ObservationType::kRetriever},
           {"EMBEDDING", ObservationType::kEmbedding},
           {"AGENT", ObservationType::kAgent},
           {"CHAIN", ObservationType::kChain},
           {"TOOL", ObservationType::kTool}}) {
    ExportBuilder b;
    Str(b.Span("eee19b7ec3c1b174"), "openinference.span.kind", kind);
    EXPECT_EQ(ObservationOf(b).type, type) << kind;
  }
}

TEST(OtlpMapping, TraceloopFlattenedMessages) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174", "", "openai.chat");
  Str(s, "gen_ai.request.model", "gpt-4o-mini");
  Str(s, "gen_ai.prompt.0.role", "system");
  Str(s, "gen_ai.prompt.0.content", "be brief");
  Str(s, "gen_ai.prompt.1.role", "user");
  Str(s, "gen_ai.prompt.1.content", "hi");
  Str(s, "gen_ai.completion.0.role", "assistant");
  Str(s, "gen_ai.completion.0.content", "hello");
  Int(s, "gen_ai.usage.prompt_tokens", 9);
  Int(s, "gen_ai.usage.completion_tokens", 2);
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.type, ObservationType::kGeneration);
  EXPECT_EQ(o.input, R"([{"content":"be brief","role":"system"},{"content":"hi","role":"user"}])");
  EXPECT_EQ(o.output, R"([{"content":"hello","role":"assistant"}])");
  EXPECT_EQ(o.usage_details, (UsageMap{{"input", 9}, {"output", 2}, {"total", 11}}));
}

TEST(OtlpMapping, TraceloopEntityInputOutput) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174", "", "retrieve.task");
  Str(s, "traceloop.span.kind", "task");
  Str(s, "traceloop.entity.input", R"({"query":"q"})");
  Str(s, "traceloop.entity.output", R"(["doc1"])");
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.input, R"({"query":"q"})");
  EXPECT_EQ(o.output, R"(["doc1"])");
  EXPECT_NE(o.metadata->find(R"("traceloop.span.kind":"task")"), std::string::npos);
}

TEST(OtlpMapping, CachedAndReasoningTokensLeaveInputAndOutput) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174");
  Str(s, "gen_ai.request.model", "o3");
  Int(s, "gen_ai.usage.input_tokens", 100);
  Int(s, "gen_ai.usage.cache_read.input_tokens", 40);
  Int(s, "gen_ai.usage.output_tokens", 50);
  Int(s, "gen_ai.usage.reasoning.output_tokens", 30);
  Dbl(s, "gen_ai.usage.cost", 0.5);
  const ObservationPatch o = ObservationOf(b);
  EXPECT_EQ(o.usage_details.at("input"), 60);
  EXPECT_EQ(o.usage_details.at("input_cached_tokens"), 40);
  EXPECT_EQ(o.usage_details.at("output"), 20);
  EXPECT_EQ(o.usage_details.at("output_reasoning_tokens"), 30);
  EXPECT_DOUBLE_EQ(o.cost_details.at("total"), 0.5);
}

TEST(OtlpMapping, HostileAttributeValuesDoNotFailTheSpan) {
  ExportBuilder b;
  otlp::Span& s = b.Span("eee19b7ec3c1b174");
  Str(s, "langfuse.observation.usage_details", "{not json");
  Str(s, "gen_ai.prompt.99999.content", "too far");
  Str(s, "gen_ai.prompt.__proto__.x", "no");
  Dbl(s, "weird", std::numeric_limits<double>::quiet_NaN());
  OtlpMappedExport mapped = MapOtlpExport(b.request(), kNow);
  EXPECT_EQ(mapped.accepted_spans, 1);
  const ObservationPatch& o = OnlyObservation(mapped);
  EXPECT_TRUE(o.usage_details.empty());
  EXPECT_EQ(o.input, R"({"99999":{"content":"too far"}})");
  EXPECT_NE(o.metadata->find(R"("weird":"\"NaN\"")"), std::string::npos) << *o.metadata;
}

}  // namespace
}  // namespace lanterne
