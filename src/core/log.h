// Minimal structured logging to stderr; stdout is kept for the ready line and command
// output that scripts read.
#pragma once

#include <cstdio>
#include <string_view>

namespace lanterne {

inline void LogInfo(std::string_view message) {
  std::fprintf(stderr, "lanterne: %.*s\n", static_cast<int>(message.size()), message.data());
}

inline void LogError(std::string_view message) {
  std::fprintf(stderr, "lanterne: error: %.*s\n", static_cast<int>(message.size()), message.data());
}

}  // namespace lanterne
