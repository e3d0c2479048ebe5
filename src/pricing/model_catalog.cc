#include "pricing/model_catalog.h"

#include <algorithm>
#include <mutex>

#include "core/log.h"

namespace lanterne {
namespace {

// Distinct model names seen per project before its answers are dropped and relearned:
// bounds memory when clients send ever-new names (fine-tune ids, dated snapshots).
constexpr size_t kMaxAnswersPerProject = 4096;

using ModelPtr = std::shared_ptr<const ModelDefinition>;

void SortByPrecedence(std::vector<ModelPtr>& models) {
  std::stable_sort(models.begin(), models.end(),
                   [](const ModelPtr& a, const ModelPtr& b) { return MatchPrecedes(*a, *b); });
}

}  // namespace

ModelCatalog::ModelCatalog(Store* store, BuiltinModels builtins)
    : store_(store), builtins_(std::move(builtins)) {
  builtins_ordered_ = builtins_.models;
  SortByPrecedence(builtins_ordered_);
  builtins_listed_ = builtins_.models;
  std::stable_sort(builtins_listed_.begin(), builtins_listed_.end(),
                   [](const ModelPtr& a, const ModelPtr& b) {
                     if (a->model_name != b->model_name) return a->model_name < b->model_name;
                     return MatchPrecedes(*a, *b);
                   });
  for (const auto& model : builtins_.models) builtins_by_id_.emplace(model->id, model);
}

ModelPtr ModelCatalog::FindBuiltin(std::string_view id) const {
  auto it = builtins_by_id_.find(std::string(id));
  return it == builtins_by_id_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<ModelCatalog::ProjectModels>> ModelCatalog::Load(
    const std::string& project_id) {
  auto loaded = std::make_shared<ProjectModels>();
  if (!store_) return loaded;
  auto stored = store_->ListAllModels(project_id);
  if (!stored.ok()) return stored.status();
  for (auto& model : *stored) {
    Status compiled = CompileModel(model);
    if (!compiled.ok()) {
      // Validated when created; only a change of regex engine could get here. The other
      // definitions still apply.
      LogError("model " + model.id + " of project " + project_id +
               " is skipped: " + compiled.message());
      continue;
    }
    loaded->models.push_back(std::make_shared<const ModelDefinition>(std::move(model)));
  }
  SortByPrecedence(loaded->models);
  return loaded;
}

ModelPtr ModelCatalog::Search(const ProjectModels& project, std::string_view model_name) const {
  for (const auto& model : project.models) {
    if (MatchesModelName(*model, model_name)) return model;
  }
  for (const auto& model : builtins_ordered_) {
    if (MatchesModelName(*model, model_name)) return model;
  }
  return nullptr;
}

Result<ModelPtr> ModelCatalog::Match(const std::string& project_id, std::string_view model_name) {
  std::shared_ptr<ProjectModels> project;
  uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    if (auto it = projects_.find(project_id); it != projects_.end()) {
      project = it->second;
      auto answer = project->answers.find(model_name);
      if (answer != project->answers.end()) return answer->second;
    } else if (auto g = generations_.find(project_id); g != generations_.end()) {
      generation = g->second;
    }
  }
  if (!project) {
    auto loaded = Load(project_id);
    if (!loaded.ok()) return loaded.status();
    project = std::move(loaded).value();
    std::unique_lock lock(mu_);
    auto g = generations_.find(project_id);
    bool current = (g == generations_.end() ? 0 : g->second) == generation;
    if (auto it = projects_.find(project_id); it != projects_.end()) {
      project = it->second;  // another thread loaded it first; share its answers
    } else if (current) {
      projects_.emplace(project_id, project);
    }
  }
  // Matching runs without the lock: compiled RE2 objects are thread-safe.
  ModelPtr answer = Search(*project, model_name);
  std::unique_lock lock(mu_);
  auto it = projects_.find(project_id);
  if (it != projects_.end() && it->second == project) {
    if (project->answers.size() >= kMaxAnswersPerProject) project->answers.clear();
    project->answers.emplace(std::string(model_name), answer);
  }
  return answer;
}

void ModelCatalog::InvalidateProject(const std::string& project_id) {
  std::unique_lock lock(mu_);
  projects_.erase(project_id);
  ++generations_[project_id];
}

}  // namespace lanterne
