// Which id hashes the merged on-disk id indexes (id_index.h) may hold, so that the writer
// seeks them only for ids it may find there.
//
// The writer locates every incoming trace and observation by id before it writes it, and
// nearly all of them are new: each lookup ended in a B-tree seek of trace_ids or
// observation_ids that found nothing, 4-5% of the server's time at full speed. A Bloom
// filter of the merged hashes answers "not there" from memory.
//
// Never a false "not there": every hash in the on-disk index is in the filter. The filter
// is built in the background from the index, in chunks of hash ranges, each on a fresh
// read snapshot; merges that commit after the build began are recorded by the writer and
// added when the build hands its filter over. Until then, and whenever in doubt, the
// writer seeks as before. Hashes of deleted rows stay: they only cost a seek.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "storage/sqlite/id_index.h"

namespace lanterne::sqlite {

class BloomFilter {
 public:
  // Sized for `capacity` hashes at 16 bits each (under 0.3% false "maybe").
  explicit BloomFilter(size_t capacity);
  void Add(int64_t hash);
  bool MayContain(int64_t hash) const;
  // More hashes than it was sized for: time for a larger one.
  bool Overfull() const { return added_ > capacity_; }

 private:
  std::vector<uint64_t> words_;
  uint64_t bit_mask_ = 0;
  size_t capacity_ = 0;
  size_t added_ = 0;
};

// One merged index's filter, with the hand-over protocol above. Every call is made under
// the store's write lock (the writer's own, or the builder's when it begins and ends a
// build); the build's reading (ScanIdHashChunk) is not.
class MergedIdFilter {
 public:
  // The writer: false only when `hash` is surely not in the merged index.
  bool MayContain(int64_t hash) const { return !filter_ || filter_->MayContain(hash); }
  // The writer, once a merge of `entries` has committed.
  void Merged(const std::vector<IdEntry>& entries);
  // No filter yet, or the one in use is overfull, and no build under way.
  bool NeedsBuild() const;

  // The builder: from BeginBuild on, merges are recorded; FinishBuild adds them to
  // `built` and puts it in use.
  void BeginBuild();
  void FinishBuild(std::unique_ptr<BloomFilter> built);
  void AbandonBuild();

 private:
  std::unique_ptr<BloomFilter> filter_;
  bool building_ = false;
  std::vector<int64_t> merged_while_building_;
};

// Reads the hashes of `table`'s merged index in order, `limit` at a time, each call its
// own read transaction on `db`: the hashes after `*after` (all when `*after` is nullopt),
// appended to `hashes`. Returns false once there are no more.
Result<bool> ScanIdHashChunk(sqlite3* db, const IdIndexTable& table, std::optional<int64_t>* after,
                             int limit, std::vector<int64_t>* hashes);

}  // namespace lanterne::sqlite
