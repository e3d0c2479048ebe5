// What the web UI's routes (src/api/ui_*.cc) share: the session wrapper (401 without a
// live session, 403 without the CSRF token on state-changing requests), the resolution of
// an organization or project to the caller's role with the one permission check
// (auth/permissions.h), and small JSON helpers.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <simdjson.h>

#include "api/api_context.h"
#include "auth/permissions.h"
#include "auth/ui_sessions.h"
#include "core/json.h"

namespace lanterne {

struct UiState {
  UiState(ApiContext& api_ctx);

  ApiContext& ctx;
  UiWriteFn write;  // through the write pipeline
  UiSessionService sessions;
  LoginRateLimiter limiter;
  DataHandlers data;
};

struct UiCaller {
  User user;
  UiSession session;
};

using UiHandler = std::function<Response(UiState&, Request&, const UiCaller&)>;
Handler WithSession(std::shared_ptr<UiState> state, UiHandler handler);

struct OrgAccess {
  Organization org;
  Role role = Role::kNone;
};
struct ProjectAccess {
  Project project;
  Role org_role = Role::kNone;
  Role role = Role::kNone;  // effective
};

// NotFound when the organization or project does not exist or the caller has no role
// there; PermissionDenied (CheckScope's message) when the role lacks `scope` (none: any
// member).
Result<OrgAccess> ResolveOrg(UiState& state, const std::string& user_id, const std::string& org_id,
                             std::optional<Scope> scope);
Result<ProjectAccess> ResolveProject(UiState& state, const std::string& user_id,
                                     const std::string& project_id, Scope scope);

// A parsed JSON object body; strings only, which is all the UI sends.
class JsonBody {
 public:
  explicit JsonBody(const std::string& body);
  bool ok() const { return ok_; }
  std::optional<std::string> String(const char* key) const;
  bool IsNull(const char* key) const;
  bool Has(const char* key) const;

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::object object_;
  bool ok_ = false;
};

Response BadBody();
Response NoContent();
void WriteUser(JsonWriter& w, const User& user);  // {"id","email","name"}

}  // namespace lanterne

namespace lanterne {
// Each ui_*.cc file registers its routes.
void RegisterUiAuthRoutes(Router& router, std::shared_ptr<UiState> state);
void RegisterUiOrgRoutes(Router& router, std::shared_ptr<UiState> state);
void RegisterUiProjectRoutes(Router& router, std::shared_ptr<UiState> state);
void RegisterUiDashboardRoutes(Router& router, std::shared_ptr<UiState> state);
}  // namespace lanterne
