#include "ingest/raw_values.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include <simdjson.h>

namespace lanterne {
namespace {

namespace od = simdjson::ondemand;

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The text of `value`, consuming it. Scalars' tokens may carry the whitespace after them.
simdjson::error_code RawText(od::value value, std::string_view& out) {
  od::json_type type;
  if (auto err = value.type().get(type)) return err;
  if (type == od::json_type::object) {
    od::object object;
    if (auto err = value.get_object().get(object)) return err;
    return object.raw_json().get(out);
  }
  if (type == od::json_type::array) {
    od::array array;
    if (auto err = value.get_array().get(array)) return err;
    return array.raw_json().get(out);
  }
  out = value.raw_json_token();
  while (!out.empty() && IsJsonWhitespace(out.back())) out.remove_suffix(1);
  return simdjson::SUCCESS;
}

simdjson::error_code ReadBody(od::object body, RawBodyValues& values) {
  for (auto field : body) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return err;
    std::string_view* slot = values.Of(key);
    if (!slot || !slot->empty()) continue;  // skipped by the iteration
    if (auto err = RawText(field.value(), *slot)) return err;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code ReadEvent(od::value event_value, RawBodyValues& values) {
  od::json_type type;
  if (auto err = event_value.type().get(type)) return err;
  if (type != od::json_type::object) return simdjson::SUCCESS;
  od::object event;
  if (auto err = event_value.get_object().get(event)) return err;
  bool seen_body = false;
  for (auto field : event) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return err;
    if (key != "body" || seen_body) continue;
    seen_body = true;
    od::value body = field.value();
    if (auto err = body.type().get(type)) return err;
    if (type != od::json_type::object) continue;
    od::object body_object;
    if (auto err = body.get_object().get(body_object)) return err;
    if (auto err = ReadBody(body_object, values)) return err;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code ReadBatch(od::document& doc, std::vector<RawBodyValues>& out) {
  od::object root;
  if (auto err = doc.get_object().get(root)) return err;
  for (auto field : root) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return err;
    if (key != "batch") continue;
    od::array batch;
    if (auto err = field.value().get_array().get(batch)) return err;
    for (auto item : batch) {
      od::value event;
      if (auto err = item.get(event)) return err;
      out.emplace_back();
      if (auto err = ReadEvent(event, out.back())) return err;
    }
    return simdjson::SUCCESS;  // the first `batch`, as the parsed document reads it
  }
  return simdjson::SUCCESS;
}

std::vector<RawBodyValues> FindIn(od::parser& parser, std::string& padded, std::string_view body) {
  // On-demand parsing reads a little past the end of its input.
  padded.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(body);
  std::vector<RawBodyValues> out;
  od::document doc;
  if (parser.iterate(simdjson::padded_string_view(padded.data(), padded.size(), padded.capacity()))
              .get(doc) != simdjson::SUCCESS ||
      ReadBatch(doc, out) != simdjson::SUCCESS) {
    return {};
  }
  // The slices point into `padded`; move them onto `body`, which the caller keeps.
  auto rebase = [&](std::string_view& s) {
    if (!s.empty()) s = body.substr(static_cast<size_t>(s.data() - padded.data()), s.size());
  };
  for (RawBodyValues& values : out) {
    rebase(values.input);
    rebase(values.output);
    rebase(values.metadata);
  }
  return out;
}

}  // namespace

std::vector<RawBodyValues> FindRawBodyValues(std::string_view body) {
  // Buffers are kept per thread for the common, small batches only: 64 request threads
  // each holding the largest body it ever saw (and 4 bytes per token of it) would add up.
  constexpr size_t kKeptBufferBytes = 1 << 20;
  if (body.size() > kKeptBufferBytes) {
    od::parser parser;
    std::string padded;
    return FindIn(parser, padded, body);
  }
  thread_local od::parser parser;
  thread_local std::string padded;
  return FindIn(parser, padded, body);
}

namespace {

// Whether the integer `digits` (no sign, no leading zeros) does not fit: over `limit`.
bool Exceeds(std::string_view digits, std::string_view limit) {
  return digits.size() != limit.size() ? digits.size() > limit.size() : digits > limit;
}

}  // namespace

std::optional<std::string> WidenOutOfRangeNumbers(std::string_view json) {
  std::string out;
  size_t copied = 0;
  bool changed = false;
  auto replace = [&](size_t from, size_t to, std::string_view with) {
    out.append(json.substr(copied, from - copied));
    out += with;
    copied = to;
    changed = true;
  };
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    // A number token: its integer part, then whether a fraction or exponent follows.
    const bool negative = c == '-';
    size_t end = negative ? i + 1 : i;
    while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
    const size_t integer_end = end;
    const std::string_view digits = json.substr(negative ? i + 1 : i, end - i - negative);
    const bool integer =
        end >= json.size() || (json[end] != '.' && json[end] != 'e' && json[end] != 'E');
    // The rest of the token (fraction, exponent), so its digits are not taken for another.
    while (end < json.size() &&
           ((json[end] >= '0' && json[end] <= '9') || json[end] == '.' || json[end] == 'e' ||
            json[end] == 'E' || json[end] == '+' || json[end] == '-')) {
      ++end;
    }
    if (!digits.empty() &&
        std::isinf(std::strtod(std::string(json.substr(i, end - i)).c_str(), nullptr))) {
      replace(i, end, "null");
    } else if (integer && !digits.empty() && digits[0] != '0' &&
               Exceeds(digits, negative ? "9223372036854775808" : "18446744073709551615")) {
      replace(integer_end, integer_end, ".0");
    }
    i = end - 1;
  }
  if (!changed) return std::nullopt;
  out.append(json.substr(copied));
  return out;
}

namespace {

// Whether `json` (valid) has whitespace between its tokens. Strings, most of the bytes, are
// skipped with memchr to their closing quote; only the bytes between strings are looked
// at one by one. JSON.stringify and most SDKs send no such whitespace, and then the text
// is taken as it is: minifying it anyway was 4% of the server's time.
bool HasWhitespaceBetweenTokens(std::string_view json) {
  const char* p = json.data();
  const char* const end = p + json.size();
  while (p < end) {
    if (*p == '"') {
      // To the closing quote: one not escaped, that is preceded by an even number of
      // backslashes.
      const char* q = p + 1;
      for (;;) {
        q = static_cast<const char*>(memchr(q, '"', static_cast<size_t>(end - q)));
        if (!q) return false;  // unterminated: not valid JSON, nothing to decide here
        const char* b = q;
        while (b > p + 1 && b[-1] == '\\') --b;
        if ((q - b) % 2 == 0) break;
        ++q;
      }
      p = q + 1;
      continue;
    }
    if (IsJsonWhitespace(*p)) return true;
    ++p;
  }
  return false;
}

}  // namespace

std::optional<std::string> MinifyRawJson(std::string_view raw) {
  if (!HasWhitespaceBetweenTokens(raw)) return std::string(raw);
  // Some of simdjson's kernels write whole 64-byte blocks.
  std::string out(raw.size() + 64, '\0');
  size_t length = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.data(), length) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

}  // namespace lanterne
