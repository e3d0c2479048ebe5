// The web UI traces table's token and score columns (Store::TraceTableColumns) for one page
// of traces, in bulk: one read of the observations-by-trace index for every trace of the
// page, one read of those observations, one read of their scores — not one per trace.
// Tokens come from the observations' usage, in the stored payload (stored_payload.h); only rows
// with usage (total_tokens set) or generations (rows stored before that column existed) are
// decoded.
#pragma once

#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/payload_log.h"
#include "storage/sqlite/id_index.h"
#include "storage/store.h"

namespace lanterne::sqlite {

Result<std::vector<TraceTableExtras>> TraceTableRows(sqlite3* db,
                                                     const RecentIds& observation_traces,
                                                     const PayloadLog& payloads,
                                                     const std::string& project_id,
                                                     const std::vector<std::string>& ids);

}  // namespace lanterne::sqlite
