// Projects' model definitions in the `models` table (schema migration 2). Every statement
// names the project. The store's read and write transactions call these with their own
// connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "pricing/model_definition.h"
#include "storage/store.h"

namespace lanterne::sqlite {

Status PutModelRow(sqlite3* db, const ModelDefinition& model);
Result<bool> DeleteModelRow(sqlite3* db, const std::string& project_id, const std::string& id);
Result<Page<ModelDefinition>> ListModelRows(sqlite3* db, const std::string& project_id,
                                            const PageRequest& page);
Result<std::vector<ModelDefinition>> ListAllModelRows(sqlite3* db, const std::string& project_id);
Result<std::optional<ModelDefinition>> GetModelRow(sqlite3* db, const std::string& project_id,
                                                   const std::string& id);

}  // namespace lanterne::sqlite
