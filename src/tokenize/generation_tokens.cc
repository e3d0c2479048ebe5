#include "tokenize/generation_tokens.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/text.h"
#include "tokenize/js_json.h"

namespace lanterne {
namespace {

// The tiktoken model names Langfuse accepts as tokenizerModel whose encoding is one of
// ours (tiktoken's model_to_encoding), and whether Langfuse treats them as chat models.
// Its other accepted names (text-davinci-003, code-*, text-similarity-*, gpt2, ...) use
// r50k_base or p50k_base.
struct TiktokenModel {
  std::string_view name;
  EncodingId encoding;
  bool chat;
};
constexpr EncodingId kCl = EncodingId::kCl100kBase;
constexpr EncodingId kO2 = EncodingId::kO200kBase;
constexpr TiktokenModel kTiktokenModels[] = {
    {"davinci-002", kCl, false},
    {"babbage-002", kCl, false},
    {"text-embedding-ada-002", kCl, false},
    {"gpt-3.5-turbo", kCl, true},
    {"gpt-35-turbo", kCl, true},
    {"gpt-3.5-turbo-0301", kCl, true},
    {"gpt-3.5-turbo-0613", kCl, true},
    {"gpt-3.5-turbo-1106", kCl, true},
    {"gpt-3.5-turbo-0125", kCl, false},
    {"gpt-3.5-turbo-16k", kCl, true},
    {"gpt-3.5-turbo-16k-0613", kCl, true},
    {"gpt-3.5-turbo-instruct", kCl, false},
    {"gpt-3.5-turbo-instruct-0914", kCl, false},
    {"gpt-4", kCl, true},
    {"gpt-4-0314", kCl, true},
    {"gpt-4-0613", kCl, true},
    {"gpt-4-32k", kCl, true},
    {"gpt-4-32k-0314", kCl, true},
    {"gpt-4-32k-0613", kCl, true},
    {"gpt-4-turbo", kCl, false},
    {"gpt-4-turbo-2024-04-09", kCl, false},
    {"gpt-4-turbo-preview", kCl, false},
    {"gpt-4-1106-preview", kCl, true},
    {"gpt-4-0125-preview", kCl, false},
    {"gpt-4-vision-preview", kCl, true},
    {"gpt-4o", kO2, true},
    {"gpt-4o-2024-05-13", kO2, true},
};

// A JSON number that is an integer (Langfuse's config accepts any number; fractional
// overheads are refused here).
std::optional<int64_t> IntegerOf(const JsValue* v) {
  if (!v || v->type != JsValue::Type::kNumber) return std::nullopt;
  double d = v->number;
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 1e15) return std::nullopt;
  return static_cast<int64_t>(d);
}

// ECMAScript ToNumber of a string, for the `length` of a message value (rare: objects with
// a "length" key). Decimal, Infinity and 0x/0o/0b integers; anything else is NaN.
double StringToNumber(std::string_view s) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0' &&
      std::string_view("xXoObB").find(s[1]) != std::string_view::npos) {
    int base = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'o' ? 8 : 2;
    double v = 0;
    for (char c : s.substr(2)) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : std::isalpha(static_cast<unsigned char>(c))
                  ? (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10)
                  : 99;
      if (d >= base) return NAN;
      v = v * base + d;
    }
    return v;
  }
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return negative ? -INFINITY : INFINITY;
  // StrDecimalLiteral: digits with an optional point and exponent.
  size_t i = 0, mantissa_digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])))
    ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])))
      ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return NAN;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t from = i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i;
    if (i == from) return NAN;
  }
  if (i != body.size()) return NAN;
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

double ToNumber(const JsValue& v) {
  switch (v.type) {
    case JsValue::Type::kNull:
      return 0;
    case JsValue::Type::kBool:
      return v.boolean ? 1 : 0;
    case JsValue::Type::kNumber:
      return v.number;
    case JsValue::Type::kString:
      return StringToNumber(v.string);
    case JsValue::Type::kArray:
      return StringToNumber(JsToString(v));
    case JsValue::Type::kObject:
      return NAN;
  }
  return NAN;
}

bool HasAstral(std::string_view wtf8) {
  return std::any_of(wtf8.begin(), wtf8.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0xF0; });
}

constexpr double kMaxMessageValueLength = 1e6;

// What Langfuse hands the tokenizer for a message value (its unicodeToBytesInString): a
// string as it is; otherwise it walks value[0 .. value.length) appending each element as a
// string (arrays: their items; objects: only with a "length" key; numbers, booleans:
// nothing), an element whose text holds a character beyond U+FFFF becoming the hex of its
// UTF-8 bytes.
std::optional<std::string> MessageValueText(const JsValue& value) {
  if (value.type == JsValue::Type::kString) return value.string;
  double length = 0;
  if (value.type == JsValue::Type::kArray) {
    length = static_cast<double>(value.items.size());
  } else if (value.type == JsValue::Type::kObject) {
    if (const JsValue* l = value.Find("length")) length = ToNumber(*l);
  }
  if (!(length > 0)) return std::string();
  if (length > kMaxMessageValueLength) return std::nullopt;
  std::string out;
  for (size_t i = 0; static_cast<double>(i) < length; ++i) {
    const JsValue* element = nullptr;
    if (value.type == JsValue::Type::kArray) {
      element = &value.items[i];
    } else {
      element = value.Find(std::to_string(i));
    }
    if (!element) {
      out += "undefined";
      continue;
    }
    std::string text = JsToString(*element);
    if (JsTruthy(*element) && HasAstral(text)) {
      char hex[3];
      for (unsigned char b : WtfToUtf8(text)) {
        std::snprintf(hex, sizeof hex, "%x", b);
        out += hex;
      }
    } else {
      JsAppendString(&out, text);
    }
  }
  return out;
}

bool IsChatMessageArray(const JsValue& v) {
  if (v.type != JsValue::Type::kArray) return false;
  return std::all_of(v.items.begin(), v.items.end(), [](const JsValue& item) {
    if (item.type != JsValue::Type::kObject) return false;
    const JsValue* role = item.Find("role");
    const JsValue* content = item.Find("content");
    const JsValue* name = item.Find("name");
    return role && role->type == JsValue::Type::kString && content &&
           content->type == JsValue::Type::kString &&
           (!name || name->type == JsValue::Type::kString);
  });
}

bool IsCountedMessageKey(std::string_view key) {
  return key == "content" || key == "role" || key == "name" || key == "tool_calls" ||
         key == "function_call" || key == "toolCalls" || key == "functionCall";
}

}  // namespace

std::optional<TokenizerSpec> TokenizerSpecFromModelDefinition(
    std::optional<std::string_view> tokenizer_id,
    std::optional<std::string_view> tokenizer_config_json) {
  if (!tokenizer_id || *tokenizer_id != "openai" || !tokenizer_config_json) return std::nullopt;
  std::optional<JsValue> config = JsJsonParse(*tokenizer_config_json);
  if (!config || config->type != JsValue::Type::kObject) return std::nullopt;
  const JsValue* model = config->Find("tokenizerModel");
  if (!model || model->type != JsValue::Type::kString) return std::nullopt;
  for (const TiktokenModel& m : kTiktokenModels) {
    if (m.name != model->string) continue;
    TokenizerSpec spec;
    spec.encoding = m.encoding;
    spec.chat = m.chat;
    spec.tokens_per_message = IntegerOf(config->Find("tokensPerMessage"));
    spec.tokens_per_name = IntegerOf(config->Find("tokensPerName"));
    return spec;
  }
  return std::nullopt;
}

std::optional<TokenizerSpec> TokenizerSpecForModelName(std::string_view model) {
  std::optional<EncodingId> encoding = EncodingForModel(model);
  if (!encoding) return std::nullopt;
  std::string m = AsciiLower(model);
  if (m.rfind("openai/", 0) == 0) m.erase(0, 7);
  TokenizerSpec spec;
  spec.encoding = *encoding;
  spec.chat = !(m.rfind("text-embedding", 0) == 0 || m == "davinci-002" || m == "babbage-002" ||
                m.rfind("gpt-3.5-turbo-instruct", 0) == 0 || m.rfind("ft:davinci-002", 0) == 0 ||
                m.rfind("ft:babbage-002", 0) == 0);
  bool legacy = m == "gpt-3.5-turbo-0301";
  spec.tokens_per_message = legacy ? 4 : 3;
  spec.tokens_per_name = legacy ? -1 : 1;
  return spec;
}

std::optional<int64_t> CountValueTokens(const TokenizerSpec& spec, std::string_view value_json) {
  // The value as Langfuse's ingestion holds it, then as it keeps it: a string's text, or
  // JSON.stringify of anything else.
  std::optional<JsValue> value = JsJsonParse(value_json);
  if (!value || value->type == JsValue::Type::kNull) return std::nullopt;
  std::string stored =
      value->type == JsValue::Type::kString ? std::move(value->string) : JsJsonStringify(*value);

  // parseJsonPrioritised: JSON if it parses, else the text itself.
  JsParseOptions options;
  options.keep_unsafe_numbers_as_text = MayHaveUnsafeNumbers(stored);
  JsParseError error = JsParseError::kNone;
  std::optional<JsValue> parsed = JsJsonParse(stored, options, &error);
  if (error == JsParseError::kTooDeep) return std::nullopt;

  Result<const BpeEncoding*> encoding = GetEncoding(spec.encoding);
  if (!encoding.ok()) return std::nullopt;
  const BpeEncoding& bpe = **encoding;
  auto count = [&](std::string_view wtf8) {
    return static_cast<int64_t>(bpe.CountWithSpecialTokens(WtfToUtf8(wtf8)));
  };

  if (!parsed) return count(stored);
  if (spec.chat && IsChatMessageArray(*parsed)) {
    if (!spec.tokens_per_message || !spec.tokens_per_name) return std::nullopt;
    int64_t total = 0;
    for (const JsValue& message : parsed->items) {
      total += *spec.tokens_per_message;
      for (const auto& [key, v] : message.props) {
        if (JsTruthy(v) && IsCountedMessageKey(key)) {
          std::optional<std::string> text = MessageValueText(v);
          if (!text) return std::nullopt;
          total += count(*text);
        }
        if (key == "name") total += *spec.tokens_per_name;
      }
    }
    return total + 3;  // every reply is primed with <|start|>assistant<|message|>
  }
  if (parsed->type == JsValue::Type::kString) return count(parsed->string);
  return count(JsJsonStringify(*parsed));
}

GenerationTokenCounts CountGenerationTokens(const TokenizerSpec& spec,
                                            const std::optional<std::string>& input_json,
                                            const std::optional<std::string>& output_json) {
  GenerationTokenCounts counts;
  if (input_json) counts.input = CountValueTokens(spec, *input_json);
  if (output_json) counts.output = CountValueTokens(spec, *output_json);
  if (counts.input.value_or(0) != 0 || counts.output.value_or(0) != 0) {
    counts.total = counts.input.value_or(0) + counts.output.value_or(0);
  }
  return counts;
}

}  // namespace lanterne
