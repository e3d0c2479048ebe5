// The embedded store's tables and their migrations, applied in order on open.
#pragma once

#include "core/status.h"
#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {

Status Migrate(Connection& db);

}  // namespace lanterne::sqlite
