// Finding traces and observations by their id without paying a random B-tree write per
// new row. Client ids are random UUIDs: indexing them directly made every commit rewrite
// one index page per new row, several times the bytes of the rows themselves. Instead:
// - rows written since the last merge are found through an in-memory map (RecentIds),
//   rebuilt at start from the rows past the table's watermark;
// - every few tens of thousands of rows, the writer merges the map into an on-disk index
//   table in id order, touching each index page about once per merge.
// A lookup checks the map first, then the index: a merge commits before it clears the
// map, so a row is always in one or the other, whenever a reader looks.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {

// One indexed table: rows in `table` (with `seq` and the hash column `key`), merged
// entries in `index_table` (key, seq). `watermark` names the row in index_watermarks.
// Id indexes (key id_hash) also need `project_id` and `id` columns for RowLocator.
struct IdIndexTable {
  const char* table;
  const char* index_table;
  const char* key = "id_hash";
  const char* watermark = table;
};

inline constexpr IdIndexTable kTraceIds{"traces", "trace_ids"};
inline constexpr IdIndexTable kObservationIds{"observations", "observation_ids"};
// The observations of a trace, by the hash of its trace id: the same random-key problem
// as ids, since observations of one trace arrive together but traces come in any order.
inline constexpr IdIndexTable kObservationTraces{"observations", "observation_traces", "trace_hash",
                                                 "observation_traces"};

using IdEntry = std::pair<int64_t, int64_t>;              // id_hash, seq
using IdMap = std::unordered_multimap<int64_t, int64_t>;  // id_hash → seq

// Thread-safe: the writer adds and merges, readers look up.
class RecentIds {
 public:
  // The hash space is kept in this many equal ranges, so a merge of one range reads only
  // its own entries: walking the whole map for each of 32 slices was 5% of the writer.
  static constexpr int kSlices = 32;

  void Add(const IdMap& entries);
  std::vector<int64_t> Find(int64_t id_hash) const;
  size_t size() const;
  // The entries of one of `slices` equal ranges of the hash space (1 or kSlices), sorted
  // by id_hash.
  std::vector<IdEntry> Slice(int slice, int slices) const;
  // Forgets entries once they are merged and committed.
  void Erase(const std::vector<IdEntry>& entries);
  // The highest seq ever added: every row above it is newer than all of the map.
  int64_t MaxSeq() const;

 private:
  mutable std::shared_mutex mu_;
  IdMap slices_[kSlices];
  size_t size_ = 0;
  int64_t max_seq_ = 0;
};

class MergedIdFilter;  // id_filter.h

// Finds the seq of the row of `project_id` with `id`: in `recent`, then in rows the
// current transaction wrote (`pending`), then in the merged index, unless `filter` says it
// is not there. Keeps its statements prepared, so the writer pays no parsing per lookup.
// Not thread-safe.
class RowLocator {
 public:
  Status Prepare(sqlite3* db, const IdIndexTable& table, const MergedIdFilter* filter = nullptr);
  Result<std::optional<int64_t>> Locate(const RecentIds& recent, const IdMap& pending,
                                        const std::string& project_id, const std::string& id);

 private:
  sqlite3* db_ = nullptr;
  const MergedIdFilter* filter_ = nullptr;
  Statement check_, indexed_;
};

// One-off lookup for readers (prepares its statements each time).
Result<std::optional<int64_t>> LocateRow(sqlite3* db, const IdIndexTable& table,
                                         const RecentIds& recent, const std::string& project_id,
                                         const std::string& id);

// The seqs of rows whose key hashes to `key_hash`, in `recent` or the index table, sorted
// and without repeats; callers check each row's own columns, as hashes may collide.
Result<std::vector<int64_t>> SeqsWithKey(sqlite3* db, const IdIndexTable& table,
                                         const RecentIds& recent, int64_t key_hash);

// A SQL condition matching the rows `seqs` names, e.g. "seq IN (3,9)".
std::string SeqInList(const std::vector<int64_t>& seqs);
// Goes between a table name and SeqInList: NOT INDEXED leaves SQLite only the rowid lookups
// of the list. Otherwise, with `project_id = ?` and an ORDER BY on start time, it may walk
// the project's whole (project_id, start_time) index instead (seconds on a large store).
inline constexpr const char* kBySeqList = "NOT INDEXED WHERE ";

// Writes `entries` (sorted) into the index table, inside the caller's transaction.
Status MergeIds(sqlite3* db, const IdIndexTable& table, const std::vector<IdEntry>& entries);

// Records that every row up to `seq` is in the index table (so a restart need not load it).
Status SetWatermark(sqlite3* db, const IdIndexTable& table, int64_t seq);

// Loads the rows past the watermark into `recent` (at start).
Status LoadRecentIds(sqlite3* db, const IdIndexTable& table, RecentIds& recent);

}  // namespace lanterne::sqlite
