// bench/sqlite_naive_baseline.cc
//
// The naive baseline Lanterne's ingestion is compared against: observations
// inserted straight into SQLite by a minimal program. One row per observation,
// a random UUID text primary key, ~1 KB input + ~1 KB output + ~200 B metadata,
// secondary indexes (project_id, start_time) and (trace_id), WAL journal,
// synchronous=NORMAL, 1,000 rows per transaction.
//
// Usage: sqlite-naive-baseline --db PATH [--rows N]
// Prints one JSON line: {"rows":N,"seconds":S,"rows_per_s":R,...}

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_text.h"

namespace {

using lanterne::bench::Rng;

constexpr int kRowsPerTransaction = 1000;
constexpr int kObservationsPerTrace = 6;
constexpr size_t kCorpusBytes = 8 << 20;

[[noreturn]] void Die(const char* what, sqlite3* db) {
  std::fprintf(stderr, "sqlite-naive-baseline: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
  std::exit(1);
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite-naive-baseline: %s: %s\n", sql, err ? err : "?");
    std::exit(1);
  }
}

long long FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}

void Usage() {
  std::fprintf(stderr, "usage: sqlite-naive-baseline --db PATH [--rows N]\n");
  std::exit(2);
}

// A slice of the corpus of about `len` bytes starting at a word boundary.
std::string_view Slice(const std::string& corpus, Rng& rng, size_t len) {
  size_t at = rng.Below(corpus.size() - len - 64);
  while (corpus[at] != ' ') ++at;
  ++at;
  return std::string_view(corpus).substr(at, len);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  long long rows = 200000;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--db" && i + 1 < argc) {
      path = argv[++i];
    } else if (arg == "--rows" && i + 1 < argc) {
      rows = std::atoll(argv[++i]);
    } else {
      Usage();
    }
  }
  if (path.empty() || rows <= 0) Usage();
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());

  // Payload text is generated before the clock starts; rows point into it.
  Rng rng(20240601);
  std::string corpus = lanterne::bench::Words(rng, kCorpusBytes);

  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) Die("open", db);
  Exec(db, "PRAGMA journal_mode=WAL");
  Exec(db, "PRAGMA synchronous=NORMAL");
  Exec(db,
       "CREATE TABLE observations ("
       " id TEXT PRIMARY KEY, project_id TEXT, trace_id TEXT, start_time INTEGER,"
       " name TEXT, input TEXT, output TEXT, metadata TEXT)");
  Exec(db, "CREATE INDEX observations_project_time ON observations (project_id, start_time)");
  Exec(db, "CREATE INDEX observations_trace ON observations (trace_id)");

  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO observations (id, project_id, trace_id, start_time, name,"
                         " input, output, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         -1, &insert, nullptr) != SQLITE_OK) {
    Die("prepare", db);
  }

  static constexpr std::string_view kNames[kObservationsPerTrace] = {
      "retrieve-documents", "embed-query",     "rerank",
      "llm-answer",         "guardrail-check", "postprocess"};
  const long long base_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
  char id[37] = {};
  char trace_id[37] = {};
  std::string metadata;
  long long payload_bytes = 0;

  const auto start = std::chrono::steady_clock::now();
  for (long long row = 0; row < rows; ++row) {
    if (row % kRowsPerTransaction == 0) Exec(db, "BEGIN");
    const int in_trace = static_cast<int>(row % kObservationsPerTrace);
    if (in_trace == 0) lanterne::bench::WriteUuid(rng, trace_id);
    lanterne::bench::WriteUuid(rng, id);
    std::string_view input = Slice(corpus, rng, 900 + rng.Below(250));
    std::string_view output = Slice(corpus, rng, 900 + rng.Below(250));
    metadata.clear();
    metadata += R"({"app":"support-bot","region":"eu-west-1","experiment":"B","user":"user-)";
    metadata += std::to_string(rng.Below(5000));
    metadata += R"(","retriever":"kb-v3","topK":8,"note":")";
    metadata += Slice(corpus, rng, 60);
    metadata += "\"}";
    payload_bytes += static_cast<long long>(input.size() + output.size() + metadata.size());

    sqlite3_bind_text(insert, 1, id, 36, SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, "bench", 5, SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, trace_id, 36, SQLITE_STATIC);
    sqlite3_bind_int64(insert, 4, base_ms + row / 4);
    sqlite3_bind_text(insert, 5, kNames[in_trace].data(), static_cast<int>(kNames[in_trace].size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(insert, 6, input.data(), static_cast<int>(input.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert, 7, output.data(), static_cast<int>(output.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert, 8, metadata.data(), static_cast<int>(metadata.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) Die("insert", db);
    sqlite3_reset(insert);
    if (row % kRowsPerTransaction == kRowsPerTransaction - 1 || row == rows - 1) {
      Exec(db, "COMMIT");
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  sqlite3_finalize(insert);
  if (sqlite3_close(db) != SQLITE_OK) Die("close", db);
  const long long disk_bytes = FileSize(path) + FileSize(path + "-wal");

  std::printf(
      "{\"rows\":%lld,\"seconds\":%.3f,\"rows_per_s\":%.0f,\"payload_mb_per_s\":%.1f,"
      "\"disk_bytes_per_row\":%.0f}\n",
      rows, seconds, static_cast<double>(rows) / seconds,
      static_cast<double>(payload_bytes) / seconds / 1e6,
      static_cast<double>(disk_bytes) / static_cast<double>(rows));
  return 0;
}
