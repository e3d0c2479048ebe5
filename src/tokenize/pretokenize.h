// The pre-tokenization split of tiktoken's encodings: the text is cut into pieces by the
// encoding's regular expression (`pat_str`) before BPE merges run inside each piece. The
// expressions use a lookahead and Unicode classes, so instead of a regex engine each is a
// hand-written matcher over UTF-8 code points that returns what a backtracking engine
// returns: at each position the first alternative that matches, each quantifier as long as
// the rest of the alternative still matches.
//
// cl100k_base:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//   | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// o200k_base:
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace lanterne {

enum class PretokenizerKind { kCl100k, kO200k };

// The end (byte offset) of the piece that starts at `pos` < text.size(). `text` must be
// valid UTF-8; the piece is never empty.
size_t NextPieceEnd(PretokenizerKind kind, std::string_view text, size_t pos);

// All pieces of valid UTF-8 `text`, in order; their concatenation is `text`.
std::vector<std::string_view> SplitPieces(PretokenizerKind kind, std::string_view text);

}  // namespace lanterne
