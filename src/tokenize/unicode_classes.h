// The Unicode character classes the BPE pre-tokenizers test: \p{L} split by case (o200k
// tells upper from lower), \p{M}, \p{N} and \s (the White_Space property), from the
// Unicode version of the reference tokenizer's regex tables (unicode_classes.cc is
// generated; see tools/tokenizer-data/gen-unicode-classes.mjs).
#pragma once

#include <cstdint>

namespace lanterne {

enum class CharClass : uint8_t {
  kOther = 0,        // everything else (punctuation, symbols, controls, unassigned)
  kUpper = 1,        // Lu, Lt
  kLower = 2,        // Ll
  kOtherLetter = 3,  // Lm, Lo
  kMark = 4,         // Mn, Mc, Me
  kNumber = 5,       // Nd, Nl, No
  kSpace = 6,        // White_Space
};

namespace unicode_internal {
inline constexpr uint32_t kBlockBits = 7;
extern const uint16_t kClassIndex[0x110000 >> kBlockBits];
extern const char kClassBlocks[];
}  // namespace unicode_internal

// The class of a Unicode scalar value (cp < 0x110000).
inline CharClass ClassOf(uint32_t cp) {
  using namespace unicode_internal;
  uint32_t block = kClassIndex[cp >> kBlockBits];
  return static_cast<CharClass>(
      kClassBlocks[(block << kBlockBits) | (cp & ((1u << kBlockBits) - 1))] - '0');
}

}  // namespace lanterne
