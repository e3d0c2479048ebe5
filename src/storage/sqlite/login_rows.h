// Failed web UI logins (auth/ui_sessions.h LoginRateLimiter), kept in login_failures
// (schema migration 11) so that restarting the server does not reset a brute-force window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne::sqlite {

// Adds one failure and drops those older than `forget_before_us` (the table stays small).
Status RecordLoginFailureRow(sqlite3* db, const LoginFailure& failure, int64_t forget_before_us);
// Forgets the email's failures (they still count for their address).
Status ClearLoginFailureRows(sqlite3* db, const std::string& email);
Result<std::vector<LoginFailure>> LoginFailureRowsSince(sqlite3* db, int64_t since_us);

}  // namespace lanterne::sqlite
