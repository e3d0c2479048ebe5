// The HTTP/1.1 server: keep-alive connections are served by coroutines on a couple of I/O
// threads; each request's handler runs on a separate pool, because handlers may block
// (waiting for a group commit, or reading the store) and the I/O threads never should.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/status.h"
#include "http/message.h"

namespace lanterne {

struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 3000;
  size_t max_body_bytes = 4'500'000;  // Langfuse's ingestion limit
  // Paths allowed a different limit (exact match), e.g. OTLP exports, which batch up to
  // hundreds of spans. At most 64 MiB.
  std::vector<std::pair<std::string, size_t>> path_body_limits;

  size_t BodyLimitFor(std::string_view path) const {
    for (const auto& [p, limit] : path_body_limits) {
      if (p == path) return limit;
    }
    return max_body_bytes;
  }
  // One I/O thread: with a single thread Asio skips its internal locking, and parsing and
  // storage work happen on the other threads anyway.
  int io_threads = 1;
  int handler_threads = 64;
};

class HttpServer {
 public:
  // `handler` must return a Response for every request, never throw.
  HttpServer(ServerOptions options, std::function<Response(Request&)> handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving in the background. Unavailable if the address is taken.
  Status Start();
  // Stops accepting, lets requests in flight finish (up to `grace_ms`), then closes
  // every connection and joins the threads.
  void Stop(int grace_ms = 10000);

  uint16_t port() const { return bound_port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t bound_port_ = 0;
};

}  // namespace lanterne
