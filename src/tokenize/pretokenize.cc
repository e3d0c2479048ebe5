#include "tokenize/pretokenize.h"

#include <cstdint>

#include "tokenize/unicode_classes.h"

namespace lanterne {
namespace {

// One code point of valid UTF-8: its class, its length in bytes, and whether it is \r or
// \n (the only code points the expressions name one by one, besides ' ' and '\'').
struct Char {
  CharClass cls;
  uint8_t len;
  bool newline;
};

// Bit sets of CharClass values, for the expressions' character classes.
constexpr uint32_t Bit(CharClass c) { return 1u << static_cast<uint32_t>(c); }
constexpr uint32_t kLetter =
    Bit(CharClass::kUpper) | Bit(CharClass::kLower) | Bit(CharClass::kOtherLetter);
// o200k: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}]
constexpr uint32_t kUpperish =
    Bit(CharClass::kUpper) | Bit(CharClass::kOtherLetter) | Bit(CharClass::kMark);
constexpr uint32_t kLowerish =
    Bit(CharClass::kLower) | Bit(CharClass::kOtherLetter) | Bit(CharClass::kMark);
constexpr uint32_t kBothish = kUpperish & kLowerish;

class Scanner {
 public:
  explicit Scanner(std::string_view text)
      : s_(reinterpret_cast<const unsigned char*>(text.data())), n_(text.size()) {}

  size_t size() const { return n_; }

  Char At(size_t pos) const {
    unsigned char b = s_[pos];
    if (b < 0x80) return {kAscii[b], 1, b == '\n' || b == '\r'};
    uint32_t cp;
    uint8_t len;
    if (b < 0xE0) {
      cp = ((b & 0x1Fu) << 6) | (s_[pos + 1] & 0x3Fu);
      len = 2;
    } else if (b < 0xF0) {
      cp = ((b & 0x0Fu) << 12) | ((s_[pos + 1] & 0x3Fu) << 6) | (s_[pos + 2] & 0x3Fu);
      len = 3;
    } else {
      cp = ((b & 0x07u) << 18) | ((s_[pos + 1] & 0x3Fu) << 12) | ((s_[pos + 2] & 0x3Fu) << 6) |
           (s_[pos + 3] & 0x3Fu);
      len = 4;
    }
    return {ClassOf(cp), len, false};
  }

  unsigned char Byte(size_t pos) const { return s_[pos]; }

  // True when the code point at `pos` (< size) is in the class set `mask`.
  bool Is(size_t pos, uint32_t mask) const { return (Bit(At(pos).cls) & mask) != 0; }

  // The end of the longest run of code points in `mask` that starts at `pos`.
  size_t RunEnd(size_t pos, uint32_t mask) const {
    while (pos < n_) {
      Char c = At(pos);
      if (!(Bit(c.cls) & mask)) break;
      pos += c.len;
    }
    return pos;
  }

  // (?i:'s|'t|'re|'ve|'m|'ll|'d) at `pos`: its length, or 0. Case-insensitive matching
  // is Unicode simple case folding, under which 's' also matches U+017F (ſ).
  size_t Contraction(size_t pos) const {
    if (pos + 1 >= n_ || s_[pos] != '\'') return 0;
    unsigned char a = s_[pos + 1] | 0x20;  // ASCII letters folded to lower case
    switch (a) {
      case 's':
      case 't':
      case 'm':
      case 'd':
        return 2;
      case 'r':
      case 'v':
        return pos + 2 < n_ && (s_[pos + 2] | 0x20) == 'e' ? 3 : 0;
      case 'l':
        return pos + 2 < n_ && (s_[pos + 2] | 0x20) == 'l' ? 3 : 0;
      default:
        break;
    }
    if (s_[pos + 1] == 0xC5 && pos + 2 < n_ && s_[pos + 2] == 0xBF) return 3;  // 'ſ
    return 0;
  }

  // \s*[\r\n]+, \s+(?!\S) and \s+ for the whitespace run at `pos`.
  size_t Whitespace(size_t pos) const {
    size_t end = pos, last_start = pos, after_newline = 0;
    int count = 0;
    while (end < n_) {
      Char c = At(end);
      if (c.cls != CharClass::kSpace) break;
      last_start = end;
      end += c.len;
      if (c.newline) after_newline = end;
      ++count;
    }
    if (after_newline != 0) return after_newline;  // \s*[\r\n]+ ends at the last newline
    if (end == n_ || count == 1) return end;       // \s+(?!\S) at the end, or \s+
    return last_start;                             // \s+(?!\S) leaves the last one
  }

 private:
  static constexpr CharClass kAscii[128] = {
#define O CharClass::kOther
#define S CharClass::kSpace
#define U CharClass::kUpper
#define L CharClass::kLower
#define N CharClass::kNumber
      O, O, O, O, O, O, O, O, O, S, S, S, S, S, O, O,  // 0x00
      O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  // 0x10
      S, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  // 0x20
      N, N, N, N, N, N, N, N, N, N, O, O, O, O, O, O,  // 0x30
      O, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,  // 0x40
      U, U, U, U, U, U, U, U, U, U, U, O, O, O, O, O,  // 0x50
      O, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,  // 0x60
      L, L, L, L, L, L, L, L, L, L, L, O, O, O, O, O,  // 0x70
#undef O
#undef S
#undef U
#undef L
#undef N
  };

  const unsigned char* s_;
  size_t n_;
};

// [^\r\n\p{L}\p{N}]: the optional prefix of a letter piece.
bool IsLetterPrefix(const Char& c) {
  return !c.newline && !(Bit(c.cls) & (kLetter | Bit(CharClass::kNumber)));
}

// [^\s\p{L}\p{N}]
constexpr uint32_t kPunct = Bit(CharClass::kOther) | Bit(CharClass::kMark);

size_t NextCl100k(const Scanner& s, size_t pos) {
  const size_t n = s.size();
  Char c0 = s.At(pos);
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)
  if (s.Byte(pos) == '\'') {
    if (size_t len = s.Contraction(pos)) return pos + len;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (Bit(c0.cls) & kLetter) return s.RunEnd(pos + c0.len, kLetter);
  if (IsLetterPrefix(c0) && pos + c0.len < n && s.Is(pos + c0.len, kLetter)) {
    return s.RunEnd(pos + c0.len, kLetter);
  }
  // \p{N}{1,3}
  if (c0.cls == CharClass::kNumber) {
    size_t end = pos + c0.len;
    for (int i = 1; i < 3 && end < n; ++i) {
      Char c = s.At(end);
      if (c.cls != CharClass::kNumber) break;
      end += c.len;
    }
    return end;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
  size_t start = pos;
  if (s.Byte(pos) == ' ' && pos + 1 < n && s.Is(pos + 1, kPunct)) start = pos + 1;
  if (Bit(s.At(start).cls) & kPunct) {
    size_t end = s.RunEnd(start, kPunct);
    while (end < n && (s.Byte(end) == '\r' || s.Byte(end) == '\n')) ++end;
    return end;
  }
  // What is left starts with whitespace.
  return s.Whitespace(pos);
}

// The contraction suffix of an o200k letter piece that ends at `end`.
size_t WithContraction(const Scanner& s, size_t end) { return end + s.Contraction(end); }

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+ from `start`: its end, or 0.
size_t UpperStarLowerPlus(const Scanner& s, size_t start) {
  const size_t n = s.size();
  size_t end = start, last_both = SIZE_MAX;
  while (end < n) {
    Char c = s.At(end);
    if (!(Bit(c.cls) & kUpperish)) break;
    if (Bit(c.cls) & kBothish) last_both = end;
    end += c.len;
  }
  // The greedy star gives back code points until the plus can start: right after the run
  // when a lowercase letter follows it, else at the last one of the run the plus accepts.
  size_t plus_start;
  if (end < n && s.At(end).cls == CharClass::kLower) {
    plus_start = end;
  } else if (last_both != SIZE_MAX) {
    plus_start = last_both;
  } else {
    return 0;
  }
  return s.RunEnd(plus_start, kLowerish);
}

// [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]* from `start`: its end, or 0.
size_t UpperPlusLowerStar(const Scanner& s, size_t start) {
  if (start >= s.size() || !s.Is(start, kUpperish)) return 0;
  return s.RunEnd(s.RunEnd(start, kUpperish), kLowerish);
}

size_t NextO200k(const Scanner& s, size_t pos) {
  const size_t n = s.size();
  Char c0 = s.At(pos);
  const bool prefix = IsLetterPrefix(c0);
  // The two letter alternatives, each first with the optional prefix, then without.
  if (prefix) {
    if (size_t end = UpperStarLowerPlus(s, pos + c0.len)) return WithContraction(s, end);
  }
  if (size_t end = UpperStarLowerPlus(s, pos)) return WithContraction(s, end);
  if (prefix) {
    if (size_t end = UpperPlusLowerStar(s, pos + c0.len)) return WithContraction(s, end);
  }
  if (size_t end = UpperPlusLowerStar(s, pos)) return WithContraction(s, end);
  // \p{N}{1,3}
  if (c0.cls == CharClass::kNumber) {
    size_t end = pos + c0.len;
    for (int i = 1; i < 3 && end < n; ++i) {
      Char c = s.At(end);
      if (c.cls != CharClass::kNumber) break;
      end += c.len;
    }
    return end;
  }
  // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
  size_t start = pos;
  if (s.Byte(pos) == ' ' && pos + 1 < n && s.Is(pos + 1, kPunct)) start = pos + 1;
  if (Bit(s.At(start).cls) & kPunct) {
    size_t end = s.RunEnd(start, kPunct);
    while (end < n && (s.Byte(end) == '\r' || s.Byte(end) == '\n' || s.Byte(end) == '/')) ++end;
    return end;
  }
  return s.Whitespace(pos);
}

}  // namespace

size_t NextPieceEnd(PretokenizerKind kind, std::string_view text, size_t pos) {
  Scanner s(text);
  return kind == PretokenizerKind::kCl100k ? NextCl100k(s, pos) : NextO200k(s, pos);
}

std::vector<std::string_view> SplitPieces(PretokenizerKind kind, std::string_view text) {
  std::vector<std::string_view> pieces;
  Scanner s(text);
  for (size_t pos = 0; pos < text.size();) {
    size_t end = kind == PretokenizerKind::kCl100k ? NextCl100k(s, pos) : NextO200k(s, pos);
    pieces.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

}  // namespace lanterne
