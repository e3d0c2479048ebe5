#include "storage/search_text.h"

#include <simdjson.h>

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

}  // namespace

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
