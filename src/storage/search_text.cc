#include "storage/search_text.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include <simdjson.h>

#include "core/text.h"

namespace lanterne {
namespace {

// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
std::string_view Utf8Prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  // Continuation bytes are 10xxxxxx: step back to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// Returns false once `out` is full.
bool AppendLeaf(std::string_view text, std::string& out, size_t limit) {
  if (text.empty()) return true;
  if (out.size() >= limit) return false;
  std::string_view kept = Utf8Prefix(text, limit - out.size());
  out.append(kept);
  out.push_back('\n');
  return kept.size() == text.size();
}

bool AppendLeaves(simdjson::dom::element value, std::string& out, size_t limit) {
  std::string_view text;
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (value.get_string().get(text) == simdjson::SUCCESS) return AppendLeaf(text, out, limit);
  if (value.get_array().get(array) == simdjson::SUCCESS) {
    for (auto item : array) {
      if (!AppendLeaves(item, out, limit)) return false;
    }
  } else if (value.get_object().get(object) == simdjson::SUCCESS) {
    for (auto field : object) {
      if (!AppendLeaves(field.value, out, limit)) return false;
    }
  }
  return true;  // numbers, booleans, null: nobody searches a trace for "true"
}

// Decodes one UTF-8 character at `i`; returns its length, or 0 when it is malformed
// (overlong forms, surrogates and values past U+10FFFF included).
size_t Utf8CharLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size()) return 0;
  uint32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct FoldRun {
  uint32_t first, last;
  int32_t delta;
  uint32_t step;
};
constexpr FoldRun kFoldRuns[] = {
#include "storage/search_fold_table.inc"
};

uint32_t FoldCodePoint(uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  auto run = std::upper_bound(std::begin(kFoldRuns), std::end(kFoldRuns), c,
                              [](uint32_t v, const FoldRun& r) { return v < r.first; });
  if (run == std::begin(kFoldRuns)) return c;
  --run;
  if (c > run->last || (c - run->first) % run->step != 0) return c;
  return static_cast<uint32_t>(static_cast<int64_t>(c) + run->delta);
}

// The byte offsets at which each character of `text` starts, and its end.
std::vector<size_t> CharacterStarts(std::string_view text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  return starts;
}

}  // namespace

std::string SearchFold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++i;
      continue;
    }
    size_t len = Utf8CharLength(text, i);
    if (len == 0) {  // not UTF-8: kept as it is, byte by byte
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    uint32_t code = c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) code = (code << 6) | (text[i + k] & 0x3F);
    AppendUtf8(&out, FoldCodePoint(code));
    i += len;
  }
  return out;
}

bool SearchTextContains(std::string_view text, std::string_view folded_query) {
  if (folded_query.empty()) return true;
  // Most texts and queries are ASCII: a byte search for the query's first byte in either
  // case, then a full comparison, without folding the whole text.
  bool ascii_query = std::all_of(folded_query.begin(), folded_query.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  bool ascii_text = ascii_query && std::all_of(text.begin(), text.end(), [](char c) {
                      return static_cast<unsigned char>(c) < 0x80;
                    });
  if (!ascii_text) return SearchFold(text).find(folded_query) != std::string::npos;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i + folded_query.size() <= text.size(); ++i) {
    if (lower(text[i]) != folded_query[0]) continue;
    size_t k = 1;
    while (k < folded_query.size() && lower(text[i + k]) == folded_query[k]) ++k;
    if (k == folded_query.size()) return true;
  }
  return false;
}

std::string FtsTrigramQuery(std::string_view query) {
  std::vector<size_t> starts = CharacterStarts(query);
  size_t trigrams = starts.size() >= 4 ? starts.size() - 3 : 0;
  std::vector<std::string> terms;
  // Spread over the query so every part of it narrows the match.
  size_t taken = std::min(trigrams, kMaxQueryTrigrams);
  for (size_t n = 0; n < taken; ++n) {
    size_t t = taken == 1 ? 0 : n * (trigrams - 1) / (taken - 1);
    std::string term = FtsPhrase(query.substr(starts[t], starts[t + 3] - starts[t]));
    if (std::find(terms.begin(), terms.end(), term) == terms.end()) terms.push_back(term);
  }
  std::string expression;
  for (const auto& term : terms) {
    if (!expression.empty()) expression += " AND ";
    expression += term;
  }
  return expression;
}

void AppendSearchText(std::string_view json, std::string& out, size_t limit) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    AppendLeaf(json, out, limit);
    return;
  }
  AppendLeaves(root, out, limit);
}

Result<std::string> NormalizeSearchQuery(std::string_view raw) {
  while (!raw.empty() && IsSpace(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && IsSpace(raw.back())) raw.remove_suffix(1);
  if (raw.empty()) return std::string();
  if (raw.size() > kMaxSearchQueryBytes) {
    return Status::InvalidArgument("search: at most " + std::to_string(kMaxSearchQueryBytes) +
                                   " bytes");
  }
  for (size_t i = 0; i < raw.size();) {
    size_t len = Utf8CharLength(raw, i);
    if (len == 0) return Status::InvalidArgument("search: must be valid UTF-8 text");
    if (raw[i] == '\0') return Status::InvalidArgument("search: must not contain NUL");
    i += len;
  }
  return std::string(raw);
}

size_t CodePointCount(std::string_view utf8) {
  size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::string FtsPhrase(std::string_view query) {
  std::string phrase = "\"";
  for (char c : query) {
    if (c == '"') phrase.push_back('"');
    phrase.push_back(c);
  }
  phrase.push_back('"');
  return phrase;
}

}  // namespace lanterne
