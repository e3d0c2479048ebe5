// The sessions and users pages' aggregates (Store::ListSessionSummaries and friends) over
// the traces table. Traces are grouped through the indexes that exist — sessions_by_time,
// traces_by_session, traces_by_user_time — and a trace's observations are found through
// the merged observations-by-trace index (id_index.h), since observations have no SQL index
// on trace_id. Every statement names the project; the store calls these with a read
// connection and the in-memory part of that index.
#pragma once

#include <optional>
#include <string>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/payload_log.h"
#include "storage/sqlite/id_index.h"
#include "storage/store.h"

namespace lanterne::sqlite {

Result<Page<SessionSummary>> ListSessionSummaryRows(sqlite3* db,
                                                    const RecentIds& observation_traces,
                                                    const PayloadLog& payloads,
                                                    const std::string& project_id,
                                                    const SessionSummaryQuery& query);
Result<std::optional<SessionSummary>> GetSessionSummaryRow(
    sqlite3* db, const RecentIds& observation_traces, const PayloadLog& payloads,
    const std::string& project_id, const std::string& session_id, int64_t max_counted_traces,
    const PageRequest& traces_page);
Result<Page<UserSummary>> ListUserRows(sqlite3* db, const RecentIds& observation_traces,
                                       const PayloadLog& payloads, const std::string& project_id,
                                       const UserQuery& query);
Result<std::optional<UserSummary>> GetUserRow(sqlite3* db, const RecentIds& observation_traces,
                                              const PayloadLog& payloads,
                                              const std::string& project_id,
                                              const std::string& user_id,
                                              int64_t max_counted_traces);

}  // namespace lanterne::sqlite
