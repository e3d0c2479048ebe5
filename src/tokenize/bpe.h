// Byte-level BPE with OpenAI's rank tables (tiktoken semantics): the text is split into
// pieces by the encoding's pre-tokenizer (pretokenize.h), and inside each piece adjacent
// parts are merged, lowest rank first (leftmost on ties), until no adjacent pair has a rank.
//
// The rank tables are `share/tokenizers/<name>.tiktoken` ("<base64 bytes> <rank>" lines,
// OpenAI's own files), written by scripts/tokenizer-data.sh from a pinned npm package
// (docs/tokenizer.md). GetEncoding() loads each one lazily, once, on first use.
//
// Everything here is safe to call from several threads once loaded: an encoding is
// immutable after Load().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "tokenize/pretokenize.h"

namespace lanterne {

enum class EncodingId { kCl100kBase, kO200kBase };

std::string_view EncodingName(EncodingId id);  // "cl100k_base", "o200k_base"
std::optional<EncodingId> EncodingFromName(std::string_view name);

class BpeEncoding {
 public:
  // <ShareDir()>/tokenizers/<name>.tiktoken, for name cl100k_base or o200k_base.
  static Result<std::unique_ptr<BpeEncoding>> Load(std::string_view name);
  // The same from an explicit file (the standard .tiktoken format).
  static Result<std::unique_ptr<BpeEncoding>> LoadFile(EncodingId id, const std::string& path);

  ~BpeEncoding();
  BpeEncoding(const BpeEncoding&) = delete;
  BpeEncoding& operator=(const BpeEncoding&) = delete;

  // tiktoken's encode_ordinary: special-token text such as "<|endoftext|>" is plain text.
  // Invalid UTF-8 is first decoded as a browser's TextDecoder does (each maximal invalid
  // subsequence becomes U+FFFD), which is what a JavaScript caller would have sent.
  std::vector<uint32_t> Encode(std::string_view text) const;
  size_t Count(std::string_view text) const;

  // tiktoken's encode(text, allowed_special="all"): the encoding's special tokens found in
  // the text count as their single token. Langfuse counts usage this way.
  std::vector<uint32_t> EncodeWithSpecialTokens(std::string_view text) const;
  size_t CountWithSpecialTokens(std::string_view text) const;

  // The bytes of the given tokens (special tokens included); unknown ids are skipped.
  std::string Decode(const std::vector<uint32_t>& tokens) const;

  EncodingId id() const { return id_; }
  std::string_view name() const { return EncodingName(id_); }
  size_t rank_count() const { return rank_count_; }
  const std::vector<std::pair<std::string, uint32_t>>& special_tokens() const { return special_; }

  // Below this piece length (bytes) merges scan the parts; at and above it they use a
  // heap (same result, O(n log n) for pathological pieces such as long runs). Exposed so
  // tests can force either path.
  static constexpr size_t kHeapMergeThreshold = 256;
  // Merges one piece (no whole-piece lookup) with the heap, or with the scan when it is
  // under kHeapMergeThreshold bytes (tests).
  void EncodePieceForTest(std::string_view piece, bool heap, std::vector<uint32_t>* out) const;

 private:
  // One entry of the rank table (open addressing, linear probing). Tokens up to 8 bytes,
  // most of them, compare without reading bytes_.
  struct Slot {
    uint64_t key8;  // the token's first 8 bytes, zero-padded
    uint32_t rank;
    uint32_t len_tag;  // length in the low 8 bits, 24 bits of hash above; 0: empty slot
  };
  struct SlotMemory;

  explicit BpeEncoding(EncodingId id);
  Status Parse(std::string_view file);
  // The rank of `bytes`, or UINT32_MAX.
  uint32_t Rank(const char* bytes, size_t len) const;

  // `text` is valid UTF-8 in these.
  template <typename Sink>
  void EncodeOrdinary(std::string_view text, Sink& sink) const;
  template <typename Sink>
  void EncodeSpecial(std::string_view text, Sink& sink) const;
  template <typename Sink>
  void EncodePiece(std::string_view piece, Sink& sink) const;
  template <typename Sink>
  void MergeScan(std::string_view piece, Sink& sink) const;
  template <typename Sink>
  void MergeHeap(std::string_view piece, Sink& sink) const;

  EncodingId id_;
  PretokenizerKind kind_;
  std::string bytes_;  // every token's bytes, back to back
  std::unique_ptr<SlotMemory> slot_memory_;
  Slot* slots_ = nullptr;  // a power of two of them
  uint64_t mask_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> by_rank_;  // rank → (offset, len) in bytes_
  uint32_t byte_rank_[256] = {};
  size_t rank_count_ = 0;
  std::vector<std::pair<std::string, uint32_t>> special_;  // text → id
};

// The process-wide encoding, loaded from the share directory on first use (thread-safe;
// a failed load is reported on every call until the process restarts).
Result<const BpeEncoding*> GetEncoding(EncodingId id);

// The encoding OpenAI uses for a model name (tiktoken's model table and prefixes), case
// insensitive, with or without an "openai/" prefix: gpt-4o*, gpt-4.1*, gpt-4.5*, gpt-5*,
// chatgpt-4o*, o1*, o3*, o4-mini* → o200k_base; gpt-4, gpt-4-*, gpt-3.5-turbo*,
// gpt-35-turbo*, text-embedding-3-*, text-embedding-ada-002, davinci-002, babbage-002 →
// cl100k_base. Models on older encodings (r50k, p50k) and unknown names: none.
std::optional<EncodingId> EncodingForModel(std::string_view model);

}  // namespace lanterne
