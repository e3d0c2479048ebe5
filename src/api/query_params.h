// Reading list parameters the way Langfuse does: page (≥1), limit (1..100), timestamps,
// enums. Each reader returns InvalidArgument naming the parameter.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "http/message.h"
#include "storage/store.h"

namespace lanterne {

Result<PageRequest> ReadPage(const Request& request, int64_t default_limit = 50,
                             int64_t max_limit = 100);
Result<std::optional<int64_t>> ReadTimestamp(const Request& request, std::string_view key);
// A finite number ≥ 0 (latency in seconds, cost in USD); nullopt when absent or empty.
Result<std::optional<double>> ReadNonNegative(const Request& request, std::string_view key);
// The web UI tables' `total`: "true" (default: the page and its exact total), "false" (the
// page alone, meta.hasMore telling whether another follows) or "only" (the total alone).
Result<Counting> ReadCounting(const Request& request);
// Repeated keys and comma lists both count (`environment=a&environment=b`, `tags=a,b`).
std::vector<std::string> ReadList(const Request& request, std::string_view key, bool split_commas);

}  // namespace lanterne
