// The built-in price list: share/models.json, read once at startup (docs/pricing.md
// describes the format). Editing the file and restarting updates prices without a rebuild.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "pricing/model_definition.h"

namespace lanterne {

struct BuiltinModels {
  std::string path;                  // where they were read from ("" when none)
  std::string prices_as_of;          // the date the list's prices were taken
  std::vector<std::string> sources;  // the public pricing pages they come from
  std::vector<std::shared_ptr<const ModelDefinition>> models;  // compiled, in file order
  // Entries that were skipped, one message each ("models[12] (gpt-4o): matchPattern: …").
  // One bad entry does not cost every other model its prices.
  std::vector<std::string> problems;
};

// <share dir>/models.json; the share dir is $LANTERNE_SHARE_DIR or the source tree's share/.
std::string BuiltinModelsPath();

// Reads the list. A file that is missing, not JSON, or not shaped like the list is an
// error; invalid entries are skipped and listed in `problems`.
Result<BuiltinModels> LoadBuiltinModels(const std::string& path);
Result<BuiltinModels> ParseBuiltinModels(std::string_view json);

}  // namespace lanterne
