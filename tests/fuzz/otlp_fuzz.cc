// libFuzzer target for the OTLP/HTTP trace receiver's decoding and mapping: every input is
// an export body as a client could POST it. It goes through both decoders (protobuf and
// JSON, as with either Content-Type), and whatever decodes is mapped to events the way the
// route does, so hostile attribute values (deep nesting, huge flattened keys, invalid JSON
// in string attributes, NaN and out-of-range numbers) reach the mapping too. A crash,
// sanitizer report, hang or runaway allocation here is a body that would take the server
// down; a decoding error is the expected outcome for garbage (the route answers 400).
//
// Beyond "does not crash", it checks what the route and the store rely on: a refused body
// has an InvalidArgument status with a message, every accepted span yields an observation
// and its trace a trace event, and the JSON texts the mapping produces (stored and later
// spliced into responses without re-parsing) are valid JSON, with finite costs.
//
// Built with -DLANTERNE_FUZZ=ON (clang only) and run by scripts/fuzz.sh.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "ingest/otlp/otlp_decode.h"
#include "ingest/otlp/span_mapping.h"

namespace {

// A fixed processing time keeps runs reproducible.
constexpr int64_t kNowUs = 1740823200000000;

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  detail = detail.substr(0, 300);
  std::fprintf(stderr, "otlp_fuzz: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void CheckJson(const std::optional<std::string>& text, const char* field) {
  if (!text) return;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(text->data(), text->size()).get(element) != simdjson::SUCCESS) {
    Fail(field, *text);
  }
}

void CheckEvent(const lanterne::IngestEvent& event) {
  if (event.kind == lanterne::EventKind::kTrace) {
    CheckJson(event.trace.input, "trace.input is not JSON:");
    CheckJson(event.trace.output, "trace.output is not JSON:");
    CheckJson(event.trace.metadata, "trace.metadata is not JSON:");
    return;
  }
  const lanterne::ObservationPatch& o = event.observation;
  CheckJson(o.input, "observation.input is not JSON:");
  CheckJson(o.output, "observation.output is not JSON:");
  CheckJson(o.metadata, "observation.metadata is not JSON:");
  CheckJson(o.model_parameters, "observation.model_parameters is not JSON:");
  for (const auto& [key, cost] : o.cost_details) {
    if (!std::isfinite(cost)) Fail("observation.cost_details has a non-finite cost:", key);
  }
}

// What ExportTraces (src/api/routes_otel.cc) does with a body before the write pipeline.
void DecodeAndMap(std::string_view body, bool json) {
  lanterne::OtlpExportRequest request;
  lanterne::Status status = json ? lanterne::DecodeOtlpJson(body, &request)
                                 : lanterne::DecodeOtlpProtobuf(body, &request);
  if (status.ok()) status = lanterne::CheckOtlpSpanIds(request);
  if (!status.ok()) {
    // The route answers "400 <message>".
    if (status.code() != lanterne::StatusCode::kInvalidArgument || status.message().empty()) {
      Fail("a refused body must be InvalidArgument with a message:", status.message());
    }
    return;
  }
  lanterne::OtlpMappedExport mapped = lanterne::MapOtlpExport(request, kNowUs);
  if ((mapped.rejected_spans > 0) == mapped.rejection_message.empty()) {
    Fail("rejected spans and the rejection message disagree");
  }
  // One observation per accepted span, and every trace they belong to gets a trace event
  // (and no other trace does).
  int64_t observations = 0;
  std::set<std::string> observed_traces, trace_events;
  for (const lanterne::IngestEvent& event : mapped.events) {
    CheckEvent(event);
    if (event.kind == lanterne::EventKind::kObservation) {
      ++observations;
      observed_traces.insert(event.observation.trace_id.value_or(""));
    } else {
      trace_events.insert(event.trace.id);
    }
  }
  if (observations != mapped.accepted_spans) Fail("one observation per accepted span");
  if (observed_traces != trace_events) Fail("one or more trace events per observed trace");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  DecodeAndMap(body, /*json=*/false);
  DecodeAndMap(body, /*json=*/true);
  return 0;
}
