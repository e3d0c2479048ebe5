#include "prompts/prompt_cache.h"

#include <algorithm>
#include <mutex>

namespace lanterne {

Result<PromptCache::Versions> PromptCache::Get(const std::string& project_id,
                                               const std::string& name) {
  auto key = std::make_pair(project_id, name);
  {
    std::shared_lock lock(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) return it->second;
  }
  const uint64_t generation = generation_.load();
  auto loaded = store_.PromptVersions(project_id, name);
  if (!loaded.ok()) return loaded.status();
  auto versions = std::make_shared<const std::vector<PromptVersion>>(std::move(loaded).value());
  std::unique_lock lock(mu_);
  if (generation_.load() == generation) {
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_.insert_or_assign(std::move(key), versions);
  }
  return versions;
}

void PromptCache::Invalidate(const std::string& project_id, const std::string& name) {
  std::unique_lock lock(mu_);
  ++generation_;
  entries_.erase({project_id, name});
}

const PromptVersion* SelectPromptVersion(const std::vector<PromptVersion>& versions,
                                         std::optional<int64_t> version, const std::string& label) {
  for (const auto& v : versions) {
    if (version ? v.version == *version
                : std::find(v.labels.begin(), v.labels.end(), label) != v.labels.end()) {
      return &v;
    }
  }
  return nullptr;
}

}  // namespace lanterne
