#include "storage/sqlite/id_filter.h"

#include <algorithm>
#include <bit>
#include <string>

namespace lanterne::sqlite {
namespace {

constexpr int kProbes = 4;
constexpr size_t kBitsPerHash = 16;
constexpr size_t kMinCapacity = size_t{1} << 16;

// The probes of `hash` (already well mixed: core/ids IdHash): double hashing from its two
// halves, the step odd so that probes differ.
template <typename Visit>
bool ForEachProbe(int64_t hash, uint64_t mask, Visit visit) {
  const auto h = static_cast<uint64_t>(hash);
  const uint64_t step = (h >> 32) | 1;
  uint64_t bit = h;
  for (int i = 0; i < kProbes; ++i, bit += step) {
    if (!visit(bit & mask)) return false;
  }
  return true;
}

}  // namespace

BloomFilter::BloomFilter(size_t capacity) : capacity_(std::max(capacity, kMinCapacity)) {
  const uint64_t bits = std::bit_ceil(static_cast<uint64_t>(capacity_ * kBitsPerHash));
  words_.assign(bits / 64, 0);
  bit_mask_ = bits - 1;
}

void BloomFilter::Add(int64_t hash) {
  ForEachProbe(hash, bit_mask_, [&](uint64_t bit) {
    words_[bit >> 6] |= uint64_t{1} << (bit & 63);
    return true;
  });
  ++added_;
}

bool BloomFilter::MayContain(int64_t hash) const {
  return ForEachProbe(hash, bit_mask_,
                      [&](uint64_t bit) { return (words_[bit >> 6] >> (bit & 63) & 1) != 0; });
}

void MergedIdFilter::Merged(const std::vector<IdEntry>& entries) {
  for (const auto& [hash, seq] : entries) {
    if (filter_) filter_->Add(hash);
    if (building_) merged_while_building_.push_back(hash);
  }
}

bool MergedIdFilter::NeedsBuild() const { return !building_ && (!filter_ || filter_->Overfull()); }

void MergedIdFilter::BeginBuild() {
  building_ = true;
  merged_while_building_.clear();
}

void MergedIdFilter::FinishBuild(std::unique_ptr<BloomFilter> built) {
  for (int64_t hash : merged_while_building_) built->Add(hash);
  filter_ = std::move(built);
  AbandonBuild();
}

void MergedIdFilter::AbandonBuild() {
  building_ = false;
  std::vector<int64_t>().swap(merged_while_building_);
}

Result<bool> ScanIdHashChunk(sqlite3* db, const IdIndexTable& table, std::optional<int64_t>* after,
                             int limit, std::vector<int64_t>* hashes) {
  Statement chunk(db, std::string("SELECT ") + table.key + " FROM " + table.index_table +
                          (*after ? std::string(" WHERE ") + table.key + " > ?1" : "") +
                          " ORDER BY " + table.key + " LIMIT " + std::to_string(limit));
  if (!chunk.ok()) return Status::Internal(chunk.prepare_error());
  if (*after) chunk.Bind(1, **after);
  int rows = 0;
  int rc;
  while ((rc = chunk.Step()) == SQLITE_ROW) {
    hashes->push_back(chunk.Int(0));
    ++rows;
  }
  if (rc != SQLITE_DONE) {
    return Status::Internal(std::string("read id index: ") + sqlite3_errmsg(db));
  }
  if (rows > 0) *after = hashes->back();
  return rows == limit;
}

}  // namespace lanterne::sqlite
