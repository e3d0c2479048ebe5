#include "storage/rollup_cache.h"

#include <algorithm>

namespace lanterne {

void RollupCache::Record(const RollupChanges& changes) {
  if (changes.empty()) return;
  std::lock_guard lock(mu_);
  const uint64_t v = ++version_;
  if (changes.everything) everything_version_ = v;
  for (const auto& p : changes.projects) project_versions_[p] = v;
  for (const auto& [project, table, day] : changes.days) {
    day_versions_[{project, static_cast<int>(table)}][day] = v;
  }
}

uint64_t RollupCache::Stamp() {
  std::lock_guard lock(mu_);
  return version_;
}

RollupCache::Key RollupCache::KeyOf(const std::string& project_id,
                                    const RollupRowsRequest& request) {
  return {project_id,
          static_cast<int>(request.table),
          static_cast<int>(request.grain),
          request.from_us,
          request.to_us,
          request.with_sketches};
}

bool RollupCache::ChangedSince(const std::string& project_id, const RollupRowsRequest& request,
                               uint64_t stamp) const {
  if (everything_version_ > stamp) return true;
  if (auto p = project_versions_.find(project_id);
      p != project_versions_.end() && p->second > stamp) {
    return true;
  }
  auto days = day_versions_.find({project_id, static_cast<int>(request.table)});
  if (days == day_versions_.end()) return false;
  // Hour and day rows of a day are recorded under the day's start.
  const int64_t first_day = BucketStart(request.from_us, RollupGrain::kDay);
  for (auto it = days->second.lower_bound(first_day);
       it != days->second.end() && it->first < request.to_us; ++it) {
    if (it->second > stamp) return true;
  }
  return false;
}

void RollupCache::Evict(std::map<Key, Entry>::iterator it) {
  rows_ -= it->second.rows.size();
  lru_.erase(it->second.lru);
  entries_.erase(it);
}

std::optional<std::vector<RollupRow>> RollupCache::Find(const std::string& project_id,
                                                        const RollupRowsRequest& request) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(KeyOf(project_id, request));
  if (it == entries_.end()) return std::nullopt;
  if (ChangedSince(project_id, request, it->second.stamp)) {
    Evict(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.rows;
}

void RollupCache::Keep(const std::string& project_id, const RollupRowsRequest& request,
                       uint64_t stamp, const std::vector<RollupRow>& rows) {
  if (rows.size() > max_rows_ / 4) return;  // one answer may not crowd out the others
  std::lock_guard lock(mu_);
  // Already outdated: a write committed since the stamp was taken.
  if (ChangedSince(project_id, request, stamp)) return;
  Key key = KeyOf(project_id, request);
  if (auto old = entries_.find(key); old != entries_.end()) Evict(old);
  while (!lru_.empty() && (entries_.size() >= max_entries_ || rows_ + rows.size() > max_rows_)) {
    Evict(entries_.find(lru_.back()));
  }
  lru_.push_front(key);
  rows_ += rows.size();
  entries_.emplace(std::move(key), Entry{stamp, rows, lru_.begin()});
}

}  // namespace lanterne
