// Read access to OTLP attribute lists (key → AnyValue) in the forms the span mapping needs:
// by exact key, by key prefix, as text, as a number, or as JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "otlp_trace.pb.h"

namespace lanterne {

using OtlpKeyValues = google::protobuf::RepeatedPtrField<otlp::KeyValue>;

class SpanAttributes {
 public:
  using Entry = std::pair<std::string_view, const otlp::AnyValue*>;

  SpanAttributes() = default;
  // Keys must be unique; when an exporter repeats one anyway, the last value counts.
  explicit SpanAttributes(const OtlpKeyValues& list);

  const otlp::AnyValue* Find(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // Strings as they are; other scalars in their usual text form; arrays and lists as JSON.
  std::optional<std::string> Text(std::string_view key) const;
  // Numbers, and strings that hold one.
  std::optional<double> Number(std::string_view key) const;
  // The first of `keys` that is present, as text.
  std::optional<std::string> FirstText(std::initializer_list<std::string_view> keys) const;

  // Every entry whose key starts with `prefix`, in key order.
  std::vector<Entry> WithPrefix(std::string_view prefix) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;  // sorted by key, unique
};

// The JSON text of an attribute value: strings quoted, arrays and key-value lists as JSON
// arrays and objects, bytes as base64 strings, NaN and infinities as strings.
std::string AnyValueJson(const otlp::AnyValue& value);
// Text form of a value (see SpanAttributes::Text).
std::string AnyValueText(const otlp::AnyValue& value);

// Attribute strings often carry JSON (the SDKs JSON-encode inputs and outputs): the compact
// JSON if `text` parses as JSON, else `text` as a JSON string.
std::string JsonFromText(std::string_view text);
// The value as JSON: a string value goes through JsonFromText, anything else AnyValueJson.
std::string ParsedValueJson(const otlp::AnyValue& value);

}  // namespace lanterne
