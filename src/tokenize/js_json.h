// JSON as JavaScript sees it, for counting tokens exactly as Langfuse (a Node.js service)
// does: JSON.parse into JavaScript values and JSON.stringify back, with JavaScript's number
// formatting, property order (integer-like keys first, ascending) and string escaping, and
// String() coercion. Strings are held as WTF-8, so a lone surrogate escape ("\ud800")
// survives a parse → stringify round trip as JavaScript's does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lanterne {

struct JsProperty;

struct JsValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;             // WTF-8
  std::vector<JsValue> items;     // kArray
  std::vector<JsProperty> props;  // kObject, in JavaScript's order

  // The property named `key`, or nullptr.
  const JsValue* Find(std::string_view key) const;
};

struct JsProperty {
  std::string key;
  JsValue value;
};

enum class JsParseError { kNone, kSyntax, kTooDeep };

struct JsParseOptions {
  // Langfuse's parseJsonPrioritised (Node >= 21): a number whose source text does not
  // survive a round trip through a double (lossless-json's isSafeNumber) is kept as a
  // string holding that source text.
  bool keep_unsafe_numbers_as_text = false;
  int max_depth = 512;  // deeper documents are refused (kTooDeep)
};

// JSON.parse. On failure returns nullopt and sets *error.
std::optional<JsValue> JsJsonParse(std::string_view text, const JsParseOptions& options = {},
                                   JsParseError* error = nullptr);

// JSON.stringify(value), appended to *out.
void JsJsonStringify(const JsValue& value, std::string* out);
std::string JsJsonStringify(const JsValue& value);

// Number.prototype.toString() of a double: "1", "0.1", "1e+21", "-1.5e-7", "NaN", ...
std::string JsNumberToString(double value);

// String(value): arrays join their items with "," (null items empty), objects are
// "[object Object]".
std::string JsToString(const JsValue& value);

// JavaScript truthiness: false, 0, NaN, "" and null are falsy.
bool JsTruthy(const JsValue& value);

// out += piece, for WTF-8 strings: a low surrogate at the start of `piece` pairs with a
// high surrogate at the end of `out`, as in JavaScript's string concatenation.
void JsAppendString(std::string* out, std::string_view piece);

// WTF-8 → UTF-8, each lone surrogate becoming U+FFFD: what a JavaScript string turns into
// when it is handed to UTF-8 code (TextEncoder, wasm-bindgen).
std::string WtfToUtf8(std::string_view wtf8);

// lossless-json 4.x isSafeNumber(source text of a JSON number).
bool IsSafeNumberText(std::string_view number_text);

// Langfuse's UNSAFE_NUMBER_PATTERN, /[\d.]{13,}|\d[eE]/: whether parseJsonPrioritised
// takes its precision-preserving path for this text.
bool MayHaveUnsafeNumbers(std::string_view json_text);

}  // namespace lanterne
