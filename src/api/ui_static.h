// The web UI (web/, a single-page app) served by the binary itself. Its built files
// (web/dist) are embedded at build time (cmake/web_assets.cmake generates the table behind
// EmbeddedWebAssets); a build made without web/dist serves a short page saying so.
// docs/ui.md describes the whole arrangement.
#pragma once

#include <span>
#include <string_view>

#include "http/message.h"

namespace lanterne {

struct WebAsset {
  std::string_view path;     // "/index.html", "/assets/index-abc123.js"
  std::string_view content;  // the file's bytes, in the binary's read-only data
};

// Every embedded file; empty when the UI was not built. Defined in the generated
// web_assets.cc.
std::span<const WebAsset> EmbeddedWebAssets();

// True for paths the UI answers: every GET that is not under /api/ or /v1/.
bool IsWebUiPath(std::string_view raw_path);

// The file at the request's path if it exists, else index.html (the app routes on the
// client). Hashed files under /assets/ are cached for a year; index.html and other files
// must be revalidated. Missing /assets/* files are a 404 rather than index.html, so a
// stale page asking for an old bundle fails plainly. Text files are sent gzip-compressed
// to clients that accept it (compressed once, on first use). Thread-safe.
Response ServeWebUi(const Request& request);

}  // namespace lanterne
