// POST /api/public/otel/v1/traces (and /v1/traces for collectors given only a base URL):
// OTLP/HTTP trace export, protobuf or JSON. Spans become trace and observation events on
// the same durable write path as batch ingestion, so an answered export is committed.
#include <algorithm>

#include "api/api_context.h"
#include "api/responses.h"
#include "core/time.h"
#include "ingest/otlp/otlp_decode.h"
#include "ingest/otlp/span_mapping.h"

namespace lanterne {
namespace {

// OTLP answers in the request's encoding: an ExportTraceServiceResponse, whose
// partial_success says how many spans were refused and why.
Response ExportResponse(OtlpEncoding encoding, int64_t rejected, const std::string& message) {
  if (encoding == OtlpEncoding::kProtobuf) {
    otlp::ExportTraceServiceResponse response;
    if (rejected > 0) {
      response.mutable_partial_success()->set_rejected_spans(rejected);
      response.mutable_partial_success()->set_error_message(message);
    }
    return Response(200, response.SerializeAsString(), "application/x-protobuf");
  }
  if (rejected == 0) return JsonResponse(200, std::string("{}"));
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("partialSuccess");
  w.StartObject();
  w.Key("rejectedSpans");
  // int64 is a decimal string in OTLP/JSON.
  WriteString(w, std::to_string(rejected));
  w.Key("errorMessage");
  WriteString(w, message);
  w.EndObject();
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response ExportTraces(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto encoding = OtlpEncodingFromContentType(request.Header("content-type").value_or(""));
  if (!encoding) {
    return ErrorResponse(400,
                         "Invalid content type: expected application/x-protobuf or "
                         "application/json",
                         "InvalidRequestError");
  }
  if (auto version = request.Header("x-langfuse-ingestion-version")) {
    if (version->empty() || version->size() > 2 ||
        version->find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(*version)) > 4) {
      return ErrorResponse(400, "x-langfuse-ingestion-version must be a number up to 4",
                           "InvalidRequestError");
    }
  }
  // One arena for the whole decoded export: thousands of small strings and messages are
  // allocated from one block, sized from the body, and freed at once.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = std::clamp<size_t>(request.body.size() * 2, 4096, 64 << 20);
  arena_options.max_block_size = std::max(arena_options.start_block_size, size_t{8} << 20);
  google::protobuf::Arena arena(arena_options);
  auto* export_request = google::protobuf::Arena::CreateMessage<OtlpExportRequest>(&arena);
  if (!request.body.empty()) {
    Status decoded = *encoding == OtlpEncoding::kProtobuf
                         ? DecodeOtlpProtobuf(request.body, export_request)
                         : DecodeOtlpJson(request.body, export_request);
    if (!decoded.ok()) return ErrorResponse(400, decoded.message(), "InvalidRequestError");
  }
  if (Status ids = CheckOtlpSpanIds(*export_request); !ids.ok()) {
    return ErrorResponse(400, ids.message(), "InvalidRequestError");
  }
  // Mapped spans are about the size of the body; far past that, the export is hostile.
  const size_t max_mapped = (size_t{32} << 20) + 2 * request.body.size();
  OtlpMappedExport mapped = MapOtlpExport(*export_request, NowMicros(), max_mapped);
  if (!mapped.events.empty()) {
    Status written = ctx.pipeline.Submit(auth.project_id, std::move(mapped.events));
    if (!written.ok()) return ErrorResponse(written);
  }
  return ExportResponse(*encoding, mapped.rejected_spans, mapped.rejection_message);
}

// Langfuse accepts OTLP metrics and drops them; exporters configured for both signals
// must not see errors.
Response ExportMetrics(ApiContext&, Request&, const AuthContext&) {
  return JsonResponse(200, std::string(R"({"message":"OK"})"));
}

}  // namespace

void RegisterOtelRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/public/otel/v1/traces", Authed(ctx, false, ExportTraces));
  router.Add("POST", "/v1/traces", Authed(ctx, false, ExportTraces));
  router.Add("POST", "/api/public/otel/v1/metrics", Authed(ctx, false, ExportMetrics));
}

}  // namespace lanterne
