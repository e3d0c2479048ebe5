// Which model definition prices an observation (LANGFUSE_API.md 8.2): the project's own
// definitions and the built-in list, searched with their compiled patterns. Called on the
// ingestion write path for every generation, so each project's definitions are loaded
// from the store once and every (project, model name) answer is remembered until that
// project's definitions change.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "pricing/builtin_models.h"
#include "pricing/model_definition.h"
#include "storage/store.h"

namespace lanterne {

class ModelCatalog {
 public:
  // `store` (may be null: built-in models only) must outlive the catalog.
  ModelCatalog(Store* store, BuiltinModels builtins);
  ModelCatalog(const ModelCatalog&) = delete;
  ModelCatalog& operator=(const ModelCatalog&) = delete;

  // The definition that prices `model_name` in `project_id`, or nullptr when none matches:
  // among the project's and the built-in definitions whose pattern is found in the name,
  // project ones first, then the newest start date (none counts as oldest), then the newest
  // created. Thread-safe; a remembered answer costs one hash lookup under a shared lock.
  // Fails only when the project's definitions cannot be read from the store.
  Result<std::shared_ptr<const ModelDefinition>> Match(const std::string& project_id,
                                                       std::string_view model_name);

  // Forgets what is cached for the project. Call after a change to its definitions is
  // committed; a Match running concurrently with the change never caches stale answers.
  void InvalidateProject(const std::string& project_id);

  const BuiltinModels& builtins() const { return builtins_; }
  // The built-in definitions in listing order: by model name, then precedence.
  const std::vector<std::shared_ptr<const ModelDefinition>>& builtins_listed() const {
    return builtins_listed_;
  }
  std::shared_ptr<const ModelDefinition> FindBuiltin(std::string_view id) const;

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
  };
  struct ProjectModels {
    std::vector<std::shared_ptr<const ModelDefinition>> models;  // in precedence order
    // model name → answer (null: nothing matches); cleared when it grows past a bound.
    // Looked up by string_view without building a string.
    std::unordered_map<std::string, std::shared_ptr<const ModelDefinition>, NameHash,
                       std::equal_to<>>
        answers;
  };

  Result<std::shared_ptr<ProjectModels>> Load(const std::string& project_id);
  std::shared_ptr<const ModelDefinition> Search(const ProjectModels& project,
                                                std::string_view model_name) const;

  Store* store_;
  const BuiltinModels builtins_;
  std::vector<std::shared_ptr<const ModelDefinition>> builtins_ordered_;  // precedence order
  std::vector<std::shared_ptr<const ModelDefinition>> builtins_listed_;
  std::unordered_map<std::string, std::shared_ptr<const ModelDefinition>> builtins_by_id_;

  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<ProjectModels>> projects_;
  // Bumped by InvalidateProject: a load that started before a bump does not cache.
  std::unordered_map<std::string, uint64_t> generations_;
};

}  // namespace lanterne
