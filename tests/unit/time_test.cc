#include "core/time.h"

#include <gtest/gtest.h>

namespace lanterne {
namespace {

// 2024-03-15T10:30:00Z in microseconds since the epoch.
constexpr int64_t kMarch15 = 1710498600LL * 1000000;

TEST(ParseIsoTimestamp, AcceptsUtcDesignator) {
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00Z"), kMarch15);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:00Z"), 0);
}

TEST(ParseIsoTimestamp, AppliesPositiveAndNegativeOffsets) {
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T12:30:00+02:00"), kMarch15);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T05:00:00-05:30"), kMarch15);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00+00:00"), kMarch15);
}

TEST(ParseIsoTimestamp, KeepsMicroseconds) {
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00.123456Z"), kMarch15 + 123456);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00.5Z"), kMarch15 + 500000);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00.123Z"), kMarch15 + 123000);
}

TEST(ParseIsoTimestamp, TruncatesNanosecondsToMicroseconds) {
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00.123456789Z"), kMarch15 + 123456);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T12:30:00.999999999+02:00"), kMarch15 + 999999);
}

TEST(ParseIsoTimestamp, RejectsMissingZone) {
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00"), std::nullopt);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15T10:30:00.123"), std::nullopt);
  EXPECT_EQ(ParseIsoTimestamp("2024-03-15"), std::nullopt);
}

TEST(ParseIsoTimestamp, RejectsGarbage) {
  for (const char* text :
       {"", "not a date", "2024", "2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z",
        "2024-03-32T00:00:00Z", "2024-03-15T25:00:00Z", "2024-03-15T10:60:00Z",
        "2024-03-15T10:30:00.Z", "2024-03-15T10:30:00Zjunk", "2024-03-15T10:30:00+2",
        "2024/03/15T10:30:00Z", "2024-03-15X10:30:00Z", "１９７０-01-01T00:00:00Z"}) {
    EXPECT_EQ(ParseIsoTimestamp(text), std::nullopt) << text;
  }
}

TEST(ParseIsoTimestamp, AcceptsLeapDay) {
  auto feb29 = ParseIsoTimestamp("2024-02-29T00:00:00Z");
  auto mar1 = ParseIsoTimestamp("2024-03-01T00:00:00Z");
  ASSERT_TRUE(feb29.has_value());
  ASSERT_TRUE(mar1.has_value());
  EXPECT_EQ(*mar1 - *feb29, 86400LL * 1000000);
  EXPECT_EQ(*feb29, 1709164800LL * 1000000);
  EXPECT_EQ(FormatIsoMillis(*feb29), "2024-02-29T00:00:00.000Z");
}

TEST(FormatIsoMillis, FormatsWithMillisecondsAndZ) {
  EXPECT_EQ(FormatIsoMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(kMarch15 + 123456), "2024-03-15T10:30:00.123Z");
}

TEST(FormatIsoMillis, RoundTripsThroughParse) {
  for (const char* text : {"2024-03-15T10:30:00.123Z", "1999-12-31T23:59:59.999Z",
                           "2000-02-29T12:00:00.000Z", "2100-01-01T00:00:00.001Z"}) {
    auto parsed = ParseIsoTimestamp(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(FormatIsoMillis(*parsed), text);
    EXPECT_EQ(ParseIsoTimestamp(FormatIsoMillis(*parsed)), parsed);
  }
}

TEST(FormatIsoMillis, HandlesTimesBeforeTheEpoch) {
  auto parsed = ParseIsoTimestamp("1969-12-31T23:59:59.500Z");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, -500000);
  EXPECT_EQ(FormatIsoMillis(*parsed), "1969-12-31T23:59:59.500Z");
}

TEST(ParseLenientTimestamp, AcceptsDateOnlyAsUtcMidnight) {
  EXPECT_EQ(ParseLenientTimestamp("2024-03-15"), 1710460800LL * 1000000);
}

TEST(ParseLenientTimestamp, ReadsZonelessTimeAsUtc) {
  EXPECT_EQ(ParseLenientTimestamp("2024-03-15T10:30:00"), kMarch15);
  EXPECT_EQ(ParseLenientTimestamp("2024-03-15T12:30:00+02:00"), kMarch15);
}

TEST(ParseLenientTimestamp, StillRejectsGarbage) {
  EXPECT_EQ(ParseLenientTimestamp("yesterday"), std::nullopt);
  EXPECT_EQ(ParseLenientTimestamp("2024-03"), std::nullopt);
}

TEST(ParseIsoTimestamp, RejectsDaysPastTheEndOfTheMonth) {
  EXPECT_FALSE(ParseIsoTimestamp("2023-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTimestamp("2024-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTimestamp("2024-04-31T00:00:00Z").has_value());
  EXPECT_TRUE(ParseIsoTimestamp("2024-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(ParseIsoTimestamp("2000-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseIsoTimestamp("1900-02-29T00:00:00Z").has_value());
}

}  // namespace
}  // namespace lanterne
