#include "http/server.h"

#include <chrono>
#include <mutex>
#include <set>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/thread_name.h"
#include "http/gzip.h"

namespace lanterne {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Bodies past this are never read, whatever the route: they are answered 413 and the
// connection closed. Between max_body_bytes and this, the body is drained so the client
// reads a clean 413 instead of a reset connection.
constexpr size_t kDrainLimit = 64 * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(75);

std::string ErrorJson(std::string_view message, std::string_view error) {
  return "{\"message\":\"" + std::string(message) + "\",\"error\":\"" + std::string(error) + "\"}";
}

// Runs the handler on the pool and resumes the awaiting coroutine on its own executor.
// Arguments are passed as named values, never as temporaries inside the co_await
// expression: g++ 12 destroys such temporaries twice.
asio::awaitable<Response> RunOnPool(asio::thread_pool& pool,
                                    const std::function<Response(Request&)>& handler,
                                    std::shared_ptr<Request> request) {
  auto initiation = [&pool, &handler, request](auto completion) {
    asio::post(pool, [&handler, request, completion = std::move(completion)]() mutable {
      thread_local bool named = false;
      if (!named) {
        NameThisThread("lanterne-http");
        named = true;
      }
      auto response = std::make_shared<Response>(handler(*request));
      auto executor = asio::get_associated_executor(completion);
      asio::post(executor, [completion = std::move(completion), response]() mutable {
        completion(std::move(*response));
      });
    });
  };
  Response response = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      initiation, asio::use_awaitable);
  co_return response;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  std::function<Response(Request&)> handler;
  asio::io_context io{1};
  asio::thread_pool pool;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> io_threads;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  std::mutex sockets_mu;
  std::set<beast::tcp_stream*> streams;

  Impl(ServerOptions o, std::function<Response(Request&)> h)
      : options(std::move(o)), handler(std::move(h)), pool(options.handler_threads) {}

  asio::awaitable<void> Accept() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
      socket.set_option(tcp::no_delay(true));
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> WriteResponse(beast::tcp_stream& stream, unsigned version, bool keep_alive,
                                      Response response) {
    http::response<http::string_body> res{static_cast<http::status>(response.status), version};
    res.set(http::field::server, "Lanterne");
    res.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") {
        res.insert(name, value);  // one header per cookie
      } else {
        res.set(name, value);
      }
    }
    res.keep_alive(keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    // The deadline set before reading the request still bounds this write; re-arming the
    // timer per response costs a system call per request.
    co_await http::async_write(stream, res, asio::use_awaitable);
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    std::string remote_address = peer_ec ? std::string() : peer.address().to_string();
    beast::tcp_stream stream(std::move(socket));
    {
      std::lock_guard lock(sockets_mu);
      streams.insert(&stream);
    }
    beast::flat_buffer buffer;
    // Room for a typical SDK batch, so a request arrives in a few large reads.
    buffer.reserve(256 * 1024);
    try {
      for (;;) {
        if (stopping) break;
        http::request_parser<http::string_body> parser;
        parser.header_limit(64 * 1024);
        parser.body_limit(kDrainLimit);
        stream.expires_after(kIdleTimeout);
        co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
        ++in_flight;
        struct Done {
          std::atomic<int>& n;
          ~Done() { --n; }
        } done{in_flight};
        const std::string_view raw_target(parser.get().target().data(),
                                          parser.get().target().size());
        const size_t body_limit = options.BodyLimitFor(raw_target.substr(0, raw_target.find('?')));
        auto length = parser.content_length();
        if (length && *length > body_limit) {
          bool drain = *length <= kDrainLimit;
          if (drain) {
            http::request_parser<http::buffer_body> sink(std::move(parser));
            sink.body_limit(kDrainLimit);
            char scratch[64 * 1024];
            while (!sink.is_done()) {
              sink.get().body().data = scratch;
              sink.get().body().size = sizeof(scratch);
              beast::error_code ec;
              co_await http::async_read(stream, buffer, sink,
                                        asio::redirect_error(asio::use_awaitable, ec));
              if (ec == http::error::need_buffer) continue;
              if (ec) throw beast::system_error(ec);
            }
          }
          Response too_large{413, ErrorJson("Request body exceeds the limit of " +
                                                std::to_string(body_limit) + " bytes",
                                            "PayloadTooLargeError")};
          co_await WriteResponse(stream, 11, drain, std::move(too_large));
          if (!drain) break;
          continue;
        }
        co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
        auto& msg = parser.get();
        bool keep_alive = msg.keep_alive();
        unsigned version = msg.version();

        Request request;
        request.remote_address = remote_address;
        request.method = std::string(msg.method_string());
        std::string_view target(msg.target().data(), msg.target().size());
        auto q = target.find('?');
        request.path = std::string(target.substr(0, q));
        if (q != std::string_view::npos) request.query = ParseQueryString(target.substr(q + 1));
        for (const auto& field : msg) {
          std::string name(field.name_string());
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          request.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        Response response;
        bool body_ok = true;
        if (msg.body().size() > body_limit) {
          response = {413, ErrorJson("Request body exceeds the limit of " +
                                         std::to_string(body_limit) + " bytes",
                                     "PayloadTooLargeError")};
          body_ok = false;
        } else if (auto enc = msg[http::field::content_encoding];
                   !enc.empty() && (beast::iequals(enc, "gzip") || beast::iequals(enc, "x-gzip"))) {
          auto inflated = Gunzip(msg.body(), body_limit);
          if (!inflated.ok()) {
            bool too_large = inflated.status().code() == StatusCode::kPayloadTooLarge;
            response = {too_large ? 413 : 400,
                        ErrorJson(inflated.status().message(),
                                  too_large ? "PayloadTooLargeError" : "InvalidRequestError")};
            body_ok = false;
          } else {
            request.body = std::move(inflated).value();
          }
        } else {
          request.body = std::move(msg.body());
        }
        if (body_ok) {
          auto shared_request = std::make_shared<Request>(std::move(request));
          response = co_await RunOnPool(pool, handler, shared_request);
        }
        co_await WriteResponse(stream, version, keep_alive && !stopping, std::move(response));
        if (!keep_alive || stopping) break;
      }
    } catch (const std::exception&) {
      // Client went away, timed out or sent garbage: the connection simply ends.
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    std::lock_guard lock(sockets_mu);
    streams.erase(&stream);
  }
};

HttpServer::HttpServer(ServerOptions options, std::function<Response(Request&)> handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(0); }

Status HttpServer::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::InvalidArgument("--host: not an IP address: " + impl_->options.host);
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen on " + impl_->options.host + ":" +
                               std::to_string(impl_->options.port) + ": " + ec.message());
  }
  bound_port_ = acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  for (int i = 0; i < impl_->options.io_threads; ++i) {
    impl_->io_threads.emplace_back([this] {
      NameThisThread("lanterne-io");
      impl_->io.run();
    });
  }
  return Status::Ok();
}

void HttpServer::Stop(int grace_ms) {
  if (!impl_ || impl_->io_threads.empty()) return;
  impl_->stopping = true;
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  asio::post(impl_->io, [this] {
    std::lock_guard lock(impl_->sockets_mu);
    for (auto* stream : impl_->streams) stream->cancel();
  });
  impl_->pool.join();
  impl_->io.stop();
  for (auto& t : impl_->io_threads) t.join();
  impl_->io_threads.clear();
}

}  // namespace lanterne
