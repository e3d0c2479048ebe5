#include "tokenize/bpe.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <queue>

#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/share_dir.h"
#include "core/text.h"

namespace lanterne {
namespace {

constexpr uint32_t kNoRank = UINT32_MAX;

// The special tokens of each encoding (tiktoken_ext/openai_public.py).
const std::vector<std::pair<std::string, uint32_t>>& SpecialTokens(EncodingId id) {
  static const std::vector<std::pair<std::string, uint32_t>> cl100k = {{"<|endoftext|>", 100257},
                                                                       {"<|fim_prefix|>", 100258},
                                                                       {"<|fim_middle|>", 100259},
                                                                       {"<|fim_suffix|>", 100260},
                                                                       {"<|endofprompt|>", 100276}};
  static const std::vector<std::pair<std::string, uint32_t>> o200k = {{"<|endoftext|>", 199999},
                                                                      {"<|endofprompt|>", 200018}};
  return id == EncodingId::kCl100kBase ? cl100k : o200k;
}

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A token's first 8 bytes (zero-padded) and its hash.
struct Key {
  uint64_t key8;
  uint64_t hash;
};

inline Key MakeKey(const char* p, size_t n) {
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                     k2 = 0x8ebc6af09c88c6e3ull;
  uint64_t key8, tail = 0, seed = k0 ^ n;
  if (n >= 8) {
    key8 = Load64(p);
    if (n > 8) {
      size_t i = 8;
      for (; i + 16 < n; i += 16) seed = Mix(Load64(p + i) ^ k1, Load64(p + i + 8) ^ seed);
      tail = Load64(p + n - 8) ^ (n > 16 ? Load64(p + n - 16) : 0);
    }
  } else if (n >= 4) {
    key8 = Load32(p) | (Load32(p + n - 4) << (8 * (n - 4)));
  } else if (n > 0) {
    auto u = reinterpret_cast<const unsigned char*>(p);
    key8 = uint64_t{u[0]} | (uint64_t{u[n >> 1]} << (8 * (n >> 1))) |
           (uint64_t{u[n - 1]} << (8 * (n - 1)));
  } else {
    key8 = 0;
  }
  return {key8, Mix(key8 ^ k1, tail ^ seed ^ k2)};
}

inline uint32_t LenTag(uint64_t hash, size_t len) {
  return static_cast<uint32_t>((hash >> 40) << 8) | static_cast<uint32_t>(len);
}

// Decodes UTF-8 as the WHATWG decoder (TextDecoder) does: each maximal subpart of an
// invalid sequence becomes U+FFFD.
std::string ReplaceInvalidUtf8(std::string_view in) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(in.size() + 16);
  auto s = reinterpret_cast<const unsigned char*>(in.data());
  size_t n = in.size(), i = 0;
  while (i < n) {
    unsigned char b = s[i];
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    int need;
    unsigned char lower = 0x80, upper = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) lower = 0xA0;
      if (b == 0xED) upper = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) lower = 0x90;
      if (b == 0xF4) upper = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < need; ++k, ++j) {
      if (j >= n || s[j] < lower || s[j] > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xBF;
    }
    if (ok) {
      out.append(in.data() + i, j - i);
    } else {
      out += kReplacement;
    }
    i = j;
  }
  return out;
}

int Base64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Appends standard base64 (with padding) decoded; false on anything else.
bool DecodeBase64(std::string_view in, std::string* out) {
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = Base64Value(static_cast<unsigned char>(in[i]));
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  for (; i < in.size(); ++i) {
    if (in[i] != '=') return false;
  }
  return true;
}

struct VectorSink {
  std::vector<uint32_t>* out;
  void operator()(uint32_t token) { out->push_back(token); }
};

struct CountSink {
  size_t count = 0;
  void operator()(uint32_t) { ++count; }
};

}  // namespace

std::string_view EncodingName(EncodingId id) {
  return id == EncodingId::kCl100kBase ? "cl100k_base" : "o200k_base";
}

std::optional<EncodingId> EncodingFromName(std::string_view name) {
  if (name == "cl100k_base") return EncodingId::kCl100kBase;
  if (name == "o200k_base") return EncodingId::kO200kBase;
  return std::nullopt;
}

BpeEncoding::BpeEncoding(EncodingId id)
    : id_(id),
      kind_(id == EncodingId::kCl100kBase ? PretokenizerKind::kCl100k : PretokenizerKind::kO200k),
      special_(SpecialTokens(id)) {}

// The rank table's memory: anonymous pages (already zero), in huge pages where the kernel
// allows, so filling a table of several MB does not fault in thousands of small pages.
struct BpeEncoding::SlotMemory {
  void* base = MAP_FAILED;
  size_t size = 0;
  Slot* slots = nullptr;

  explicit SlotMemory(size_t count) {
    constexpr size_t kHuge = size_t{2} << 20;
    size_t bytes = count * sizeof(Slot);
    size = bytes + kHuge;
    base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return;
    auto aligned = (reinterpret_cast<uintptr_t>(base) + kHuge - 1) & ~(kHuge - 1);
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
    slots = reinterpret_cast<Slot*>(aligned);
  }
  ~SlotMemory() {
    if (base != MAP_FAILED) munmap(base, size);
  }
};

BpeEncoding::~BpeEncoding() = default;

Result<std::unique_ptr<BpeEncoding>> BpeEncoding::Load(std::string_view name) {
  std::optional<EncodingId> id = EncodingFromName(name);
  if (!id) return Status::InvalidArgument("unknown encoding: " + std::string(name));
  return LoadFile(*id, ShareDir() + "/tokenizers/" + std::string(name) + ".tiktoken");
}

Result<std::unique_ptr<BpeEncoding>> BpeEncoding::LoadFile(EncodingId id, const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::NotFound("tokenizer rank table " + path +
                            " is missing (bash scripts/tokenizer-data.sh writes it)");
  }
  struct stat st;
  void* map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    map = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  }
  close(fd);
  if (map == MAP_FAILED) return Status::Internal("cannot read " + path);
  std::unique_ptr<BpeEncoding> encoding(new BpeEncoding(id));
  Status parsed = encoding->Parse(
      std::string_view(static_cast<const char*>(map), static_cast<size_t>(st.st_size)));
  munmap(map, static_cast<size_t>(st.st_size));
  if (!parsed.ok()) return Status::Internal(path + ": " + parsed.message());
  return encoding;
}

Status BpeEncoding::Parse(std::string_view file) {
  // First the tokens, in rank order (OpenAI's files list every rank once, in order; the
  // generator checks their SHA-256): bytes back to back, and each one's key.
  size_t lines = static_cast<size_t>(std::count(file.begin(), file.end(), '\n')) + 1;
  bytes_.reserve(file.size() / 2);
  by_rank_.reserve(lines);
  std::vector<Key> keys;
  keys.reserve(lines);
  size_t pos = 0, line_no = 0;
  while (pos < file.size()) {
    size_t eol = file.find('\n', pos);
    if (eol == std::string_view::npos) eol = file.size();
    std::string_view line = file.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (line.empty()) continue;
    auto bad = [&](std::string_view what) {
      return Status::Internal("line " + std::to_string(line_no) + ": " + std::string(what));
    };
    size_t space = line.find(' ');
    size_t offset = bytes_.size();
    if (space == std::string_view::npos || !DecodeBase64(line.substr(0, space), &bytes_) ||
        bytes_.size() == offset) {
      return bad("not \"<base64> <rank>\"");
    }
    size_t len = bytes_.size() - offset;
    if (len > 255) return bad("token over 255 bytes");
    std::string_view digits = line.substr(space + 1);
    uint64_t rank = 0;
    if (digits.empty() || digits.size() > 9) return bad("bad rank");
    for (char c : digits) {
      if (c < '0' || c > '9') return bad("bad rank");
      rank = rank * 10 + static_cast<uint64_t>(c - '0');
    }
    if (rank != by_rank_.size()) return bad("rank out of order");
    by_rank_.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(len));
    keys.push_back(MakeKey(bytes_.data() + offset, len));
  }
  rank_count_ = by_rank_.size();
  bytes_.shrink_to_fit();

  // Then the table, sized for a load factor under 0.4. Slots are written in random order,
  // so the slot a few tokens ahead is prefetched.
  size_t capacity = 1024;
  while (capacity < rank_count_ * 2 + rank_count_ / 2) capacity <<= 1;
  slot_memory_ = std::make_unique<SlotMemory>(capacity);
  if (!slot_memory_->slots) return Status::Internal("out of memory for the rank table");
  slots_ = slot_memory_->slots;
  mask_ = capacity - 1;
  constexpr size_t kAhead = 16;
  for (size_t r = 0; r < rank_count_; ++r) {
    if (r + kAhead < rank_count_) __builtin_prefetch(&slots_[keys[r + kAhead].hash & mask_], 1);
    uint64_t i = keys[r].hash & mask_;
    while (slots_[i].len_tag != 0) i = (i + 1) & mask_;
    slots_[i] =
        Slot{keys[r].key8, static_cast<uint32_t>(r), LenTag(keys[r].hash, by_rank_[r].second)};
  }
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    byte_rank_[b] = Rank(&c, 1);
    if (byte_rank_[b] == kNoRank) {
      return Status::Internal("byte " + std::to_string(b) + " has no rank");
    }
  }
  return Status::Ok();
}

inline uint32_t BpeEncoding::Rank(const char* p, size_t len) const {
  Key key = MakeKey(p, len);
  const uint32_t want = LenTag(key.hash, len);
  for (uint64_t i = key.hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.len_tag == want && s.key8 == key.key8 &&
        (len <= 8 ||
         std::memcmp(bytes_.data() + by_rank_[s.rank].first + 8, p + 8, len - 8) == 0)) {
      return s.rank;
    }
    if (s.len_tag == 0) return kNoRank;
  }
}

template <typename Sink>
void BpeEncoding::MergeScan(std::string_view piece, Sink& sink) const {
  // tiktoken's byte_pair_merge: parts[i] = (start, rank of the pair starting there).
  struct Part {
    uint32_t start;
    uint32_t rank;
  };
  const char* p = piece.data();
  const size_t n = piece.size();
  Part parts[kHeapMergeThreshold + 1];
  size_t count = 0;
  uint32_t min_rank = kNoRank;
  size_t min_index = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    uint32_t r = Rank(p + i, 2);
    if (r < min_rank) {
      min_rank = r;
      min_index = i;
    }
    parts[count++] = {static_cast<uint32_t>(i), r};
  }
  parts[count++] = {static_cast<uint32_t>(n - 1), kNoRank};
  parts[count++] = {static_cast<uint32_t>(n), kNoRank};
  // The rank of the pair that starts at part i once parts i+1 and i+2 are one.
  auto rank_after = [&](size_t i) {
    if (i + 3 < count) return Rank(p + parts[i].start, parts[i + 3].start - parts[i].start);
    return kNoRank;
  };
  while (min_rank != kNoRank) {
    size_t i = min_index;
    if (i > 0) parts[i - 1].rank = rank_after(i - 1);
    parts[i].rank = rank_after(i);
    std::memmove(&parts[i + 1], &parts[i + 2], (count - i - 2) * sizeof(Part));
    --count;
    min_rank = kNoRank;
    for (size_t j = 0; j + 1 < count; ++j) {
      if (parts[j].rank < min_rank) {
        min_rank = parts[j].rank;
        min_index = j;
      }
    }
  }
  for (size_t i = 0; i + 1 < count; ++i) {
    sink(Rank(p + parts[i].start, parts[i + 1].start - parts[i].start));
  }
}

template <typename Sink>
void BpeEncoding::MergeHeap(std::string_view piece, Sink& sink) const {
  // The same merges in O(n log n): parts are a linked list over their start offsets, and
  // candidate pairs wait in a min-heap ordered by (rank, start), so the leftmost of the
  // lowest-ranked pairs goes first, as in the scan. Entries whose pair has changed since
  // they were pushed are skipped.
  const char* p = piece.data();
  const uint32_t n = static_cast<uint32_t>(piece.size());
  std::vector<uint32_t> next(n), prev(n);
  std::vector<bool> alive(n, true);
  for (uint32_t i = 0; i < n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? UINT32_MAX : i - 1;
  }
  struct Candidate {
    uint32_t rank, start, end;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : start > o.start;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  auto push = [&](uint32_t start) {
    if (start == UINT32_MAX || next[start] >= n) return;
    uint32_t end = next[next[start]];
    uint32_t r = Rank(p + start, end - start);
    if (r != kNoRank) heap.push({r, start, end});
  };
  for (uint32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    if (!alive[c.start] || next[c.start] >= n || next[next[c.start]] != c.end) continue;
    uint32_t merged = next[c.start];
    alive[merged] = false;
    next[c.start] = next[merged];
    if (next[c.start] < n) prev[next[c.start]] = c.start;
    push(prev[c.start]);
    push(c.start);
  }
  for (uint32_t i = 0; i < n; i = next[i]) sink(Rank(p + i, next[i] - i));
}

template <typename Sink>
void BpeEncoding::EncodePiece(std::string_view piece, Sink& sink) const {
  if (piece.size() == 1) {
    sink(byte_rank_[static_cast<unsigned char>(piece[0])]);
    return;
  }
  uint32_t whole = Rank(piece.data(), piece.size());
  if (whole != kNoRank) {
    sink(whole);
  } else if (piece.size() < kHeapMergeThreshold) {
    MergeScan(piece, sink);
  } else {
    MergeHeap(piece, sink);
  }
}

template <typename Sink>
void BpeEncoding::EncodeOrdinary(std::string_view text, Sink& sink) const {
  for (size_t pos = 0; pos < text.size();) {
    size_t end = NextPieceEnd(kind_, text, pos);
    EncodePiece(text.substr(pos, end - pos), sink);
    pos = end;
  }
}

template <typename Sink>
void BpeEncoding::EncodeSpecial(std::string_view text, Sink& sink) const {
  // Special tokens all start with "<|"; none is a prefix of another, so the first one found
  // at the leftmost "<|" that starts one is the match.
  size_t start = 0, search = 0;
  while (true) {
    size_t at = text.find("<|", search);
    if (at == std::string_view::npos) break;
    const std::pair<std::string, uint32_t>* found = nullptr;
    for (const auto& special : special_) {
      if (text.compare(at, special.first.size(), special.first) == 0) {
        found = &special;
        break;
      }
    }
    if (!found) {
      search = at + 1;
      continue;
    }
    EncodeOrdinary(text.substr(start, at - start), sink);
    sink(found->second);
    start = search = at + found->first.size();
  }
  EncodeOrdinary(text.substr(start), sink);
}

void BpeEncoding::EncodePieceForTest(std::string_view piece, bool heap,
                                     std::vector<uint32_t>* out) const {
  VectorSink sink{out};
  if (piece.size() < 2) {
    EncodePiece(piece, sink);
  } else if (heap || piece.size() >= kHeapMergeThreshold) {
    MergeHeap(piece, sink);
  } else {
    MergeScan(piece, sink);
  }
}

std::vector<uint32_t> BpeEncoding::Encode(std::string_view text) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3 + 1);
  VectorSink sink{&out};
  if (simdjson::validate_utf8(text.data(), text.size())) {
    EncodeOrdinary(text, sink);
  } else {
    EncodeOrdinary(ReplaceInvalidUtf8(text), sink);
  }
  return out;
}

size_t BpeEncoding::Count(std::string_view text) const {
  CountSink sink;
  if (simdjson::validate_utf8(text.data(), text.size())) {
    EncodeOrdinary(text, sink);
  } else {
    EncodeOrdinary(ReplaceInvalidUtf8(text), sink);
  }
  return sink.count;
}

std::vector<uint32_t> BpeEncoding::EncodeWithSpecialTokens(std::string_view text) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3 + 1);
  VectorSink sink{&out};
  if (simdjson::validate_utf8(text.data(), text.size())) {
    EncodeSpecial(text, sink);
  } else {
    EncodeSpecial(ReplaceInvalidUtf8(text), sink);
  }
  return out;
}

size_t BpeEncoding::CountWithSpecialTokens(std::string_view text) const {
  CountSink sink;
  if (simdjson::validate_utf8(text.data(), text.size())) {
    EncodeSpecial(text, sink);
  } else {
    EncodeSpecial(ReplaceInvalidUtf8(text), sink);
  }
  return sink.count;
}

std::string BpeEncoding::Decode(const std::vector<uint32_t>& tokens) const {
  std::string out;
  for (uint32_t t : tokens) {
    if (t < by_rank_.size() && by_rank_[t].second != 0) {
      out.append(bytes_, by_rank_[t].first, by_rank_[t].second);
      continue;
    }
    for (const auto& special : special_) {
      if (special.second == t) out += special.first;
    }
  }
  return out;
}

Result<const BpeEncoding*> GetEncoding(EncodingId id) {
  struct Loaded {
    std::once_flag once;
    std::unique_ptr<BpeEncoding> encoding;
    Status status;
  };
  static Loaded loaded[2];
  Loaded& slot = loaded[id == EncodingId::kCl100kBase ? 0 : 1];
  std::call_once(slot.once, [&] {
    auto encoding = BpeEncoding::Load(EncodingName(id));
    if (encoding.ok()) {
      slot.encoding = std::move(encoding).value();
    } else {
      slot.status = encoding.status();
    }
  });
  if (!slot.encoding) return slot.status;
  return static_cast<const BpeEncoding*>(slot.encoding.get());
}

std::optional<EncodingId> EncodingForModel(std::string_view model) {
  std::string m = AsciiLower(model);
  if (m.rfind("openai/", 0) == 0) m.erase(0, 7);
  // `name` exactly, or followed by one of `seps` and anything.
  auto family = [&](std::string_view name, std::string_view seps = "-") {
    if (m.rfind(name, 0) != 0) return false;
    return m.size() == name.size() || seps.find(m[name.size()]) != std::string_view::npos;
  };
  if (family("gpt-4o") || family("chatgpt-4o") || family("gpt-4.1") || family("gpt-4.5") ||
      family("gpt-5", "-.") || family("o1") || family("o3") || family("o4-mini") ||
      family("gpt-oss") || family("ft:gpt-4o", "-:")) {
    return EncodingId::kO200kBase;
  }
  if (family("gpt-4") || family("gpt-3.5-turbo") || family("gpt-35-turbo") || m == "gpt-3.5" ||
      family("text-embedding-3") || m == "text-embedding-ada-002" || m == "davinci-002" ||
      m == "babbage-002" || family("ft:gpt-4", "-:") || family("ft:gpt-3.5-turbo", "-:") ||
      family("ft:davinci-002", ":") || family("ft:babbage-002", ":")) {
    return EncodingId::kCl100kBase;
  }
  return std::nullopt;
}

}  // namespace lanterne
