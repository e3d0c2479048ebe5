// The raw text of each ingestion event's `input`, `output` and `metadata`, as the client
// sent it. The batch decoder stores these values as JSON text; rebuilding that text from
// the parsed document (every string escaped again, every number printed again) cost a
// fifth of a request thread's work. Taking the client's bytes with the whitespace removed
// gives the same JSON value for a fraction of that.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lanterne {

// Slices of the request body; empty when the event (or its body) is not an object or has
// no such key. The first of duplicate keys wins, as in the parsed document.
struct RawBodyValues {
  std::string_view input;
  std::string_view output;
  std::string_view metadata;

  // The slice kept for `key`, or nullptr when the key is none of the three.
  template <typename Self>
  static auto* SlotOf(Self& self, std::string_view key) {
    return key == "input"      ? &self.input
           : key == "output"   ? &self.output
           : key == "metadata" ? &self.metadata
                               : nullptr;
  }
  std::string_view* Of(std::string_view key) { return SlotOf(*this, key); }
  const std::string_view* Of(std::string_view key) const { return SlotOf(*this, key); }
};

// One entry per element of the top-level `batch` array, in order; empty when `body` is
// not a JSON object with a `batch` array. Meant for a body already parsed and validated.
std::vector<RawBodyValues> FindRawBodyValues(std::string_view body);

// `raw` (a valid JSON value) without whitespace outside its strings; strings and numbers
// keep the client's spelling. nullopt if `raw` is not valid JSON.
std::optional<std::string> MinifyRawJson(std::string_view raw);

// `json` with the numbers simdjson's parser refuses, and the whole batch with them, written
// as JavaScript (and so Langfuse) reads them: every integer beyond 64 bits (over
// 18446744073709551615, under -9223372036854775808) with a `.0`, so it parses as a double;
// every number beyond a double's range (`1e400`, which JavaScript reads as Infinity and
// JSON.stringify writes as null) as `null`. nullopt when there is none: the parse failed
// for another reason.
std::optional<std::string> WidenOutOfRangeNumbers(std::string_view json);

}  // namespace lanterne
