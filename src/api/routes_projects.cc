// Health (no authentication) and the project a key belongs to.
#include "api/api_context.h"
#include "api/responses.h"

namespace lanterne {
namespace {

Response Health(Request&) {
  return JsonResponse(200, std::string(R"({"status":"OK","version":")") + LANTERNE_VERSION + "\"}");
}

Response Projects(ApiContext& ctx, Request&, const AuthContext& auth) {
  auto project = ctx.store.GetProject(auth.project_id);
  if (!project.ok()) return ErrorResponse(project.status());
  if (!project->has_value()) return ErrorResponse(Status::NotFound("the key's project is gone"));
  auto org = ctx.store.GetOrganization((*project)->org_id);
  if (!org.ok()) return ErrorResponse(org.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  w.StartObject();
  w.Key("id");
  WriteString(w, (*project)->id);
  w.Key("name");
  WriteString(w, (*project)->name);
  w.Key("organization");
  w.StartObject();
  w.Key("id");
  WriteString(w, (*project)->org_id);
  w.Key("name");
  WriteString(w, org->has_value() ? (*org)->name : (*project)->org_id);
  w.EndObject();
  w.Key("metadata");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

}  // namespace

void RegisterProjectRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/health", Health);
  router.Add("GET", "/api/public/ready", Health);
  router.Add("GET", "/api/public/projects", Authed(ctx, false, Projects));
}

}  // namespace lanterne
