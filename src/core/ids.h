// Identifiers, hashes and encodings used across modules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lanterne {

// A random RFC 4122 version-4 UUID in lowercase text form.
std::string RandomUuid();

// Bytes as lowercase hex (2 characters each).
std::string HexEncode(std::string_view bytes);

// Random bytes as lowercase hex (2 * bytes characters).
std::string RandomHex(size_t bytes);

// Stable 64-bit hash of an id, used as a narrow index key; collisions are resolved by
// comparing the full id, so this never decides equality on its own.
int64_t IdHash(std::string_view id);

// Lowercase hex SHA-256.
std::string Sha256Hex(std::string_view data);

// Standard base64 (RFC 4648) decoding; nullopt on invalid input.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view data);

// Percent-decoding of one URL path segment or query component ('+' kept as is in paths).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace lanterne
