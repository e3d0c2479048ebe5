// The users page's list (Store::ListUsers) from the day rollups of rollup_trace_users: per
// day and (environment, user) they hold the trace count, cost and tokens, so the list reads
// days × active users rows instead of every trace, and its totals cover all of a user's
// traces. First and last seen are exact: the rollups order users by day, and the users whose
// day meets the requested page are ordered by their exact times from traces_by_user_time
// (one seek each).
#pragma once

#include <optional>
#include <string>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne::sqlite {

// nullopt when the project's rollups hold too many rows to read for one page (years of
// many users); the caller then groups the traces instead (summary_rows.h). Input and output
// tokens are not split in the rollups: the users come back with `tokens_split` false.
Result<std::optional<Page<UserSummary>>> ListUsersFromRollups(sqlite3* db,
                                                              const std::string& project_id,
                                                              const UserQuery& query);

}  // namespace lanterne::sqlite
