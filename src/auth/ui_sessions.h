// Web UI login sessions, passwords, CSRF and login rate limiting.
//
// A session is an opaque random token in the `lanterne_session` cookie; the store keeps only
// its SHA-256, with the user, the expiry (30 days, sliding) and the session's CSRF token,
// which the browser also gets in the readable `lanterne_csrf` cookie and must echo in
// `X-CSRF-Token` on every state-changing request.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "storage/store.h"

namespace lanterne {

constexpr int64_t kUiSessionLifetimeUs = int64_t{30} * 24 * 3600 * 1000000;
constexpr const char* kSessionCookie = "lanterne_session";
constexpr const char* kCsrfCookie = "lanterne_csrf";

// Runs one write transaction: the write pipeline while serving, Store::RunWrite in tests.
using UiWriteFn = std::function<Status(const std::function<Status(WriteTxn&)>&)>;
using ClockFn = std::function<int64_t()>;  // microseconds since the epoch

std::string HashSessionToken(std::string_view token);

// The value of cookie `name` in a Cookie header.
std::optional<std::string> CookieValue(std::string_view cookie_header, std::string_view name);

// Set-Cookie values: the session (HttpOnly) and CSRF (readable) cookies, and their removal.
std::string SessionSetCookie(std::string_view token);
std::string CsrfSetCookie(std::string_view csrf);
std::string ClearSessionSetCookie();
std::string ClearCsrfSetCookie();

// Whether a state-changing request proves it comes from our page: `header` (X-CSRF-Token)
// equals the session's CSRF token, in constant time.
bool CsrfValid(const UiSession& session, std::optional<std::string_view> header);

struct CreatedUiSession {
  std::string token;  // goes into the cookie, never stored
  UiSession session;
};

class UiSessionService {
 public:
  UiSessionService(Store& store, UiWriteFn write, ClockFn clock);

  Result<CreatedUiSession> Create(const std::string& user_id);
  // The live session for a cookie token; nullopt when unknown or expired (expired rows are
  // deleted). Extends the expiry when less than 29 of the 30 days are left, so an active
  // browser stays logged in without a write per request.
  Result<std::optional<UiSession>> Lookup(std::string_view token);
  Status Revoke(std::string_view token);
  // Logs the user out everywhere but `keep_token_hash` (password change).
  Status RevokeOthers(const std::string& user_id, const std::string& keep_token_hash);

 private:
  Store& store_;
  UiWriteFn write_;
  ClockFn clock_;
};

// argon2id via libsodium; HashPassword is in auth/provisioning.h.
bool VerifyPassword(const std::string& hash, const std::string& password);
// Verifies against a fixed dummy hash, so an unknown email takes as long as a wrong password.
void BurnPasswordCheck(const std::string& password);
Status ValidateNewPassword(const std::string& password);  // at least 8 characters, <= 1024

// Checks `current` and stores `next` for the user, then revokes the user's other sessions.
Status ChangePassword(Store& store, const UiWriteFn& write, UiSessionService& sessions,
                      const std::string& user_id, const std::string& current,
                      const std::string& next, const std::string& keep_token_hash);

// Failed logins: more than `per_email` failures for one email, or `per_ip` from one
// address, within `window_us` block further attempts until the oldest one ages out. Counted
// in memory; with a store, also kept in it (login_failures) and loaded back at
// construction, so a restart does not reset the window. Thread-safe.
class LoginRateLimiter {
 public:
  struct Limits {
    int per_email = 10;
    int per_ip = 30;
    int64_t window_us = int64_t{15} * 60 * 1000000;
  };
  LoginRateLimiter(Limits limits, ClockFn clock);
  // Persistent: loads the failures still inside the window from `store`; records and
  // clears them through `write`. A failed store write leaves the count in memory only.
  LoginRateLimiter(Limits limits, ClockFn clock, Store& store, UiWriteFn write);

  // 0 when an attempt may go ahead, else the seconds until one may (for Retry-After).
  int64_t RetryAfterSeconds(const std::string& email, const std::string& ip);
  void RecordFailure(const std::string& email, const std::string& ip);
  // A successful login forgets the email's failures.
  void RecordSuccess(const std::string& email);

 private:
  int64_t Blocked(std::deque<int64_t>& failures, int limit, int64_t now);
  void Prune(int64_t now);

  Limits limits_;
  ClockFn clock_;
  UiWriteFn write_;  // empty: memory only
  std::mutex mu_;
  std::map<std::string, std::deque<int64_t>> by_email_, by_ip_;
  int64_t last_prune_us_ = 0;
};

}  // namespace lanterne
