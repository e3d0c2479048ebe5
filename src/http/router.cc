#include "http/router.h"

#include "core/ids.h"

namespace lanterne {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) segments.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route route{std::move(method), {}, std::move(handler)};
  for (std::string_view segment : SplitPath(pattern)) {
    route.segments.push_back(segment.starts_with('{') ? "{}" : std::string(segment));
  }
  routes_.push_back(std::move(route));
}

Router::MatchResult Router::Match(Request& request, const Handler** handler) const {
  std::vector<std::string_view> segments = SplitPath(request.path);
  bool path_matched = false;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (route.segments[i] == "{}") {
        auto decoded = PercentDecode(segments[i], false);
        if (!decoded) {
          match = false;
        } else {
          params.push_back(std::move(*decoded));
        }
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (route.method != request.method) continue;
    request.path_params = std::move(params);
    *handler = &route.handler;
    return MatchResult::kFound;
  }
  return path_matched ? MatchResult::kMethodNotAllowed : MatchResult::kNotFound;
}

}  // namespace lanterne
