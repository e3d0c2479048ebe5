#include "auth/api_keys.h"

#include <algorithm>

#include <sodium.h>

#include "core/ids.h"
#include "core/time.h"

namespace lanterne {
namespace {
constexpr const char* kInvalidCredentials =
    "Invalid credentials. Confirm that you've configured the correct host.";
// Unknown keys trigger a reload of the key table at most this often, so a flood of bad
// keys cannot turn into a flood of queries.
constexpr auto kReloadInterval = std::chrono::milliseconds(500);
constexpr auto kLastUsedFlushInterval = std::chrono::seconds(60);

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

std::string HashApiSecret(std::string_view secret) {
  // Secrets are long random strings, so a fast hash is enough; the prefix keeps these
  // hashes from being reused for anything else.
  return Sha256Hex(std::string("lanterne-api-secret:") + std::string(secret));
}

NewApiKey MakeApiKey(const std::string& project_id, std::optional<std::string> public_key,
                     std::optional<std::string> secret_key, std::optional<std::string> note) {
  NewApiKey out;
  out.secret = secret_key.value_or("sk-lf-" + RandomUuid());
  out.key.id = RandomUuid();
  out.key.project_id = project_id;
  out.key.public_key = public_key.value_or("pk-lf-" + RandomUuid());
  out.key.secret_hash = HashApiSecret(out.secret);
  out.key.display_secret = out.secret.size() > 10 ? out.secret.substr(0, 6) + "..." +
                                                        out.secret.substr(out.secret.size() - 4)
                                                  : "...";
  out.key.note = std::move(note);
  out.key.created_at_us = NowMicros();
  return out;
}

std::optional<ApiKey> ApiKeyAuthenticator::Find(const std::string& public_key) {
  std::lock_guard lock(mu_);
  auto it = by_public_key_.find(public_key);
  if (it != by_public_key_.end()) return it->second;
  auto now = std::chrono::steady_clock::now();
  if (now - last_reload_ < kReloadInterval) return std::nullopt;
  last_reload_ = now;
  auto keys = store_.ListApiKeys();
  if (!keys.ok()) return std::nullopt;
  by_public_key_.clear();
  for (auto& key : *keys) by_public_key_.emplace(key.public_key, key);
  it = by_public_key_.find(public_key);
  if (it == by_public_key_.end()) return std::nullopt;
  return it->second;
}

void ApiKeyAuthenticator::MarkUsed(const std::string& public_key) {
  const int64_t now_us = NowMicros();
  bool flush_due = false;
  {
    std::lock_guard lock(mu_);
    last_used_[public_key] = now_us;
    unflushed_uses_[public_key] = now_us;
    auto now = std::chrono::steady_clock::now();
    if (now - last_flush_ >= kLastUsedFlushInterval) {
      last_flush_ = now;
      flush_due = true;
    }
  }
  if (flush_due) (void)FlushLastUsed();  // best effort: a failed write is retried next time
}

std::optional<int64_t> ApiKeyAuthenticator::LastUsed(const std::string& public_key) {
  std::lock_guard lock(mu_);
  auto it = last_used_.find(public_key);
  if (it == last_used_.end()) return std::nullopt;
  return it->second;
}

Status ApiKeyAuthenticator::FlushLastUsed() {
  std::map<std::string, int64_t> uses;
  {
    std::lock_guard lock(mu_);
    uses.swap(unflushed_uses_);
  }
  if (uses.empty()) return Status::Ok();
  Status written = store_.RunWrite(
      [&](WriteTxn& txn) -> Status {
        for (const auto& [public_key, at_us] : uses) {
          LANTERNE_RETURN_IF_ERROR(txn.RecordApiKeyUse(public_key, at_us));
        }
        return Status::Ok();
      },
      /*durable=*/false);
  if (!written.ok()) {
    std::lock_guard lock(mu_);
    for (const auto& [public_key, at_us] : uses) {
      auto& slot = unflushed_uses_[public_key];
      slot = std::max(slot, at_us);
    }
  }
  return written;
}

void ApiKeyAuthenticator::Forget(const std::string& public_key) {
  // Under the lock: a reload that read the key table before the delete finishes first.
  std::lock_guard lock(mu_);
  by_public_key_.erase(public_key);
}

void ApiKeyAuthenticator::Remember(const ApiKey& key) {
  std::lock_guard lock(mu_);
  by_public_key_.insert_or_assign(key.public_key, key);
}

Result<AuthContext> ApiKeyAuthenticator::Authenticate(std::string_view header, bool allow_bearer) {
  if (header.empty()) return Status::Unauthenticated("No authorization header");
  auto space = header.find(' ');
  if (space == std::string_view::npos) {
    return Status::Unauthenticated("Invalid authorization header");
  }
  std::string_view scheme = header.substr(0, space);
  std::string_view credentials = header.substr(space + 1);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);

  if (scheme == "Bearer" || scheme == "bearer") {
    auto key = Find(std::string(credentials));
    if (!key) return Status::Unauthenticated(kInvalidCredentials);
    if (!allow_bearer) {
      return Status::PermissionDenied("Access denied - insufficient permissions for this endpoint");
    }
    MarkUsed(key->public_key);
    return AuthContext{key->project_id, key->public_key, AccessLevel::kScoresOnly};
  }
  if (scheme != "Basic" && scheme != "basic") {
    return Status::Unauthenticated("Invalid authorization header");
  }
  auto decoded = Base64Decode(credentials);
  if (!decoded) return Status::Unauthenticated("Invalid authorization header");
  auto colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == decoded->size()) {
    return Status::Unauthenticated("Invalid authorization header");
  }
  std::string public_key = decoded->substr(0, colon);
  std::string secret = decoded->substr(colon + 1);
  auto key = Find(public_key);
  if (!key || !ConstantTimeEquals(key->secret_hash, HashApiSecret(secret))) {
    return Status::Unauthenticated(kInvalidCredentials);
  }
  MarkUsed(key->public_key);
  return AuthContext{key->project_id, key->public_key, AccessLevel::kProject};
}

}  // namespace lanterne
