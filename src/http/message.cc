#include "http/message.h"

#include "core/ids.h"

namespace lanterne {

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  std::string alternate(name);
  for (char& c : alternate) {
    if (c == '-') {
      c = '_';
    } else if (c == '_') {
      c = '-';
    }
  }
  for (const auto& [key, value] : headers) {
    if (key == alternate) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::QueryValue(std::string_view key) const {
  for (const auto& [k, v] : query) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Request::QueryValues(std::string_view key) const {
  std::vector<std::string> values;
  for (const auto& [k, v] : query) {
    if (k == key) values.push_back(v);
  }
  return values;
}

std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    std::string_view raw_key = part.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    auto key = PercentDecode(raw_key, true);
    auto value = PercentDecode(raw_value, true);
    out.emplace_back(key.value_or(std::string(raw_key)), value.value_or(std::string(raw_value)));
  }
  return out;
}

}  // namespace lanterne
