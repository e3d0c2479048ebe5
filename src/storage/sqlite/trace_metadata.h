// The web UI's filters on trace metadata (`metadata.<key>=value`, contains). Metadata lives
// in the trace's compressed payload, so filtering by decoding rows would read every trace
// of the project. Instead the writer keeps a small index table (schema migration 11):
// trace_metadata (project_id, key, value, trace_seq) with one row per top-level scalar —
// strings as they are, numbers as their JSON text, booleans as true/false — values cut to
// kMetadataValueBytes (store.h) on a character boundary. Nested objects, arrays and nulls
// are not indexed. Rows are written in the trace's own transaction, only for traces with
// metadata, and rewritten only when a merge changed the metadata; a trigger drops them when
// the trace row goes. Traces stored before migration 11 are not indexed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
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

// Keeps trace_metadata in step with the writer's trace rows. Not thread-safe: the writer's
// transaction object owns one.
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
  void Forget() { seen_.clear(); }

 private:
  sqlite3* db_ = nullptr;
  Statement insert_, delete_;
  std::unordered_map<int64_t, size_t> seen_;  // seq → hash of the metadata read
};

// The condition on `traces` (placeholders bound to `values`, in order) for one filter.
struct MetadataCondition {
  std::string sql;
  std::vector<std::string> values;
};
MetadataCondition TraceMetadataCondition(const std::string& project_id,
                                         const MetadataFilter& filter);

}  // namespace lanterne::sqlite
