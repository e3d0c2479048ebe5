// Model definitions (LANGFUSE_API.md 8.1): list and get the project's own and the built-in
// ones, create and delete the project's own. There is no update, as in Langfuse: a newer
// definition (later start date, or simply created later) takes precedence.
#include <algorithm>

#include "api/api_context.h"
#include "api/query_params.h"
#include "api/responses.h"
#include "core/ids.h"
#include "core/time.h"
#include "pricing/model_json.h"
#include "pricing/model_parse.h"

namespace lanterne {
namespace {

Response ModelResponse(int status, const ModelDefinition& model) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteModelJson(w, model);
  return JsonResponse(status, buffer);
}

// The project's definitions first, then the built-in ones: one list, paged across both.
Response ListModels(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  auto own = ctx.store.ListModels(auth.project_id, *page);
  if (!own.ok()) return ErrorResponse(own.status());
  const auto& builtins = ctx.models.builtins_listed();
  int64_t offset = (page->page - 1) * page->limit;
  int64_t builtin_offset = std::max<int64_t>(0, offset - own->total_items);
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  int64_t written = 0;
  for (const auto& model : own->items) {
    WriteModelJson(w, model);
    ++written;
  }
  for (size_t i = static_cast<size_t>(builtin_offset); i < builtins.size() && written < page->limit;
       ++i, ++written) {
    WriteModelJson(w, *builtins[i]);
  }
  w.EndArray();
  WritePageMeta(w, page->page, page->limit,
                own->total_items + static_cast<int64_t>(builtins.size()));
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response GetModel(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto own = ctx.store.GetModel(auth.project_id, id);
  if (!own.ok()) return ErrorResponse(own.status());
  if (own->has_value()) return ModelResponse(200, **own);
  if (auto builtin = ctx.models.FindBuiltin(id)) return ModelResponse(200, *builtin);
  return ErrorResponse(Status::NotFound("No model with this id found."));
}

Response CreateModel(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto model = ParseCreateModelBody(request.body);
  if (!model.ok()) return ErrorResponse(model.status());
  model->id = RandomUuid();
  model->project_id = auth.project_id;
  model->created_at_us = NowMicros();
  for (auto& tier : model->pricing_tiers) tier.id = RandomUuid();
  // Through the write pipeline: the store has one writer, and this commits in order with
  // ingestion.
  Status written =
      ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status { return txn.PutModel(*model); });
  if (!written.ok()) return ErrorResponse(written);
  ctx.models.InvalidateProject(auth.project_id);
  return ModelResponse(200, *model);
}

Response DeleteModel(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  bool existed = false;
  Status status = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteModel(auth.project_id, id);
    if (!deleted.ok()) return deleted.status();
    existed = *deleted;
    return Status::Ok();
  });
  if (!status.ok()) return ErrorResponse(status);
  if (!existed) {
    // Langfuse answers a built-in id the same way: 404, with this note.
    return ErrorResponse(Status::NotFound(
        "No model with this id found. Note: You cannot delete built-in models, override them "
        "with a model with the same name."));
  }
  ctx.models.InvalidateProject(auth.project_id);
  return JsonResponse(200, R"({"message":"Model successfully deleted"})");
}

}  // namespace

void RegisterModelRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/models", Authed(ctx, false, ListModels));
  router.Add("POST", "/api/public/models", Authed(ctx, false, CreateModel));
  router.Add("GET", "/api/public/models/{modelId}", Authed(ctx, false, GetModel));
  router.Add("DELETE", "/api/public/models/{modelId}", Authed(ctx, false, DeleteModel));
}

}  // namespace lanterne
