// bench/bench_text.h
//
// Deterministic, realistic-looking payload text for the benchmark programs.
// Both the load generator and the naive SQLite baseline draw their input and
// output strings from the same kind of word salad, so that byte counts and
// compression ratios are comparable between them.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace lanterne::bench {

// xoshiro256** seeded through SplitMix64: fast, good enough for ids and text.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : state_) {
      seed += 0x9E3779B97F4A7C15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
      word = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // In [0, bound), bound > 0; the modulo bias is irrelevant for small bounds.
  uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> state_{};
};

// Writes a random RFC 4122 version-4 UUID (36 characters) at `out`.
// `first_nibble_mask` / `first_nibble_set` constrain the first hex digit, which
// the load generator uses to tell event kinds apart in responses.
inline void WriteUuid(Rng& rng, char* out, unsigned first_nibble_mask = 0xF,
                      unsigned first_nibble_set = 0) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hi = rng.Next();
  uint64_t lo = rng.Next();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  char hex[32];
  for (int i = 0; i < 16; ++i) hex[i] = kHex[(hi >> (60 - 4 * i)) & 0xF];
  for (int i = 0; i < 16; ++i) hex[16 + i] = kHex[(lo >> (60 - 4 * i)) & 0xF];
  unsigned first = static_cast<unsigned>(hex[0] <= '9' ? hex[0] - '0' : hex[0] - 'a' + 10);
  hex[0] = kHex[(first & first_nibble_mask) | first_nibble_set];
  int h = 0;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      out[i] = '-';
    } else {
      out[i] = hex[h++];
    }
  }
}

inline std::string NewUuid(Rng& rng) {
  std::string s(36, '0');
  WriteUuid(rng, s.data());
  return s;
}

// A vocabulary that looks like support-bot / RAG traffic. Only letters, so the
// text never needs JSON escaping.
inline constexpr std::string_view kWords[] = {
    "the",        "a",         "of",           "to",          "and",       "in",
    "is",         "for",       "on",           "with",        "that",      "this",
    "you",        "your",      "we",           "our",         "it",        "can",
    "be",         "are",       "from",         "by",          "or",        "as",
    "if",         "not",       "when",         "which",       "will",      "should",
    "please",     "thanks",    "hello",        "account",     "billing",   "invoice",
    "payment",    "refund",    "subscription", "plan",        "upgrade",   "cancel",
    "order",      "shipping",  "delivery",     "tracking",    "address",   "customer",
    "support",    "ticket",    "request",      "response",    "error",     "timeout",
    "retry",      "incident",  "latency",      "service",     "server",    "database",
    "index",      "query",     "document",     "documents",   "section",   "policy",
    "article",    "knowledge", "base",         "answer",      "question",  "context",
    "retrieval",  "search",    "ranking",      "score",       "relevant",  "model",
    "prompt",     "token",     "tokens",       "limit",       "usage",     "cost",
    "price",      "month",     "year",         "week",        "today",     "yesterday",
    "settings",   "profile",   "password",     "reset",       "email",     "notification",
    "login",      "security",  "access",       "team",        "member",    "role",
    "admin",      "project",   "workspace",    "export",      "import",    "report",
    "dashboard",  "chart",     "metric",       "event",       "trace",     "span",
    "generation", "feedback",  "quality",      "review",      "update",    "change",
    "version",    "release",   "feature",      "issue",       "problem",   "solution",
    "steps",      "guide",     "install",      "configure",   "enable",    "disable",
    "option",     "value",     "default",      "custom",      "available", "region",
    "europe",     "america",   "storage",      "backup",      "restore",   "data",
    "file",       "upload",    "download",     "integration", "webhook",   "api",
    "key",        "secret",    "however",      "because",     "after",     "before",
    "during",     "within",    "about",        "between",     "without",   "also",
    "only",       "still",     "already",      "again",       "first",     "next"};

// Appends roughly `bytes` bytes (never more) of sentence-like text made of
// random words to `out`.
inline void AppendWords(Rng& rng, std::string& out, size_t bytes) {
  const size_t begin = out.size();
  const size_t end = begin + bytes;
  bool sentence_start = true;
  while (true) {
    std::string_view w = kWords[rng.Below(std::size(kWords))];
    size_t need = w.size() + 2;
    if (out.size() + need > end) break;
    if (out.size() > begin) out.push_back(' ');
    size_t at = out.size();
    out.append(w);
    if (sentence_start && out[at] >= 'a' && out[at] <= 'z')
      out[at] = static_cast<char>(out[at] - 32);
    sentence_start = false;
    uint64_t r = rng.Below(100);
    if (r < 7) {
      out.push_back('.');
      sentence_start = true;
    } else if (r < 11) {
      out.push_back(',');
    }
  }
  if (out.size() < end && out.size() > begin && out.back() != '.') {
    if (out.back() == ',') out.pop_back();
    out.push_back('.');
  }
  while (out.size() < end) out.push_back(' ');
}

inline std::string Words(Rng& rng, size_t bytes) {
  std::string s;
  s.reserve(bytes);
  AppendWords(rng, s, bytes);
  return s;
}

}  // namespace lanterne::bench
