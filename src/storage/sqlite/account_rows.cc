#include "storage/sqlite/account_rows.h"

#include <initializer_list>

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

// Runs a statement whose parameters are all text, expecting no rows.
Status Run(sqlite3* db, const char* what, const char* sql,
           std::initializer_list<std::string_view> params) {
  Statement s(db, sql);
  int i = 1;
  for (std::string_view p : params) s.Bind(i++, p);
  if (s.Step() != SQLITE_DONE) return StepError(db, what);
  return Status::Ok();
}

constexpr const char* kUserColumns = "id, email, name, password_hash, created_at";

User ReadUser(const Statement& s, int c = 0) {
  return User{s.Text(c), s.Text(c + 1), s.Text(c + 2), s.Text(c + 3), s.Int(c + 4)};
}

Result<std::optional<User>> OneUser(sqlite3* db, const std::string& sql, const std::string& key) {
  Statement s(db, sql);
  s.Bind(1, std::string_view(key));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<User>();
  if (rc != SQLITE_ROW) return StepError(db, "read user");
  return std::optional<User>(ReadUser(s));
}

Result<std::vector<ProjectRole>> ProjectRoles(sqlite3* db, const char* where,
                                              const std::string& key) {
  Statement s(db,
              std::string("SELECT project_id, user_id, role FROM project_roles WHERE ") + where);
  s.Bind(1, std::string_view(key));
  std::vector<ProjectRole> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ProjectRole{s.Text(0), s.Text(1), s.Text(2)});
  if (rc != SQLITE_DONE) return StepError(db, "read project roles");
  return out;
}

}  // namespace

Status CreateUserRow(sqlite3* db, const User& u) {
  Statement s(db,
              "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, "
              "?3, ?4, ?5) ON CONFLICT (email) DO NOTHING");
  s.Bind(1, std::string_view(u.id))
      .Bind(2, std::string_view(u.email))
      .Bind(3, std::string_view(u.name))
      .Bind(4, std::string_view(u.password_hash))
      .Bind(5, u.created_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write user");
  if (sqlite3_changes(db) == 0)
    return Status::AlreadyExists("A user with this email already exists");
  return Status::Ok();
}

Status SetUserPasswordRow(sqlite3* db, const std::string& user_id, const std::string& hash) {
  return Run(db, "write password", "UPDATE users SET password_hash = ?2 WHERE id = ?1",
             {user_id, hash});
}

Status RenameOrganizationRow(sqlite3* db, const std::string& org_id, const std::string& name) {
  return Run(db, "rename organization", "UPDATE organizations SET name = ?2 WHERE id = ?1",
             {org_id, name});
}

Status DeleteOrganizationRows(sqlite3* db, const std::string& org_id) {
  LANTERNE_RETURN_IF_ERROR(
      Run(db, "delete organization", "DELETE FROM memberships WHERE org_id = ?1", {org_id}));
  LANTERNE_RETURN_IF_ERROR(
      Run(db, "delete organization", "DELETE FROM invitations WHERE org_id = ?1", {org_id}));
  return Run(db, "delete organization", "DELETE FROM organizations WHERE id = ?1", {org_id});
}

Status RenameProjectRow(sqlite3* db, const std::string& project_id, const std::string& name) {
  return Run(db, "rename project", "UPDATE projects SET name = ?2 WHERE id = ?1",
             {project_id, name});
}

Status DeleteProjectRows(sqlite3* db, const std::string& project_id) {
  for (const char* sql :
       {"DELETE FROM api_keys WHERE project_id = ?1",
        "DELETE FROM project_roles WHERE project_id = ?1",
        "DELETE FROM models WHERE project_id = ?1", "DELETE FROM dashboards WHERE project_id = ?1",
        "DELETE FROM projects WHERE id = ?1"}) {
    LANTERNE_RETURN_IF_ERROR(Run(db, "delete project", sql, {project_id}));
  }
  return Status::Ok();
}

Status PutMembershipRow(sqlite3* db, const Membership& m) {
  return Run(db, "write membership",
             "INSERT INTO memberships (org_id, user_id, role) VALUES (?1, ?2, ?3) "
             "ON CONFLICT (org_id, user_id) DO UPDATE SET role = ?3",
             {m.org_id, m.user_id, m.role});
}

Status DeleteMembershipRows(sqlite3* db, const std::string& org_id, const std::string& user_id) {
  LANTERNE_RETURN_IF_ERROR(Run(db, "delete membership",
                               "DELETE FROM project_roles WHERE user_id = ?2 AND project_id IN "
                               "(SELECT id FROM projects WHERE org_id = ?1)",
                               {org_id, user_id}));
  return Run(db, "delete membership", "DELETE FROM memberships WHERE org_id = ?1 AND user_id = ?2",
             {org_id, user_id});
}

Status SetProjectRoleRow(sqlite3* db, const std::string& project_id, const std::string& user_id,
                         const std::string& role) {
  if (role.empty()) {
    return Run(db, "write project role",
               "DELETE FROM project_roles WHERE project_id = ?1 AND user_id = ?2",
               {project_id, user_id});
  }
  return Run(db, "write project role",
             "INSERT INTO project_roles (project_id, user_id, role) VALUES (?1, ?2, ?3) "
             "ON CONFLICT (project_id, user_id) DO UPDATE SET role = ?3",
             {project_id, user_id, role});
}

Status PutUiSessionRow(sqlite3* db, const UiSession& session) {
  Statement s(db,
              "INSERT OR REPLACE INTO ui_sessions (token_hash, user_id, csrf_token, created_at, "
              "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.Bind(1, std::string_view(session.token_hash))
      .Bind(2, std::string_view(session.user_id))
      .Bind(3, std::string_view(session.csrf_token))
      .Bind(4, session.created_at_us)
      .Bind(5, session.expires_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write session");
  return Status::Ok();
}

Status TouchUiSessionRow(sqlite3* db, const std::string& token_hash, int64_t expires_at_us) {
  Statement s(db, "UPDATE ui_sessions SET expires_at = ?2 WHERE token_hash = ?1");
  s.Bind(1, std::string_view(token_hash)).Bind(2, expires_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "extend session");
  return Status::Ok();
}

Status DeleteUiSessionRow(sqlite3* db, const std::string& token_hash) {
  return Run(db, "delete session", "DELETE FROM ui_sessions WHERE token_hash = ?1", {token_hash});
}

Status DeleteUiSessionRowsOfUser(sqlite3* db, const std::string& user_id,
                                 const std::string& keep_token_hash) {
  return Run(db, "delete sessions",
             "DELETE FROM ui_sessions WHERE user_id = ?1 AND token_hash != ?2",
             {user_id, keep_token_hash});
}

Status PutInvitationRow(sqlite3* db, const Invitation& inv) {
  Statement s(db,
              "INSERT INTO invitations (id, token_hash, org_id, role, email, invited_by, "
              "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.Bind(1, std::string_view(inv.id))
      .Bind(2, std::string_view(inv.token_hash))
      .Bind(3, std::string_view(inv.org_id))
      .Bind(4, std::string_view(inv.role))
      .Bind(5, inv.email)
      .Bind(6, std::string_view(inv.invited_by))
      .Bind(7, inv.created_at_us)
      .Bind(8, inv.expires_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write invitation");
  return Status::Ok();
}

Status DeleteInvitationRow(sqlite3* db, const std::string& id) {
  return Run(db, "delete invitation", "DELETE FROM invitations WHERE id = ?1", {id});
}

Result<bool> DeleteApiKeyRow(sqlite3* db, const std::string& project_id, const std::string& id) {
  Statement s(db, "DELETE FROM api_keys WHERE project_id = ?1 AND id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
  if (s.Step() != SQLITE_DONE) return StepError(db, "delete api key");
  return sqlite3_changes(db) > 0;
}

Result<int64_t> CountUserRows(sqlite3* db) {
  Statement s(db, "SELECT count(*) FROM users");
  if (s.Step() != SQLITE_ROW) return StepError(db, "count users");
  return s.Int(0);
}

Result<std::optional<User>> FindUserRowByEmail(sqlite3* db, const std::string& email) {
  return OneUser(db, std::string("SELECT ") + kUserColumns + " FROM users WHERE email = ?1", email);
}

Result<std::optional<User>> GetUserRow(sqlite3* db, const std::string& user_id) {
  return OneUser(db, std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?1", user_id);
}

Result<std::vector<Membership>> MembershipRowsOfUser(sqlite3* db, const std::string& user_id) {
  Statement s(db, "SELECT org_id, user_id, role FROM memberships WHERE user_id = ?1");
  s.Bind(1, std::string_view(user_id));
  std::vector<Membership> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(Membership{s.Text(0), s.Text(1), s.Text(2)});
  if (rc != SQLITE_DONE) return StepError(db, "read memberships");
  return out;
}

Result<std::vector<OrgMember>> MemberRowsOfOrganization(sqlite3* db, const std::string& org_id) {
  Statement s(db,
              "SELECT u.id, u.email, u.name, '', u.created_at, m.role FROM memberships m JOIN "
              "users u ON u.id = m.user_id WHERE m.org_id = ?1 ORDER BY u.email");
  s.Bind(1, std::string_view(org_id));
  std::vector<OrgMember> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(OrgMember{ReadUser(s), s.Text(5)});
  if (rc != SQLITE_DONE) return StepError(db, "read members");
  return out;
}

Result<std::vector<Project>> ProjectRowsOfOrganization(sqlite3* db, const std::string& org_id) {
  Statement s(db,
              "SELECT id, org_id, name, created_at FROM projects WHERE org_id = ?1 "
              "ORDER BY created_at, id");
  s.Bind(1, std::string_view(org_id));
  std::vector<Project> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    out.push_back(Project{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
  }
  if (rc != SQLITE_DONE) return StepError(db, "read projects");
  return out;
}

Result<std::vector<ProjectRole>> ProjectRoleRowsOfUser(sqlite3* db, const std::string& user_id) {
  return ProjectRoles(db, "user_id = ?1", user_id);
}

Result<std::vector<ProjectRole>> ProjectRoleRowsOfProject(sqlite3* db,
                                                          const std::string& project_id) {
  return ProjectRoles(db, "project_id = ?1", project_id);
}

Result<std::optional<UiSession>> GetUiSessionRow(sqlite3* db, const std::string& token_hash) {
  Statement s(db,
              "SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM ui_sessions "
              "WHERE token_hash = ?1");
  s.Bind(1, std::string_view(token_hash));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<UiSession>();
  if (rc != SQLITE_ROW) return StepError(db, "read session");
  return std::optional<UiSession>(UiSession{s.Text(0), s.Text(1), s.Text(2), s.Int(3), s.Int(4)});
}

Result<std::optional<Invitation>> GetInvitationRow(sqlite3* db, const std::string& token_hash) {
  Statement s(db,
              "SELECT id, token_hash, org_id, role, email, invited_by, created_at, expires_at "
              "FROM invitations WHERE token_hash = ?1");
  s.Bind(1, std::string_view(token_hash));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<Invitation>();
  if (rc != SQLITE_ROW) return StepError(db, "read invitation");
  return std::optional<Invitation>(Invitation{s.Text(0), s.Text(1), s.Text(2), s.Text(3),
                                              s.OptText(4), s.Text(5), s.Int(6), s.Int(7)});
}

Result<std::vector<ApiKey>> ApiKeyRowsOfProject(sqlite3* db, const std::string& project_id) {
  Statement s(db,
              "SELECT id, project_id, public_key, secret_hash, display_secret, note, created_at, "
              "last_used_at FROM api_keys WHERE project_id = ?1 ORDER BY created_at, id");
  s.Bind(1, std::string_view(project_id));
  std::vector<ApiKey> keys;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    keys.push_back(ApiKey{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.OptText(5),
                          s.Int(6), s.OptInt(7)});
  }
  if (rc != SQLITE_DONE) return StepError(db, "list api keys");
  return keys;
}

}  // namespace lanterne::sqlite
