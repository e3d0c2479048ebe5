// The full-text search index over traces (schema migration 5; docs/architecture.md). It is
// fed beside ingestion, never inside it: the writer's transactions only note changed and
// deleted rows (two triggers' one-row inserts into search_dirty), and SearchIndexer::Step,
// run between those transactions, indexes
// - rows noted in search_dirty (updated rows are indexed again, deleted ones dropped),
// - traces and observations past the search watermarks (new rows), in seq order.
// Each trace or observation is one document of search_text (an FTS5 table with the trigram
// tokenizer, so any substring of 3+ characters is found in any script; detail=none, which
// keeps which trigrams a document has and not where, so matches of more than one trigram
// are checked against the text: storage/search_text.h), numbered
// seq * 2 + kind; search_docs says whose it is (project, trace, and the trace's row once it
// exists). A search joins back to the traces table, so a deleted trace is never answered
// even before its documents are dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/payload_log.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/id_index.h"

namespace lanterne::sqlite {

// Not thread-safe: used on the writer connection, under the store's write lock.
class SearchIndexer {
 public:
  Status Prepare(sqlite3* db, const PayloadLog* payloads);
  struct StepResult {
    int rows = 0;            // rows indexed (or dropped)
    bool caught_up = false;  // nothing was left to index
  };
  // Indexes up to `max_rows` rows inside the caller's transaction. After `min_rows` rows it
  // stops early once `yield()` says another write is waiting for the lock: at full speed a
  // step of 32 rows held ingestion up for ~30 ms, the largest part of its p99 latency.
  Result<StepResult> Step(const RecentIds& recent_traces, int max_rows, int min_rows = 0,
                          const std::function<bool()>& yield = nullptr);

 private:
  Status DropDoc(int64_t doc);
  Status IndexTraceRow(Statement& row, bool is_new);
  Status IndexObservationRow(Statement& row, const RecentIds& recent_traces);
  Status InsertDoc(int64_t doc, const std::string& project_id, const std::string& trace_id,
                   std::optional<int64_t> trace_seq, const std::string& body);
  Result<int64_t> Watermark(const char* name);
  Status SetWatermark(const char* name, int64_t seq);

  sqlite3* db_ = nullptr;
  const PayloadLog* payloads_ = nullptr;
  Statement dirty_, undirty_, drop_text_, drop_doc_, trace_at_, traces_after_, observation_at_,
      observations_after_, insert_text_, insert_doc_, adopt_orphans_, get_watermark_,
      set_watermark_;
  RowLocator trace_locator_;
};

// The condition on `traces` (its placeholders bound to `values`, in order) keeping the
// traces of `project_id` whose text contains `query` (normalized, non-empty). Queries of
// 3+ characters use the trigram index and answer from the project's newest matching
// documents: the newest `max_docs_per_kind` traces' and as many observations' texts
// (SqliteOptions::search_match_docs halved) found among twice as many candidates of the
// trigram index, since a common word matches most of a large store and reading every
// match took longer than the page it fills; the search
// watermarks, read through `db`, say where each kind's documents end. Shorter queries scan
// the project's most recently indexed kShortQueryDocs documents. Either way the traces are
// few: `few_rows` tells the caller to look them up by seq.
struct SearchCondition {
  std::string sql;
  std::vector<std::string> values;
  bool few_rows = false;
};
inline constexpr int kShortQueryDocs = 5000;
// lanterne_search_contains(text, folded_query), the text check of TraceSearchCondition's
// SQL: registered on every connection that runs it.
Status RegisterSearchFunctions(sqlite3* db);
Result<SearchCondition> TraceSearchCondition(sqlite3* db, const std::string& project_id,
                                             const std::string& query, int max_docs_per_kind);

// Rows of `project_id` past the search watermarks (Store::SearchIndexLag), each kind counted
// up to `cap`: a walk of the rowid range past the mark, so its cost is that of the rows
// behind, at most `cap` of the project's and what other projects have among them.
Result<std::pair<int64_t, int64_t>> CountUnindexed(sqlite3* db, const std::string& project_id,
                                                   int64_t cap);

}  // namespace lanterne::sqlite
