// The request and response as handlers see them: no Boost types, so handlers and tests
// do not depend on the HTTP library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lanterne {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // raw (still percent-encoded), without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;                      // already gunzipped when sent with Content-Encoding: gzip
  std::vector<std::string> path_params;  // filled by the router, decoded
  std::string remote_address;            // the peer's IP address, when known

  // First header with this lowercase name. Also tries the name with '-' and '_' swapped,
  // since some SDKs send x_langfuse_* headers.
  std::optional<std::string_view> Header(std::string_view lowercase_name) const;
  std::optional<std::string> QueryValue(std::string_view key) const;
  // Every value of a repeated key (`tags=a&tags=b`).
  std::vector<std::string> QueryValues(std::string_view key) const;
};

struct Response {
  Response() = default;
  Response(int status_code, std::string body_text, std::string type = "application/json")
      : status(status_code), body(std::move(body_text)), content_type(std::move(type)) {}

  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// Splits "a=1&b=%2F" into decoded pairs; malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);

}  // namespace lanterne
