// Small text helpers shared across modules.
#pragma once

#include <string>
#include <string_view>

namespace lanterne {

// ASCII lowercase (header names, emails, model names, enum spellings); other bytes as they are.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace lanterne
