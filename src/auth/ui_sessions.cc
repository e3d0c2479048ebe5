#include "auth/ui_sessions.h"

#include <algorithm>
#include <initializer_list>

#include <sodium.h>

#include "auth/provisioning.h"
#include "core/ids.h"

namespace lanterne {
namespace {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

constexpr int64_t kExtendWhenLeftUs = kUiSessionLifetimeUs - int64_t{24} * 3600 * 1000000;

}  // namespace

std::string HashSessionToken(std::string_view token) {
  return Sha256Hex(std::string("lanterne-ui-session:") + std::string(token));
}

std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) {
      std::string_view value = part.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::string SessionSetCookie(std::string_view token) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(kUiSessionLifetimeUs / 1000000);
}

std::string CsrfSetCookie(std::string_view csrf) {
  return std::string(kCsrfCookie) + "=" + std::string(csrf) +
         "; Path=/; SameSite=Lax; Max-Age=" + std::to_string(kUiSessionLifetimeUs / 1000000);
}

std::string ClearSessionSetCookie() {
  return std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";
}

std::string ClearCsrfSetCookie() {
  return std::string(kCsrfCookie) + "=; Path=/; SameSite=Lax; Max-Age=0";
}

bool CsrfValid(const UiSession& session, std::optional<std::string_view> header) {
  if (!header || header->empty() || session.csrf_token.empty()) return false;
  return ConstantTimeEquals(*header, session.csrf_token);
}

UiSessionService::UiSessionService(Store& store, UiWriteFn write, ClockFn clock)
    : store_(store), write_(std::move(write)), clock_(std::move(clock)) {}

Result<CreatedUiSession> UiSessionService::Create(const std::string& user_id) {
  CreatedUiSession created;
  created.token = RandomHex(32);
  int64_t now = clock_();
  created.session = UiSession{HashSessionToken(created.token), user_id, RandomHex(16), now,
                              now + kUiSessionLifetimeUs};
  Status status = write_([&](WriteTxn& txn) { return txn.PutUiSession(created.session); });
  if (!status.ok()) return status;
  return created;
}

Result<std::optional<UiSession>> UiSessionService::Lookup(std::string_view token) {
  if (token.empty()) return std::optional<UiSession>();
  std::string hash = HashSessionToken(token);
  auto found = store_.GetUiSession(hash);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return std::optional<UiSession>();
  UiSession session = **found;
  int64_t now = clock_();
  if (session.expires_at_us <= now) {
    Status status = write_([&](WriteTxn& txn) { return txn.DeleteUiSession(hash); });
    if (!status.ok()) return status;
    return std::optional<UiSession>();
  }
  if (session.expires_at_us - now < kExtendWhenLeftUs) {
    int64_t expires = now + kUiSessionLifetimeUs;
    // Best effort: a busy writer must not fail the request; the next one retries.
    Status status = write_([&](WriteTxn& txn) { return txn.TouchUiSession(hash, expires); });
    if (status.ok()) session.expires_at_us = expires;
  }
  return std::optional<UiSession>(std::move(session));
}

Status UiSessionService::Revoke(std::string_view token) {
  std::string hash = HashSessionToken(token);
  return write_([&](WriteTxn& txn) { return txn.DeleteUiSession(hash); });
}

Status UiSessionService::RevokeOthers(const std::string& user_id,
                                      const std::string& keep_token_hash) {
  return write_(
      [&](WriteTxn& txn) { return txn.DeleteUiSessionsOfUser(user_id, keep_token_hash); });
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  char buffer[crypto_pwhash_STRBYTES] = {};
  hash.copy(buffer, hash.size());
  return crypto_pwhash_str_verify(buffer, password.data(), password.size()) == 0;
}

void BurnPasswordCheck(const std::string& password) {
  static const std::string dummy = [] {
    auto hashed = HashPassword("lanterne-dummy-password");
    return hashed.ok() ? *hashed : std::string();
  }();
  (void)VerifyPassword(dummy, password);
}

Status ValidateNewPassword(const std::string& password) {
  if (password.size() < 8) {
    return Status::InvalidArgument("password: must be at least 8 characters long");
  }
  if (password.size() > 1024) return Status::InvalidArgument("password: at most 1024 characters");
  return Status::Ok();
}

Status ChangePassword(Store& store, const UiWriteFn& write, UiSessionService& sessions,
                      const std::string& user_id, const std::string& current,
                      const std::string& next, const std::string& keep_token_hash) {
  auto user = store.GetUser(user_id);
  if (!user.ok()) return user.status();
  if (!user->has_value()) return Status::Unauthenticated("Not logged in");
  if (!VerifyPassword((*user)->password_hash, current)) {
    return Status::InvalidArgument("currentPassword: incorrect password");
  }
  LANTERNE_RETURN_IF_ERROR(ValidateNewPassword(next));
  auto hash = HashPassword(next);
  if (!hash.ok()) return hash.status();
  LANTERNE_RETURN_IF_ERROR(
      write([&](WriteTxn& txn) { return txn.SetUserPassword(user_id, *hash); }));
  return sessions.RevokeOthers(user_id, keep_token_hash);
}

LoginRateLimiter::LoginRateLimiter(Limits limits, ClockFn clock)
    : limits_(limits), clock_(std::move(clock)) {}

LoginRateLimiter::LoginRateLimiter(Limits limits, ClockFn clock, Store& store, UiWriteFn write)
    : limits_(limits), clock_(std::move(clock)), write_(std::move(write)) {
  // Unreadable: start empty rather than refuse to serve logins.
  auto failures = store.LoginFailuresSince(clock_() - limits_.window_us);
  if (!failures.ok()) return;
  for (const auto& f : *failures) {  // oldest first, as the deques keep them
    if (!f.email.empty()) by_email_[f.email].push_back(f.at_us);  // empty: cleared
    by_ip_[f.ip].push_back(f.at_us);
  }
}

int64_t LoginRateLimiter::Blocked(std::deque<int64_t>& failures, int limit, int64_t now) {
  while (!failures.empty() && failures.front() <= now - limits_.window_us) failures.pop_front();
  if (static_cast<int>(failures.size()) < limit) return 0;
  int64_t wait_us = failures.front() + limits_.window_us - now;
  return std::max<int64_t>(1, (wait_us + 999999) / 1000000);
}

void LoginRateLimiter::Prune(int64_t now) {
  // Bounded memory: forget keys whose failures all aged out, at most once a minute.
  if (now - last_prune_us_ < 60 * 1000000) return;
  last_prune_us_ = now;
  for (auto* map : {&by_email_, &by_ip_}) {
    for (auto it = map->begin(); it != map->end();) {
      if (it->second.empty() || it->second.back() <= now - limits_.window_us) {
        it = map->erase(it);
      } else {
        ++it;
      }
    }
  }
}

int64_t LoginRateLimiter::RetryAfterSeconds(const std::string& email, const std::string& ip) {
  std::lock_guard lock(mu_);
  int64_t now = clock_();
  int64_t wait = 0;
  if (auto it = by_email_.find(email); it != by_email_.end()) {
    wait = std::max(wait, Blocked(it->second, limits_.per_email, now));
  }
  if (auto it = by_ip_.find(ip); it != by_ip_.end()) {
    wait = std::max(wait, Blocked(it->second, limits_.per_ip, now));
  }
  return wait;
}

void LoginRateLimiter::RecordFailure(const std::string& email, const std::string& ip) {
  int64_t now = clock_();
  {
    std::lock_guard lock(mu_);
    Prune(now);
    by_email_[email].push_back(now);
    by_ip_[ip].push_back(now);
  }
  if (write_) {
    (void)write_([&](WriteTxn& txn) {
      return txn.RecordLoginFailure(LoginFailure{email, ip, now}, now - limits_.window_us);
    });
  }
}

void LoginRateLimiter::RecordSuccess(const std::string& email) {
  bool had_failures;
  {
    std::lock_guard lock(mu_);
    had_failures = by_email_.erase(email) > 0;
  }
  // Only when there is something to forget: a login is not a write.
  if (write_ && had_failures) {
    (void)write_([&](WriteTxn& txn) { return txn.ClearLoginFailures(email); });
  }
}

}  // namespace lanterne
