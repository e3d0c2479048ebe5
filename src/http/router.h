// Maps method + path pattern to a handler. Patterns are literal segments and `{name}`
// placeholders; matching runs on the raw path and decodes each segment afterwards, so an
// id containing %2F stays one segment.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace lanterne {

using Handler = std::function<Response(Request&)>;

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);

  enum class MatchResult { kFound, kNotFound, kMethodNotAllowed };
  // On kFound sets `handler` and fills `request.path_params`.
  MatchResult Match(Request& request, const Handler** handler) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" marks a placeholder
    Handler handler;
  };
  std::vector<Route> routes_;
};

std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace lanterne
