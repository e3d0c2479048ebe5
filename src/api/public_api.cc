#include "api/public_api.h"

#include <exception>

#include "api/responses.h"
#include "api/routes_metrics.h"
#include "api/ui_static.h"

namespace lanterne {

Handler Authed(ApiContext& ctx, bool allow_bearer, AuthedHandler handler) {
  return [&ctx, allow_bearer, handler = std::move(handler)](Request& request) {
    auto auth = ctx.auth.Authenticate(request.Header("authorization").value_or(""), allow_bearer);
    if (!auth.ok()) return ErrorResponse(auth.status());
    return handler(request, *auth);
  };
}

Handler Authed(ApiContext& ctx, bool allow_bearer, ApiHandlerFn fn) {
  return Authed(ctx, allow_bearer, [&ctx, fn](Request& request, const AuthContext& auth) {
    return fn(ctx, request, auth);
  });
}

PublicApi::PublicApi(Store& store, WritePipeline& pipeline, ApiKeyAuthenticator& auth,
                     ModelCatalog& models)
    : prompts_(store), ctx_{store, pipeline, auth, models, prompts_} {
  RegisterIngestionRoutes(router_, ctx_);
  RegisterTraceRoutes(router_, ctx_);
  RegisterObservationRoutes(router_, ctx_);
  RegisterSessionRoutes(router_, ctx_);
  RegisterScoreRoutes(router_, ctx_);
  RegisterProjectRoutes(router_, ctx_);
  RegisterOtelRoutes(router_, ctx_);
  RegisterModelRoutes(router_, ctx_);
  RegisterPromptRoutes(router_, ctx_);
  RegisterMetricsRoutes(router_, ctx_);
  RegisterUiRoutes(router_, ctx_);  // /api/ui: the web UI's JSON API (docs/ui-api.md)
}

namespace {

// Browsers (LangfuseWeb) call the API cross-origin: the origin is reflected, without
// credentials, and preflights are answered for every route.
void AddCors(const Request& request, Response& response) {
  auto origin = request.Header("origin");
  if (!origin) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.emplace_back("Vary", "Origin");
}

}  // namespace

Response PublicApi::Handle(Request& request) {
  if (request.method == "OPTIONS") {
    Response preflight{204, "", "text/plain"};
    AddCors(request, preflight);
    preflight.headers.emplace_back("Access-Control-Allow-Methods",
                                   "GET, HEAD, PUT, PATCH, POST, DELETE, OPTIONS");
    auto requested = request.Header("access-control-request-headers");
    preflight.headers.emplace_back(
        "Access-Control-Allow-Headers",
        requested ? std::string(*requested) : "Authorization, Content-Type");
    preflight.headers.emplace_back("Access-Control-Max-Age", "86400");
    return preflight;
  }
  Response response;
  try {
    const Handler* handler = nullptr;
    bool head = request.method == "HEAD";
    if (head) request.method = "GET";
    switch (router_.Match(request, &handler)) {
      case Router::MatchResult::kFound:
        response = (*handler)(request);
        break;
      case Router::MatchResult::kNotFound:
        if (request.method == "GET" && IsWebUiPath(request.path)) {  // the web UI (docs/ui.md)
          response = ServeWebUi(request);
          break;
        }
        response = ErrorResponse(404, "No route for " + request.method + " " + request.path,
                                 "LangfuseNotFoundError");
        break;
      case Router::MatchResult::kMethodNotAllowed:
        response =
            ErrorResponse(405, "Method " + request.method + " is not allowed on " + request.path,
                          "MethodNotAllowedError");
        break;
    }
    if (head) response.body.clear();
  } catch (const std::exception& e) {
    response = ErrorResponse(500, "Internal Server Error", e.what());
  }
  AddCors(request, response);
  return response;
}

}  // namespace lanterne
