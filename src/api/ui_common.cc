#include "api/ui_common.h"

#include <algorithm>
#include <cctype>

#include "api/responses.h"
#include "core/text.h"
#include "core/time.h"

namespace lanterne {

UiState::UiState(ApiContext& api_ctx)
    : ctx(api_ctx),
      write([&api_ctx](const std::function<Status(WriteTxn&)>& body) {
        return api_ctx.pipeline.SubmitWrite(body);
      }),
      sessions(api_ctx.store, write, NowMicros),
      limiter(LoginRateLimiter::Limits{}, NowMicros, api_ctx.store, write) {
  ExportTraceHandlers(data);
  ExportObservationHandlers(data);
  ExportSessionHandlers(data);
  ExportScoreHandlers(data);
  ExportPromptHandlers(data);
}

Handler WithSession(std::shared_ptr<UiState> state, UiHandler handler) {
  return [state, handler = std::move(handler)](Request& request) -> Response {
    auto token = CookieValue(request.Header("cookie").value_or(""), kSessionCookie);
    if (!token) return ErrorResponse(401, "Not logged in", "UnauthorizedError");
    auto session = state->sessions.Lookup(*token);
    if (!session.ok()) return ErrorResponse(session.status());
    if (!session->has_value()) {
      return ErrorResponse(401, "Session expired or invalid, log in again", "UnauthorizedError");
    }
    const std::string& m = request.method;
    if (m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE") {
      if (!CsrfValid(**session, request.Header("x-csrf-token"))) {
        return ErrorResponse(403, "CSRF token missing or invalid", "ForbiddenError");
      }
    }
    auto user = state->ctx.store.GetUser((*session)->user_id);
    if (!user.ok()) return ErrorResponse(user.status());
    if (!user->has_value()) return ErrorResponse(401, "Not logged in", "UnauthorizedError");
    UiCaller caller{std::move(**user), std::move(**session)};
    caller.user.password_hash.clear();
    return handler(*state, request, caller);
  };
}

namespace {

Result<Role> OrgRoleOf(UiState& state, const std::string& user_id, const std::string& org_id) {
  auto memberships = state.ctx.store.MembershipsOfUser(user_id);
  if (!memberships.ok()) return memberships.status();
  for (const auto& m : *memberships) {
    if (m.org_id == org_id) return ParseRole(m.role).value_or(Role::kNone);
  }
  return Role::kNone;
}

}  // namespace

Result<OrgAccess> ResolveOrg(UiState& state, const std::string& user_id, const std::string& org_id,
                             std::optional<Scope> scope) {
  auto org = state.ctx.store.GetOrganization(org_id);
  if (!org.ok()) return org.status();
  auto role = OrgRoleOf(state, user_id, org_id);
  if (!role.ok()) return role.status();
  if (!org->has_value() || *role == Role::kNone) {
    return Status::NotFound("Organization " + org_id + " not found");
  }
  if (scope) LANTERNE_RETURN_IF_ERROR(CheckScope(*role, *scope));
  return OrgAccess{**org, *role};
}

Result<ProjectAccess> ResolveProject(UiState& state, const std::string& user_id,
                                     const std::string& project_id, Scope scope) {
  auto project = state.ctx.store.GetProject(project_id);
  if (!project.ok()) return project.status();
  if (!project->has_value()) return Status::NotFound("Project " + project_id + " not found");
  auto org_role = OrgRoleOf(state, user_id, (*project)->org_id);
  if (!org_role.ok()) return org_role.status();
  std::optional<Role> override_role;
  if (*org_role != Role::kNone) {
    auto roles = state.ctx.store.ProjectRolesOfUser(user_id);
    if (!roles.ok()) return roles.status();
    for (const auto& r : *roles) {
      if (r.project_id == project_id) override_role = ParseRole(r.role);
    }
  }
  Role effective = EffectiveRole(*org_role, override_role);
  if (effective == Role::kNone) return Status::NotFound("Project " + project_id + " not found");
  LANTERNE_RETURN_IF_ERROR(CheckScope(effective, scope));
  return ProjectAccess{**project, *org_role, effective};
}

JsonBody::JsonBody(const std::string& body) {
  ok_ = parser_.parse(body).get_object().get(object_) == simdjson::SUCCESS;
}

std::optional<std::string> JsonBody::String(const char* key) const {
  if (!ok_) return std::nullopt;
  std::string_view value;
  if (object_.at_key(key).get_string().get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

bool JsonBody::IsNull(const char* key) const {
  if (!ok_) return false;
  simdjson::dom::element e;
  return object_.at_key(key).get(e) == simdjson::SUCCESS && e.is_null();
}

bool JsonBody::Has(const char* key) const {
  if (!ok_) return false;
  simdjson::dom::element e;
  return object_.at_key(key).get(e) == simdjson::SUCCESS;
}

Response BadBody() {
  return ErrorResponse(400, "Invalid request data: expected a JSON object", "InvalidRequestError");
}

Response NoContent() { return Response{204, "", "text/plain"}; }

void WriteUser(JsonWriter& w, const User& user) {
  w.StartObject();
  w.Key("id");
  WriteString(w, user.id);
  w.Key("email");
  WriteString(w, user.email);
  w.Key("name");
  WriteString(w, user.name);
  w.EndObject();
}

}  // namespace lanterne
