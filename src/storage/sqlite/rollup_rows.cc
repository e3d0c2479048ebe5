#include "storage/sqlite/rollup_rows.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "core/ids.h"
#include "core/json.h"
#include "storage/sqlite/rollup_pending.h"

namespace lanterne::sqlite {
namespace {

constexpr RollupTable kTables[] = {RollupTable::kObservations, RollupTable::kTraces,
                                   RollupTable::kTraceUsers, RollupTable::kScores};

// Scores keep all their rollup fields in typed columns: enough of a record for its
// contribution. Columns: timestamp, name, value, string_value, data_type, source, environment.
ScoreRecord ScoreFromColumns(const Statement& s, int c) {
  ScoreRecord r;
  r.timestamp_us = s.Int(c + 0);
  r.name = s.Text(c + 1);
  r.value = s.Double(c + 2);
  r.string_value = s.OptText(c + 3);
  r.data_type = ParseScoreDataType(s.Text(c + 4)).value_or(ScoreDataType::kNumeric);
  r.source = s.Text(c + 5);
  r.environment = s.Text(c + 6);
  return r;
}
constexpr const char* kScoreRollupColumns =
    "timestamp, name, value, string_value, data_type, source, environment";

std::optional<double> OptDouble(const Statement& s, int c) {
  if (s.IsNull(c)) return std::nullopt;
  return s.Double(c);
}

}  // namespace

bool RollupsEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("LANTERNE_ROLLUPS");
    return !(v && std::string_view(v) == "off");
  }();
  return enabled;
}

Status RollupWriter::Prepare() {
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, trace_dims_,
                       "SELECT project_id, id, timestamp, name, user_id, release, "
                       "version, environment, tags FROM traces WHERE seq = ?1"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, read_state_,
                       "SELECT observation_count, total_cost, total_tokens, min_start, "
                       "max_end FROM rollup_trace_state WHERE trace_seq = ?1"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, write_state_,
                       "INSERT OR REPLACE INTO rollup_trace_state (trace_seq, "
                       "project_id, observation_count, total_cost, total_tokens, "
                       "min_start, max_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, delete_state_, "DELETE FROM rollup_trace_state WHERE trace_seq = ?1"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, observation_times_,
                       "SELECT project_id, trace_id, start_time, end_time, total_cost, "
                       "total_tokens FROM observations WHERE seq = ?1"));
  for (RollupTable table : kTables) {
    const std::string name = RollupTableName(table);
    const int i = static_cast<int>(table);
    LANTERNE_RETURN_IF_ERROR(
        PrepareStatement(db_, read_row_[i],
                         "SELECT data FROM " + name +
                             " WHERE project_id = ?1 AND grain = ?2 AND bucket = ?3 "
                             "AND key = ?4"));
    LANTERNE_RETURN_IF_ERROR(
        PrepareStatement(db_, write_row_[i],
                         "INSERT OR REPLACE INTO " + name +
                             " (project_id, grain, bucket, key, data) VALUES (?1, ?2, "
                             "?3, ?4, ?5)"));
    LANTERNE_RETURN_IF_ERROR(
        PrepareStatement(db_, delete_row_[i],
                         "DELETE FROM " + name +
                             " WHERE project_id = ?1 AND grain = ?2 AND bucket = ?3 "
                             "AND key = ?4"));
  }
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, pending_count_,
                       "SELECT COALESCE(SUM(entries), 0) FROM rollup_pending WHERE "
                       "project_id = ?1 AND table_id = ?2"));
  LANTERNE_RETURN_IF_ERROR(PrepareStatement(db_, pending_rows_,
                                            "SELECT id, entries, data FROM rollup_pending WHERE "
                                            "project_id = ?1 AND table_id = ?2 ORDER BY id"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, pending_append_,
                       "INSERT INTO rollup_pending (project_id, table_id, entries, "
                       "data) VALUES (?1, ?2, ?3, ?4)"));
  LANTERNE_RETURN_IF_ERROR(PrepareStatement(db_, pending_clear_,
                                            "DELETE FROM rollup_pending WHERE project_id = ?1 AND "
                                            "table_id = ?2 AND id <= ?3"));
  LANTERNE_RETURN_IF_ERROR(PrepareStatement(
      db_, indexed_observation_seqs_, "SELECT seq FROM observation_traces WHERE trace_hash = ?1"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, score_by_id_,
                       std::string("SELECT ") + kScoreRollupColumns +
                           " FROM scores WHERE id_hash = ?1 AND project_id = ?2 AND "
                           "id = ?3"));
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db_, scores_of_trace_,
                       std::string("SELECT ") + kScoreRollupColumns +
                           " FROM scores WHERE trace_hash = ?1 AND project_id = ?2 AND "
                           "trace_id = ?3"));
  return Status::Ok();
}

void RollupWriter::ReleaseStatements() {
  for (Statement* s :
       {&trace_dims_, &read_state_, &write_state_, &delete_state_, &observation_times_,
        &score_by_id_, &scores_of_trace_, &indexed_observation_seqs_, &pending_count_,
        &pending_rows_, &pending_append_, &pending_clear_}) {
    s->Reset();
  }
  for (int i = 0; i < kRollupTableCount; ++i) {
    read_row_[i].Reset();
    write_row_[i].Reset();
    delete_row_[i].Reset();
  }
}

void RollupWriter::Forget() {
  observations_before_.clear();
  scores_before_.clear();
  traces_.clear();
  trace_seqs_.clear();
  last_trace_.reset();
  deltas_.clear();
  changes_ = {};
}

RollupValues& RollupWriter::DeltaFor(RollupTable table, const std::string& project_id, int64_t hour,
                                     std::string_view key) {
  delta_id_.clear();
  delta_id_.push_back(static_cast<char>(table));
  delta_id_.append(project_id);
  delta_id_.push_back('\0');
  delta_id_.append(reinterpret_cast<const char*>(&hour), sizeof(hour));
  delta_id_.append(key);
  auto it = deltas_.find(delta_id_);
  if (it == deltas_.end()) {
    it = deltas_
             .emplace(delta_id_,
                      Delta{table, project_id, hour, std::string(key), RollupValues::For(table)})
             .first;
  }
  return it->second.values;
}

void RollupWriter::AddDelta(const Contribution& c, const std::string& project_id, int sign) {
  DeltaFor(c.table, project_id, BucketStart(c.time_us, RollupGrain::kHour), EncodeRollupKey(c.key))
      .Add(c.values, sign);
}

void RollupWriter::AddObservation(const ObservationRecord& o, int sign) {
  key_bytes_.clear();
  AppendObservationKey(o, &key_bytes_);
  AddObservationValues(o, sign,
                       &DeltaFor(RollupTable::kObservations, o.project_id,
                                 BucketStart(o.start_time_us, RollupGrain::kHour), key_bytes_));
}

RollupWriter::ObservationBefore RollupWriter::BeforeOf(const ObservationRecord& o) {
  ObservationBefore b;
  b.contribution = ObservationContribution(o);
  b.project_id = o.project_id;
  b.trace_id = o.trace_id;
  b.start_us = o.start_time_us;
  b.end_us = o.end_time_us;
  b.cost = o.total_cost();
  b.tokens = o.total_tokens();
  return b;
}

void RollupWriter::RememberObservation(int64_t seq, const ObservationRecord& o) {
  if (!RollupsEnabled()) return;
  observations_before_[seq] = BeforeOf(o);
}

void RollupWriter::RememberScore(const ScoreRecord& s) {
  if (!RollupsEnabled()) return;
  scores_before_[{s.project_id, s.id}] = ScoreContribution(s);
}

Result<std::optional<int64_t>> RollupWriter::TraceSeq(const std::string& project_id,
                                                      const std::string& trace_id) {
  if (last_trace_ && last_trace_->second == trace_id && last_trace_->first == project_id) {
    return last_trace_seq_;
  }
  auto key = std::make_pair(project_id, trace_id);
  auto it = trace_seqs_.find(key);
  std::optional<int64_t> seq;
  if (it != trace_seqs_.end()) {
    seq = it->second;
  } else {
    auto located = sources_.trace_seq(project_id, trace_id);
    if (!located.ok()) return located.status();
    seq = *located;
    trace_seqs_.emplace(key, seq);
  }
  last_trace_ = std::move(key);
  last_trace_seq_ = seq;
  return seq;
}

Result<TraceAggregate> RollupWriter::ComputeAggregate(const std::string& project_id,
                                                      const std::string& trace_id) {
  TraceAggregate agg;
  const int64_t hash = IdHash(trace_id);
  std::vector<int64_t> seqs = sources_.recent_observation_seqs(hash);
  Statement& indexed = indexed_observation_seqs_;
  indexed.Reset();
  indexed.Bind(1, hash);
  int step;
  while ((step = indexed.Step()) == SQLITE_ROW) seqs.push_back(indexed.Int(0));
  indexed.Reset();
  if (step != SQLITE_DONE) return StepError(db_, "read observation index");
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  for (int64_t seq : seqs) {
    Statement& s = observation_times_;
    s.Reset();
    s.Bind(1, seq);
    int rc = s.Step();
    if (rc == SQLITE_DONE) continue;
    if (rc != SQLITE_ROW) return StepError(db_, "read observation times");
    if (s.Text(0) != project_id || s.Text(1) != trace_id) continue;
    AddToTraceAggregate(agg, s.Int(2), s.OptInt(3), OptDouble(s, 4), s.OptInt(5));
  }
  observation_times_.Reset();
  return agg;
}

// The trace's entry, loaded on first touch: its fields and its aggregate as stored, which
// is what it contributes so far.
Result<RollupWriter::TraceEntry*> RollupWriter::Entry(int64_t seq) {
  auto it = traces_.find(seq);
  if (it != traces_.end()) return &it->second;
  Statement& s = trace_dims_;
  s.Reset();
  s.Bind(1, seq);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return static_cast<TraceEntry*>(nullptr);
  if (rc != SQLITE_ROW) return StepError(db_, "read trace for rollups");
  TraceEntry e;
  e.project_id = s.Text(0);
  e.trace_id = s.Text(1);
  e.dims.timestamp_us = s.Int(2);
  e.dims.name = s.OptText(3);
  e.dims.user_id = s.OptText(4);
  e.dims.release = s.OptText(5);
  e.dims.version = s.OptText(6);
  e.dims.environment = s.Text(7);
  e.dims.tags_json = s.Text(8);
  s.Reset();
  Statement& st = read_state_;
  st.Reset();
  st.Bind(1, seq);
  rc = st.Step();
  if (rc == SQLITE_ROW) {
    e.had_before = true;
    e.agg.observation_count = st.Int(0);
    e.agg.total_cost = st.Int(1);
    e.agg.total_tokens = st.Int(2);
    e.agg.min_start_us = st.OptInt(3);
    e.agg.max_end_us = st.OptInt(4);
  } else if (rc != SQLITE_DONE) {
    return StepError(db_, "read trace rollup state");
  } else {
    // Written while rollups were off: counted from now on, from its observations.
    e.recompute = true;
  }
  st.Reset();
  e.before_dims = e.dims;
  e.before_agg = e.agg;
  return &traces_.emplace(seq, std::move(e)).first->second;
}

Status RollupWriter::BeforeTraceUpdate(const std::string& project_id, int64_t seq) {
  (void)project_id;
  if (!RollupsEnabled()) return Status::Ok();
  auto e = Entry(seq);
  return e.ok() ? Status::Ok() : e.status();
}

Status RollupWriter::TraceWritten(int64_t seq, const TraceRecord& t, bool is_new) {
  if (!RollupsEnabled()) return Status::Ok();
  trace_seqs_[{t.project_id, t.id}] = seq;
  last_trace_.reset();
  if (is_new) {
    TraceEntry e;
    e.project_id = t.project_id;
    e.trace_id = t.id;
    e.dims = TraceDimsOf(t);
    // Observations stored before their trace count from the trace's creation on.
    auto agg = ComputeAggregate(t.project_id, t.id);
    if (!agg.ok()) return agg.status();
    e.agg = *agg;
    traces_[seq] = std::move(e);
    return Status::Ok();
  }
  auto e = Entry(seq);
  if (!e.ok()) return e.status();
  if (*e) (*e)->dims = TraceDimsOf(t);
  return Status::Ok();
}

Status RollupWriter::BeforeObservationUpdate(int64_t seq) {
  if (!RollupsEnabled() || observations_before_.count(seq)) return Status::Ok();
  auto stored = sources_.observation_at(seq);
  if (!stored.ok()) return stored.status();
  if (*stored) observations_before_[seq] = BeforeOf(**stored);
  return Status::Ok();
}

Status RollupWriter::ObservationWritten(int64_t seq, const ObservationRecord& o) {
  if (!RollupsEnabled()) return Status::Ok();
  auto before = observations_before_.find(seq);
  if (before != observations_before_.end()) {
    const ObservationBefore& b = before->second;
    AddDelta(b.contribution, b.project_id, -1);
    auto trace = TraceSeq(b.project_id, b.trace_id);
    if (!trace.ok()) return trace.status();
    if (*trace) {
      auto e = Entry(**trace);
      if (!e.ok()) return e.status();
      if (*e) {
        TraceAggregate& a = (*e)->agg;
        a.observation_count -= 1;
        a.total_cost -= ScaleToFixed(b.cost.value_or(0), kCostScale);
        a.total_tokens -= b.tokens.value_or(0);
        // The first start or last end may have gone: only the other observations know.
        if (a.min_start_us == b.start_us || (b.end_us && a.max_end_us == b.end_us)) {
          (*e)->recompute = true;
        }
      }
    }
    observations_before_.erase(before);
  }
  AddObservation(o, 1);
  auto trace = TraceSeq(o.project_id, o.trace_id);
  if (!trace.ok()) return trace.status();
  if (*trace) {
    auto e = Entry(**trace);
    if (!e.ok()) return e.status();
    if (*e) {
      AddToTraceAggregate((*e)->agg, o.start_time_us, o.end_time_us, o.total_cost(),
                          o.total_tokens());
    }
  }
  return Status::Ok();
}

Status RollupWriter::BeforeScoreUpdate(const std::string& project_id, const std::string& id) {
  if (!RollupsEnabled() || scores_before_.count({project_id, id})) return Status::Ok();
  Statement& s = score_by_id_;
  s.Reset();
  s.Bind(1, IdHash(id)).Bind(2, std::string_view(project_id)).Bind(3, std::string_view(id));
  int rc = s.Step();
  if (rc == SQLITE_ROW)
    scores_before_[{project_id, id}] = ScoreContribution(ScoreFromColumns(s, 0));
  s.Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StepError(db_, "read score for rollups");
  return Status::Ok();
}

void RollupWriter::ScoreWritten(const ScoreRecord& r) {
  if (!RollupsEnabled()) return;
  auto before = scores_before_.find({r.project_id, r.id});
  if (before != scores_before_.end()) {
    AddDelta(before->second, r.project_id, -1);
    scores_before_.erase(before);
  }
  AddDelta(ScoreContribution(r), r.project_id, 1);
}

Status RollupWriter::BeforeTraceDelete(const std::string& project_id, const std::string& trace_id,
                                       std::optional<int64_t> trace_seq,
                                       const std::vector<int64_t>& observation_seqs) {
  if (!RollupsEnabled()) return Status::Ok();
  for (int64_t seq : observation_seqs) {
    auto o = sources_.observation_at(seq);
    if (!o.ok()) return o.status();
    if (!*o || (*o)->project_id != project_id || (*o)->trace_id != trace_id) continue;
    AddObservation(**o, -1);
    observations_before_.erase(seq);
  }
  Statement& s = scores_of_trace_;
  s.Reset();
  s.Bind(1, IdHash(trace_id))
      .Bind(2, std::string_view(project_id))
      .Bind(3, std::string_view(trace_id));
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    ScoreRecord r = ScoreFromColumns(s, 0);
    AddDelta(ScoreContribution(r), project_id, -1);
  }
  s.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "read scores for rollups");
  // What was remembered may be gone with the trace; a later update in this transaction
  // reads its record again first (the pipeline always does, and Before*Update otherwise).
  scores_before_.clear();
  observations_before_.clear();
  if (trace_seq) {
    auto e = Entry(*trace_seq);
    if (!e.ok()) return e.status();
    if (*e) (*e)->exists = false;
  }
  trace_seqs_.erase({project_id, trace_id});
  last_trace_.reset();
  return Status::Ok();
}

Status RollupWriter::BeforeScoreDelete(const std::string& project_id, const std::string& id) {
  if (!RollupsEnabled()) return Status::Ok();
  LANTERNE_RETURN_IF_ERROR(BeforeScoreUpdate(project_id, id));
  auto before = scores_before_.find({project_id, id});
  if (before != scores_before_.end()) {
    AddDelta(before->second, project_id, -1);
    scores_before_.erase(before);
  }
  return Status::Ok();
}

Status RollupWriter::ProjectDeleted(const std::string& project_id) {
  for (auto it = deltas_.begin(); it != deltas_.end();) {
    it = it->second.project_id == project_id ? deltas_.erase(it) : std::next(it);
  }
  changes_.projects.push_back(project_id);
  for (auto it = traces_.begin(); it != traces_.end();) {
    it = it->second.project_id == project_id ? traces_.erase(it) : std::next(it);
  }
  for (RollupTable table : kTables) {
    Statement s(db_,
                std::string("DELETE FROM ") + RollupTableName(table) + " WHERE project_id = ?1");
    s.Bind(1, std::string_view(project_id));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "delete project rollups");
  }
  for (const char* sql : {"DELETE FROM rollup_trace_state WHERE project_id = ?1",
                          "DELETE FROM rollup_pending WHERE project_id = ?1"}) {
    Statement s(db_, sql);
    s.Bind(1, std::string_view(project_id));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "delete project rollups");
  }
  return Status::Ok();
}

Status RollupWriter::Flush() {
  if (!RollupsEnabled()) return Status::Ok();
  for (auto& [seq, e] : traces_) {
    if (e.exists && e.recompute) {
      auto agg = ComputeAggregate(e.project_id, e.trace_id);
      if (!agg.ok()) return agg.status();
      e.agg = *agg;
    }
    if (e.had_before && e.exists && e.dims == e.before_dims && e.agg == e.before_agg) continue;
    if (e.had_before) {
      for (const auto& c : TraceContributions(e.before_dims, e.before_agg)) {
        AddDelta(c, e.project_id, -1);
      }
    }
    if (e.exists) {
      for (const auto& c : TraceContributions(e.dims, e.agg)) AddDelta(c, e.project_id, 1);
      Statement& s = write_state_;
      s.Reset();
      s.Bind(1, seq)
          .Bind(2, std::string_view(e.project_id))
          .Bind(3, e.agg.observation_count)
          .Bind(4, e.agg.total_cost)
          .Bind(5, e.agg.total_tokens);
      if (e.agg.min_start_us) {
        s.Bind(6, *e.agg.min_start_us);
      } else {
        s.BindNull(6);
      }
      if (e.agg.max_end_us) {
        s.Bind(7, *e.agg.max_end_us);
      } else {
        s.BindNull(7);
      }
      if (s.Step() != SQLITE_DONE) return StepError(db_, "write trace rollup state");
      s.Reset();
    } else {
      Statement& s = delete_state_;
      s.Reset();
      s.Bind(1, seq);
      if (s.Step() != SQLITE_DONE) return StepError(db_, "delete trace rollup state");
      s.Reset();
    }
  }
  traces_.clear();
  // Per (table, project): the days changed (for RollupCache), then the deltas applied.
  std::map<std::pair<RollupTable, std::string>, std::vector<const Delta*>> groups;
  for (const auto& [id, d] : deltas_) {
    if (d.values.IsZero()) continue;
    groups[{d.table, d.project_id}].push_back(&d);
    changes_.days.emplace_back(d.project_id, d.table, BucketStart(d.hour, RollupGrain::kDay));
  }
  std::sort(changes_.days.begin(), changes_.days.end());
  changes_.days.erase(std::unique(changes_.days.begin(), changes_.days.end()), changes_.days.end());
  for (const auto& [group, deltas] : groups) {
    LANTERNE_RETURN_IF_ERROR(ApplyDeltas(group.first, group.second, deltas));
  }
  deltas_.clear();
  return Status::Ok();
}

Status RollupWriter::ApplyDeltas(RollupTable table, const std::string& project_id,
                                 const std::vector<const Delta*>& deltas) {
  if (fold_always_) return FoldIntoRows(table, project_id, deltas, 0);
  Statement& count = pending_count_;
  count.Reset();
  count.Bind(1, std::string_view(project_id)).Bind(2, static_cast<int64_t>(table));
  if (count.Step() != SQLITE_ROW) return StepError(db_, "count pending rollup entries");
  const size_t waiting = static_cast<size_t>(count.Int(0)) + deltas.size();
  count.Reset();
  if (waiting <= pending_limit_) {
    std::string data;
    for (const Delta* d : deltas) AppendPendingEntry(data, d->hour, d->key, d->values);
    Statement& append = pending_append_;
    append.Reset();
    append.Bind(1, std::string_view(project_id))
        .Bind(2, static_cast<int64_t>(table))
        .Bind(3, static_cast<int64_t>(deltas.size()))
        .BindBlobNoCopy(4, data);
    if (append.Step() != SQLITE_DONE) return StepError(db_, "append pending rollup entries");
    append.Reset();
    return Status::Ok();
  }
  // Past the limit: this transaction's changes and the oldest pending rows, a quarter of
  // the limit at least. Folding in slices bounds what one commit waits for (a fold of all
  // 1,024 per-user entries took 15 ms) while each slice still takes many changes to a page
  // at once.
  return FoldIntoRows(table, project_id, deltas,
                      std::max(pending_limit_ / 4, waiting - pending_limit_));
}

Status RollupWriter::FoldIntoRows(RollupTable table, const std::string& project_id,
                                  const std::vector<const Delta*>& deltas, size_t at_least) {
  // Hours first; each day row takes the sum of its hours' changes. Ordered by grain,
  // bucket and key: the rows are visited in the order they are stored.
  std::map<std::tuple<RollupGrain, int64_t, std::string>, RollupValues> rows;
  auto add = [&](int64_t hour, std::string_view key, const RollupValues& values) {
    rows[{RollupGrain::kHour, hour, std::string(key)}].Add(values);
    rows[{RollupGrain::kDay, BucketStart(hour, RollupGrain::kDay), std::string(key)}].Add(values);
  };
  for (const Delta* d : deltas) add(d->hour, d->key, d->values);
  // The oldest pending rows, until `at_least` entries are folded (0: all of them).
  size_t folded = deltas.size();
  std::optional<int64_t> last_folded;
  Statement& pending = pending_rows_;
  pending.Reset();
  pending.Bind(1, std::string_view(project_id)).Bind(2, static_cast<int64_t>(table));
  int rc = SQLITE_DONE;
  while ((at_least == 0 || folded < at_least) && (rc = pending.Step()) == SQLITE_ROW) {
    if (!ForEachPendingEntry(pending.Blob(2), true,
                             [&](int64_t hour, std::string_view key, RollupValues& values) {
                               add(hour, key, values);
                             })) {
      return Status::Internal(std::string("pending rollup row of ") + RollupTableName(table) +
                              " is corrupt");
    }
    last_folded = pending.Int(0);
    folded += static_cast<size_t>(pending.Int(1));
  }
  pending.Reset();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return StepError(db_, "read pending rollup entries");

  const int t = static_cast<int>(table);
  for (auto& [k, delta] : rows) {
    if (delta.IsZero()) continue;
    const auto& [grain_enum, bucket, key] = k;
    const int64_t grain = static_cast<int64_t>(grain_enum);
    Statement& read = read_row_[t];
    read.Reset();
    read.Bind(1, std::string_view(project_id)).Bind(2, grain).Bind(3, bucket);
    read.BindBlob(4, key);
    RollupValues stored = RollupValues::For(table);
    rc = read.Step();
    if (rc == SQLITE_ROW) {
      if (!RollupValues::Decode(read.Blob(0), &stored)) {
        return Status::Internal(std::string("stored rollup row of ") + RollupTableName(table) +
                                " is corrupt");
      }
    } else if (rc != SQLITE_DONE) {
      return StepError(db_, "read rollup row");
    }
    read.Reset();
    stored.Add(delta);
    Statement& write = stored.IsZero() ? delete_row_[t] : write_row_[t];
    write.Reset();
    write.Bind(1, std::string_view(project_id)).Bind(2, grain).Bind(3, bucket);
    write.BindBlob(4, key);
    std::string data;
    if (!stored.IsZero()) {
      data = stored.Encode();
      write.BindBlob(5, data);
    }
    if (write.Step() != SQLITE_DONE) return StepError(db_, "write rollup row");
    write.Reset();
  }
  if (last_folded) {
    Statement& clear = pending_clear_;
    clear.Reset();
    clear.Bind(1, std::string_view(project_id))
        .Bind(2, static_cast<int64_t>(table))
        .Bind(3, *last_folded);
    if (clear.Step() != SQLITE_DONE) return StepError(db_, "clear pending rollup entries");
    clear.Reset();
  }
  return Status::Ok();
}

Status RollupWriter::RebuildIfNeeded() {
  Statement mark(db_, "SELECT seq FROM index_watermarks WHERE name = 'rollups'");
  int rc = mark.Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StepError(db_, "read rollup mark");
  const bool built = rc == SQLITE_ROW && mark.Int(0) == 1;
  mark.Reset();
  const int64_t want = RollupsEnabled() ? 1 : 0;
  if (!RollupsEnabled() || !built) {
    if (RollupsEnabled()) LANTERNE_RETURN_IF_ERROR(Rebuild());
    Statement set(db_,
                  "INSERT OR REPLACE INTO index_watermarks (name, seq) VALUES ('rollups', ?1)");
    set.Bind(1, want);
    if (set.Step() != SQLITE_DONE) return StepError(db_, "write rollup mark");
  }
  return Status::Ok();
}

Status RollupWriter::Rebuild() {
  Forget();
  changes_.everything = true;
  for (RollupTable table : kTables) {
    Statement s(db_, std::string("DELETE FROM ") + RollupTableName(table));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "clear rollups");
  }
  for (const char* sql : {"DELETE FROM rollup_trace_state", "DELETE FROM rollup_pending"}) {
    Statement s(db_, sql);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "clear rollups");
  }
  // Straight into the rows: a rebuild's changes would pass any limit anyway.
  fold_always_ = true;
  struct Unset {
    bool& flag;
    ~Unset() { flag = false; }
  } unset{fold_always_};
  size_t pending = 0;
  auto flush_if_large = [&]() -> Status {
    if (++pending < 50000) return Status::Ok();
    pending = 0;
    return Flush();
  };
  {
    Statement s(db_, "SELECT seq FROM observations ORDER BY seq");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto o = sources_.observation_at(s.Int(0));
      if (!o.ok()) return o.status();
      if (*o) AddObservation(**o, 1);
      LANTERNE_RETURN_IF_ERROR(flush_if_large());
    }
    if (rc != SQLITE_DONE) return StepError(db_, "rebuild observation rollups");
  }
  {
    Statement s(db_, "SELECT seq FROM traces ORDER BY seq");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto e = Entry(s.Int(0));  // no state row yet: marked for recomputation
      if (!e.ok()) return e.status();
      if (*e) (*e)->had_before = false;
      LANTERNE_RETURN_IF_ERROR(flush_if_large());
    }
    if (rc != SQLITE_DONE) return StepError(db_, "rebuild trace rollups");
  }
  {
    Statement s(db_, std::string("SELECT project_id, ") + kScoreRollupColumns + " FROM scores");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      AddDelta(ScoreContribution(ScoreFromColumns(s, 1)), s.Text(0), 1);
      LANTERNE_RETURN_IF_ERROR(flush_if_large());
    }
    if (rc != SQLITE_DONE) return StepError(db_, "rebuild score rollups");
  }
  LANTERNE_RETURN_IF_ERROR(Flush());
  Forget();
  return Status::Ok();
}

namespace {

// The rows and pending entries of a read come from one snapshot (ReadTransaction): a
// transaction folding the pending entries into the rows between the two reads would count
// them twice or not at all.

// Calls `each` with every pending entry of (project, table); all projects when
// `project_id` is null.
Status ReadPendingEntries(
    sqlite3* db, const std::string* project_id, RollupTable table, bool with_sketches,
    const std::function<void(const std::string& project_id, int64_t hour_us, std::string_view key,
                             RollupValues& values)>& each) {
  Statement s(db, project_id ? "SELECT project_id, data FROM rollup_pending WHERE project_id = "
                               "?1 AND table_id = ?2 ORDER BY id"
                             : "SELECT project_id, data FROM rollup_pending WHERE table_id = ?2 "
                               "ORDER BY id");
  if (project_id) s.Bind(1, std::string_view(*project_id));
  s.Bind(2, static_cast<int64_t>(table));
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    const std::string project = s.Text(0);
    if (!ForEachPendingEntry(s.Blob(1), with_sketches,
                             [&](int64_t hour, std::string_view key, RollupValues& values) {
                               each(project, hour, key, values);
                             })) {
      return Status::Internal("corrupt pending rollup row");
    }
  }
  if (rc != SQLITE_DONE) return StepError(db, "read pending rollup entries");
  return Status::Ok();
}

}  // namespace

Result<std::map<StoredRollupKey, RollupValues>> ReadAllRollups(sqlite3* db) {
  ReadTransaction txn(db);
  LANTERNE_RETURN_IF_ERROR(txn.status());
  std::map<StoredRollupKey, RollupValues> out;
  for (RollupTable table : kTables) {
    Statement s(db, std::string("SELECT project_id, grain, bucket, key, data FROM ") +
                        RollupTableName(table));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      RollupValues v;
      if (!RollupValues::Decode(s.Blob(4), &v)) return Status::Internal("corrupt rollup row");
      out[{table, s.Text(0), static_cast<RollupGrain>(s.Int(1)), s.Int(2),
           std::string(s.Blob(3))}] = std::move(v);
    }
    if (rc != SQLITE_DONE) return StepError(db, "read rollups");
    LANTERNE_RETURN_IF_ERROR(ReadPendingEntries(
        db, nullptr, table, true,
        [&](const std::string& project, int64_t hour, std::string_view key, RollupValues& v) {
          out[{table, project, RollupGrain::kHour, hour, std::string(key)}].Add(v);
          out[{table, project, RollupGrain::kDay, BucketStart(hour, RollupGrain::kDay),
               std::string(key)}]
              .Add(v);
        }));
  }
  std::erase_if(out, [](const auto& row) { return row.second.IsZero(); });
  return out;
}

Result<std::vector<RollupRow>> ReadRollupRows(sqlite3* db, const std::string& project_id,
                                              const RollupRowsRequest& request) {
  ReadTransaction txn(db);
  LANTERNE_RETURN_IF_ERROR(txn.status());
  Statement s(db, std::string("SELECT bucket, key, data FROM ") + RollupTableName(request.table) +
                      " WHERE project_id = ?1 AND grain = ?2 AND bucket >= ?3 AND bucket < ?4 "
                      "LIMIT ?5");
  s.Bind(1, std::string_view(project_id))
      .Bind(2, static_cast<int64_t>(request.grain))
      .Bind(3, request.from_us)
      .Bind(4, request.to_us)
      .Bind(5, static_cast<int64_t>(request.max_rows + 1));
  std::vector<RollupRow> rows;
  // The row of each key (merge_buckets) or of each bucket and key, found by the key's
  // stored bytes, prefixed by the bucket's when buckets stay apart (decoded once; looked up
  // without copying them).
  struct BytesHash {
    using is_transparent = void;
    size_t operator()(std::string_view v) const { return std::hash<std::string_view>()(v); }
  };
  std::unordered_map<std::string, size_t, BytesHash, std::equal_to<>> row_of_key;
  std::string lookup;
  auto row_id = [&](int64_t bucket, std::string_view key) -> std::string_view {
    if (request.merge_buckets) return key;
    lookup.assign(reinterpret_cast<const char*>(&bucket), sizeof(bucket));
    lookup.append(key);
    return lookup;
  };
  size_t read = 0;
  const Status too_many = Status::InvalidArgument(
      "the time range covers more than " + std::to_string(request.max_rows) +
      " rollup rows; narrow fromTimestamp/toTimestamp or choose a coarser granularity");
  // Adds one row's values to its key's (and bucket's) row; `values` is left moved from.
  auto add = [&](int64_t bucket, std::string_view key, RollupValues& values,
                 bool may_exist) -> Status {
    if (may_exist) {
      if (auto it = row_of_key.find(row_id(bucket, key)); it != row_of_key.end()) {
        rows[it->second].values.Add(values);
        return Status::Ok();
      }
    }
    if (request.merge_buckets || may_exist) {
      row_of_key.emplace(std::string(row_id(bucket, key)), rows.size());
    }
    RollupRow& row = rows.emplace_back();
    row.bucket_us = request.merge_buckets ? request.from_us : bucket;
    if (!DecodeRollupKey(key, &row.key)) return Status::Internal("corrupt rollup row");
    row.values = std::move(values);
    values = {};
    return Status::Ok();
  };
  RollupValues values;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    if (read++ == request.max_rows) return too_many;
    if (!RollupValues::Decode(s.Blob(2), &values, request.with_sketches)) {
      return Status::Internal("corrupt rollup row");
    }
    // Stored rows are unique per bucket and key: only merged reads meet a key again.
    LANTERNE_RETURN_IF_ERROR(add(s.Int(0), s.Blob(1), values, request.merge_buckets));
  }
  if (rc != SQLITE_DONE) return StepError(db, "read rollup rows");
  s.Reset();

  // Pending entries: hour deltas, added to the row of their bucket at the request's grain.
  bool pending_seen = false;
  Status added = Status::Ok();
  LANTERNE_RETURN_IF_ERROR(ReadPendingEntries(
      db, &project_id, request.table, request.with_sketches,
      [&](const std::string&, int64_t hour, std::string_view key, RollupValues& v) {
        const int64_t bucket = BucketStart(hour, request.grain);
        if (!added.ok() || bucket < request.from_us || bucket >= request.to_us) return;
        if (!pending_seen && !request.merge_buckets) {
          // The stored rows were not indexed by bucket: index them now.
          for (size_t i = 0; i < rows.size(); ++i) {
            row_of_key.emplace(std::string(row_id(rows[i].bucket_us, EncodeRollupKey(rows[i].key))),
                               i);
          }
        }
        pending_seen = true;
        if (read++ == request.max_rows) {
          added = too_many;
          return;
        }
        added = add(bucket, key, v, true);
      }));
  LANTERNE_RETURN_IF_ERROR(added);
  // A key whose pending changes took back all it held.
  if (pending_seen) std::erase_if(rows, [](const RollupRow& r) { return r.values.IsZero(); });
  return rows;
}

Result<RawFacts> ReadRawFacts(
    sqlite3* db, const std::string& project_id, const RawFactsRequest& request,
    const std::function<Result<std::optional<ObservationRecord>>(int64_t seq)>& observation_at,
    const std::function<Result<std::optional<int64_t>>(const std::string& trace_id)>& trace_seq) {
  RawFacts out;
  const int64_t limit = static_cast<int64_t>(request.max_rows) + 1;
  // The trace fields of one trace, read once per query.
  struct TraceFields {
    bool found = false;
    std::optional<std::string> name, user_id, session_id, release, version;
    std::vector<std::string> tags;
  };
  std::unordered_map<std::string, TraceFields> traces;
  Statement trace_row(db,
                      "SELECT name, user_id, session_id, release, version, tags FROM traces "
                      "WHERE seq = ?1 AND project_id = ?2 AND id = ?3");
  auto join_trace = [&](RawFact& fact, const std::string& trace_id) -> Status {
    fact.trace_id = trace_id;
    if (!request.with_trace_fields) return Status::Ok();
    auto [it, inserted] = traces.try_emplace(trace_id);
    if (inserted) {
      auto seq = trace_seq(trace_id);
      if (!seq.ok()) return seq.status();
      if (*seq) {
        trace_row.Reset();
        trace_row.Bind(1, **seq)
            .Bind(2, std::string_view(project_id))
            .Bind(3, std::string_view(trace_id));
        int rc = trace_row.Step();
        if (rc == SQLITE_ROW) {
          TraceFields& f = it->second;
          f.found = true;
          f.name = trace_row.OptText(0);
          f.user_id = trace_row.OptText(1);
          f.session_id = trace_row.OptText(2);
          f.release = trace_row.OptText(3);
          f.version = trace_row.OptText(4);
          f.tags = StringArrayFromJson(trace_row.Text(5));
        } else if (rc != SQLITE_DONE) {
          return StepError(db, "read trace fields");
        }
        trace_row.Reset();
      }
    }
    const TraceFields& f = it->second;
    fact.has_trace = f.found;
    fact.trace_name = f.name;
    fact.user_id = f.user_id;
    fact.session_id = f.session_id;
    fact.release = f.release;
    fact.version = f.version;
    fact.tags = f.tags;
    return Status::Ok();
  };

  // Every scan takes the project, the range and the row bound as ?1..?4.
  auto bind_range = [&](Statement& s) {
    s.Bind(1, std::string_view(project_id))
        .Bind(2, request.from_us)
        .Bind(3, request.to_us)
        .Bind(4, limit);
  };
  if (request.source == FactSource::kObservations) {
    Statement s(db,
                "SELECT seq FROM observations WHERE project_id = ?1 AND start_time >= ?2 AND "
                "start_time < ?3 LIMIT ?4");
    bind_range(s);
    std::vector<int64_t> seqs;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) seqs.push_back(s.Int(0));
    if (rc != SQLITE_DONE) return StepError(db, "scan observations");
    if (seqs.size() > request.max_rows) {
      out.truncated = true;
      return out;
    }
    for (int64_t seq : seqs) {
      auto o = observation_at(seq);
      if (!o.ok()) return o.status();
      if (!*o) continue;
      Contribution c = ObservationContribution(**o);
      RawFact fact;
      fact.time_us = c.time_us;
      fact.key = std::move(c.key);
      fact.values = std::move(c.values);
      fact.observation_version = (*o)->version;
      LANTERNE_RETURN_IF_ERROR(join_trace(fact, (*o)->trace_id));
      out.facts.push_back(std::move(fact));
    }
    return out;
  }
  if (request.source == FactSource::kTraces) {
    Statement s(db,
                "SELECT t.timestamp, t.name, t.user_id, t.session_id, t.release, t.version, "
                "t.environment, t.tags, t.id, s.observation_count, s.total_cost, s.total_tokens, "
                "s.min_start, s.max_end FROM traces t LEFT JOIN rollup_trace_state s ON "
                "s.trace_seq = t.seq WHERE t.project_id = ?1 AND t.timestamp >= ?2 AND "
                "t.timestamp < ?3 LIMIT ?4");
    bind_range(s);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      if (out.facts.size() == request.max_rows) {
        out.truncated = true;
        return out;
      }
      TraceDims d;
      d.timestamp_us = s.Int(0);
      d.name = s.OptText(1);
      d.user_id = s.OptText(2);
      d.release = s.OptText(4);
      d.version = s.OptText(5);
      d.environment = s.Text(6);
      d.tags_json = s.Text(7);
      TraceAggregate a;
      if (!s.IsNull(9)) {
        a.observation_count = s.Int(9);
        a.total_cost = s.Int(10);
        a.total_tokens = s.Int(11);
        a.min_start_us = s.OptInt(12);
        a.max_end_us = s.OptInt(13);
      }
      auto contributions = TraceContributions(d, a);
      RawFact fact;
      fact.time_us = d.timestamp_us;
      fact.key = std::move(contributions[0].key);
      fact.values = std::move(contributions[0].values);
      fact.has_trace = true;
      fact.trace_name = d.name;
      fact.user_id = d.user_id;
      fact.session_id = s.OptText(3);
      fact.release = d.release;
      fact.version = d.version;
      fact.tags = StringArrayFromJson(d.tags_json);
      fact.trace_id = s.Text(8);
      out.facts.push_back(std::move(fact));
    }
    if (rc != SQLITE_DONE) return StepError(db, "scan traces");
    return out;
  }
  Statement s(db, std::string("SELECT ") + kScoreRollupColumns +
                      ", trace_id FROM scores WHERE project_id = ?1 AND timestamp >= ?2 AND "
                      "timestamp < ?3 LIMIT ?4");
  bind_range(s);
  int rc;
  std::vector<std::pair<ScoreRecord, std::optional<std::string>>> scores;
  while ((rc = s.Step()) == SQLITE_ROW) {
    if (scores.size() == request.max_rows) {
      out.truncated = true;
      return out;
    }
    scores.emplace_back(ScoreFromColumns(s, 0), s.OptText(7));
  }
  if (rc != SQLITE_DONE) return StepError(db, "scan scores");
  s.Reset();
  for (auto& [score, trace_id] : scores) {
    Contribution c = ScoreContribution(score);
    RawFact fact;
    fact.time_us = c.time_us;
    fact.key = std::move(c.key);
    fact.values = std::move(c.values);
    if (trace_id) LANTERNE_RETURN_IF_ERROR(join_trace(fact, *trace_id));
    out.facts.push_back(std::move(fact));
  }
  return out;
}

}  // namespace lanterne::sqlite
