// The full-text search index over traces (docs/architecture.md). It lives in a database
// file of its own, search.db beside lanterne.db, attached as `search`: its commits (FTS5
// writes a segment and merges older ones, 10-20 ms however few rows) take that file's lock,
// never the ingestion writer's. It is fed beside ingestion, never inside it: the writer's
// transactions only note changed and deleted rows (two triggers' one-row inserts into
// search_dirty, a log in lanterne.db; a deleted project adds one row naming it), and
// SearchIndexer::Step, on a connection of its own, reads lanterne.db at a snapshot and
// indexes
// - rows of the search_dirty log past its mark (updated rows are indexed again, deleted
//   ones dropped, a deleted project's documents all dropped),
// - traces and observations past the search marks (new rows), in seq order,
// - after a rebuild (an upgrade that moved the index, a deleted search.db), the rows that
//   existed when it began, newest first, below the backfill marks: so recent traces are
//   searchable within seconds of the start, not after hours of older ones.
// Each trace or observation is one document of search.search_text (an FTS5 table with the
// trigram tokenizer, so any substring of 3+ characters is found in any script; detail=none,
// which keeps which trigrams a document has and not where, so matches of more than one
// trigram are checked against the text: storage/search_text.h), numbered
// seq * 2 + kind; search.search_docs says whose it is (project, trace, and the trace's row
// once it exists); search.search_marks holds the marks, so they commit with the
// documents. A search joins back to the traces table, so a deleted trace is never answered
// even before its documents are dropped. search.db is derived: deleted while the server is
// stopped, it is built again from the start.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "storage/payload_log.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/id_index.h"

namespace lanterne::sqlite {

// Attaches search.db (`path`) to `db` as `search`. With `create`, on the indexer's
// read-write connection, it also creates the file and its tables (WAL, synced only at
// checkpoints: the index is derived); readers attach it read-only after that.
Status AttachSearchDatabase(sqlite3* db, const std::string& path, bool create);

// Not thread-safe: used on a connection of its own (lanterne.db with search.db attached),
// by one thread at a time.
class SearchIndexer {
 public:
  Status Prepare(sqlite3* db, const PayloadLog* payloads);
  struct StepResult {
    int rows = 0;            // rows indexed (or dropped)
    bool caught_up = false;  // nothing was left to index
    // An observation whose trace was not found: it waits for its trace's document, or the
    // trace's id left the in-memory map for the merged index after this step's snapshot
    // (the caller tells the two apart and tries again).
    bool orphaned = false;
    int64_t dirty_mark = 0;  // the search_dirty log is handled up to here
  };
  // Indexes up to `max_rows` rows inside the caller's transaction, a deferred one: it
  // reads lanterne.db at a snapshot and writes only search.db.
  Result<StepResult> Step(const RecentIds& recent_traces, int max_rows);
  // Drops the search_dirty rows before `mark`, which the index has handled; the one at it
  // stays. A write to lanterne.db: the caller holds the store's write lock.
  Status TrimDirtyLog(int64_t mark);

 private:
  Status DropDoc(int64_t doc);
  Status DropProject(const std::string& project_id);
  Status IndexTraceRow(Statement& row, bool is_new);
  Status IndexObservationRow(Statement& row, const RecentIds& recent_traces, bool* orphaned);
  Status InsertDoc(int64_t doc, const std::string& project_id, const std::string& trace_id,
                   std::optional<int64_t> trace_seq, const std::string& body);
  // The five marks of search.search_marks (0 when absent).
  struct Marks {
    int64_t traces = 0, observations = 0, traces_backfill = 0, observations_backfill = 0, dirty = 0;
  };
  Result<Marks> ReadMarks();
  Status SetWatermark(const char* name, int64_t seq);
  // Indexes as new documents every row `rows` (bound: seq first, then a trace's or an
  // observation's columns) yields, counting them in `result`; the last seq read, 0 for none.
  Result<int64_t> IndexRows(Statement& rows, bool traces, const RecentIds& recent_traces,
                            StepResult& result);

  sqlite3* db_ = nullptr;
  const PayloadLog* payloads_ = nullptr;
  Statement dirty_, trim_dirty_, drop_text_, drop_doc_, drop_project_text_, drop_project_docs_,
      trace_at_, traces_after_, traces_floor_, traces_between_, observation_at_,
      observations_after_, observations_floor_, observations_between_, insert_text_, insert_doc_,
      adopt_orphans_, get_marks_, set_watermark_;
  RowLocator trace_locator_;
};

// The condition on `traces` (its placeholders bound to `values`, in order) keeping the
// traces of `project_id` whose text contains `query` (normalized, non-empty). Queries of
// 3+ characters use the trigram index and answer from the project's newest matching
// documents: the newest `max_docs_per_kind` traces' and as many observations' texts
// (SqliteOptions::search_match_docs halved) found among twice as many candidates of the
// trigram index, since a common word matches most of a large store and reading every
// match took longer than the page it fills; the search
// marks, read through `db` (search.db attached), say where each kind's documents end. Shorter
// queries scan the project's most recently indexed kShortQueryDocs documents. Either way the traces
// are few: `few_rows` tells the caller to look them up by seq.
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

// Rows of `project_id` the search index does not have yet (Store::SearchIndexLag): past the
// marks, and below the backfill marks while a rebuild runs; each kind counted up to `cap`.
// Past the mark it walks the rowid range, so its cost is that of the rows behind, at most
// `cap` of the project's and what other projects have among them; below the backfill mark
// it walks the project's rows.
Result<std::pair<int64_t, int64_t>> CountUnindexed(sqlite3* db, const std::string& project_id,
                                                   int64_t cap);

}  // namespace lanterne::sqlite
