// The web UI's filters on trace metadata (`metadata.<key>=value`, contains). Metadata lives
// in the trace's compressed payload, so filtering by decoding rows would read every trace
// of the project. Instead the writer keeps two small tables (schema migration 14):
// - trace_metadata_seqs (kv, trace_seq): one row per top-level scalar of a trace, where kv
//   is MetadataHash(project, key, value): integer keys, cheap to insert and to look up;
// - trace_metadata_values (project_id, key, value, kv): each distinct value's text once,
//   for "contains" filters, which match texts and follow their kvs.
// Strings are indexed as they are, numbers as their JSON text, booleans as true/false;
// values cut to kMetadataValueBytes (store.h) on a character boundary. Nested objects,
// arrays and nulls are not indexed. Rows are written in the trace's own transaction, only
// for traces with metadata, and rewritten only when a merge changed the metadata; a trigger
// drops a trace's rows when the trace row goes. Traces stored before migration 11 are not
// indexed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/sqlite/connection.h"
#include "storage/store.h"

namespace lanterne::sqlite {

// The (key, value) rows for a metadata object's text; empty when it is not an object.
// At most kMaxMetadataKeys keys, keys longer than kMetadataKeyBytes skipped.
inline constexpr size_t kMaxMetadataKeys = 64;
std::vector<std::pair<std::string, std::string>> IndexedMetadata(std::string_view metadata_json);

// `value` cut to at most kMetadataValueBytes bytes without splitting a UTF-8 character.
std::string_view TruncateMetadataValue(std::string_view value);

// The kv of a metadata value: a 64-bit hash of project, key and value, so a kv names one
// project's value. Registered in SQL as lanterne_metadata_hash(project, key, value).
int64_t MetadataHash(std::string_view project_id, std::string_view key, std::string_view value);
Status RegisterMetadataHash(sqlite3* db);

// Keeps the metadata tables in step with the writer's trace rows. Not thread-safe: the
// writer's transaction object owns one.
class TraceMetadataIndex {
 public:
  Status Prepare(sqlite3* db);
  void ReleaseStatements();
  // Notes the metadata a transaction read for row `seq` (FindTrace), so that writing the
  // same metadata back costs nothing.
  void Seen(int64_t seq, std::string_view metadata_json);
  // Indexes row `seq` after it was inserted (`is_new`) or updated with `metadata_json`.
  Status Write(int64_t seq, const std::string& project_id, std::string_view metadata_json,
               bool is_new);
  // After a commit, the values this transaction stored are known to be stored.
  void Committed();
  void Forget() {
    seen_.clear();
    stored_now_.clear();
  }
  // After rows of trace_metadata_values were deleted (a project purged).
  void ForgetStoredValues() { stored_.clear(); }

 private:
  sqlite3* db_ = nullptr;
  // The INSERT of `rows` rows of trace_metadata_seqs, prepared on first use.
  Result<Statement*> InsertSeqs(size_t rows);

  Statement insert_value_, delete_;
  std::vector<Statement> insert_seqs_;        // [n - 1]: the INSERT of n rows
  std::unordered_map<int64_t, size_t> seen_;  // seq → hash of the metadata read
  // kvs whose text is in trace_metadata_values (committed), so most writes skip that
  // table's text-keyed insert; bounded by starting over past kMaxStoredValues.
  std::unordered_set<int64_t> stored_;
  std::vector<int64_t> stored_now_;  // stored by the open transaction
};

// The condition on `traces` (placeholders bound to `values`, in order) for one filter. The
// plan depends on how many traces match, which `db` is asked first (a count that stops past
// kSparseMetadataMatches): a few are looked up by seq (`sparse`: the caller reads traces
// NOT INDEXED, so SQLite looks the rows up instead of walking the project's traces to test
// each against the list); many are tested one seek each while the traces are walked in the
// requested order, which fills a page after a few rows (listing the matches first read all
// of them: 0.9 s per page at 1.7M matching traces).
inline constexpr int kSparseMetadataMatches = 5000;
struct MetadataCondition {
  std::string sql;
  std::vector<std::string> values;
  bool sparse = false;
};
Result<MetadataCondition> TraceMetadataCondition(sqlite3* db, const std::string& project_id,
                                                 const MetadataFilter& filter);

}  // namespace lanterne::sqlite
