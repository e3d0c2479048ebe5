// The dashboards' rollups in SQLite (docs/architecture.md "Rollups"): per project, grain
// (hour, day), bucket and key, the sums and sketches of domain/rollup.h, kept exact by the
// write transaction that changes the rows they summarize.
//
// RollupWriter lives beside the write transaction. It hears of every stored version the
// transaction reads (Remember*), of every write and delete, and keeps in memory what the
// transaction adds and removes per (table, project, hour, key); Flush(), just before
// COMMIT, appends it as pending changes (storage/sqlite/rollup_pending.h) or, once enough
// wait, folds them all into the rows, once per row and grain. A trace's latency, cost and tokens
// come from its observations: rollup_trace_state keeps, per trace row, what its observations add up
// to (domain TraceAggregate), so an observation's write changes its trace's contribution
// without reading the trace's other observations — except when it removes the first start
// or last end, where the state is recomputed from the trace's observations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <sqlite3.h>

#include "core/status.h"
#include "domain/records.h"
#include "domain/rollup.h"
#include "storage/rollup_cache.h"
#include "storage/rollup_read.h"
#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {

// How the writer reaches rows it does not get handed (the transaction provides these).
struct RollupSources {
  // The observation stored at `seq`, decoded (nullopt: no such row).
  std::function<Result<std::optional<ObservationRecord>>(int64_t seq)> observation_at;
  // The seq of the trace row (nullopt: not stored).
  std::function<Result<std::optional<int64_t>>(const std::string& project_id,
                                               const std::string& trace_id)>
      trace_seq;
  // Seqs of observations whose trace id hashes to `trace_hash` that the merged index
  // (observation_traces) does not hold yet: recent and this transaction's rows.
  std::function<std::vector<int64_t>(int64_t trace_hash)> recent_observation_seqs;
};

// False when LANTERNE_ROLLUPS=off (benchmarks' A/B only: the rollups then go stale).
bool RollupsEnabled();

class RollupWriter {
 public:
  RollupWriter(sqlite3* db, RollupSources sources) : db_(db), sources_(std::move(sources)) {}
  RollupWriter(const RollupWriter&) = delete;
  RollupWriter& operator=(const RollupWriter&) = delete;

  Status Prepare();
  // Pending entries a (project, table) may hold before a transaction folds them into the
  // rollup rows (0: every transaction does).
  void set_pending_limit(size_t entries) { pending_limit_ = entries; }
  // Statements left on a row would hold the read snapshot past COMMIT.
  void ReleaseStatements();

  // The stored version of a record, as the transaction read it before merging into it.
  void RememberObservation(int64_t seq, const ObservationRecord& o);
  void RememberScore(const ScoreRecord& s);
  // Before an update's row is written: loads the stored version unless it was remembered.
  Status BeforeTraceUpdate(const std::string& project_id, int64_t seq);
  Status BeforeObservationUpdate(int64_t seq);
  Status BeforeScoreUpdate(const std::string& project_id, const std::string& id);
  // After the row is written.
  Status TraceWritten(int64_t seq, const TraceRecord& t, bool is_new);
  Status ObservationWritten(int64_t seq, const ObservationRecord& o);
  void ScoreWritten(const ScoreRecord& s);
  // Before a trace's rows go: its observations (candidate seqs) and scores, and the trace.
  Status BeforeTraceDelete(const std::string& project_id, const std::string& trace_id,
                           std::optional<int64_t> trace_seq,
                           const std::vector<int64_t>& observation_seqs);
  Status BeforeScoreDelete(const std::string& project_id, const std::string& id);
  // The project's rollups go with it.
  Status ProjectDeleted(const std::string& project_id);

  // Applies the transaction's changes; call once, just before COMMIT.
  Status Flush();
  // What the flushed transaction changed, for RollupCache; take it after COMMIT, before
  // Forget.
  RollupChanges TakeChanges() { return std::move(changes_); }
  // After COMMIT or ROLLBACK.
  void Forget();

  // Recomputes every rollup from the raw rows when the store has none yet (a store
  // upgraded from before rollups, or LANTERNE_ROLLUPS was off). Inside a transaction.
  Status RebuildIfNeeded();

 private:
  struct ObservationBefore {
    Contribution contribution;
    std::string project_id, trace_id;
    int64_t start_us = 0;
    std::optional<int64_t> end_us;
    std::optional<double> cost;
    std::optional<int64_t> tokens;
  };
  struct TraceEntry {
    std::string project_id, trace_id;
    bool had_before = false;  // contributed before this transaction
    TraceDims before_dims;
    TraceAggregate before_agg;
    bool exists = true;
    TraceDims dims;
    TraceAggregate agg;
    bool recompute = false;
  };

  void AddDelta(const Contribution& c, const std::string& project_id, int sign);
  Result<TraceEntry*> Entry(int64_t seq);
  Result<std::optional<int64_t>> TraceSeq(const std::string& project_id,
                                          const std::string& trace_id);
  Result<TraceAggregate> ComputeAggregate(const std::string& project_id,
                                          const std::string& trace_id);
  static ObservationBefore BeforeOf(const ObservationRecord& o);
  Status Rebuild();
  struct Delta;
  // Appends `deltas` (one table and project) as a pending row, or, when that would pass
  // the limit, folds them and the oldest pending rows into the rollup rows.
  Status ApplyDeltas(RollupTable table, const std::string& project_id,
                     const std::vector<const Delta*>& deltas);
  // Folds `deltas` and the oldest pending rows, `at_least` entries in all (0: every one).
  Status FoldIntoRows(RollupTable table, const std::string& project_id,
                      const std::vector<const Delta*>& deltas, size_t at_least);

  sqlite3* db_;
  RollupSources sources_;
  Statement trace_dims_, read_state_, write_state_, delete_state_, observation_times_;
  Statement read_row_[kRollupTableCount], write_row_[kRollupTableCount],
      delete_row_[kRollupTableCount];
  Statement score_by_id_, scores_of_trace_, indexed_observation_seqs_;
  Statement pending_count_, pending_rows_, pending_append_, pending_clear_;
  size_t pending_limit_ = 1024;
  bool fold_always_ = false;  // while rebuilding

  std::unordered_map<int64_t, ObservationBefore> observations_before_;
  std::map<std::pair<std::string, std::string>, Contribution> scores_before_;
  std::unordered_map<int64_t, TraceEntry> traces_;
  std::map<std::pair<std::string, std::string>, std::optional<int64_t>> trace_seqs_;
  // (table, project, hour, key) → what the transaction adds; found by their bytes.
  struct Delta {
    RollupTable table;
    std::string project_id;
    int64_t hour;
    std::string key;
    RollupValues values;
  };
  RollupValues& DeltaFor(RollupTable table, const std::string& project_id, int64_t hour,
                         std::string_view key);
  void AddObservation(const ObservationRecord& o, int sign);
  std::unordered_map<std::string, Delta> deltas_;
  RollupChanges changes_;
  std::string delta_id_, key_bytes_;  // scratch
  // The last trace looked up (observations of one trace come together).
  std::optional<std::pair<std::string, std::string>> last_trace_;
  std::optional<int64_t> last_trace_seq_;
};

// Every rollup row in the store, for tests: (table, project, grain, bucket, key) → values.
struct StoredRollupKey {
  RollupTable table;
  std::string project_id;
  RollupGrain grain;
  int64_t bucket_us;
  std::string key;
  auto operator<=>(const StoredRollupKey&) const = default;
};
Result<std::map<StoredRollupKey, RollupValues>> ReadAllRollups(sqlite3* db);

// The query side (storage/rollup_read.h). `observation_at` decodes an observation row,
// `trace_seq` finds a trace's row; both read through `db`.
Result<std::vector<RollupRow>> ReadRollupRows(sqlite3* db, const std::string& project_id,
                                              const RollupRowsRequest& request);
Result<RawFacts> ReadRawFacts(
    sqlite3* db, const std::string& project_id, const RawFactsRequest& request,
    const std::function<Result<std::optional<ObservationRecord>>(int64_t seq)>& observation_at,
    const std::function<Result<std::optional<int64_t>>(const std::string& trace_id)>& trace_seq);

}  // namespace lanterne::sqlite
