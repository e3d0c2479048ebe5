#include "storage/rollup_cache.h"

#include <gtest/gtest.h>

namespace lanterne {
namespace {

constexpr int64_t kDay0 = 19'800 * kDayUs;  // a UTC midnight

RollupRowsRequest Days(int64_t first, int64_t count, RollupTable table = RollupTable::kTraces) {
  RollupRowsRequest r;
  r.table = table;
  r.grain = RollupGrain::kDay;
  r.from_us = kDay0 + first * kDayUs;
  r.to_us = r.from_us + count * kDayUs;
  r.merge_buckets = true;
  return r;
}

std::vector<RollupRow> OneRow(int64_t count) {
  RollupRow row;
  row.key = {std::string("k")};
  row.values = RollupValues::For(RollupTable::kTraces);
  row.values.sums[0] = count;
  return {row};
}

TEST(RollupCache, KeepsAReadUntilADayOfItsRangeChanges) {
  RollupCache cache;
  const auto request = Days(0, 30);
  EXPECT_FALSE(cache.Find("p1", request));
  cache.Keep("p1", request, cache.Stamp(), OneRow(7));
  ASSERT_TRUE(cache.Find("p1", request));
  EXPECT_EQ(cache.Find("p1", request)->at(0).values.sums[0], 7);

  // Writes to another project, another table, or a day after the range leave it valid.
  cache.Record({{{"p2", RollupTable::kTraces, kDay0}}, {}, false});
  cache.Record({{{"p1", RollupTable::kScores, kDay0}}, {}, false});
  cache.Record({{{"p1", RollupTable::kTraces, kDay0 + 30 * kDayUs}}, {}, false});
  EXPECT_TRUE(cache.Find("p1", request));
  // A write to a day inside it does not.
  cache.Record({{{"p1", RollupTable::kTraces, kDay0 + 12 * kDayUs}}, {}, false});
  EXPECT_FALSE(cache.Find("p1", request));
}

TEST(RollupCache, HourRangesAreCheckedAgainstTheirDay) {
  RollupCache cache;
  RollupRowsRequest hours = Days(3, 1);
  hours.grain = RollupGrain::kHour;
  hours.from_us += 5 * kHourUs;
  hours.to_us = hours.from_us + 3 * kHourUs;
  cache.Keep("p1", hours, cache.Stamp(), OneRow(1));
  ASSERT_TRUE(cache.Find("p1", hours));
  cache.Record({{{"p1", RollupTable::kTraces, kDay0 + 3 * kDayUs}}, {}, false});
  EXPECT_FALSE(cache.Find("p1", hours));
}

TEST(RollupCache, AReadStampedBeforeAWriteIsNotKept) {
  RollupCache cache;
  const auto request = Days(0, 7);
  const uint64_t stamp = cache.Stamp();
  // The write commits while the read runs: what the read saw is unknown, so not kept.
  cache.Record({{{"p1", RollupTable::kTraces, kDay0 + 2 * kDayUs}}, {}, false});
  cache.Keep("p1", request, stamp, OneRow(1));
  EXPECT_FALSE(cache.Find("p1", request));
  cache.Keep("p1", request, cache.Stamp(), OneRow(1));
  EXPECT_TRUE(cache.Find("p1", request));
}

TEST(RollupCache, ProjectDeletesAndRebuildsDropEverything) {
  RollupCache cache;
  const auto request = Days(0, 7);
  cache.Keep("p1", request, cache.Stamp(), OneRow(1));
  cache.Record({{}, {"p1"}, false});
  EXPECT_FALSE(cache.Find("p1", request));
  cache.Keep("p1", request, cache.Stamp(), OneRow(1));
  cache.Record({{}, {}, true});
  EXPECT_FALSE(cache.Find("p1", request));
}

TEST(RollupCache, EvictsTheLeastRecentlyUsedPastItsBounds) {
  RollupCache cache(/*max_entries=*/2, /*max_rows=*/100);
  const auto a = Days(0, 1), b = Days(1, 1), c = Days(2, 1);
  cache.Keep("p1", a, cache.Stamp(), OneRow(1));
  cache.Keep("p1", b, cache.Stamp(), OneRow(2));
  EXPECT_TRUE(cache.Find("p1", a));  // a is now the most recently used
  cache.Keep("p1", c, cache.Stamp(), OneRow(3));
  EXPECT_TRUE(cache.Find("p1", a));
  EXPECT_FALSE(cache.Find("p1", b));
  EXPECT_TRUE(cache.Find("p1", c));
  // One answer may take at most a quarter of the rows.
  std::vector<RollupRow> big(26, OneRow(1)[0]);
  cache.Keep("p1", b, cache.Stamp(), big);
  EXPECT_FALSE(cache.Find("p1", b));
}

}  // namespace
}  // namespace lanterne
