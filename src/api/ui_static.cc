#include "api/ui_static.h"

#include <map>
#include <string>

#include "http/gzip.h"

namespace lanterne {
namespace {

constexpr std::string_view kNotBuiltPage =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Lanterne</title></head>"
    "<body style=\"font-family:system-ui,sans-serif;max-width:40em;margin:4em auto\">"
    "<h1>Lanterne</h1><p>The web UI was not built into this binary. Build it with "
    "<code>scripts/build.sh</code> (which runs <code>npm ci</code> and <code>npm run build</code> "
    "in <code>web/</code> before the C++ build). The APIs under <code>/api/public</code> work "
    "as usual.</p></body></html>";

std::string_view ContentType(std::string_view path) {
  static const std::map<std::string_view, std::string_view> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
  };
  auto slash = path.rfind('/');
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  auto it = kTypes.find(path.substr(dot));
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

bool Compressible(std::string_view type) {
  return type.starts_with("text/") || type.starts_with("application/json") ||
         type.starts_with("application/manifest") || type.starts_with("image/svg");
}

struct Entry {
  std::string_view content;
  std::string_view type;
  std::string gzipped;  // empty when compression does not pay
};

// Built once on first use: path → file, with the gzip form of the text files.
const std::map<std::string_view, Entry>& Table() {
  static const std::map<std::string_view, Entry> table = [] {
    std::map<std::string_view, Entry> t;
    for (const WebAsset& asset : EmbeddedWebAssets()) {
      Entry e{asset.content, ContentType(asset.path), {}};
      if (Compressible(e.type) && asset.content.size() > 512) {
        e.gzipped = Gzip(asset.content);
        if (e.gzipped.size() * 10 > asset.content.size() * 9) e.gzipped.clear();
      }
      t.emplace(asset.path, std::move(e));
    }
    return t;
  }();
  return table;
}

bool AcceptsGzip(const Request& request) {
  auto accept = request.Header("accept-encoding");
  return accept && accept->find("gzip") != std::string_view::npos;
}

}  // namespace

bool IsWebUiPath(std::string_view raw_path) {
  if (raw_path.empty() || raw_path[0] != '/') return false;
  for (std::string_view prefix : {"/api", "/v1"}) {
    if (raw_path.starts_with(prefix) &&
        (raw_path.size() == prefix.size() || raw_path[prefix.size()] == '/')) {
      return false;
    }
  }
  return true;
}

Response ServeWebUi(const Request& request) {
  const auto& table = Table();
  auto index = table.find("/index.html");
  if (index == table.end()) {
    Response page{200, std::string(kNotBuiltPage), "text/html; charset=utf-8"};
    page.headers.emplace_back("Cache-Control", "no-cache");
    return page;
  }
  std::string_view path = request.path;
  auto it = path == "/" ? index : table.find(path);
  bool hashed = path.starts_with("/assets/");
  if (it == table.end()) {
    if (hashed) {
      Response missing{404, "Not found", "text/plain; charset=utf-8"};
      missing.headers.emplace_back("Cache-Control", "no-cache");
      return missing;
    }
    it = index;
  }
  const Entry& entry = it->second;
  Response response;
  response.status = 200;
  response.content_type = std::string(entry.type);
  if (!entry.gzipped.empty() && AcceptsGzip(request)) {
    response.body = entry.gzipped;
    response.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    response.body = std::string(entry.content);
  }
  if (!entry.gzipped.empty()) response.headers.emplace_back("Vary", "Accept-Encoding");
  response.headers.emplace_back(
      "Cache-Control", hashed && it != index ? "public, max-age=31536000, immutable" : "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace lanterne
