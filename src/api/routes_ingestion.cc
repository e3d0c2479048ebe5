// POST /api/public/ingestion: the batch event API of the Langfuse SDKs.
#include "api/api_context.h"
#include "api/responses.h"
#include "ingest/batch_decoder.h"

namespace lanterne {

namespace {

Response Ingest(ApiContext& ctx, Request& request, const AuthContext& auth) {
  IngestAccess access =
      auth.access == AccessLevel::kProject ? IngestAccess::kProject : IngestAccess::kScoresOnly;
  auto decoded = DecodeIngestionBatch(request.body, access);
  if (!decoded.ok()) {
    return ErrorResponse(400, "Invalid request data", decoded.status().message());
  }
  Status written = ctx.pipeline.Submit(auth.project_id, std::move(decoded->events));
  if (!written.ok()) return ErrorResponse(written);

  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("successes");
  w.StartArray();
  for (const auto& id : decoded->acknowledged) {
    w.StartObject();
    w.Key("id");
    WriteString(w, id);
    w.Key("status");
    w.Int(201);
    w.EndObject();
  }
  w.EndArray();
  w.Key("errors");
  w.StartArray();
  for (const auto& error : decoded->errors) {
    w.StartObject();
    w.Key("id");
    WriteString(w, error.id);
    w.Key("status");
    w.Int(error.status);
    w.Key("message");
    WriteString(w, error.message);
    w.Key("error");
    WriteString(w, error.error);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(207, buffer);
}

}  // namespace

void RegisterIngestionRoutes(Router& router, ApiContext& ctx) {
  router.Add("POST", "/api/public/ingestion", Authed(ctx, true, Ingest));
}

}  // namespace lanterne
