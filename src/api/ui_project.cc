// The web UI's project routes: API keys, and the project's data through the public API's
// own handlers (same parameters, same answers) behind a session and a permission check.
#include "api/responses.h"
#include "api/routes_metrics.h"
#include "api/ui_common.h"
#include "api/ui_prompts.h"
#include "api/ui_summaries.h"
#include "core/time.h"

namespace lanterne {
namespace {

void WriteKeyFields(JsonWriter& w, const ApiKey& key) {
  w.Key("id");
  WriteString(w, key.id);
  w.Key("publicKey");
  WriteString(w, key.public_key);
  w.Key("displaySecretKey");
  WriteString(w, key.display_secret);
  w.Key("note");
  WriteOptString(w, key.note);
  w.Key("createdAt");
  WriteString(w, FormatIsoMillis(key.created_at_us));
}

Response ListKeys(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveProject(state, caller.user.id, request.path_params[0], Scope::kApiKeysRead);
  if (!access.ok()) return ErrorResponse(access.status());
  auto keys = state.ctx.store.ApiKeysOfProject(access->project.id);
  if (!keys.ok()) return ErrorResponse(keys.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& key : *keys) {
    w.StartObject();
    WriteKeyFields(w, key);
    w.Key("lastUsedAt");
    // Uses since the last flush are only in the authenticator's memory.
    std::optional<int64_t> last_used = key.last_used_at_us;
    if (auto recent = state.ctx.auth.LastUsed(key.public_key)) {
      last_used = std::max(last_used.value_or(0), *recent);
    }
    if (last_used) {
      WriteString(w, FormatIsoMillis(*last_used));
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response CreateKey(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kApiKeysCreate);
  if (!access.ok()) return ErrorResponse(access.status());
  std::optional<std::string> note;
  if (!request.body.empty()) {
    JsonBody body(request.body);
    if (!body.ok()) return BadBody();
    note = body.String("note");
    if (note && note->size() > 1000) {
      return ErrorResponse(Status::InvalidArgument("note: at most 1000 characters"));
    }
  }
  NewApiKey key = MakeApiKey(access->project.id, std::nullopt, std::nullopt, note);
  Status written = state.write([&](WriteTxn& txn) { return txn.PutApiKey(key.key); });
  if (!written.ok()) return ErrorResponse(written);
  state.ctx.auth.Remember(key.key);
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKeyFields(w, key.key);
  w.Key("secretKey");
  WriteString(w, key.secret);
  w.EndObject();
  Response response = JsonResponse(201, buffer);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

// PATCH .../traces/{traceId} {"bookmarked": bool}: a MEMBER and up may bookmark.
Response BookmarkTrace(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kObjectsBookmark);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& trace_id = request.path_params[1];
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  bool bookmarked = false;
  if (parser.parse(request.body).get(root) || root["bookmarked"].get_bool().get(bookmarked)) {
    return ErrorResponse(Status::InvalidArgument("bookmarked: required, true or false"));
  }
  bool found = false;
  Status written = state.write([&](WriteTxn& txn) -> Status {
    auto changed = txn.SetTraceBookmark(access->project.id, trace_id, bookmarked);
    if (!changed.ok()) return changed.status();
    found = *changed;
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  if (!found) return ErrorResponse(Status::NotFound("Trace " + trace_id + " not found"));
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, trace_id);
  w.Key("bookmarked");
  w.Bool(bookmarked);
  w.EndObject();
  return JsonResponse(200, buffer);
}

// Deleted from the store, then from the authenticator's cache: the public API refuses the
// key from the very next request on.
Response DeleteKey(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kApiKeysDelete);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& id = request.path_params[1];
  auto keys = state.ctx.store.ApiKeysOfProject(access->project.id);
  if (!keys.ok()) return ErrorResponse(keys.status());
  const ApiKey* found = nullptr;
  for (const auto& key : *keys) {
    if (key.id == id) found = &key;
  }
  if (!found) return ErrorResponse(Status::NotFound("API key " + id + " not found"));
  Status written = state.write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteApiKey(access->project.id, id);
    return deleted.ok() ? Status::Ok() : deleted.status();
  });
  if (!written.ok()) return ErrorResponse(written);
  state.ctx.auth.Forget(found->public_key);
  return NoContent();
}

// How much of the project the full-text search does not cover yet (Store::SearchIndexLag):
// the traces page shows it beside search results while the index catches up.
Response SearchIndexStatus(ApiContext& ctx, Request&, const AuthContext& auth) {
  auto lag = ctx.store.SearchIndexLag(auth.project_id);
  if (!lag.ok()) return ErrorResponse(lag.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("unindexedTraces");
  w.Int64(lag->traces);
  w.Key("unindexedObservations");
  w.Int64(lag->observations);
  w.Key("countedUpTo");
  w.Int64(Store::kSearchLagCountCap);
  w.EndObject();
  return JsonResponse(200, buffer);
}

// Runs a public API handler for the project in the path (its first parameter, removed
// before the handler sees the rest) once the caller's role there has `scope`.
Handler ProjectData(const std::shared_ptr<UiState>& state, Scope scope, ApiHandlerFn fn) {
  return WithSession(state, [scope, fn](UiState& st, Request& request, const UiCaller& caller) {
    auto access = ResolveProject(st, caller.user.id, request.path_params[0], scope);
    if (!access.ok()) return ErrorResponse(access.status());
    request.path_params.erase(request.path_params.begin());
    AuthContext auth{access->project.id, "", AccessLevel::kProject};
    return fn(st.ctx, request, auth);
  });
}

}  // namespace

void RegisterUiProjectRoutes(Router& router, std::shared_ptr<UiState> state) {
  router.Add("GET", "/api/ui/projects/{projectId}/api-keys", WithSession(state, ListKeys));
  router.Add("POST", "/api/ui/projects/{projectId}/api-keys", WithSession(state, CreateKey));
  router.Add("DELETE", "/api/ui/projects/{projectId}/api-keys/{id}", WithSession(state, DeleteKey));

  const DataHandlers& d = state->data;
  constexpr Scope kRead = Scope::kProjectRead;
  const std::string p = "/api/ui/projects/{projectId}";
  // The public listing plus `search` (full text), which the public API does not have.
  router.Add("GET", p + "/traces", ProjectData(state, kRead, d.search_traces));
  router.Add("GET", p + "/search-status", ProjectData(state, kRead, SearchIndexStatus));
  router.Add("DELETE", p + "/traces", ProjectData(state, Scope::kTracesDelete, d.delete_traces));
  router.Add("GET", p + "/traces/{traceId}", ProjectData(state, kRead, d.get_trace));
  router.Add("PATCH", p + "/traces/{traceId}", WithSession(state, BookmarkTrace));
  router.Add("DELETE", p + "/traces/{traceId}",
             ProjectData(state, Scope::kTracesDelete, d.delete_trace));
  router.Add("GET", p + "/observations", ProjectData(state, kRead, d.list_observations));
  router.Add("GET", p + "/observations/{observationId}",
             ProjectData(state, kRead, d.get_observation));
  router.Add("GET", p + "/sessions", ProjectData(state, kRead, d.list_sessions));
  router.Add("GET", p + "/sessions/{sessionId}", ProjectData(state, kRead, d.get_session));
  router.Add("GET", p + "/scores", ProjectData(state, kRead, d.list_scores_v2));
  router.Add("GET", p + "/scores/{scoreId}", ProjectData(state, kRead, d.get_score));
  // The sessions and users pages' aggregates (ui_summaries.h); UI only.
  // Per-version metrics of a prompt's linked generations (`?name=`); UI only.
  router.Add("GET", p + "/prompt-metrics", ProjectData(state, kRead, PromptMetrics));
  // The metrics query API (routes_metrics.h) for the dashboards: `?query=<JSON>`.
  router.Add("GET", p + "/metrics",
             ProjectData(state, Scope::kDashboardsRead, MetricsQueryHandler));
  router.Add("GET", p + "/ui-sessions", ProjectData(state, kRead, ListUiSessions));
  router.Add("GET", p + "/ui-sessions/{sessionId}", ProjectData(state, kRead, GetUiSession));
  router.Add("GET", p + "/users", ProjectData(state, kRead, ListUiUsers));
  router.Add("GET", p + "/users/{userId}", ProjectData(state, kRead, GetUiUser));
  // Prompt management: reads through the public handlers; writes check prompts:CUD and,
  // when they move the protected label, promptProtectedLabels:CUD (ui_prompts.h).
  constexpr Scope kPromptsRead = Scope::kPromptsRead;
  router.Add("GET", p + "/prompts", ProjectData(state, kPromptsRead, d.list_prompts));
  router.Add("POST", p + "/prompts", WithSession(state, CreateUiPrompt));
  router.Add("GET", p + "/prompts/{name}", ProjectData(state, kPromptsRead, d.get_prompt));
  router.Add("DELETE", p + "/prompts/{name}", WithSession(state, DeleteUiPrompt));
  router.Add("GET", p + "/prompts/{name}/versions",
             ProjectData(state, kPromptsRead, ListUiPromptVersions));
  router.Add("PATCH", p + "/prompts/{name}/versions/{version}",
             WithSession(state, PatchUiPromptLabels));
  router.Add("PUT", p + "/prompts/{name}/versions/{version}/labels",
             WithSession(state, PutUiPromptLabels));
}

void RegisterUiRoutes(Router& router, ApiContext& ctx) {
  auto state = std::make_shared<UiState>(ctx);
  RegisterUiAuthRoutes(router, state);
  RegisterUiOrgRoutes(router, state);
  RegisterUiProjectRoutes(router, state);
  RegisterUiDashboardRoutes(router, state);
}

}  // namespace lanterne
