#include "storage/sqlite/dashboard_rows.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

constexpr const char* kColumns =
    "project_id, id, name, description, definition, created_by, created_at, updated_at";

Result<std::vector<Dashboard>> Collect(sqlite3* db, Statement& s) {
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  std::vector<Dashboard> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    Dashboard d;
    d.project_id = s.Text(0);
    d.id = s.Text(1);
    d.name = s.Text(2);
    d.description = s.Text(3);
    d.definition_json = s.Text(4);
    d.created_by = s.Text(5);
    d.created_at_us = s.Int(6);
    d.updated_at_us = s.Int(7);
    rows.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return StepError(db, "read dashboards");
  return rows;
}

}  // namespace

Status InsertDashboardRow(sqlite3* db, const Dashboard& d) {
  Statement s(db, std::string("INSERT INTO dashboards (") + kColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  s.Bind(1, std::string_view(d.project_id))
      .Bind(2, std::string_view(d.id))
      .Bind(3, std::string_view(d.name))
      .Bind(4, std::string_view(d.description))
      .Bind(5, std::string_view(d.definition_json))
      .Bind(6, std::string_view(d.created_by))
      .Bind(7, d.created_at_us)
      .Bind(8, d.updated_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write dashboard");
  return Status::Ok();
}

Result<bool> UpdateDashboardRow(sqlite3* db, const Dashboard& d) {
  Statement s(db,
              "UPDATE dashboards SET name = ?3, description = ?4, definition = ?5, "
              "updated_at = ?6 WHERE project_id = ?1 AND id = ?2");
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  s.Bind(1, std::string_view(d.project_id))
      .Bind(2, std::string_view(d.id))
      .Bind(3, std::string_view(d.name))
      .Bind(4, std::string_view(d.description))
      .Bind(5, std::string_view(d.definition_json))
      .Bind(6, d.updated_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "update dashboard");
  return sqlite3_changes(db) > 0;
}

Result<bool> DeleteDashboardRow(sqlite3* db, const std::string& project_id, const std::string& id) {
  Statement s(db, "DELETE FROM dashboards WHERE project_id = ?1 AND id = ?2");
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
  if (s.Step() != SQLITE_DONE) return StepError(db, "delete dashboard");
  return sqlite3_changes(db) > 0;
}

Result<std::vector<Dashboard>> DashboardRows(sqlite3* db, const std::string& project_id) {
  Statement s(db, std::string("SELECT ") + kColumns +
                      " FROM dashboards WHERE project_id = ?1 ORDER BY updated_at DESC, id");
  s.Bind(1, std::string_view(project_id));
  return Collect(db, s);
}

Result<std::optional<Dashboard>> DashboardRow(sqlite3* db, const std::string& project_id,
                                              const std::string& id) {
  Statement s(
      db, std::string("SELECT ") + kColumns + " FROM dashboards WHERE project_id = ?1 AND id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
  auto rows = Collect(db, s);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<Dashboard>();
  return std::optional<Dashboard>(std::move(rows->front()));
}

}  // namespace lanterne::sqlite
