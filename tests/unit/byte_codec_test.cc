#include "core/byte_codec.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <zstd.h>

namespace lanterne {
namespace {

TEST(ByteCodec, VarintsRoundTrip) {
  const uint64_t values[] = {0,   1,     127,   128,        255,
                             300, 16383, 16384, 1ULL << 32, std::numeric_limits<uint64_t>::max()};
  ByteWriter w;
  for (uint64_t v : values) w.PutVarint(v);
  ByteReader r(w.data());
  for (uint64_t expected : values) {
    uint64_t v = 12345;
    ASSERT_TRUE(r.GetVarint(&v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(r.AtEnd());
  uint64_t extra;
  EXPECT_FALSE(r.GetVarint(&extra));
}

TEST(ByteCodec, SmallVarintsTakeOneByte) {
  ByteWriter w;
  w.PutVarint(127);
  EXPECT_EQ(w.data().size(), 1u);
  w.PutVarint(128);
  EXPECT_EQ(w.data().size(), 3u);
}

TEST(ByteCodec, SignedValuesRoundTrip) {
  const int64_t values[] = {0,
                            1,
                            -1,
                            63,
                            -64,
                            1'700'000'000'000'000,
                            -1'700'000'000'000'000,
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min()};
  ByteWriter w;
  for (int64_t v : values) w.PutSigned(v);
  ByteReader r(w.data());
  for (int64_t expected : values) {
    int64_t v = 0;
    ASSERT_TRUE(r.GetSigned(&v));
    EXPECT_EQ(v, expected);
  }
  EXPECT_TRUE(r.AtEnd());
  // Small negative numbers stay small (zigzag).
  ByteWriter small;
  small.PutSigned(-1);
  EXPECT_EQ(small.data().size(), 1u);
}

TEST(ByteCodec, DoublesRoundTripBitExactly) {
  const double values[] = {0.0,
                           -0.0,
                           1.5,
                           -3.25e-300,
                           0.1 + 0.2,
                           std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::quiet_NaN()};
  ByteWriter w;
  for (double v : values) w.PutDouble(v);
  EXPECT_EQ(w.data().size(), sizeof(values));
  ByteReader r(w.data());
  for (double expected : values) {
    double v = 42;
    ASSERT_TRUE(r.GetDouble(&v));
    EXPECT_EQ(std::memcmp(&v, &expected, sizeof(double)), 0) << expected;
  }
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteCodec, StringsRoundTrip) {
  const std::string binary("a\0b\xff", 4);
  const std::string long_text(100000, 'q');
  ByteWriter w;
  w.PutString("");
  w.PutString("hello");
  w.PutString(binary);
  w.PutString("\xF0\x9F\x8C\x8D");
  w.PutString(long_text);
  ByteReader r(w.data());
  std::string s = "junk";
  ASSERT_TRUE(r.GetString(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.GetString(&s));
  EXPECT_EQ(s, "hello");
  ASSERT_TRUE(r.GetString(&s));
  EXPECT_EQ(s, binary);
  ASSERT_TRUE(r.GetString(&s));
  EXPECT_EQ(s, "\xF0\x9F\x8C\x8D");
  ASSERT_TRUE(r.GetString(&s));
  EXPECT_EQ(s, long_text);
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteCodec, OptionalStringsDistinguishAbsentFromEmpty) {
  ByteWriter w;
  w.PutOptString(std::nullopt);
  w.PutOptString(std::string());
  w.PutOptString(std::string("x"));
  ByteReader r(w.data());
  std::optional<std::string> s = "junk";
  ASSERT_TRUE(r.GetOptString(&s));
  EXPECT_FALSE(s.has_value());
  ASSERT_TRUE(r.GetOptString(&s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(r.GetOptString(&s));
  EXPECT_EQ(s, "x");
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteCodec, MixedFieldsRoundTrip) {
  ByteWriter w;
  w.PutVarint(7);
  w.PutString("name");
  w.PutSigned(-5);
  w.PutDouble(2.5);
  w.PutOptString(std::string("opt"));
  std::string encoded = w.Take();
  ByteReader r(encoded);
  uint64_t u;
  std::string s;
  int64_t i;
  double d;
  std::optional<std::string> o;
  ASSERT_TRUE(r.GetVarint(&u) && r.GetString(&s) && r.GetSigned(&i) && r.GetDouble(&d) &&
              r.GetOptString(&o));
  EXPECT_EQ(u, 7u);
  EXPECT_EQ(s, "name");
  EXPECT_EQ(i, -5);
  EXPECT_EQ(d, 2.5);
  EXPECT_EQ(o, "opt");
  EXPECT_TRUE(r.AtEnd());
}

TEST(ByteCodec, TruncatedVarintIsRejected) {
  ByteWriter w;
  w.PutVarint(300);
  ByteReader r(std::string_view(w.data()).substr(0, 1));
  uint64_t v;
  EXPECT_FALSE(r.GetVarint(&v));
  ByteReader empty("");
  EXPECT_FALSE(empty.GetVarint(&v));
  int64_t i;
  ByteReader empty_signed("");
  EXPECT_FALSE(empty_signed.GetSigned(&i));
}

TEST(ByteCodec, OverlongVarintIsRejected) {
  const std::string eleven_continuations(11, '\x80');
  ByteReader r(eleven_continuations);
  uint64_t v;
  EXPECT_FALSE(r.GetVarint(&v));
}

TEST(ByteCodec, TruncatedDoubleIsRejected) {
  ByteWriter w;
  w.PutDouble(1.0);
  for (size_t n = 0; n < sizeof(double); ++n) {
    ByteReader r(std::string_view(w.data()).substr(0, n));
    double d;
    EXPECT_FALSE(r.GetDouble(&d)) << n;
  }
}

TEST(ByteCodec, TruncatedStringIsRejected) {
  ByteWriter w;
  w.PutString("hello world");
  for (size_t n = 0; n < w.data().size(); ++n) {
    ByteReader r(std::string_view(w.data()).substr(0, n));
    std::string s;
    EXPECT_FALSE(r.GetString(&s)) << n;
  }
  ByteWriter o;
  o.PutOptString(std::string("hello"));
  for (size_t n = 0; n < o.data().size(); ++n) {
    ByteReader r(std::string_view(o.data()).substr(0, n));
    std::optional<std::string> s;
    EXPECT_FALSE(r.GetOptString(&s)) << n;
  }
}

TEST(ByteCodec, HugeLengthPrefixIsRejected) {
  ByteWriter w;
  w.PutVarint(std::numeric_limits<uint64_t>::max());
  w.PutString("abc");
  {
    ByteReader r(w.data());
    std::string s;
    EXPECT_FALSE(r.GetString(&s));
  }
  {
    ByteReader r(w.data());
    std::optional<std::string> s;
    EXPECT_FALSE(r.GetOptString(&s));
  }
}

TEST(CompressBlob, SmallBlobRoundTrips) {
  for (std::string raw : {std::string(), std::string("x"), std::string(100, 'a')}) {
    std::string stored = CompressBlob(raw);
    auto back = DecompressBlob(stored);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, raw);
  }
}

TEST(CompressBlob, LargeCompressibleBlobShrinksAndRoundTrips) {
  std::string raw;
  for (int i = 0; i < 20000; ++i)
    raw += "{\"role\":\"user\",\"content\":\"hello " + std::to_string(i % 10) + "\"}";
  std::string stored = CompressBlob(raw);
  EXPECT_LT(stored.size(), raw.size() / 4);
  auto back = DecompressBlob(stored);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, raw);
}

TEST(CompressBlob, LargeIncompressibleBlobRoundTrips) {
  std::mt19937_64 rng(7);
  std::string raw(64 * 1024, '\0');
  for (char& c : raw) c = static_cast<char>(rng());
  std::string stored = CompressBlob(raw);
  EXPECT_LE(stored.size(), raw.size() + 1);
  auto back = DecompressBlob(stored);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, raw);
}

// Each blob is compressed on a reused per-thread state: a blob must decode alone, never
// referring to bytes of the blobs compressed before it on the same thread.
TEST(CompressBlob, BlobsCompressedInTurnDecodeAlone) {
  std::string first, second;
  for (int i = 0; i < 400; ++i)
    first += "{\"role\":\"user\",\"content\":\"refund " + std::to_string(i) + "\"}";
  for (int i = 0; i < 400; ++i)
    second += "{\"role\":\"user\",\"content\":\"refund " + std::to_string(i) + "\"},";
  std::vector<std::string> stored;
  for (int round = 0; round < 3; ++round) {
    stored.push_back(CompressBlob(first));
    stored.push_back(CompressBlob(second));
  }
  for (size_t i = 0; i < stored.size(); ++i) {
    ASSERT_EQ(stored[i][0], stored[0][0]) << "blob " << i << " was not compressed";
    EXPECT_LT(stored[i].size(), first.size() / 3) << "blob " << i;
    auto back = DecompressBlob(stored[i]);
    ASSERT_TRUE(back.has_value()) << "blob " << i;
    EXPECT_EQ(*back, i % 2 ? second : first) << "blob " << i;
  }
}

// Data directories written before LZ4 hold zstd frames; they stay readable.
TEST(CompressBlob, ZstdBlobsOfEarlierVersionsAreRead) {
  std::string raw;
  for (int i = 0; i < 500; ++i) raw += "Le modèle répond en français. 日本語も。";
  std::string frame(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compress(frame.data(), frame.size(), raw.data(), raw.size(), 1);
  ASSERT_FALSE(ZSTD_isError(n));
  frame.resize(n);
  auto back = DecompressBlob("z" + frame);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, raw);
}

TEST(CompressBlob, CorruptBlobIsRejected) {
  EXPECT_EQ(DecompressBlob(""), std::nullopt);
  EXPECT_EQ(DecompressBlob("?unknown tag"), std::nullopt);
  EXPECT_EQ(DecompressBlob("z"), std::nullopt);
  EXPECT_EQ(DecompressBlob("znot a zstd frame at all"), std::nullopt);

  EXPECT_EQ(DecompressBlob("l"), std::nullopt);
  EXPECT_EQ(DecompressBlob("l\x80"), std::nullopt);  // size varint cut short
  EXPECT_EQ(DecompressBlob("l\x05"
                           "abc"),
            std::nullopt);                                           // not an LZ4 block of 5 bytes
  EXPECT_EQ(DecompressBlob("l\xff\xff\xff\xff\x7f"), std::nullopt);  // size past LZ4's limit

  std::string stored = CompressBlob(std::string(10000, 'x') + std::string(10000, 'y'));
  ASSERT_EQ(stored[0], 'l');  // large and compressible: stored compressed
  EXPECT_EQ(DecompressBlob(std::string_view(stored).substr(0, stored.size() / 2)), std::nullopt);
  std::string flipped = stored;
  for (size_t i = 20; i < flipped.size(); ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
  EXPECT_EQ(DecompressBlob(flipped), std::nullopt);
}

}  // namespace
}  // namespace lanterne
