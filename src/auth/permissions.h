// Who may do what in the web UI: one table of scopes × roles (Langfuse's RBAC, see
// /work/shared/docs/LANGFUSE_API.md §12) and one check function that every UI route calls.
// A user's role in a project is the project's override when there is one, else their
// organization role.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lanterne {

enum class Role { kNone = 0, kViewer, kMember, kAdmin, kOwner };

// "OWNER", "ADMIN", "MEMBER", "VIEWER" (and "NONE"); anything else is nullopt.
std::optional<Role> ParseRole(std::string_view name);
const char* RoleName(Role role);

enum class Scope {
  // project scopes
  kProjectRead,
  kProjectUpdate,
  kProjectDelete,
  kProjectMembersRead,
  kProjectMembersCud,
  kApiKeysRead,
  kApiKeysCreate,
  kApiKeysDelete,
  kTracesDelete,
  kModelsCud,
  kScoresCud,
  kPromptsRead,
  kPromptsCud,
  kPromptProtectedLabelsCud,  // changes that add or remove a protected label (`production`)
  kObjectsBookmark,           // bookmark traces
  kDashboardsRead,            // dashboards, metrics
  kDashboardsCud,             // saved custom dashboards
  // organization scopes
  kOrganizationUpdate,
  kOrganizationDelete,
  kOrganizationMembersRead,
  kOrganizationMembersCud,
  kProjectsCreate,
};

const char* ScopeName(Scope scope);
bool IsProjectScope(Scope scope);

// The effective role in a project.
Role EffectiveRole(Role org_role, std::optional<Role> project_override);

// The table lookup.
bool HasScope(Role role, Scope scope);

// The one check: Ok, or PermissionDenied naming the scope and the roles that have it
// ("apiKeys:create requires ADMIN or OWNER on this project").
Status CheckScope(Role role, Scope scope);

// Every project (or organization) scope `role` has, by name: what GET /api/ui/me reports.
std::vector<std::string> ScopesOf(Role role, bool project_level);

}  // namespace lanterne
