#include "storage/sqlite/project_purge.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

Status RunWithProject(sqlite3* db, const std::string& sql, const std::string& project_id) {
  Statement s(db, sql);
  if (!s.ok()) return Status::Internal("purge project: " + s.prepare_error());
  s.Bind(1, std::string_view(project_id));
  if (s.Step() != SQLITE_DONE) return StepError(db, "purge project");
  return Status::Ok();
}

}  // namespace

Status PurgeProjectData(sqlite3* db, const std::string& project_id) {
  // Not search_dirty: the search indexer's log, whose rows name a project only to drop its
  // documents, and whose row at the indexer's mark must stay (search_index.h).
  std::vector<std::string> tables;
  {
    Statement s(db,
                "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c WHERE "
                "m.type = 'table' AND c.name = 'project_id' AND m.name != 'search_dirty' "
                "ORDER BY m.name");
    if (!s.ok()) return Status::Internal("purge project: " + s.prepare_error());
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) tables.push_back(s.Text(0));
    if (rc != SQLITE_DONE) return StepError(db, "list project tables");
  }
  for (const auto& table : tables) {
    std::string quoted = "\"";
    for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += '"';
    LANTERNE_RETURN_IF_ERROR(
        RunWithProject(db, "DELETE FROM " + quoted + " WHERE project_id = ?1", project_id));
  }
  // The full-text documents are in search.db, which the search indexer writes: it drops
  // the project's when it reads this row of its log.
  return RunWithProject(db, "INSERT INTO search_dirty (project_id) VALUES (?1)", project_id);
}

Result<std::vector<std::string>> ProjectIdsOfOrganization(sqlite3* db, const std::string& org_id) {
  Statement s(db, "SELECT id FROM projects WHERE org_id = ?1");
  if (!s.ok()) return Status::Internal(s.prepare_error());
  s.Bind(1, std::string_view(org_id));
  std::vector<std::string> ids;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) ids.push_back(s.Text(0));
  if (rc != SQLITE_DONE) return StepError(db, "list projects of organization");
  return ids;
}

}  // namespace lanterne::sqlite
