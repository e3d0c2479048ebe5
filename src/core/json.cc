#include "core/json.h"

#include <map>
#include <vector>

namespace lanterne {

std::string ToJsonText(simdjson::dom::element element) { return simdjson::minify(element); }

void WriteRawOrNull(JsonWriter& w, const std::optional<std::string>& json_text) {
  if (json_text) {
    WriteRaw(w, *json_text);
  } else {
    w.Null();
  }
}

void WriteRaw(JsonWriter& w, std::string_view json_text) {
  w.RawValue(json_text.data(), json_text.size(), rapidjson::kObjectType);
}

void WriteString(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteStringArray(JsonWriter& w, const std::vector<std::string>& items) {
  w.StartArray();
  for (const auto& item : items) WriteString(w, item);
  w.EndArray();
}

void WriteOptString(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    WriteString(w, *s);
  } else {
    w.Null();
  }
}

namespace {

void WriteMerged(JsonWriter& w, simdjson::dom::object base, simdjson::dom::object overlay) {
  w.StartObject();
  std::map<std::string_view, simdjson::dom::element> overlay_fields;
  std::vector<std::string_view> overlay_order;
  for (auto field : overlay) {
    if (overlay_fields.emplace(field.key, field.value).second) overlay_order.push_back(field.key);
  }
  for (auto field : base) {
    auto it = overlay_fields.find(field.key);
    WriteString(w, field.key);
    if (it == overlay_fields.end()) {
      WriteRaw(w, ToJsonText(field.value));
      continue;
    }
    simdjson::dom::object base_obj, overlay_obj;
    if (field.value.get(base_obj) == simdjson::SUCCESS &&
        it->second.get(overlay_obj) == simdjson::SUCCESS) {
      WriteMerged(w, base_obj, overlay_obj);
    } else {
      WriteRaw(w, ToJsonText(it->second));
    }
    overlay_fields.erase(it);
  }
  for (std::string_view key : overlay_order) {
    auto it = overlay_fields.find(key);
    if (it == overlay_fields.end()) continue;
    WriteString(w, key);
    WriteRaw(w, ToJsonText(it->second));
  }
  w.EndObject();
}

}  // namespace

std::string MergeJsonObjects(std::string_view base, std::string_view overlay) {
  simdjson::dom::parser base_parser, overlay_parser;
  simdjson::dom::object base_obj, overlay_obj;
  if (base_parser.parse(base.data(), base.size()).get(base_obj) != simdjson::SUCCESS ||
      overlay_parser.parse(overlay.data(), overlay.size()).get(overlay_obj) != simdjson::SUCCESS) {
    return std::string(overlay);
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteMerged(w, base_obj, overlay_obj);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string JsonQuote(std::string_view s) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WriteString(w, s);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<std::string> StringArrayFromJson(std::string_view text) {
  std::vector<std::string> items;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parser.parse(text.data(), text.size()).get_array().get(array) != simdjson::SUCCESS) {
    return items;
  }
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s) == simdjson::SUCCESS) items.emplace_back(s);
  }
  return items;
}

}  // namespace lanterne
