// API keys: a public key names the project; the secret key proves it. Secrets are stored
// only as hashes. Keys are looked up in memory and reloaded from the store when an unknown
// public key shows up, so keys created by `lanterne admin` work without a restart.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne {

enum class AccessLevel {
  kProject,     // Basic auth with public and secret key: everything in the project
  kScoresOnly,  // Bearer public key (browsers): may only send scores
};

struct AuthContext {
  std::string project_id;
  std::string public_key;
  AccessLevel access = AccessLevel::kProject;
};

std::string HashApiSecret(std::string_view secret);

struct NewApiKey {
  ApiKey key;
  std::string secret;  // shown once, never stored
};

// Makes a key pair for `project_id` (random `pk-lf-…`/`sk-lf-…` unless given).
NewApiKey MakeApiKey(const std::string& project_id, std::optional<std::string> public_key,
                     std::optional<std::string> secret_key, std::optional<std::string> note);

class ApiKeyAuthenticator {
 public:
  explicit ApiKeyAuthenticator(Store& store) : store_(store) {}

  // Checks an Authorization header. `allow_bearer` says whether the route takes a public
  // key alone. Returns Unauthenticated / PermissionDenied with Langfuse's messages.
  Result<AuthContext> Authenticate(std::string_view authorization, bool allow_bearer);

  // Drops a key from the cache once it is deleted from the store, so it stops working on
  // the very next request (the web UI's key revocation).
  void Forget(const std::string& public_key);
  // Adds a key just written to the store, so it works at once (without waiting for the
  // throttled reload).
  void Remember(const ApiKey& key);

  // When the key last authenticated a request, as far as this process knows (uses not
  // yet written to the store included).
  std::optional<int64_t> LastUsed(const std::string& public_key);
  // Writes the uses recorded since the last flush. Authenticate does it at most once a
  // minute, so a busy key costs no write per request; the server also calls it at stop.
  Status FlushLastUsed();

 private:
  std::optional<ApiKey> Find(const std::string& public_key);
  void MarkUsed(const std::string& public_key);

  Store& store_;
  std::mutex mu_;
  std::map<std::string, ApiKey> by_public_key_;
  std::chrono::steady_clock::time_point last_reload_{};
  std::map<std::string, int64_t> last_used_;       // public key → µs
  std::map<std::string, int64_t> unflushed_uses_;  // the subset not yet in the store
  std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

}  // namespace lanterne
