// Saved custom dashboards in the `dashboards` table (schema migration "dashboards"), one
// row per dashboard. Every statement names the project.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/dashboard.h"

namespace lanterne::sqlite {

Status InsertDashboardRow(sqlite3* db, const Dashboard& dashboard);
// Name, description, definition and updated_at of an existing dashboard; false when the
// project has no dashboard with that id.
Result<bool> UpdateDashboardRow(sqlite3* db, const Dashboard& dashboard);
Result<bool> DeleteDashboardRow(sqlite3* db, const std::string& project_id, const std::string& id);
// The project's dashboards, most recently updated first.
Result<std::vector<Dashboard>> DashboardRows(sqlite3* db, const std::string& project_id);
Result<std::optional<Dashboard>> DashboardRow(sqlite3* db, const std::string& project_id,
                                              const std::string& id);

}  // namespace lanterne::sqlite
