// The id filters (storage/sqlite/id_filter.h): never a false "not there".
#include "storage/sqlite/id_filter.h"

#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "temp_dir.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

TEST(BloomFilter, EveryAddedHashMayBeThereAndFewOthersSeemTo) {
  BloomFilter filter(100000);
  std::mt19937_64 random(3);
  std::vector<int64_t> added;
  for (int i = 0; i < 100000; ++i) added.push_back(static_cast<int64_t>(random()));
  for (int64_t hash : added) filter.Add(hash);
  for (int64_t hash : added) ASSERT_TRUE(filter.MayContain(hash));
  int false_maybes = 0;
  for (int i = 0; i < 100000; ++i)
    false_maybes += filter.MayContain(static_cast<int64_t>(random()));
  EXPECT_LT(false_maybes, 1000);  // sized for under 0.3%; 1% is a clear failure
  EXPECT_FALSE(filter.Overfull());
  for (int i = 0; i < 100001; ++i) filter.Add(static_cast<int64_t>(random()));
  EXPECT_TRUE(filter.Overfull());
}

TEST(MergedIdFilter, MergesDuringABuildAreNotLost) {
  MergedIdFilter filter;
  EXPECT_TRUE(filter.MayContain(1));  // no filter yet: the writer must seek
  EXPECT_TRUE(filter.NeedsBuild());
  filter.BeginBuild();
  EXPECT_FALSE(filter.NeedsBuild());
  // The build read the index before this merge committed.
  filter.Merged({{42, 7}, {-5, 8}});
  auto built = std::make_unique<BloomFilter>(1000);
  built->Add(11);
  filter.FinishBuild(std::move(built));
  EXPECT_TRUE(filter.MayContain(11));
  EXPECT_TRUE(filter.MayContain(42));
  EXPECT_TRUE(filter.MayContain(-5));
  int maybes = 0;
  for (int64_t hash = 1000; hash < 2000; ++hash) maybes += filter.MayContain(hash * 7919);
  EXPECT_LT(maybes, 50);
  // After the build, merges go straight into the filter.
  filter.Merged({{99, 9}});
  EXPECT_TRUE(filter.MayContain(99));
  EXPECT_FALSE(filter.NeedsBuild());
}

TEST(MergedIdFilter, AnAbandonedBuildLeavesTheWriterSeeking) {
  MergedIdFilter filter;
  filter.BeginBuild();
  filter.Merged({{42, 7}});
  filter.AbandonBuild();
  EXPECT_TRUE(filter.MayContain(12345));
  EXPECT_TRUE(filter.NeedsBuild());
}

TEST(ScanIdHashChunk, ReadsEveryHashOnceInChunks) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  Connection db;
  ASSERT_TRUE(db.Open(dir.path() + "/ids.db", false).ok());
  ASSERT_TRUE(db.Exec("CREATE TABLE observation_ids (id_hash INTEGER NOT NULL, seq INTEGER NOT "
                      "NULL, PRIMARY KEY (id_hash, seq)) WITHOUT ROWID")
                  .ok());
  std::vector<int64_t> expected;
  {
    Statement insert(db.get(), "INSERT INTO observation_ids VALUES (?1, ?2)");
    std::mt19937_64 random(5);
    for (int i = 0; i < 1000; ++i) {
      const auto hash = static_cast<int64_t>(random());
      expected.push_back(hash);
      insert.Reset();
      insert.Bind(1, hash).Bind(2, int64_t{i});
      ASSERT_EQ(insert.Step(), SQLITE_DONE);
    }
    // One hash at two seqs, across a chunk boundary or not.
    insert.Reset();
    insert.Bind(1, expected[0]).Bind(2, int64_t{5000});
    ASSERT_EQ(insert.Step(), SQLITE_DONE);
  }
  std::vector<int64_t> scanned;
  std::optional<int64_t> after;
  int chunks = 0;
  for (;;) {
    auto more = ScanIdHashChunk(db.get(), kObservationIds, &after, 64, &scanned);
    ASSERT_TRUE(more.ok());
    ++chunks;
    if (!*more) break;
  }
  EXPECT_GE(chunks, 1000 / 64);
  std::sort(expected.begin(), expected.end());
  std::vector<int64_t> distinct = scanned;
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_TRUE(std::is_sorted(scanned.begin(), scanned.end()));
  EXPECT_EQ(distinct, expected);
}

}  // namespace
}  // namespace lanterne::sqlite
