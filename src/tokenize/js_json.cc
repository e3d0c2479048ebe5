#include "tokenize/js_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "core/text.h"

namespace lanterne {
namespace {

// A surrogate code unit encoded as WTF-8 (3 bytes: ED A0..BF xx), or 0.
uint32_t SurrogateAt(std::string_view s, size_t i) {
  if (i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xED &&
      static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
    return 0xD000u | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
  }
  return 0;
}

// Appends one UTF-16 code unit (or a whole code point) to WTF-8 text, joining a low
// surrogate with a high one that ends the text, as concatenating JavaScript strings does.
void AppendCodeUnit(std::string* out, uint32_t unit) {
  if (unit >= 0xDC00 && unit <= 0xDFFF && out->size() >= 3) {
    uint32_t high = SurrogateAt(*out, out->size() - 3);
    if (high >= 0xD800 && high <= 0xDBFF) {
      out->resize(out->size() - 3);
      AppendUtf8(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
      return;
    }
  }
  AppendUtf8(out, unit);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A canonical array index ("0", "17", at most 2^32 - 2): JavaScript orders such keys first.
bool IsArrayIndex(std::string_view key, uint64_t* value) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return false;
  uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 4294967294ull) return false;
  *value = v;
  return true;
}

double ParseDouble(std::string_view text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Overflow is ±Infinity and underflow ±0, as in JavaScript.
    std::string copy(text);
    value = std::strtod(copy.c_str(), nullptr);
  }
  (void)ptr;
  return value;
}

class Parser {
 public:
  Parser(std::string_view text, const JsParseOptions& options) : s_(text), options_(options) {}

  std::optional<JsValue> Run(JsParseError* error) {
    JsValue value;
    SkipSpace();
    bool ok = Value(&value, 0);
    if (ok) {
      SkipSpace();
      ok = pos_ == s_.size();
    }
    if (!ok) {
      if (error) *error = too_deep_ ? JsParseError::kTooDeep : JsParseError::kSyntax;
      return std::nullopt;
    }
    if (error) *error = JsParseError::kNone;
    return value;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && IsJsonSpace(s_[pos_])) ++pos_;
  }

  bool Literal(std::string_view word) {
    if (s_.compare(pos_, word.size(), word) != 0) return false;
    pos_ += word.size();
    return true;
  }

  bool Value(JsValue* out, int depth) {
    if (pos_ >= s_.size()) return false;
    switch (s_[pos_]) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"':
        out->type = JsValue::Type::kString;
        return String(&out->string);
      case 't':
        out->type = JsValue::Type::kBool;
        out->boolean = true;
        return Literal("true");
      case 'f':
        out->type = JsValue::Type::kBool;
        out->boolean = false;
        return Literal("false");
      case 'n':
        out->type = JsValue::Type::kNull;
        return Literal("null");
      default:
        return Number(out);
    }
  }

  bool Number(JsValue* out) {
    size_t start = pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) return false;
    }
    std::string_view text = s_.substr(start, pos_ - start);
    if (options_.keep_unsafe_numbers_as_text && !IsSafeNumberText(text)) {
      out->type = JsValue::Type::kString;
      out->string.assign(text);
      return true;
    }
    out->type = JsValue::Type::kNumber;
    out->number = ParseDouble(text);
    return true;
  }

  bool String(std::string* out) {
    ++pos_;  // the opening quote
    while (true) {
      size_t run = pos_;
      while (pos_ < s_.size() && s_[pos_] != '"' && s_[pos_] != '\\' &&
             static_cast<unsigned char>(s_[pos_]) >= 0x20 &&
             static_cast<unsigned char>(s_[pos_]) != 0xED) {
        ++pos_;
      }
      out->append(s_.data() + run, pos_ - run);
      if (pos_ >= s_.size()) return false;
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == 0xED) {
        // A surrogate written raw (WTF-8) joins an escaped high surrogate before it.
        if (uint32_t unit = SurrogateAt(s_, pos_)) {
          AppendCodeUnit(out, unit);
          pos_ += 3;
        } else {
          out->push_back(static_cast<char>(c));
          ++pos_;
        }
        continue;
      }
      // An escape.
      if (++pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return false;
          uint32_t unit = 0;
          for (int i = 0; i < 4; ++i) {
            int h = HexValue(s_[pos_ + i]);
            if (h < 0) return false;
            unit = (unit << 4) | static_cast<uint32_t>(h);
          }
          pos_ += 4;
          AppendCodeUnit(out, unit);
          break;
        }
        default:
          return false;
      }
    }
  }

  bool Array(JsValue* out, int depth) {
    if (depth > options_.max_depth) {
      too_deep_ = true;
      return false;
    }
    out->type = JsValue::Type::kArray;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      out->items.emplace_back();
      if (!Value(&out->items.back(), depth)) return false;
      SkipSpace();
      if (pos_ >= s_.size()) return false;
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return false;
    }
  }

  bool Object(JsValue* out, int depth) {
    if (depth > options_.max_depth) {
      too_deep_ = true;
      return false;
    }
    out->type = JsValue::Type::kObject;
    ++pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::unordered_map<std::string, size_t> index;  // used once the object grows
    auto& props = out->props;
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return false;
      std::string key;
      if (!String(&key)) return false;
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != ':') return false;
      ++pos_;
      SkipSpace();
      JsValue value;
      if (!Value(&value, depth)) return false;
      // A repeated key keeps its first position and takes the last value.
      size_t found = props.size();
      if (props.size() <= 16) {
        for (size_t i = 0; i < props.size(); ++i) {
          if (props[i].key == key) {
            found = i;
            break;
          }
        }
        if (props.size() == 16 && found == props.size()) {
          for (size_t i = 0; i < props.size(); ++i) index.emplace(props[i].key, i);
        }
      } else if (auto it = index.find(key); it != index.end()) {
        found = it->second;
      }
      if (found < props.size()) {
        props[found].value = std::move(value);
      } else {
        if (props.size() >= 16) index.emplace(key, props.size());
        props.push_back(JsProperty{std::move(key), std::move(value)});
      }
      SkipSpace();
      if (pos_ >= s_.size()) return false;
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        break;
      }
      return false;
    }
    // Integer-like keys come first, in ascending order; the others keep their order.
    bool any_index = false;
    uint64_t v;
    for (const auto& p : props) any_index = any_index || IsArrayIndex(p.key, &v);
    if (any_index) {
      std::stable_sort(props.begin(), props.end(), [](const auto& a, const auto& b) {
        uint64_t va = 0, vb = 0;
        bool ia = IsArrayIndex(a.key, &va), ib = IsArrayIndex(b.key, &vb);
        if (ia != ib) return ia;
        return ia && va < vb;
      });
    }
    return true;
  }

  std::string_view s_;
  const JsParseOptions& options_;
  size_t pos_ = 0;
  bool too_deep_ = false;
};

void QuoteJs(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    const char* escape = nullptr;
    char unicode[7] = {};
    size_t skip = 0;
    switch (c) {
      case '"':
        escape = "\\\"";
        break;
      case '\\':
        escape = "\\\\";
        break;
      case '\b':
        escape = "\\b";
        break;
      case '\f':
        escape = "\\f";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\t':
        escape = "\\t";
        break;
      default:
        if (c < 0x20) {
          std::memcpy(unicode, "\\u00", 4);
          unicode[4] = kHex[c >> 4];
          unicode[5] = kHex[c & 0xF];
          escape = unicode;
        } else if (c == 0xED) {
          if (uint32_t unit = SurrogateAt(s, i)) {  // a lone surrogate
            unicode[0] = '\\';
            unicode[1] = 'u';
            for (int k = 0; k < 4; ++k) unicode[2 + k] = kHex[(unit >> (12 - 4 * k)) & 0xF];
            escape = unicode;
            skip = 2;
          }
        }
        break;
    }
    if (!escape) continue;
    out->append(s.data() + run, i - run);
    out->append(escape);
    i += skip;
    run = i + 1;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void Stringify(const JsValue& v, std::string* out) {
  switch (v.type) {
    case JsValue::Type::kNull:
      out->append("null");
      return;
    case JsValue::Type::kBool:
      out->append(v.boolean ? "true" : "false");
      return;
    case JsValue::Type::kNumber:
      out->append(std::isfinite(v.number) ? JsNumberToString(v.number) : "null");
      return;
    case JsValue::Type::kString:
      QuoteJs(v.string, out);
      return;
    case JsValue::Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out->push_back(',');
        Stringify(v.items[i], out);
      }
      out->push_back(']');
      return;
    case JsValue::Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < v.props.size(); ++i) {
        if (i) out->push_back(',');
        QuoteJs(v.props[i].key, out);
        out->push_back(':');
        Stringify(v.props[i].value, out);
      }
      out->push_back('}');
      return;
  }
}

// lossless-json's extractSignificantDigits.
std::string SignificantDigits(std::string_view value) {
  size_t start = 0;
  if (!value.empty() && value[0] == '-') ++start;
  while (start < value.size() && (value[start] == '0' || value[start] == '.')) ++start;
  size_t end = value.rfind('e');
  if (end == std::string_view::npos) end = value.rfind('E');
  if (end == std::string_view::npos) end = value.size();
  while (end > start && (value[end - 1] == '0' || value[end - 1] == '.')) --end;
  std::string digits(value.substr(std::min(start, end), end > start ? end - start : start - end));
  if (size_t dot = digits.find('.'); dot != std::string::npos) digits.erase(dot, 1);
  return digits;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

}  // namespace

const JsValue* JsValue::Find(std::string_view key) const {
  for (const auto& p : props) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

std::optional<JsValue> JsJsonParse(std::string_view text, const JsParseOptions& options,
                                   JsParseError* error) {
  return Parser(text, options).Run(error);
}

void JsJsonStringify(const JsValue& value, std::string* out) { Stringify(value, out); }

std::string JsJsonStringify(const JsValue& value) {
  std::string out;
  Stringify(value, &out);
  return out;
}

std::string JsNumberToString(double value) {
  if (std::isnan(value)) return "NaN";
  if (value == 0) return "0";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  // The shortest digits that round-trip (what ECMAScript's Number::toString asks for),
  // then ECMAScript's layout of them.
  char buf[64];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific);
  (void)ec;
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exponent = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int k = static_cast<int>(digits.size());
  const int n = exponent + 1;  // the decimal point sits after n digits
  std::string out = value < 0 ? "-" : "";
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out += '.';
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string JsToString(const JsValue& value) {
  switch (value.type) {
    case JsValue::Type::kNull:
      return "null";
    case JsValue::Type::kBool:
      return value.boolean ? "true" : "false";
    case JsValue::Type::kNumber:
      return JsNumberToString(value.number);
    case JsValue::Type::kString:
      return value.string;
    case JsValue::Type::kArray: {
      std::string out;
      for (size_t i = 0; i < value.items.size(); ++i) {
        if (i) out.push_back(',');
        if (value.items[i].type != JsValue::Type::kNull) out += JsToString(value.items[i]);
      }
      return out;
    }
    case JsValue::Type::kObject:
      return "[object Object]";
  }
  return "";
}

bool JsTruthy(const JsValue& value) {
  switch (value.type) {
    case JsValue::Type::kNull:
      return false;
    case JsValue::Type::kBool:
      return value.boolean;
    case JsValue::Type::kNumber:
      return value.number != 0 && !std::isnan(value.number);
    case JsValue::Type::kString:
      return !value.string.empty();
    case JsValue::Type::kArray:
    case JsValue::Type::kObject:
      return true;
  }
  return false;
}

void JsAppendString(std::string* out, std::string_view piece) {
  if (piece.size() >= 3) {
    uint32_t low = SurrogateAt(piece, 0);
    if (low >= 0xDC00) {
      AppendCodeUnit(out, low);
      out->append(piece.substr(3));
      return;
    }
  }
  out->append(piece);
}

std::string WtfToUtf8(std::string_view wtf8) {
  std::string out;
  out.reserve(wtf8.size());
  size_t run = 0;
  for (size_t i = 0; i < wtf8.size(); ++i) {
    if (static_cast<unsigned char>(wtf8[i]) != 0xED || SurrogateAt(wtf8, i) == 0) continue;
    out.append(wtf8.data() + run, i - run);
    out.append("\xEF\xBF\xBD");
    i += 2;
    run = i + 1;
  }
  out.append(wtf8.data() + run, wtf8.size() - run);
  return out;
}

bool IsSafeNumberText(std::string_view value) {
  // /^-?[0-9]+$/: safe when within ±(2^53 - 1).
  size_t sign = !value.empty() && value[0] == '-' ? 1 : 0;
  bool integer =
      value.size() > sign && std::all_of(value.begin() + static_cast<std::ptrdiff_t>(sign),
                                         value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (integer) {
    std::string_view digits = value.substr(sign);
    while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
    constexpr std::string_view kMax = "9007199254740991";
    return digits.size() < kMax.size() || (digits.size() == kMax.size() && digits <= kMax);
  }
  double num = ParseDouble(value);
  if (std::isfinite(num) && std::trunc(num) == num && std::fabs(num) > kMaxSafeInteger) {
    return false;
  }
  std::string parsed = JsNumberToString(num);
  if (value == parsed) return true;
  return SignificantDigits(value) == SignificantDigits(parsed);
}

bool MayHaveUnsafeNumbers(std::string_view text) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool digit = c >= '0' && c <= '9';
    if (digit || c == '.') {
      if (++run >= 13) return true;
    } else {
      run = 0;
    }
    if (digit && i + 1 < text.size() && (text[i + 1] == 'e' || text[i + 1] == 'E')) return true;
  }
  return false;
}

}  // namespace lanterne
