// Deleting a project deletes its data, not just its row: every table with a `project_id`
// column (traces, observations, scores, sessions, prompts, models, API keys, role
// overrides, the metadata index, and tables added later that follow the same convention).
// The full-text documents, in search.db, go when the search indexer reads the row this adds
// to search_dirty (search_index.h). Stale entries of the id indexes (id_index.h) stay: lookups
// check the row. One transaction: a large project holds the writer for as long as its rows take to
// delete.
#pragma once

#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"

namespace lanterne::sqlite {

// Deletes the project's rows from every project-scoped table; the `projects` row itself is
// left to the caller (account_rows.h DeleteProjectRows).
Status PurgeProjectData(sqlite3* db, const std::string& project_id);

// The ids of the organization's projects.
Result<std::vector<std::string>> ProjectIdsOfOrganization(sqlite3* db, const std::string& org_id);

}  // namespace lanterne::sqlite
