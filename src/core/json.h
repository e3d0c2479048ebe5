// JSON helpers: simdjson parses (fast, validating), RapidJSON's Writer writes and splices
// stored raw JSON text without re-parsing it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

namespace lanterne {

using JsonBuffer = rapidjson::StringBuffer;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// The compact text of a parsed element, suitable for storing and splicing back later.
std::string ToJsonText(simdjson::dom::element element);

// Writes stored JSON text as a value, or null when absent.
void WriteRawOrNull(JsonWriter& w, const std::optional<std::string>& json_text);
void WriteRaw(JsonWriter& w, std::string_view json_text);
void WriteString(JsonWriter& w, std::string_view s);
void WriteOptString(JsonWriter& w, const std::optional<std::string>& s);
// ["a","b",…]
void WriteStringArray(JsonWriter& w, const std::vector<std::string>& items);
// The strings of a JSON array (other items skipped); empty when `text` is not an array.
// Stored tags are read this way.
std::vector<std::string> StringArrayFromJson(std::string_view text);

// Deep-merges two JSON objects (later keys win, nested objects merge key by key).
// Either side that is not an object is replaced by `overlay`. Both inputs must be valid JSON.
std::string MergeJsonObjects(std::string_view base, std::string_view overlay);

// Quotes a string as a JSON string literal.
std::string JsonQuote(std::string_view s);

}  // namespace lanterne
