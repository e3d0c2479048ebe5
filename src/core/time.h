// Timestamps are stored as microseconds since the Unix epoch (UTC). Clients send ISO 8601
// with any number of fractional digits; responses use milliseconds, as Langfuse does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lanterne {

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)". A zone designator is required
// (Langfuse rejects zone-less timestamps at ingestion). Returns nullopt when malformed.
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);

// Like ParseIsoTimestamp, but also accepts a date alone or a zone-less time (read as UTC):
// query parameters are typed by people.
std::optional<int64_t> ParseLenientTimestamp(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS.sssZ".
std::string FormatIsoMillis(int64_t unix_us);

int64_t NowMicros();

}  // namespace lanterne
