#include "pricing/builtin_models.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <simdjson.h>

#include "core/share_dir.h"
#include "core/time.h"
#include "pricing/model_parse.h"

namespace lanterne {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

// "Large Context" → "large-context": tier ids that stay the same as long as the names do.
std::string Slug(std::string_view name) {
  std::string slug;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

Result<ModelDefinition> ParseEntry(element value, int64_t default_created_us) {
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("expected an object");
  }
  std::string_view id;
  if (obj["id"].get_string().get(id) != simdjson::SUCCESS || id.empty()) {
    return Status::InvalidArgument("id: expected a non-empty string");
  }
  ModelParseOptions options;
  options.require_unit = false;
  options.allow_prices_shorthand = true;
  auto model = ParseModelObject(obj, options);
  if (!model.ok()) return model.status();
  model->id = std::string(id);
  if (!model->unit) model->unit = "TOKENS";
  model->created_at_us = default_created_us;
  std::string_view created;
  if (obj["createdAt"].get_string().get(created) == simdjson::SUCCESS) {
    auto us = ParseLenientTimestamp(created);
    if (!us) return Status::InvalidArgument("createdAt: expected an ISO 8601 date or timestamp");
    model->created_at_us = *us;
  }
  for (auto& tier : model->pricing_tiers) {
    if (tier.id.empty()) tier.id = model->id + ":" + Slug(tier.name);
  }
  return model;
}

}  // namespace

std::string BuiltinModelsPath() { return ShareDir() + "/models.json"; }

Result<BuiltinModels> ParseBuiltinModels(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  object obj;
  if (auto error = parser.parse(json.data(), json.size()).get(root); error != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (root.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("expected an object with prices_as_of and models");
  }
  BuiltinModels list;
  std::string_view as_of;
  if (obj["prices_as_of"].get_string().get(as_of) != simdjson::SUCCESS) {
    return Status::InvalidArgument("prices_as_of: expected a date (YYYY-MM-DD)");
  }
  list.prices_as_of = std::string(as_of);
  // Entries without a createdAt are dated by the list itself.
  int64_t as_of_us = ParseLenientTimestamp(as_of).value_or(0);
  simdjson::dom::array sources;
  if (obj["sources"].get_array().get(sources) == simdjson::SUCCESS) {
    for (element s : sources) {
      std::string_view text;
      if (s.get_string().get(text) == simdjson::SUCCESS) list.sources.emplace_back(text);
    }
  }
  simdjson::dom::array models;
  if (obj["models"].get_array().get(models) != simdjson::SUCCESS) {
    return Status::InvalidArgument("models: expected an array");
  }
  std::set<std::string> ids;
  size_t index = 0;
  for (element entry : models) {
    std::string where = "models[" + std::to_string(index++) + "]";
    std::string_view name;
    if (entry["modelName"].get_string().get(name) == simdjson::SUCCESS) {
      where += " (" + std::string(name) + ")";
    }
    auto model = ParseEntry(entry, as_of_us);
    if (!model.ok()) {
      list.problems.push_back(where + ": " + model.status().message());
      continue;
    }
    if (!ids.insert(model->id).second) {
      list.problems.push_back(where + ": id " + model->id + " is used by an earlier entry");
      continue;
    }
    list.models.push_back(std::make_shared<const ModelDefinition>(std::move(model).value()));
  }
  return list;
}

Result<BuiltinModels> LoadBuiltinModels(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto list = ParseBuiltinModels(text.str());
  if (!list.ok()) return Status(list.status().code(), path + ": " + list.status().message());
  list->path = path;
  return list;
}

}  // namespace lanterne
