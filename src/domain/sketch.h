// A mergeable quantile sketch (DDSketch: Masson, Rim, Lee, VLDB 2019) for dashboards'
// latency and score percentiles. Values fall into logarithmic buckets of relative width
// 2%, so any quantile it answers is within 1% of the value of the item of that rank.
// Counts are signed so that a sketch can also hold a difference (what one write adds and
// removes): adding a value and later removing it leaves the sketch exactly as before, which
// is what lets the rollups (storage/sqlite/rollup_rows.h) subtract a record's old
// contribution. The encoding is canonical: equal sketches encode to equal bytes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace lanterne {

class Sketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;

  // Adds `count` copies of `value` (negative `count` removes them). NaN is ignored.
  void Add(double value, int64_t count = 1);
  // Adds every bucket of `other`, times `sign` (1 or -1).
  void Merge(const Sketch& other, int sign = 1);

  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0 && positive_.empty() && negative_.empty() && !zero_; }
  // The value of the item of rank floor(q * (count - 1)) in ascending order, within 1%.
  // nullopt when empty. q in [0, 1].
  std::optional<double> Quantile(double q) const;
  std::optional<double> Min() const { return Quantile(0); }
  std::optional<double> Max() const { return Quantile(1); }
  // `bins` equal-width bins between Min() and Max(): {lower, upper, count} (bucket counts
  // assigned by each bucket's representative value).
  std::vector<std::tuple<double, double, double>> Histogram(int bins) const;

  std::string Encode() const;
  // False when `bytes` is not an encoded sketch.
  static bool Decode(std::string_view bytes, Sketch* out);

  bool operator==(const Sketch& other) const = default;

 private:
  // Every value the sketch stores, ascending, with its count.
  template <typename Visit>
  void ForEachBucket(Visit visit) const;

  std::map<int32_t, int64_t> positive_, negative_;  // bucket index → count (|value|)
  int64_t zero_ = 0;                                // |value| below kMinIndexable
  int64_t count_ = 0;
};

}  // namespace lanterne
