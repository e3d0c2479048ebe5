#include "api/query_params.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/time.h"

namespace lanterne {
namespace {

Result<std::optional<int64_t>> ReadInt(const Request& request, std::string_view key) {
  auto text = request.QueryValue(key);
  if (!text || text->empty()) return std::optional<int64_t>();
  int64_t value;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return Status::InvalidArgument(std::string(key) + ": expected an integer, got \"" + *text +
                                   "\"");
  }
  return std::optional<int64_t>(value);
}

}  // namespace

Result<PageRequest> ReadPage(const Request& request, int64_t default_limit, int64_t max_limit) {
  PageRequest page;
  page.limit = default_limit;
  auto p = ReadInt(request, "page");
  if (!p.ok()) return p.status();
  if (*p) {
    if (**p < 1) return Status::InvalidArgument("page: must be 1 or more");
    page.page = **p;
  }
  auto l = ReadInt(request, "limit");
  if (!l.ok()) return l.status();
  if (*l) {
    if (**l < 1 || **l > max_limit) {
      return Status::InvalidArgument("limit: must be between 1 and " + std::to_string(max_limit));
    }
    page.limit = **l;
  }
  return page;
}

Result<Counting> ReadCounting(const Request& request) {
  auto total = request.QueryValue("total");
  if (!total || *total == "true") return Counting::kPageAndTotal;
  if (*total == "false") return Counting::kPageOnly;
  if (*total == "only") return Counting::kTotalOnly;
  return Status::InvalidArgument("total: expected true, false or only");
}

Result<std::optional<double>> ReadNonNegative(const Request& request, std::string_view key) {
  auto text = request.QueryValue(key);
  if (!text || text->empty()) return std::optional<double>();
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text->c_str(), &end);
  if (end != text->c_str() + text->size() || errno == ERANGE || !std::isfinite(value) ||
      value < 0) {
    return Status::InvalidArgument(std::string(key) + ": expected a number ≥ 0, got \"" + *text +
                                   "\"");
  }
  return std::optional<double>(value);
}

Result<std::optional<int64_t>> ReadTimestamp(const Request& request, std::string_view key) {
  auto text = request.QueryValue(key);
  if (!text || text->empty()) return std::optional<int64_t>();
  auto t = ParseLenientTimestamp(*text);
  if (!t) {
    return Status::InvalidArgument(std::string(key) + ": expected an ISO 8601 datetime, got \"" +
                                   *text + "\"");
  }
  return std::optional<int64_t>(*t);
}

std::vector<std::string> ReadList(const Request& request, std::string_view key, bool split_commas) {
  std::vector<std::string> out;
  for (const std::string& value : request.QueryValues(key)) {
    if (!split_commas) {
      if (!value.empty()) out.push_back(value);
      continue;
    }
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace lanterne
