// Prompt versions in the `prompts` table (schema migration 7), one row per version. Every
// statement names the project. Labels and tags are stored as JSON arrays.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "prompts/prompt.h"

#include "core/status.h"

namespace lanterne::sqlite {

// Creates the version, or replaces it (label and tag changes).
Status PutPromptRow(sqlite3* db, const PromptVersion& prompt);
// Every version of the prompt, newest first.
Result<std::vector<PromptVersion>> PromptVersionRows(sqlite3* db, const std::string& project_id,
                                                     const std::string& name);
// Every version of every prompt of the project, by name then newest first.
Result<std::vector<PromptVersion>> AllPromptRows(sqlite3* db, const std::string& project_id);
// Deletes one version (or all when `version` is absent); returns how many went.
Result<int64_t> DeletePromptRows(sqlite3* db, const std::string& project_id,
                                 const std::string& name, std::optional<int64_t> version);

}  // namespace lanterne::sqlite
