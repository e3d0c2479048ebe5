// The in-memory side of the id indexes (storage/sqlite/id_index.h): the map kept in
// slices of the hash space, which the writer merges one slice at a time.
#include "storage/sqlite/id_index.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace lanterne::sqlite {
namespace {

IdMap RandomEntries(int count, uint64_t seed) {
  std::mt19937_64 random(seed);
  IdMap entries;
  for (int i = 0; i < count; ++i) {
    entries.emplace(static_cast<int64_t>(random()), i + 1);
  }
  return entries;
}

TEST(RecentIds, SlicesPartitionTheEntriesInHashOrder) {
  RecentIds recent;
  IdMap entries = RandomEntries(5000, 1);
  // A repeated hash (two ids colliding, or one id at two seqs) keeps both entries.
  entries.emplace(entries.begin()->first, 9999);
  recent.Add(entries);
  ASSERT_EQ(recent.size(), entries.size());

  std::vector<IdEntry> joined;
  int64_t previous_last = INT64_MIN;
  bool previous_seen = false;
  for (int slice = 0; slice < RecentIds::kSlices; ++slice) {
    std::vector<IdEntry> part = recent.Slice(slice, RecentIds::kSlices);
    EXPECT_TRUE(std::is_sorted(part.begin(), part.end()));
    // Slices are ranges of the unsigned hash space: every hash of a slice sorts after
    // every hash of the slices before it, taken unsigned.
    if (!part.empty()) {
      if (previous_seen) {
        EXPECT_LT(static_cast<uint64_t>(previous_last), static_cast<uint64_t>(part.front().first));
      }
      previous_last = part.back().first;
      previous_seen = true;
    }
    joined.insert(joined.end(), part.begin(), part.end());
  }
  std::vector<IdEntry> expected(entries.begin(), entries.end());
  std::sort(expected.begin(), expected.end());
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, expected);
  // One slice of everything is all of it.
  EXPECT_EQ(recent.Slice(0, 1), expected);
}

TEST(RecentIds, ErasedEntriesAreNoLongerFound) {
  RecentIds recent;
  IdMap entries = RandomEntries(2000, 2);
  entries.emplace(entries.begin()->first, 5000);
  recent.Add(entries);
  const std::vector<IdEntry> merged = recent.Slice(3, RecentIds::kSlices);
  recent.Erase(merged);
  EXPECT_EQ(recent.size(), entries.size() - merged.size());
  EXPECT_TRUE(recent.Slice(3, RecentIds::kSlices).empty());
  for (const auto& [hash, seq] : merged) {
    const std::vector<int64_t> left = recent.Find(hash);
    EXPECT_EQ(std::count(left.begin(), left.end(), seq), 0);
  }
  EXPECT_EQ(recent.MaxSeq(), 5000);  // the highest ever added, merged or not
}

TEST(RecentIds, ErasingOneEntryOfAHashKeepsTheOther) {
  RecentIds recent;
  recent.Add({{42, 1}, {42, 7}, {43, 2}});
  recent.Erase({{42, 7}});
  EXPECT_EQ(recent.Find(42), std::vector<int64_t>{1});
  EXPECT_EQ(recent.Find(43), std::vector<int64_t>{2});
  EXPECT_EQ(recent.size(), 2u);
}

}  // namespace
}  // namespace lanterne::sqlite
