// What the public API's handlers share, and the wrapper that authenticates a request
// before its handler runs.
#pragma once

#include <functional>

#include "prompts/prompt_cache.h"

#include "auth/api_keys.h"
#include "http/router.h"
#include "ingest/write_pipeline.h"
#include "pricing/model_catalog.h"
#include "storage/store.h"

namespace lanterne {

struct ApiContext {
  Store& store;
  WritePipeline& pipeline;
  ApiKeyAuthenticator& auth;
  ModelCatalog& models;  // project and built-in model definitions (prices)
  PromptCache& prompts;  // prompt versions by name, for the SDKs' fetches
};

using AuthedHandler = std::function<Response(Request&, const AuthContext&)>;

// `allow_bearer`: the route also takes a public key alone (scores from browsers).
Handler Authed(ApiContext& ctx, bool allow_bearer, AuthedHandler handler);

using ApiHandlerFn = Response (*)(ApiContext&, Request&, const AuthContext&);
// The common case: an authenticated handler that needs the context.
Handler Authed(ApiContext& ctx, bool allow_bearer, ApiHandlerFn fn);

void RegisterIngestionRoutes(Router& router, ApiContext& ctx);
void RegisterTraceRoutes(Router& router, ApiContext& ctx);
void RegisterObservationRoutes(Router& router, ApiContext& ctx);
void RegisterSessionRoutes(Router& router, ApiContext& ctx);
void RegisterScoreRoutes(Router& router, ApiContext& ctx);
void RegisterProjectRoutes(Router& router, ApiContext& ctx);
void RegisterOtelRoutes(Router& router, ApiContext& ctx);
void RegisterModelRoutes(Router& router, ApiContext& ctx);
void RegisterPromptRoutes(Router& router, ApiContext& ctx);
// The prompt page's per-version metrics (UI only: Langfuse has no public equivalent).
// Query `name`.
Response PromptMetrics(ApiContext& ctx, Request& request, const AuthContext& auth);

// The public API's project-data handlers, which the UI API (src/api/ui_*) runs behind a
// session and a permission check instead of a key: same parameters, same answers.
struct DataHandlers {
  ApiHandlerFn list_traces, get_trace, delete_trace, delete_traces;
  ApiHandlerFn search_traces;  // list_traces plus the UI's `search` (full text)
  ApiHandlerFn list_observations, get_observation;
  ApiHandlerFn list_sessions, get_session;
  ApiHandlerFn list_scores_v2, get_score;
  ApiHandlerFn list_prompts, get_prompt, update_prompt_labels, delete_prompt;
};
void ExportTraceHandlers(DataHandlers& out);
void ExportObservationHandlers(DataHandlers& out);
void ExportSessionHandlers(DataHandlers& out);
void ExportScoreHandlers(DataHandlers& out);
void ExportPromptHandlers(DataHandlers& out);

// The web UI's JSON API under /api/ui (docs/ui-api.md): session cookies, CSRF, roles.
void RegisterUiRoutes(Router& router, ApiContext& ctx);

}  // namespace lanterne
