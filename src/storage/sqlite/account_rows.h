// Web UI accounts (schema migration 3): users, memberships, project role overrides, UI
// sessions, invitations, and API key deletion. The store's read and write transactions call
// these with their own connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne::sqlite {

// Writes.
Status CreateUserRow(sqlite3* db, const User& user);
Status SetUserPasswordRow(sqlite3* db, const std::string& user_id, const std::string& hash);
Status RenameOrganizationRow(sqlite3* db, const std::string& org_id, const std::string& name);
Status DeleteOrganizationRows(sqlite3* db, const std::string& org_id);
Status RenameProjectRow(sqlite3* db, const std::string& project_id, const std::string& name);
Status DeleteProjectRows(sqlite3* db, const std::string& project_id);
Status PutMembershipRow(sqlite3* db, const Membership& membership);
Status DeleteMembershipRows(sqlite3* db, const std::string& org_id, const std::string& user_id);
Status SetProjectRoleRow(sqlite3* db, const std::string& project_id, const std::string& user_id,
                         const std::string& role);
Status PutUiSessionRow(sqlite3* db, const UiSession& session);
Status TouchUiSessionRow(sqlite3* db, const std::string& token_hash, int64_t expires_at_us);
Status DeleteUiSessionRow(sqlite3* db, const std::string& token_hash);
Status DeleteUiSessionRowsOfUser(sqlite3* db, const std::string& user_id,
                                 const std::string& keep_token_hash);
Status PutInvitationRow(sqlite3* db, const Invitation& invitation);
Status DeleteInvitationRow(sqlite3* db, const std::string& id);
Result<bool> DeleteApiKeyRow(sqlite3* db, const std::string& project_id, const std::string& id);

// Reads.
Result<int64_t> CountUserRows(sqlite3* db);
Result<std::optional<User>> FindUserRowByEmail(sqlite3* db, const std::string& email);
Result<std::optional<User>> GetUserRow(sqlite3* db, const std::string& user_id);
Result<std::vector<Membership>> MembershipRowsOfUser(sqlite3* db, const std::string& user_id);
Result<std::vector<OrgMember>> MemberRowsOfOrganization(sqlite3* db, const std::string& org_id);
Result<std::vector<Project>> ProjectRowsOfOrganization(sqlite3* db, const std::string& org_id);
Result<std::vector<ProjectRole>> ProjectRoleRowsOfUser(sqlite3* db, const std::string& user_id);
Result<std::vector<ProjectRole>> ProjectRoleRowsOfProject(sqlite3* db,
                                                          const std::string& project_id);
Result<std::optional<UiSession>> GetUiSessionRow(sqlite3* db, const std::string& token_hash);
Result<std::optional<Invitation>> GetInvitationRow(sqlite3* db, const std::string& token_hash);
Result<std::vector<ApiKey>> ApiKeyRowsOfProject(sqlite3* db, const std::string& project_id);

}  // namespace lanterne::sqlite
