#include "ingest/otlp/span_attributes.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/ids.h"
#include "core/json.h"

namespace lanterne {
namespace {

void WriteValue(JsonWriter& w, const otlp::AnyValue& value) {
  switch (value.value_case()) {
    case otlp::AnyValue::kStringValue:
      WriteString(w, value.string_value());
      return;
    case otlp::AnyValue::kBoolValue:
      w.Bool(value.bool_value());
      return;
    case otlp::AnyValue::kIntValue:
      w.Int64(value.int_value());
      return;
    case otlp::AnyValue::kDoubleValue: {
      double d = value.double_value();
      if (std::isnan(d)) {
        w.String("NaN");
      } else if (std::isinf(d)) {
        w.String(d > 0 ? "Infinity" : "-Infinity");
      } else {
        w.Double(d);
      }
      return;
    }
    case otlp::AnyValue::kArrayValue:
      w.StartArray();
      for (const auto& item : value.array_value().values()) WriteValue(w, item);
      w.EndArray();
      return;
    case otlp::AnyValue::kKvlistValue:
      w.StartObject();
      for (const auto& kv : value.kvlist_value().values()) {
        w.Key(kv.key().data(), static_cast<rapidjson::SizeType>(kv.key().size()));
        WriteValue(w, kv.value());
      }
      w.EndObject();
      return;
    case otlp::AnyValue::kBytesValue:
      WriteString(w, Base64Encode(value.bytes_value()));
      return;
    case otlp::AnyValue::VALUE_NOT_SET:
      w.Null();
      return;
  }
  w.Null();
}

}  // namespace

SpanAttributes::SpanAttributes(const OtlpKeyValues& list) {
  entries_.reserve(list.size());
  for (const auto& kv : list) entries_.emplace_back(kv.key(), &kv.value());
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const Entry& a, const Entry& b) { return a.first < b.first; });
  // Keep the last of equal keys.
  std::vector<Entry> unique;
  unique.reserve(entries_.size());
  for (const Entry& e : entries_) {
    if (!unique.empty() && unique.back().first == e.first) {
      unique.back() = e;
    } else {
      unique.push_back(e);
    }
  }
  entries_ = std::move(unique);
}

const otlp::AnyValue* SpanAttributes::Find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const Entry& e, std::string_view k) { return e.first < k; });
  if (it == entries_.end() || it->first != key) return nullptr;
  return it->second;
}

std::optional<std::string> SpanAttributes::Text(std::string_view key) const {
  const otlp::AnyValue* value = Find(key);
  if (!value || value->value_case() == otlp::AnyValue::VALUE_NOT_SET) return std::nullopt;
  return AnyValueText(*value);
}

std::optional<double> SpanAttributes::Number(std::string_view key) const {
  const otlp::AnyValue* value = Find(key);
  if (!value) return std::nullopt;
  switch (value->value_case()) {
    case otlp::AnyValue::kIntValue:
      return static_cast<double>(value->int_value());
    case otlp::AnyValue::kDoubleValue:
      return std::isfinite(value->double_value()) ? std::optional(value->double_value())
                                                  : std::nullopt;
    case otlp::AnyValue::kStringValue: {
      const std::string& s = value->string_value();
      double d = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
      return d;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> SpanAttributes::FirstText(
    std::initializer_list<std::string_view> keys) const {
  for (std::string_view key : keys) {
    if (auto text = Text(key)) return text;
  }
  return std::nullopt;
}

std::vector<SpanAttributes::Entry> SpanAttributes::WithPrefix(std::string_view prefix) const {
  std::vector<Entry> out;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), prefix,
                             [](const Entry& e, std::string_view k) { return e.first < k; });
  for (; it != entries_.end() && it->first.substr(0, prefix.size()) == prefix; ++it) {
    out.push_back(*it);
  }
  return out;
}

std::string AnyValueJson(const otlp::AnyValue& value) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteValue(w, value);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string AnyValueText(const otlp::AnyValue& value) {
  switch (value.value_case()) {
    case otlp::AnyValue::kStringValue:
      return value.string_value();
    case otlp::AnyValue::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case otlp::AnyValue::kIntValue:
      return std::to_string(value.int_value());
    case otlp::AnyValue::kBytesValue:
      return Base64Encode(value.bytes_value());
    default: {
      std::string json = AnyValueJson(value);
      // A double's JSON form is its text form; strings (NaN) lose their quotes.
      if (value.value_case() == otlp::AnyValue::kDoubleValue && !json.empty() && json[0] == '"') {
        return json.substr(1, json.size() - 2);
      }
      return json;
    }
  }
}

std::string JsonFromText(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (!text.empty() && parser.parse(text.data(), text.size()).get(element) == simdjson::SUCCESS) {
    return ToJsonText(element);
  }
  return JsonQuote(text);
}

std::string ParsedValueJson(const otlp::AnyValue& value) {
  if (value.value_case() == otlp::AnyValue::kStringValue) return JsonFromText(value.string_value());
  return AnyValueJson(value);
}

}  // namespace lanterne
