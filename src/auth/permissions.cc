#include "auth/permissions.h"

#include <initializer_list>

namespace lanterne {
namespace {

struct ScopeRow {
  Scope scope;
  const char* name;
  bool project_level;
  unsigned roles;  // bit per Role
};

constexpr unsigned Bit(Role r) { return 1u << static_cast<unsigned>(r); }
constexpr unsigned kOwner = Bit(Role::kOwner);
constexpr unsigned kOwnerAdmin = kOwner | Bit(Role::kAdmin);
constexpr unsigned kOwnerAdminMember = kOwnerAdmin | Bit(Role::kMember);
constexpr unsigned kAll = kOwnerAdminMember | Bit(Role::kViewer);

// THE permission table. Order matches enum Scope.
constexpr ScopeRow kTable[] = {
    {Scope::kProjectRead, "project:read", true, kAll},
    {Scope::kProjectUpdate, "project:update", true, kOwnerAdmin},
    {Scope::kProjectDelete, "project:delete", true, kOwner},
    {Scope::kProjectMembersRead, "projectMembers:read", true, kOwnerAdminMember},
    {Scope::kProjectMembersCud, "projectMembers:CUD", true, kOwnerAdmin},
    {Scope::kApiKeysRead, "apiKeys:read", true, kOwnerAdminMember},
    {Scope::kApiKeysCreate, "apiKeys:create", true, kOwnerAdmin},
    {Scope::kApiKeysDelete, "apiKeys:delete", true, kOwnerAdmin},
    {Scope::kTracesDelete, "traces:delete", true, kOwnerAdmin},
    {Scope::kModelsCud, "models:CUD", true, kOwnerAdmin},
    {Scope::kScoresCud, "scores:CUD", true, kOwnerAdminMember},
    {Scope::kPromptsRead, "prompts:read", true, kAll},
    {Scope::kPromptsCud, "prompts:CUD", true, kOwnerAdminMember},
    {Scope::kPromptProtectedLabelsCud, "promptProtectedLabels:CUD", true, kOwnerAdmin},
    {Scope::kObjectsBookmark, "objects:bookmark", true, kOwnerAdminMember},
    {Scope::kDashboardsRead, "dashboards:read", true, kAll},
    {Scope::kDashboardsCud, "dashboards:CUD", true, kOwnerAdminMember},
    {Scope::kOrganizationUpdate, "organization:update", false, kOwnerAdmin},
    {Scope::kOrganizationDelete, "organization:delete", false, kOwner},
    {Scope::kOrganizationMembersRead, "organizationMembers:read", false, kOwnerAdminMember},
    {Scope::kOrganizationMembersCud, "organizationMembers:CUD", false, kOwnerAdmin},
    {Scope::kProjectsCreate, "projects:create", false, kOwnerAdmin},
};

constexpr bool TableInEnumOrder() {
  for (size_t i = 0; i < sizeof(kTable) / sizeof(kTable[0]); ++i) {
    if (static_cast<size_t>(kTable[i].scope) != i) return false;
  }
  return true;
}
static_assert(TableInEnumOrder(), "kTable rows must follow enum Scope");

const ScopeRow& Row(Scope scope) { return kTable[static_cast<size_t>(scope)]; }

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "OWNER") return Role::kOwner;
  if (name == "ADMIN") return Role::kAdmin;
  if (name == "MEMBER") return Role::kMember;
  if (name == "VIEWER") return Role::kViewer;
  if (name == "NONE") return Role::kNone;
  return std::nullopt;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kOwner:
      return "OWNER";
    case Role::kAdmin:
      return "ADMIN";
    case Role::kMember:
      return "MEMBER";
    case Role::kViewer:
      return "VIEWER";
    case Role::kNone:
      break;
  }
  return "NONE";
}

const char* ScopeName(Scope scope) { return Row(scope).name; }
bool IsProjectScope(Scope scope) { return Row(scope).project_level; }

Role EffectiveRole(Role org_role, std::optional<Role> project_override) {
  if (project_override && *project_override != Role::kNone) return *project_override;
  return org_role;
}

bool HasScope(Role role, Scope scope) { return (Row(scope).roles & Bit(role)) != 0; }

Status CheckScope(Role role, Scope scope) {
  if (HasScope(role, scope)) return Status::Ok();
  const ScopeRow& row = Row(scope);
  std::string roles;
  std::vector<const char*> names;
  for (Role r : {Role::kViewer, Role::kMember, Role::kAdmin, Role::kOwner}) {
    if (row.roles & Bit(r)) names.push_back(RoleName(r));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) roles += i + 1 == names.size() ? " or " : ", ";
    roles += names[i];
  }
  return Status::PermissionDenied(std::string(row.name) + " requires " + roles + " on this " +
                                  (row.project_level ? "project" : "organization"));
}

std::vector<std::string> ScopesOf(Role role, bool project_level) {
  std::vector<std::string> out;
  for (const ScopeRow& row : kTable) {
    if (row.project_level == project_level && (row.roles & Bit(role))) out.push_back(row.name);
  }
  return out;
}

}  // namespace lanterne
