// Prompt fetches by name and label are the SDKs' hot path (every application start, every
// cache refresh): they are answered from memory. An entry holds every version of one
// prompt name and is dropped whenever anything of that name changes, through this process.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "prompts/prompt.h"

#include "core/status.h"
#include "storage/store.h"

namespace lanterne {

class PromptCache {
 public:
  using Versions = std::shared_ptr<const std::vector<PromptVersion>>;  // newest first

  explicit PromptCache(Store& store) : store_(store) {}

  // Every version of the prompt (empty when it has none), from memory or the store.
  Result<Versions> Get(const std::string& project_id, const std::string& name);
  // Call after a write to the prompt has committed.
  void Invalidate(const std::string& project_id, const std::string& name);

 private:
  // Past this many cached names the cache starts over; prompts are few per project.
  static constexpr size_t kMaxEntries = 10000;
  Store& store_;
  std::shared_mutex mu_;
  std::map<std::pair<std::string, std::string>, Versions> entries_;
  // Bumped by every invalidation: a load that began before one is not cached, so a
  // read racing a write cannot put the old versions back.
  std::atomic<uint64_t> generation_{0};
};

// The version a fetch asks for: by `version`, else by `label` (default `production`).
const PromptVersion* SelectPromptVersion(const std::vector<PromptVersion>& versions,
                                         std::optional<int64_t> version, const std::string& label);

}  // namespace lanterne
