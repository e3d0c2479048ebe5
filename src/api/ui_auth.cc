// The web UI's accounts: sign-up, login (rate limited), logout, password change, and
// GET /api/ui/me with every organization and project the user can see and what they may
// do there.
#include <map>

#include "api/responses.h"
#include "api/ui_common.h"
#include "auth/provisioning.h"
#include "core/ids.h"
#include "core/text.h"
#include "core/time.h"

namespace lanterne {
namespace {

// The answer of a successful signup or login: {user, csrfToken} and both cookies.
Response SessionAnswer(int status, const User& user, const CreatedUiSession& created) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("user");
  WriteUser(w, user);
  w.Key("csrfToken");
  WriteString(w, created.session.csrf_token);
  w.EndObject();
  Response response = JsonResponse(status, buffer);
  response.headers.emplace_back("Set-Cookie", SessionSetCookie(created.token));
  response.headers.emplace_back("Set-Cookie", CsrfSetCookie(created.session.csrf_token));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response Signup(UiState& state, Request& request) {
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  auto email = body.String("email");
  auto password = body.String("password");
  std::string lower = AsciiLower(email.value_or(""));
  if (lower.size() < 3 || lower.find('@') == std::string::npos || lower.size() > 320) {
    return ErrorResponse(Status::InvalidArgument("email: a valid email address is required"));
  }
  if (!password) return ErrorResponse(Status::InvalidArgument("password: required"));
  if (Status valid = ValidateNewPassword(*password); !valid.ok()) return ErrorResponse(valid);
  std::string name = body.String("name").value_or("");
  if (name.empty()) name = lower.substr(0, lower.find('@'));
  if (name.size() > 200)
    return ErrorResponse(Status::InvalidArgument("name: at most 200 characters"));
  auto existing = state.ctx.store.FindUserByEmail(lower);
  if (!existing.ok()) return ErrorResponse(existing.status());
  if (existing->has_value()) {
    return ErrorResponse(409, "A user with this email already exists", "LangfuseConflictError");
  }
  auto hash = HashPassword(*password);
  if (!hash.ok()) return ErrorResponse(hash.status());
  auto users = state.ctx.store.CountUsers();
  if (!users.ok()) return ErrorResponse(users.status());
  User user{RandomUuid(), lower, name, *hash, NowMicros()};
  bool first = *users == 0;
  Status written = state.write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.CreateUser(user));
    if (!first) return Status::Ok();
    // The instance's first user gets a place to start: an organization and a project.
    Organization org{RandomUuid(), "My Organization"};
    LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(org));
    LANTERNE_RETURN_IF_ERROR(
        txn.UpsertProject(Project{RandomUuid(), org.id, "My Project", NowMicros()}));
    return txn.PutMembership(Membership{org.id, user.id, "OWNER"});
  });
  if (!written.ok()) return ErrorResponse(written);
  auto session = state.sessions.Create(user.id);
  if (!session.ok()) return ErrorResponse(session.status());
  return SessionAnswer(201, user, *session);
}

Response Login(UiState& state, Request& request) {
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  std::string email = AsciiLower(body.String("email").value_or(""));
  std::string password = body.String("password").value_or("");
  const std::string& ip = request.remote_address;
  if (int64_t wait = state.limiter.RetryAfterSeconds(email, ip); wait > 0) {
    Response response = ErrorResponse(429, "Too many failed login attempts, try again later",
                                      "TooManyRequestsError");
    for (auto& [name, value] : response.headers) {
      if (name == "Retry-After") value = std::to_string(wait);
    }
    return response;
  }
  auto user = state.ctx.store.FindUserByEmail(email);
  if (!user.ok()) return ErrorResponse(user.status());
  bool valid = false;
  if (user->has_value()) {
    valid = VerifyPassword((*user)->password_hash, password);
  } else {
    BurnPasswordCheck(password);
  }
  if (!valid) {
    state.limiter.RecordFailure(email, ip);
    return ErrorResponse(401, "Invalid email or password", "UnauthorizedError");
  }
  state.limiter.RecordSuccess(email);
  auto session = state.sessions.Create((*user)->id);
  if (!session.ok()) return ErrorResponse(session.status());
  return SessionAnswer(200, **user, *session);
}

Response ClearedCookies(Response response) {
  response.headers.emplace_back("Set-Cookie", ClearSessionSetCookie());
  response.headers.emplace_back("Set-Cookie", ClearCsrfSetCookie());
  return response;
}

// Without a live session there is nothing to end: 204 and the cookies cleared.
Response Logout(UiState& state, Request& request) {
  auto token = CookieValue(request.Header("cookie").value_or(""), kSessionCookie);
  if (!token) return ClearedCookies(NoContent());
  auto session = state.sessions.Lookup(*token);
  if (!session.ok()) return ErrorResponse(session.status());
  if (!session->has_value()) return ClearedCookies(NoContent());
  if (!CsrfValid(**session, request.Header("x-csrf-token"))) {
    return ErrorResponse(403, "CSRF token missing or invalid", "ForbiddenError");
  }
  Status revoked = state.sessions.Revoke(*token);
  if (!revoked.ok()) return ErrorResponse(revoked);
  return ClearedCookies(NoContent());
}

Response ChangePasswordRoute(UiState& state, Request& request, const UiCaller& caller) {
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  auto current = body.String("currentPassword");
  auto next = body.String("newPassword");
  if (!current || !next) {
    return ErrorResponse(Status::InvalidArgument("currentPassword and newPassword: both required"));
  }
  Status changed = ChangePassword(state.ctx.store, state.write, state.sessions, caller.user.id,
                                  *current, *next, caller.session.token_hash);
  if (!changed.ok()) return ErrorResponse(changed);
  return NoContent();
}

void WriteScopes(JsonWriter& w, const std::vector<std::string>& scopes) {
  w.Key("permissions");
  w.StartArray();
  for (const auto& s : scopes) WriteString(w, s);
  w.EndArray();
}

Response Me(UiState& state, Request&, const UiCaller& caller) {
  Store& store = state.ctx.store;
  auto memberships = store.MembershipsOfUser(caller.user.id);
  if (!memberships.ok()) return ErrorResponse(memberships.status());
  auto overrides = store.ProjectRolesOfUser(caller.user.id);
  if (!overrides.ok()) return ErrorResponse(overrides.status());
  std::map<std::string, Role> override_of;
  for (const auto& r : *overrides) {
    if (auto role = ParseRole(r.role)) override_of[r.project_id] = *role;
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("user");
  WriteUser(w, caller.user);
  w.Key("organizations");
  w.StartArray();
  for (const auto& m : *memberships) {
    auto org = store.GetOrganization(m.org_id);
    if (!org.ok()) return ErrorResponse(org.status());
    if (!org->has_value()) continue;
    Role org_role = ParseRole(m.role).value_or(Role::kNone);
    auto projects = store.ProjectsOfOrganization(m.org_id);
    if (!projects.ok()) return ErrorResponse(projects.status());
    w.StartObject();
    w.Key("id");
    WriteString(w, (*org)->id);
    w.Key("name");
    WriteString(w, (*org)->name);
    w.Key("role");
    WriteString(w, RoleName(org_role));
    WriteScopes(w, ScopesOf(org_role, false));
    w.Key("projects");
    w.StartArray();
    for (const auto& p : *projects) {
      std::optional<Role> project_override;
      if (auto it = override_of.find(p.id); it != override_of.end()) project_override = it->second;
      Role role = EffectiveRole(org_role, project_override);
      if (role == Role::kNone) continue;
      w.StartObject();
      w.Key("id");
      WriteString(w, p.id);
      w.Key("name");
      WriteString(w, p.name);
      w.Key("role");
      WriteString(w, RoleName(role));
      WriteScopes(w, ScopesOf(role, true));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  Response response = JsonResponse(200, buffer);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace

void RegisterUiAuthRoutes(Router& router, std::shared_ptr<UiState> state) {
  router.Add("POST", "/api/ui/auth/signup",
             [state](Request& request) { return Signup(*state, request); });
  router.Add("POST", "/api/ui/auth/login",
             [state](Request& request) { return Login(*state, request); });
  router.Add("POST", "/api/ui/auth/logout",
             [state](Request& request) { return Logout(*state, request); });
  router.Add("POST", "/api/ui/auth/password", WithSession(state, ChangePasswordRoute));
  router.Add("GET", "/api/ui/me", WithSession(state, Me));
}

}  // namespace lanterne
