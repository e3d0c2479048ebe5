// Merged rollup reads of past days, kept in memory between dashboard loads.
//
// A dashboard's 30-day query without a time dimension ("top users by cost", a filter's
// suggestions, latency percentiles by model) reads one rollup row per key and day: with
// thousands of users that is hundreds of thousands of rows, every time the page loads,
// although only today's rows changed since the last load. The store therefore keeps such
// reads merged by key (one row per key for the whole range) and answers the same range
// again from memory as long as no write touched the rollup rows of any day in it.
//
// Validity is tracked by version numbers: every committed transaction that changed rollup
// rows gets the next version, recorded for each (project, table, UTC day) it changed. A
// merged read is stamped with the version current before its rows were read; it stays
// valid while no day of its range has a newer version. Taking the stamp before reading
// makes a race err on the safe side (a read may include a write it is not stamped with,
// never miss one it is). Only this process writes the rollups of its data directory.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "storage/rollup_read.h"

namespace lanterne {

// What one transaction changed in the rollups.
struct RollupChanges {
  std::vector<std::tuple<std::string, RollupTable, int64_t>> days;  // project, table, day
  std::vector<std::string> projects;  // every rollup row of these projects
  bool everything = false;            // rebuilt from the raw rows
  bool empty() const { return days.empty() && projects.empty() && !everything; }
};

class RollupCache {
 public:
  // Bounds: entries, and the rows of all entries together.
  explicit RollupCache(size_t max_entries = 64, size_t max_rows = 400000)
      : max_entries_(max_entries), max_rows_(max_rows) {}

  // After COMMIT of a transaction that made `changes`.
  void Record(const RollupChanges& changes);
  // The stamp of a read about to start.
  uint64_t Stamp();
  // A merged read of `request` for `project_id`, if one is kept and still valid.
  std::optional<std::vector<RollupRow>> Find(const std::string& project_id,
                                             const RollupRowsRequest& request);
  // Keeps a merged read taken with `stamp` (ignored when over the row bound).
  void Keep(const std::string& project_id, const RollupRowsRequest& request, uint64_t stamp,
            const std::vector<RollupRow>& rows);

 private:
  using Key = std::tuple<std::string, int, int, int64_t, int64_t, bool>;
  struct Entry {
    uint64_t stamp;
    std::vector<RollupRow> rows;
    std::list<Key>::iterator lru;
  };
  static Key KeyOf(const std::string& project_id, const RollupRowsRequest& request);
  bool ChangedSince(const std::string& project_id, const RollupRowsRequest& request,
                    uint64_t stamp) const;
  void Evict(std::map<Key, Entry>::iterator it);

  std::mutex mu_;
  uint64_t version_ = 0;
  uint64_t everything_version_ = 0;
  std::unordered_map<std::string, uint64_t> project_versions_;
  std::map<std::pair<std::string, int>, std::map<int64_t, uint64_t>> day_versions_;
  std::map<Key, Entry> entries_;
  std::list<Key> lru_;  // most recently used first
  size_t rows_ = 0;
  const size_t max_entries_, max_rows_;
};

}  // namespace lanterne
