// A saved custom dashboard of the web UI (docs/ui-api.md, "Dashboards"): a name and a
// definition, the widgets as the JSON the UI sends, validated by src/api/ui_dashboards.cc
// before it is stored.
#pragma once

#include <cstdint>
#include <string>

namespace lanterne {

struct Dashboard {
  std::string project_id;
  std::string id;
  std::string name;
  std::string description;
  std::string definition_json;  // {"widgets": [...]}, compact JSON text
  std::string created_by;       // the creator's email
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

}  // namespace lanterne
