// gzip request bodies (Content-Encoding: gzip), inflated with a cap so a small compressed
// body cannot expand without bound.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace lanterne {

// InvalidArgument for corrupt data; PayloadTooLarge past `max_bytes`.
Result<std::string> Gunzip(std::string_view compressed, size_t max_bytes);
std::string Gzip(std::string_view data);

}  // namespace lanterne
