// The web UI's organizations, their members and invitations, projects, and project-level
// role overrides. Every route resolves the organization or project to the caller's role
// and checks one scope (auth/permissions.h).
#include <algorithm>

#include "api/responses.h"
#include "api/ui_common.h"
#include "core/ids.h"
#include "core/text.h"
#include "core/time.h"

namespace lanterne {
namespace {

constexpr int64_t kInvitationLifetimeUs = int64_t{7} * 24 * 3600 * 1000000;

Response IdName(int status, const std::string& id, const std::string& name) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, id);
  w.Key("name");
  WriteString(w, name);
  w.EndObject();
  return JsonResponse(status, buffer);
}

// The `name` of a create or rename body: 1 to 200 characters.
Result<std::string> BodyName(const std::string& request_body) {
  JsonBody body(request_body);
  if (!body.ok()) return Status::InvalidArgument("Invalid request data: expected a JSON object");
  auto name = body.String("name");
  if (!name || name->empty() || name->size() > 200) {
    return Status::InvalidArgument("name: required, 1 to 200 characters");
  }
  return *name;
}

// A role from the body: one of the four (or, with `allow_null`, null / absent = none).
Result<std::optional<Role>> BodyRole(const JsonBody& body, bool allow_null) {
  auto text = body.String("role");
  if (!text) {
    if (allow_null && (body.IsNull("role") || !body.Has("role"))) return std::optional<Role>();
    return Status::InvalidArgument("role: expected OWNER, ADMIN, MEMBER or VIEWER");
  }
  auto role = ParseRole(*text);
  if (!role || *role == Role::kNone) {
    if (allow_null && role) return std::optional<Role>();
    return Status::InvalidArgument("role: expected OWNER, ADMIN, MEMBER or VIEWER");
  }
  return std::optional<Role>(*role);
}

// Only an OWNER hands out OWNER or changes what an OWNER is.
Status CheckGrant(Role caller, Role granted) {
  if (granted == Role::kOwner && caller != Role::kOwner) {
    return Status::PermissionDenied("only an OWNER can grant the OWNER role");
  }
  return Status::Ok();
}

Response CreateOrg(UiState& state, Request& request, const UiCaller& caller) {
  auto name = BodyName(request.body);
  if (!name.ok()) return ErrorResponse(name.status());
  Organization org{RandomUuid(), *name};
  Status written = state.write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(org));
    return txn.PutMembership(Membership{org.id, caller.user.id, "OWNER"});
  });
  if (!written.ok()) return ErrorResponse(written);
  return IdName(201, org.id, org.name);
}

Response UpdateOrg(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kOrganizationUpdate);
  if (!access.ok()) return ErrorResponse(access.status());
  auto name = BodyName(request.body);
  if (!name.ok()) return ErrorResponse(name.status());
  Status written =
      state.write([&](WriteTxn& txn) { return txn.RenameOrganization(access->org.id, *name); });
  if (!written.ok()) return ErrorResponse(written);
  return IdName(200, access->org.id, *name);
}

Response DeleteOrg(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kOrganizationDelete);
  if (!access.ok()) return ErrorResponse(access.status());
  JsonBody body(request.body);
  if (body.String("confirm") != access->org.name) {
    return ErrorResponse(Status::InvalidArgument("confirm: type the organization's name"));
  }
  auto projects = state.ctx.store.ProjectsOfOrganization(access->org.id);
  if (!projects.ok()) return ErrorResponse(projects.status());
  if (!projects->empty()) {
    return ErrorResponse(409, "Delete the organization's projects first", "LangfuseConflictError");
  }
  Status written =
      state.write([&](WriteTxn& txn) { return txn.DeleteOrganization(access->org.id); });
  if (!written.ok()) return ErrorResponse(written);
  return NoContent();
}

Response ListOrgMembers(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kOrganizationMembersRead);
  if (!access.ok()) return ErrorResponse(access.status());
  auto members = state.ctx.store.MembersOfOrganization(access->org.id);
  if (!members.ok()) return ErrorResponse(members.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& m : *members) {
    w.StartObject();
    w.Key("userId");
    WriteString(w, m.user.id);
    w.Key("email");
    WriteString(w, m.user.email);
    w.Key("name");
    WriteString(w, m.user.name);
    w.Key("role");
    WriteString(w, m.role);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

// The target's current role and how many OWNERs the organization has.
struct MemberInfo {
  std::optional<Role> role;
  int owners = 0;
};
Result<MemberInfo> FindMember(UiState& state, const std::string& org_id,
                              const std::string& user_id) {
  auto members = state.ctx.store.MembersOfOrganization(org_id);
  if (!members.ok()) return members.status();
  MemberInfo info;
  for (const auto& m : *members) {
    Role role = ParseRole(m.role).value_or(Role::kNone);
    if (role == Role::kOwner) ++info.owners;
    if (m.user.id == user_id) info.role = role;
  }
  return info;
}

Response PutOrgMember(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kOrganizationMembersCud);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& user_id = request.path_params[1];
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  auto role = BodyRole(body, false);
  if (!role.ok()) return ErrorResponse(role.status());
  auto member = FindMember(state, access->org.id, user_id);
  if (!member.ok()) return ErrorResponse(member.status());
  if (!member->role) return ErrorResponse(Status::NotFound("No such member in this organization"));
  if (Status s = CheckGrant(access->role, **role); !s.ok()) return ErrorResponse(s);
  if (Status s = CheckGrant(access->role, *member->role); !s.ok()) return ErrorResponse(s);
  if (*member->role == Role::kOwner && **role != Role::kOwner && member->owners <= 1) {
    return ErrorResponse(409, "An organization needs at least one OWNER", "LangfuseConflictError");
  }
  Status written = state.write([&](WriteTxn& txn) {
    return txn.PutMembership(Membership{access->org.id, user_id, RoleName(**role)});
  });
  if (!written.ok()) return ErrorResponse(written);
  return NoContent();
}

Response DeleteOrgMember(UiState& state, Request& request, const UiCaller& caller) {
  const std::string& user_id = request.path_params[1];
  // Leaving an organization needs membership only; removing someone else needs the scope.
  bool self = user_id == caller.user.id;
  auto access = ResolveOrg(state, caller.user.id, request.path_params[0],
                           self ? std::nullopt : std::optional(Scope::kOrganizationMembersCud));
  if (!access.ok()) return ErrorResponse(access.status());
  auto member = FindMember(state, access->org.id, user_id);
  if (!member.ok()) return ErrorResponse(member.status());
  if (!member->role) return ErrorResponse(Status::NotFound("No such member in this organization"));
  if (user_id != caller.user.id) {
    if (Status s = CheckGrant(access->role, *member->role); !s.ok()) return ErrorResponse(s);
  }
  if (*member->role == Role::kOwner && member->owners <= 1) {
    return ErrorResponse(409, "An organization needs at least one OWNER", "LangfuseConflictError");
  }
  Status written =
      state.write([&](WriteTxn& txn) { return txn.DeleteMembership(access->org.id, user_id); });
  if (!written.ok()) return ErrorResponse(written);
  return NoContent();
}

Response CreateInvitation(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kOrganizationMembersCud);
  if (!access.ok()) return ErrorResponse(access.status());
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  auto role = BodyRole(body, false);
  if (!role.ok()) return ErrorResponse(role.status());
  if (Status s = CheckGrant(access->role, **role); !s.ok()) return ErrorResponse(s);
  std::string token = RandomHex(24);
  Invitation inv;
  inv.id = RandomUuid();
  inv.token_hash = HashSessionToken(token);
  inv.org_id = access->org.id;
  inv.role = RoleName(**role);
  if (auto email = body.String("email"); email && !email->empty()) inv.email = AsciiLower(*email);
  inv.invited_by = caller.user.id;
  inv.created_at_us = NowMicros();
  inv.expires_at_us = inv.created_at_us + kInvitationLifetimeUs;
  Status written = state.write([&](WriteTxn& txn) { return txn.PutInvitation(inv); });
  if (!written.ok()) return ErrorResponse(written);
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("id");
  WriteString(w, inv.id);
  w.Key("token");
  WriteString(w, token);
  w.Key("url");
  WriteString(w, "/invite/" + token);
  w.Key("role");
  WriteString(w, inv.role);
  w.Key("email");
  WriteOptString(w, inv.email);
  w.Key("expiresAt");
  WriteString(w, FormatIsoMillis(inv.expires_at_us));
  w.EndObject();
  return JsonResponse(201, buffer);
}

Result<Invitation> LiveInvitation(UiState& state, const std::string& token) {
  auto inv = state.ctx.store.GetInvitation(HashSessionToken(token));
  if (!inv.ok()) return inv.status();
  if (!inv->has_value() || (*inv)->expires_at_us <= NowMicros()) {
    return Status::NotFound("Invitation not found or expired");
  }
  return **inv;
}

// No session needed: the invite page shows it before the visitor signs up or logs in.
Response GetInvitation(UiState& state, Request& request) {
  auto inv = LiveInvitation(state, request.path_params[0]);
  if (!inv.ok()) return ErrorResponse(inv.status());
  auto org = state.ctx.store.GetOrganization(inv->org_id);
  if (!org.ok()) return ErrorResponse(org.status());
  if (!org->has_value()) return ErrorResponse(Status::NotFound("Invitation not found or expired"));
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("orgId");
  WriteString(w, inv->org_id);
  w.Key("orgName");
  WriteString(w, (*org)->name);
  w.Key("role");
  WriteString(w, inv->role);
  w.Key("email");
  WriteOptString(w, inv->email);
  w.Key("expiresAt");
  WriteString(w, FormatIsoMillis(inv->expires_at_us));
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response AcceptInvitation(UiState& state, Request& request, const UiCaller& caller) {
  auto inv = LiveInvitation(state, request.path_params[0]);
  if (!inv.ok()) return ErrorResponse(inv.status());
  if (inv->email && *inv->email != caller.user.email) {
    return ErrorResponse(403, "This invitation is for another email address", "ForbiddenError");
  }
  auto memberships = state.ctx.store.MembershipsOfUser(caller.user.id);
  if (!memberships.ok()) return ErrorResponse(memberships.status());
  bool member = std::any_of(memberships->begin(), memberships->end(),
                            [&](const Membership& m) { return m.org_id == inv->org_id; });
  Status written = state.write([&](WriteTxn& txn) -> Status {
    // An existing member keeps their role.
    if (!member) {
      LANTERNE_RETURN_IF_ERROR(
          txn.PutMembership(Membership{inv->org_id, caller.user.id, inv->role}));
    }
    return txn.DeleteInvitation(inv->id);
  });
  if (!written.ok()) return ErrorResponse(written);
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("orgId");
  WriteString(w, inv->org_id);
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response CreateProjectRoute(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveOrg(state, caller.user.id, request.path_params[0], Scope::kProjectsCreate);
  if (!access.ok()) return ErrorResponse(access.status());
  auto name = BodyName(request.body);
  if (!name.ok()) return ErrorResponse(name.status());
  Project project{RandomUuid(), access->org.id, *name, NowMicros()};
  Status written = state.write([&](WriteTxn& txn) { return txn.UpsertProject(project); });
  if (!written.ok()) return ErrorResponse(written);
  return IdName(201, project.id, project.name);
}

Response UpdateProject(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kProjectUpdate);
  if (!access.ok()) return ErrorResponse(access.status());
  auto name = BodyName(request.body);
  if (!name.ok()) return ErrorResponse(name.status());
  Status written =
      state.write([&](WriteTxn& txn) { return txn.RenameProject(access->project.id, *name); });
  if (!written.ok()) return ErrorResponse(written);
  return IdName(200, access->project.id, *name);
}

Response DeleteProjectRoute(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kProjectDelete);
  if (!access.ok()) return ErrorResponse(access.status());
  JsonBody body(request.body);
  if (body.String("confirm") != access->project.name) {
    return ErrorResponse(Status::InvalidArgument("confirm: type the project's name"));
  }
  auto keys = state.ctx.store.ApiKeysOfProject(access->project.id);
  if (!keys.ok()) return ErrorResponse(keys.status());
  Status written =
      state.write([&](WriteTxn& txn) { return txn.DeleteProject(access->project.id); });
  if (!written.ok()) return ErrorResponse(written);
  for (const auto& key : *keys) state.ctx.auth.Forget(key.public_key);
  return NoContent();
}

Response ListProjectMembers(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kProjectMembersRead);
  if (!access.ok()) return ErrorResponse(access.status());
  auto members = state.ctx.store.MembersOfOrganization(access->project.org_id);
  if (!members.ok()) return ErrorResponse(members.status());
  auto overrides = state.ctx.store.ProjectRolesOfProject(access->project.id);
  if (!overrides.ok()) return ErrorResponse(overrides.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& m : *members) {
    std::optional<Role> project_role;
    for (const auto& o : *overrides) {
      if (o.user_id == m.user.id) project_role = ParseRole(o.role);
    }
    Role org_role = ParseRole(m.role).value_or(Role::kNone);
    w.StartObject();
    w.Key("userId");
    WriteString(w, m.user.id);
    w.Key("email");
    WriteString(w, m.user.email);
    w.Key("name");
    WriteString(w, m.user.name);
    w.Key("orgRole");
    WriteString(w, RoleName(org_role));
    w.Key("projectRole");
    if (project_role) {
      WriteString(w, RoleName(*project_role));
    } else {
      w.Null();
    }
    w.Key("effectiveRole");
    WriteString(w, RoleName(EffectiveRole(org_role, project_role)));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response PutProjectMember(UiState& state, Request& request, const UiCaller& caller) {
  auto access =
      ResolveProject(state, caller.user.id, request.path_params[0], Scope::kProjectMembersCud);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& user_id = request.path_params[1];
  JsonBody body(request.body);
  if (!body.ok()) return BadBody();
  auto role = BodyRole(body, true);
  if (!role.ok()) return ErrorResponse(role.status());
  if (*role) {
    if (Status s = CheckGrant(access->role, **role); !s.ok()) return ErrorResponse(s);
  }
  auto member = FindMember(state, access->project.org_id, user_id);
  if (!member.ok()) return ErrorResponse(member.status());
  if (!member->role) {
    return ErrorResponse(Status::NotFound("No such member in this project's organization"));
  }
  std::string stored = *role ? RoleName(**role) : "";
  Status written = state.write(
      [&](WriteTxn& txn) { return txn.SetProjectRole(access->project.id, user_id, stored); });
  if (!written.ok()) return ErrorResponse(written);
  return NoContent();
}

}  // namespace

void RegisterUiOrgRoutes(Router& router, std::shared_ptr<UiState> state) {
  router.Add("POST", "/api/ui/orgs", WithSession(state, CreateOrg));
  router.Add("PATCH", "/api/ui/orgs/{orgId}", WithSession(state, UpdateOrg));
  router.Add("DELETE", "/api/ui/orgs/{orgId}", WithSession(state, DeleteOrg));
  router.Add("GET", "/api/ui/orgs/{orgId}/members", WithSession(state, ListOrgMembers));
  router.Add("PUT", "/api/ui/orgs/{orgId}/members/{userId}", WithSession(state, PutOrgMember));
  router.Add("DELETE", "/api/ui/orgs/{orgId}/members/{userId}",
             WithSession(state, DeleteOrgMember));
  router.Add("POST", "/api/ui/orgs/{orgId}/invitations", WithSession(state, CreateInvitation));
  router.Add("POST", "/api/ui/orgs/{orgId}/projects", WithSession(state, CreateProjectRoute));
  router.Add("GET", "/api/ui/invitations/{token}",
             [state](Request& request) { return GetInvitation(*state, request); });
  router.Add("POST", "/api/ui/invitations/{token}/accept", WithSession(state, AcceptInvitation));
  router.Add("PATCH", "/api/ui/projects/{projectId}", WithSession(state, UpdateProject));
  router.Add("DELETE", "/api/ui/projects/{projectId}", WithSession(state, DeleteProjectRoute));
  router.Add("GET", "/api/ui/projects/{projectId}/members", WithSession(state, ListProjectMembers));
  router.Add("PUT", "/api/ui/projects/{projectId}/members/{userId}",
             WithSession(state, PutProjectMember));
}

}  // namespace lanterne
