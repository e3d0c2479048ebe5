// Per-version metrics of a prompt from the generations linked to it (observations'
// prompt_name / prompt_version columns, schema migration 8), read from one covering index.
#pragma once

#include <string>
#include <vector>

#include <sqlite3.h>

#include "prompts/prompt.h"

#include "core/status.h"

namespace lanterne::sqlite {

Result<std::vector<PromptVersionStats>> PromptMetricRows(sqlite3* db, const std::string& project_id,
                                                         const std::string& name);

}  // namespace lanterne::sqlite
