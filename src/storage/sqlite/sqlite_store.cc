// The embedded store: one SQLite database in WAL mode. One connection writes (the batch
// writer's transactions, committed with a full sync); a pool of read-only connections
// serves queries, each seeing the latest commit.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <simdjson.h>
#include <string.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/json.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "storage/payload_log.h"
#include "storage/record_codec.h"
#include "storage/sqlite/account_rows.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/dashboard_rows.h"
#include "storage/sqlite/id_filter.h"
#include "storage/sqlite/id_index.h"
#include "storage/sqlite/login_rows.h"
#include "storage/sqlite/model_rows.h"
#include "storage/sqlite/project_purge.h"
#include "storage/sqlite/prompt_metrics.h"
#include "storage/sqlite/prompt_rows.h"
#include "storage/sqlite/rollup_rows.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/search_index.h"
#include "storage/sqlite/summary_rows.h"
#include "storage/sqlite/trace_metadata.h"
#include "storage/sqlite/trace_table_rows.h"
#include "storage/sqlite/user_rollup_rows.h"
#include "storage/store.h"
#include "storage/stored_payload.h"

namespace lanterne {
namespace {

using sqlite::Connection;
using sqlite::IdMap;
using sqlite::RecentIds;
using sqlite::Statement;

constexpr const char* kTraceColumns =
    "project_id, id, timestamp, name, user_id, session_id, release, version, environment, tags, "
    "public, bookmarked, created_at, updated_at, payload";
constexpr const char* kObservationColumns =
    "project_id, id, trace_id, type, name, start_time, end_time, level, parent_id, model, "
    "environment, version, created_at, updated_at, payload";
constexpr const char* kScoreColumns =
    "project_id, id, timestamp, name, value, string_value, data_type, source, trace_id, "
    "observation_id, session_id, dataset_run_id, comment, config_id, queue_id, author_user_id, "
    "metadata, environment, created_at, updated_at";

using sqlite::StepError;

std::string TagsToJson(const std::vector<std::string>& tags) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& tag : tags) WriteString(w, tag);
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<TraceRecord> ReadTrace(const PayloadLog& payloads, const Statement& s, int c = 0) {
  TraceRecord t;
  t.project_id = s.Text(c + 0);
  t.id = s.Text(c + 1);
  t.timestamp_us = s.Int(c + 2);
  t.name = s.OptText(c + 3);
  t.user_id = s.OptText(c + 4);
  t.session_id = s.OptText(c + 5);
  t.release = s.OptText(c + 6);
  t.version = s.OptText(c + 7);
  t.environment = s.Text(c + 8);
  t.tags = StringArrayFromJson(s.Text(c + 9));
  t.is_public = s.Int(c + 10) != 0;
  t.bookmarked = s.Int(c + 11) != 0;
  t.created_at_us = s.Int(c + 12);
  t.updated_at_us = s.Int(c + 13);
  LANTERNE_RETURN_IF_ERROR(DecodeStoredTrace(payloads, s.Blob(c + 14), &t));
  return t;
}

Result<ObservationRecord> ReadObservation(const PayloadLog& payloads, const Statement& s) {
  ObservationRecord o;
  o.project_id = s.Text(0);
  o.id = s.Text(1);
  o.trace_id = s.Text(2);
  o.type = ParseObservationType(s.Text(3)).value_or(ObservationType::kSpan);
  o.name = s.OptText(4);
  o.start_time_us = s.Int(5);
  o.end_time_us = s.OptInt(6);
  o.level = ParseLevel(s.Text(7)).value_or(Level::kDefault);
  o.parent_observation_id = s.OptText(8);
  o.model = s.OptText(9);
  o.environment = s.Text(10);
  o.version = s.OptText(11);
  o.created_at_us = s.Int(12);
  o.updated_at_us = s.Int(13);
  LANTERNE_RETURN_IF_ERROR(DecodeStoredObservation(payloads, s.Blob(14), &o));
  return o;
}

ScoreRecord ReadScore(const Statement& s) {
  ScoreRecord r;
  r.project_id = s.Text(0);
  r.id = s.Text(1);
  r.timestamp_us = s.Int(2);
  r.name = s.Text(3);
  r.value = s.Double(4);
  r.string_value = s.OptText(5);
  r.data_type = ParseScoreDataType(s.Text(6)).value_or(ScoreDataType::kNumeric);
  r.source = s.Text(7);
  r.trace_id = s.OptText(8);
  r.observation_id = s.OptText(9);
  r.session_id = s.OptText(10);
  r.dataset_run_id = s.OptText(11);
  r.comment = s.OptText(12);
  r.config_id = s.OptText(13);
  r.queue_id = s.OptText(14);
  r.author_user_id = s.OptText(15);
  r.metadata = s.Text(16);
  r.environment = s.Text(17);
  r.created_at_us = s.Int(18);
  r.updated_at_us = s.Int(19);
  return r;
}

// Builds a WHERE clause and its bindings side by side, so every value is bound, never
// pasted into SQL.
class Where {
 public:
  explicit Where(const std::string& project_id) { Add("project_id = ?", project_id); }

  void Add(std::string condition, std::string value) {
    AddCondition(std::move(condition));
    text_values_.push_back({binds_++, std::move(value)});
  }
  void Add(std::string condition, int64_t value) {
    AddCondition(std::move(condition));
    int_values_.push_back({binds_++, value});
  }
  void Add(std::string condition, double value) {
    AddCondition(std::move(condition));
    double_values_.push_back({binds_++, value});
  }
  void AddAnyOf(const std::string& column, const std::vector<std::string>& values) {
    if (values.empty()) return;
    std::string condition = column + " IN (";
    for (size_t i = 0; i < values.size(); ++i) condition += i ? ",?" : "?";
    AddCondition(condition + ")");
    for (const auto& v : values) text_values_.push_back({binds_++, v});
  }
  // A condition without placeholders.
  void Add(std::string condition) { AddCondition(std::move(condition)); }
  // A condition with several placeholders, all bound to the same kind of values in order.
  void AddMany(std::string condition, const std::vector<std::string>& values) {
    AddCondition(std::move(condition));
    for (const auto& v : values) text_values_.push_back({binds_++, v});
  }

  const std::string& sql() const { return sql_; }
  void BindTo(Statement& s) const {
    for (const auto& [i, v] : text_values_) s.Bind(i, std::string_view(v));
    for (const auto& [i, v] : int_values_) s.Bind(i, v);
    for (const auto& [i, v] : double_values_) s.Bind(i, v);
  }

 private:
  void AddCondition(std::string condition) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += condition;
  }
  std::string sql_;
  int binds_ = 1;
  std::vector<std::pair<int, std::string>> text_values_;
  std::vector<std::pair<int, int64_t>> int_values_;
  std::vector<std::pair<int, double>> double_values_;
};

// The page's rows, and with Counting::kPageOnly one more, which tells whether another
// page follows (TrimToPage drops it).
std::string LimitOffset(const PageRequest& page, Counting counting = Counting::kPageAndTotal) {
  const int64_t extra = counting == Counting::kPageOnly ? 1 : 0;
  return " LIMIT " + std::to_string(page.limit + extra) + " OFFSET " +
         std::to_string((page.page - 1) * page.limit);
}

template <typename T>
void TrimToPage(Page<T>& page, const PageRequest& request) {
  if (static_cast<int64_t>(page.items.size()) > request.limit) {
    page.items.resize(static_cast<size_t>(request.limit));
    page.has_more = true;
  }
}

class SqliteWriteTxn : public WriteTxn {
 public:
  SqliteWriteTxn(sqlite3* db, PayloadLog& payloads, RecentIds& recent_traces,
                 RecentIds& recent_observations, RecentIds& recent_observation_traces,
                 const sqlite::MergedIdFilter& trace_filter,
                 const sqlite::MergedIdFilter& observation_filter)
      : db_(db),
        recent_traces_(recent_traces),
        recent_observations_(recent_observations),
        recent_observation_traces_(recent_observation_traces),
        trace_filter_(trace_filter),
        observation_filter_(observation_filter),
        payloads_(payloads) {}

  // After a commit: the rows this transaction created become findable through memory.
  void Committed() {
    recent_traces_.Add(new_traces_);
    recent_observations_.Add(new_observations_);
    recent_observation_traces_.Add(new_observation_traces_);
    payloads_.Free(replaced_payloads_, /*at_once=*/false);
    payloads_.Free(deleted_payloads_, /*at_once=*/true);
    metadata_index_.Committed();
    Forget();
  }
  // Resets the cached statements before the transaction ends. One left on a row would keep
  // the connection's read snapshot open past COMMIT; the next BEGIN IMMEDIATE would then
  // fail with SQLITE_BUSY (not retried) as soon as another connection had written.
  void ReleaseStatements() {
    for (Statement* s :
         {&find_trace_, &insert_trace_, &update_trace_, &find_observation_, &insert_observation_,
          &update_observation_, &find_score_, &insert_score_, &update_score_, &ensure_session_}) {
      s->Reset();
    }
    metadata_index_.ReleaseStatements();
    rollups_.ReleaseStatements();
  }
  // After a rollback, or once committed: nothing of this transaction is remembered.
  void Forget() {
    new_traces_.clear();
    new_observations_.clear();
    new_observation_traces_.clear();
    stored_trace_hashes_.clear();
    stored_trace_payloads_.clear();
    stored_observation_payloads_.clear();
    replaced_payloads_.clear();
    deleted_payloads_.clear();
    trace_seqs_.clear();
    observation_seqs_.clear();
    metadata_index_.Forget();
    rollups_.Forget();
  }
  // The dashboards' rollups (rollup_rows.h): applied just before COMMIT; rebuilt at start
  // when the store has none.
  Status FlushRollups() { return rollups_.Flush(); }
  RollupChanges TakeRollupChanges() { return rollups_.TakeChanges(); }
  Status RebuildRollups() { return rollups_.RebuildIfNeeded(); }
  void SetRollupPendingLimit(size_t entries) { rollups_.set_pending_limit(entries); }

  Status Prepare() {
    auto prepare = [&](Statement& s, const std::string& sql) {
      return sqlite::PrepareStatement(db_, s, sql);
    };
    LANTERNE_RETURN_IF_ERROR(prepare(
        find_trace_, std::string("SELECT ") + kTraceColumns + " FROM traces WHERE seq = ?1"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        insert_trace_,
        "INSERT INTO traces (project_id, id, id_hash, timestamp, name, user_id, session_id, "
        "release, version, environment, tags, public, bookmarked, created_at, updated_at, "
        "payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        update_trace_,
        "UPDATE traces SET timestamp = ?4, name = ?5, user_id = ?6, session_id = ?7, release = "
        "?8, version = ?9, environment = ?10, tags = ?11, public = ?12, bookmarked = ?13, "
        "created_at = ?14, updated_at = ?15, payload = ?16 WHERE seq = ?17 AND project_id = ?1 "
        "AND id = ?2 AND id_hash = ?3"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        find_observation_,
        std::string("SELECT ") + kObservationColumns + " FROM observations WHERE seq = ?1"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        insert_observation_,
        "INSERT INTO observations (project_id, id, id_hash, trace_id, trace_hash, type, name, "
        "start_time, end_time, level, parent_id, model, environment, version, total_cost, "
        "created_at, updated_at, payload, prompt_name, prompt_version, total_tokens) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?20, "
        "?21, ?22)"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        update_observation_,
        "UPDATE observations SET trace_id = ?4, trace_hash = ?5, type = ?6, name = ?7, "
        "start_time = ?8, end_time = ?9, level = ?10, parent_id = ?11, model = ?12, "
        "environment = ?13, version = ?14, total_cost = ?15, created_at = ?16, updated_at = "
        "?17, payload = ?18, prompt_name = ?20, prompt_version = ?21, total_tokens = ?22 WHERE "
        "seq = ?19 AND project_id = ?1 AND id = ?2 AND id_hash = ?3"));
    LANTERNE_RETURN_IF_ERROR(prepare(find_score_, std::string("SELECT ") + kScoreColumns +
                                                      " FROM scores WHERE id_hash = ?1 AND "
                                                      "project_id = ?2 AND id = ?3"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        insert_score_,
        "INSERT INTO scores (project_id, id, id_hash, timestamp, name, value, string_value, "
        "data_type, source, trace_id, trace_hash, observation_id, session_id, dataset_run_id, "
        "comment, config_id, queue_id, author_user_id, metadata, environment, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17, ?18, ?19, ?20, ?21, ?22)"));
    LANTERNE_RETURN_IF_ERROR(prepare(
        update_score_,
        "UPDATE scores SET timestamp = ?4, name = ?5, value = ?6, string_value = ?7, data_type = "
        "?8, source = ?9, trace_id = ?10, trace_hash = ?11, observation_id = ?12, session_id = "
        "?13, dataset_run_id = ?14, comment = ?15, config_id = ?16, queue_id = ?17, "
        "author_user_id = ?18, metadata = ?19, environment = ?20, created_at = ?21, updated_at = "
        "?22 WHERE id_hash = ?3 AND project_id = ?1 AND id = ?2"));
    LANTERNE_RETURN_IF_ERROR(metadata_index_.Prepare(db_));
    LANTERNE_RETURN_IF_ERROR(trace_locator_.Prepare(db_, sqlite::kTraceIds, &trace_filter_));
    LANTERNE_RETURN_IF_ERROR(
        observation_locator_.Prepare(db_, sqlite::kObservationIds, &observation_filter_));
    LANTERNE_RETURN_IF_ERROR(prepare(
        ensure_session_,
        "INSERT OR IGNORE INTO sessions (project_id, id, created_at, environment) VALUES (?1, ?2, "
        "?3, ?4)"));
    LANTERNE_RETURN_IF_ERROR(rollups_.Prepare());
    return Status::Ok();
  }

  Result<std::optional<TraceRecord>> FindTrace(const std::string& project_id,
                                               const std::string& id) override {
    auto seq = trace_locator_.Locate(recent_traces_, new_traces_, project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return std::optional<TraceRecord>();
    trace_seqs_[{project_id, id}] = **seq;
    LANTERNE_RETURN_IF_ERROR(payloads_.Flush());  // the row may point at this transaction's
    Statement& s = find_trace_;
    s.Reset();
    s.Bind(1, **seq);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<TraceRecord>();
    if (rc != SQLITE_ROW) return StepError(db_, "find trace");
    auto t = ReadTrace(payloads_, s);
    if (!t.ok()) return t.status();
    metadata_index_.Seen(**seq, t->metadata);
    if (PayloadLog::IsRef(s.Blob(14))) stored_trace_payloads_[**seq] = std::string(s.Blob(14));
    return std::optional<TraceRecord>(std::move(t).value());
  }

  Status PutTrace(const TraceRecord& t, bool is_new, const std::string* encoded) override {
    int64_t rollup_seq = 0;
    std::string stored;
    auto payload = StoredPayload(
        encoded, [&] { return EncodeTracePayload(t); }, &stored);
    if (!payload.ok()) return payload.status();
    Statement& s = is_new ? insert_trace_ : update_trace_;
    s.Reset();
    if (!is_new) {
      auto seq =
          SeqOf(trace_seqs_, trace_locator_, recent_traces_, new_traces_, t.project_id, t.id);
      if (!seq.ok()) return seq.status();
      s.Bind(17, *seq);
      Replaced(stored_trace_payloads_, *seq);
      LANTERNE_RETURN_IF_ERROR(rollups_.BeforeTraceUpdate(t.project_id, *seq));
      rollup_seq = *seq;
    }
    // Every text outlives the step below, so none is copied.
    const std::string tags = TagsToJson(t.tags);
    s.BindNoCopy(1, std::string_view(t.project_id))
        .BindNoCopy(2, std::string_view(t.id))
        .Bind(3, IdHash(t.id))
        .Bind(4, t.timestamp_us)
        .BindNoCopy(5, t.name)
        .BindNoCopy(6, t.user_id)
        .BindNoCopy(7, t.session_id)
        .BindNoCopy(8, t.release)
        .BindNoCopy(9, t.version)
        .BindNoCopy(10, std::string_view(t.environment))
        .BindNoCopy(11, std::string_view(tags))
        .Bind(12, static_cast<int64_t>(t.is_public))
        .Bind(13, static_cast<int64_t>(t.bookmarked))
        .Bind(14, t.created_at_us)
        .Bind(15, t.updated_at_us)
        .BindBlobNoCopy(16, **payload);
    int rc = s.Step();
    s.Reset();  // releases the payload binding before `stored` goes away
    if (rc != SQLITE_DONE) return StepError(db_, "write trace");
    if (is_new) RememberInserted(new_traces_, trace_seqs_, t.project_id, t.id);
    LANTERNE_RETURN_IF_ERROR(
        rollups_.TraceWritten(is_new ? sqlite3_last_insert_rowid(db_) : rollup_seq, t, is_new));
    return IndexMetadata(t, is_new);
  }

  Result<std::optional<ObservationRecord>> FindObservation(const std::string& project_id,
                                                           const std::string& id) override {
    auto seq = observation_locator_.Locate(recent_observations_, new_observations_, project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return std::optional<ObservationRecord>();
    observation_seqs_[{project_id, id}] = **seq;
    LANTERNE_RETURN_IF_ERROR(payloads_.Flush());  // the row may point at this transaction's
    Statement& s = find_observation_;
    s.Reset();
    s.Bind(1, **seq);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<ObservationRecord>();
    if (rc != SQLITE_ROW) return StepError(db_, "find observation");
    auto o = ReadObservation(payloads_, s);
    if (!o.ok()) return o.status();
    if (PayloadLog::IsRef(s.Blob(14)))
      stored_observation_payloads_[**seq] = std::string(s.Blob(14));
    stored_trace_hashes_[**seq] = IdHash(o->trace_id);
    rollups_.RememberObservation(**seq, *o);
    return std::optional<ObservationRecord>(std::move(o).value());
  }

  Status PutObservation(const ObservationRecord& o, bool is_new,
                        const std::string* encoded) override {
    std::string stored;
    auto payload = StoredPayload(
        encoded, [&] { return EncodeObservationPayload(o); }, &stored);
    if (!payload.ok()) return payload.status();
    Statement& s = is_new ? insert_observation_ : update_observation_;
    s.Reset();
    int64_t updated_seq = 0;
    if (!is_new) {
      auto seq = SeqOf(observation_seqs_, observation_locator_, recent_observations_,
                       new_observations_, o.project_id, o.id);
      if (!seq.ok()) return seq.status();
      updated_seq = *seq;
      s.Bind(19, *seq);
      Replaced(stored_observation_payloads_, *seq);
      LANTERNE_RETURN_IF_ERROR(rollups_.BeforeObservationUpdate(*seq));
    }
    // Every text outlives the step below, so none is copied.
    s.BindNoCopy(1, std::string_view(o.project_id))
        .BindNoCopy(2, std::string_view(o.id))
        .Bind(3, IdHash(o.id))
        .BindNoCopy(4, std::string_view(o.trace_id))
        .Bind(5, IdHash(o.trace_id))
        .BindNoCopy(6, std::string_view(ObservationTypeName(o.type)))
        .BindNoCopy(7, o.name)
        .Bind(8, o.start_time_us);
    if (o.end_time_us) {
      s.Bind(9, *o.end_time_us);
    } else {
      s.BindNull(9);
    }
    s.BindNoCopy(10, std::string_view(LevelName(o.level)))
        .BindNoCopy(11, o.parent_observation_id)
        .BindNoCopy(12, o.model)
        .BindNoCopy(13, std::string_view(o.environment))
        .BindNoCopy(14, o.version);
    if (auto cost = o.total_cost()) {
      s.Bind(15, *cost);
    } else {
      s.BindNull(15);
    }
    // A prompt link counts only when both halves are there (LANGFUSE_API.md 3.3).
    if (o.prompt_name && o.prompt_version) {
      s.BindNoCopy(20, std::string_view(*o.prompt_name)).Bind(21, *o.prompt_version);
    } else {
      s.BindNull(20).BindNull(21);
    }
    if (auto tokens = o.total_tokens()) {
      s.Bind(22, *tokens);
    } else {
      s.BindNull(22);
    }
    s.Bind(16, o.created_at_us).Bind(17, o.updated_at_us).BindBlobNoCopy(18, **payload);
    int rc = s.Step();
    s.Reset();  // releases the payload binding before `stored` goes away
    if (rc != SQLITE_DONE) return StepError(db_, "write observation");
    if (is_new) RememberInserted(new_observations_, observation_seqs_, o.project_id, o.id);
    LANTERNE_RETURN_IF_ERROR(
        rollups_.ObservationWritten(is_new ? sqlite3_last_insert_rowid(db_) : updated_seq, o));
    if (is_new) {
      new_observation_traces_.emplace(IdHash(o.trace_id), sqlite3_last_insert_rowid(db_));
      return Status::Ok();
    }
    // An update that moves an observation to another trace (rare) is indexed at once, on
    // disk: its seq may lie below the merge watermark, where a restart would not look for
    // it in the rows. The entry for the old trace goes stale; readers check trace_id.
    auto stored_trace = stored_trace_hashes_.find(updated_seq);
    if (stored_trace != stored_trace_hashes_.end() && stored_trace->second == IdHash(o.trace_id)) {
      return Status::Ok();
    }
    return sqlite::MergeIds(db_, sqlite::kObservationTraces, {{IdHash(o.trace_id), updated_seq}});
  }

  Result<std::optional<ScoreRecord>> FindScore(const std::string& project_id,
                                               const std::string& id) override {
    Statement& s = find_score_;
    s.Reset();
    s.Bind(1, IdHash(id)).Bind(2, std::string_view(project_id)).Bind(3, std::string_view(id));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<ScoreRecord>();
    if (rc != SQLITE_ROW) return StepError(db_, "find score");
    ScoreRecord found = ReadScore(s);
    rollups_.RememberScore(found);
    return std::optional<ScoreRecord>(std::move(found));
  }

  Status PutScore(const ScoreRecord& r, bool is_new) override {
    if (!is_new) LANTERNE_RETURN_IF_ERROR(rollups_.BeforeScoreUpdate(r.project_id, r.id));
    Statement& s = is_new ? insert_score_ : update_score_;
    s.Reset();
    s.Bind(1, std::string_view(r.project_id))
        .Bind(2, std::string_view(r.id))
        .Bind(3, IdHash(r.id))
        .Bind(4, r.timestamp_us)
        .Bind(5, std::string_view(r.name))
        .Bind(6, r.value)
        .Bind(7, r.string_value)
        .Bind(8, std::string_view(ScoreDataTypeName(r.data_type)))
        .Bind(9, std::string_view(r.source))
        .Bind(10, r.trace_id);
    if (r.trace_id) {
      s.Bind(11, IdHash(*r.trace_id));
    } else {
      s.BindNull(11);
    }
    s.Bind(12, r.observation_id)
        .Bind(13, r.session_id)
        .Bind(14, r.dataset_run_id)
        .Bind(15, r.comment)
        .Bind(16, r.config_id)
        .Bind(17, r.queue_id)
        .Bind(18, r.author_user_id)
        .Bind(19, std::string_view(r.metadata))
        .Bind(20, std::string_view(r.environment))
        .Bind(21, r.created_at_us)
        .Bind(22, r.updated_at_us);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write score");
    rollups_.ScoreWritten(r);
    return Status::Ok();
  }

  Status EnsureSession(const SessionRecord& session) override {
    Statement& s = ensure_session_;
    s.Reset();
    s.Bind(1, std::string_view(session.project_id))
        .Bind(2, std::string_view(session.id))
        .Bind(3, session.created_at_us)
        .Bind(4, std::string_view(session.environment));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write session");
    return Status::Ok();
  }

  Result<int64_t> DeleteTraces(const std::string& project_id,
                               const std::vector<std::string>& ids) override {
    int64_t deleted = 0;
    for (const auto& id : ids) {
      auto observation_seqs = sqlite::SeqsWithKey(db_, sqlite::kObservationTraces,
                                                  recent_observation_traces_, IdHash(id));
      if (!observation_seqs.ok()) return observation_seqs.status();
      auto [first, last] = new_observation_traces_.equal_range(IdHash(id));
      for (auto it = first; it != last; ++it) observation_seqs->push_back(it->second);
      auto rollup_trace = trace_locator_.Locate(recent_traces_, new_traces_, project_id, id);
      if (!rollup_trace.ok()) return rollup_trace.status();
      LANTERNE_RETURN_IF_ERROR(
          rollups_.BeforeTraceDelete(project_id, id, *rollup_trace, *observation_seqs));
      // RETURNING payload: the deleted rows' bytes in the payload log are erased once the
      // delete is durable.
      const std::string delete_observations = "DELETE FROM observations NOT INDEXED WHERE " +
                                              sqlite::SeqInList(*observation_seqs) +
                                              " AND ?1 = ?1 AND project_id = ?2 AND trace_id = ?3 "
                                              "RETURNING payload";
      for (const char* sql :
           {delete_observations.c_str(),
            "DELETE FROM scores WHERE trace_hash = ?1 AND project_id = ?2 AND trace_id = ?3"}) {
        Statement s(db_, sql);
        if (!s.ok()) return Status::Internal(s.prepare_error());
        s.Bind(1, IdHash(id)).Bind(2, std::string_view(project_id)).Bind(3, std::string_view(id));
        LANTERNE_RETURN_IF_ERROR(CollectDeletedPayloads(s));
      }
      // Stale id-index entries of deleted rows are harmless: seqs are never reused, and a
      // lookup checks the row itself.
      auto seq = trace_locator_.Locate(recent_traces_, new_traces_, project_id, id);
      if (!seq.ok()) return seq.status();
      if (!*seq) continue;
      Statement s(db_, "DELETE FROM traces WHERE seq = ?1 RETURNING payload");
      s.Bind(1, **seq);
      const size_t before = deleted_payloads_.size();
      LANTERNE_RETURN_IF_ERROR(CollectDeletedPayloads(s));
      deleted += static_cast<int64_t>(deleted_payloads_.size() - before);
      trace_seqs_.erase({project_id, id});
      stored_trace_payloads_.erase(**seq);
    }
    return deleted;
  }

  Result<bool> DeleteScore(const std::string& project_id, const std::string& id) override {
    LANTERNE_RETURN_IF_ERROR(rollups_.BeforeScoreDelete(project_id, id));
    Statement s(db_, "DELETE FROM scores WHERE id_hash = ?1 AND project_id = ?2 AND id = ?3");
    s.Bind(1, IdHash(id)).Bind(2, std::string_view(project_id)).Bind(3, std::string_view(id));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "delete score");
    return sqlite3_changes(db_) > 0;
  }

  Status UpsertOrganization(const Organization& org) override {
    Statement s(db_,
                "INSERT INTO organizations (id, name, created_at) VALUES (?1, ?2, ?3) "
                "ON CONFLICT (id) DO NOTHING");
    s.Bind(1, std::string_view(org.id)).Bind(2, std::string_view(org.name)).Bind(3, NowMicros());
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write organization");
    return Status::Ok();
  }

  Status UpsertProject(const Project& p) override {
    Statement s(db_,
                "INSERT INTO projects (id, org_id, name, created_at) VALUES (?1, ?2, ?3, ?4) "
                "ON CONFLICT (id) DO NOTHING");
    s.Bind(1, std::string_view(p.id))
        .Bind(2, std::string_view(p.org_id))
        .Bind(3, std::string_view(p.name))
        .Bind(4, p.created_at_us);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write project");
    return Status::Ok();
  }

  Status PutPrompt(const PromptVersion& prompt) override {
    return sqlite::PutPromptRow(db_, prompt);
  }
  Status InsertDashboard(const Dashboard& d) override { return sqlite::InsertDashboardRow(db_, d); }
  Result<bool> UpdateDashboard(const Dashboard& d) override {
    return sqlite::UpdateDashboardRow(db_, d);
  }
  Result<bool> DeleteDashboard(const std::string& project_id, const std::string& id) override {
    return sqlite::DeleteDashboardRow(db_, project_id, id);
  }
  Result<std::vector<PromptVersion>> PromptVersionsToUpdate(const std::string& project_id,
                                                            const std::string& name) override {
    return sqlite::PromptVersionRows(db_, project_id, name);
  }
  Result<int64_t> DeletePrompts(const std::string& project_id, const std::string& name,
                                std::optional<int64_t> version) override {
    return sqlite::DeletePromptRows(db_, project_id, name, version);
  }

  Result<bool> SetTraceBookmark(const std::string& project_id, const std::string& id,
                                bool bookmarked) override {
    auto seq = trace_locator_.Locate(recent_traces_, new_traces_, project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return false;
    // Only the typed column: reads take the bookmark from it, and merges of later trace
    // events start from what FindTrace read, so they keep it.
    Statement s(db_,
                "UPDATE traces SET bookmarked = ?1 WHERE seq = ?2 AND project_id = ?3 AND id = ?4");
    s.Bind(1, int64_t{bookmarked ? 1 : 0})
        .Bind(2, **seq)
        .Bind(3, std::string_view(project_id))
        .Bind(4, std::string_view(id));
    if (s.Step() != SQLITE_DONE) return StepError(db_, "bookmark trace");
    return sqlite3_changes(db_) > 0;
  }

  Status RecordLoginFailure(const LoginFailure& failure, int64_t forget_before_us) override {
    return sqlite::RecordLoginFailureRow(db_, failure, forget_before_us);
  }
  Status ClearLoginFailures(const std::string& email) override {
    return sqlite::ClearLoginFailureRows(db_, email);
  }

  Status RecordApiKeyUse(const std::string& public_key, int64_t at_us) override {
    Statement s(db_,
                "UPDATE api_keys SET last_used_at = ?2 WHERE public_key = ?1 AND "
                "(last_used_at IS NULL OR last_used_at < ?2)");
    s.Bind(1, std::string_view(public_key)).Bind(2, at_us);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "record api key use");
    return Status::Ok();
  }

  Status PutApiKey(const ApiKey& k) override {
    Statement del(db_, "DELETE FROM api_keys WHERE public_key = ?1");
    del.Bind(1, std::string_view(k.public_key));
    if (del.Step() != SQLITE_DONE) return StepError(db_, "replace api key");
    Statement s(db_,
                "INSERT INTO api_keys (id, project_id, public_key, secret_hash, display_secret, "
                "note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    s.Bind(1, std::string_view(k.id))
        .Bind(2, std::string_view(k.project_id))
        .Bind(3, std::string_view(k.public_key))
        .Bind(4, std::string_view(k.secret_hash))
        .Bind(5, std::string_view(k.display_secret))
        .Bind(6, k.note)
        .Bind(7, k.created_at_us);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write api key");
    return Status::Ok();
  }

  Status UpsertUser(const User& u, const std::string& org_id, const std::string& role) override {
    Statement s(db_,
                "INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?1, ?2, "
                "?3, ?4, ?5) ON CONFLICT (email) DO NOTHING");
    s.Bind(1, std::string_view(u.id))
        .Bind(2, std::string_view(u.email))
        .Bind(3, std::string_view(u.name))
        .Bind(4, std::string_view(u.password_hash))
        .Bind(5, u.created_at_us);
    if (s.Step() != SQLITE_DONE) return StepError(db_, "write user");
    Statement m(db_,
                "INSERT INTO memberships (org_id, user_id, role) SELECT ?1, id, ?3 FROM users "
                "WHERE email = ?2 ON CONFLICT (org_id, user_id) DO UPDATE SET role = ?3");
    m.Bind(1, std::string_view(org_id))
        .Bind(2, std::string_view(u.email))
        .Bind(3, std::string_view(role));
    if (m.Step() != SQLITE_DONE) return StepError(db_, "write membership");
    return Status::Ok();
  }

  Status PutModel(const ModelDefinition& model) override { return sqlite::PutModelRow(db_, model); }

  Result<bool> DeleteModel(const std::string& project_id, const std::string& id) override {
    return sqlite::DeleteModelRow(db_, project_id, id);
  }

  Status CreateUser(const User& user) override { return sqlite::CreateUserRow(db_, user); }
  Status SetUserPassword(const std::string& user_id, const std::string& hash) override {
    return sqlite::SetUserPasswordRow(db_, user_id, hash);
  }
  Status RenameOrganization(const std::string& org_id, const std::string& name) override {
    return sqlite::RenameOrganizationRow(db_, org_id, name);
  }
  Status DeleteOrganization(const std::string& org_id) override {
    auto projects = sqlite::ProjectIdsOfOrganization(db_, org_id);
    if (!projects.ok()) return projects.status();
    for (const auto& project_id : *projects) LANTERNE_RETURN_IF_ERROR(DeleteProject(project_id));
    return sqlite::DeleteOrganizationRows(db_, org_id);
  }
  Status RenameProject(const std::string& project_id, const std::string& name) override {
    return sqlite::RenameProjectRow(db_, project_id, name);
  }
  // Its data goes too (project_purge.h); the payload log frees the rows' payloads.
  Status DeleteProject(const std::string& project_id) override {
    for (const char* sql : {"DELETE FROM observations WHERE project_id = ?1 RETURNING payload",
                            "DELETE FROM traces WHERE project_id = ?1 RETURNING payload"}) {
      Statement s(db_, sql);
      s.Bind(1, std::string_view(project_id));
      LANTERNE_RETURN_IF_ERROR(CollectDeletedPayloads(s, "delete project"));
    }
    LANTERNE_RETURN_IF_ERROR(sqlite::PurgeProjectData(db_, project_id));
    metadata_index_.ForgetStoredValues();
    LANTERNE_RETURN_IF_ERROR(rollups_.ProjectDeleted(project_id));
    return sqlite::DeleteProjectRows(db_, project_id);
  }
  Status PutMembership(const Membership& membership) override {
    return sqlite::PutMembershipRow(db_, membership);
  }
  Status DeleteMembership(const std::string& org_id, const std::string& user_id) override {
    return sqlite::DeleteMembershipRows(db_, org_id, user_id);
  }
  Status SetProjectRole(const std::string& project_id, const std::string& user_id,
                        const std::string& role) override {
    return sqlite::SetProjectRoleRow(db_, project_id, user_id, role);
  }
  Status PutUiSession(const UiSession& session) override {
    return sqlite::PutUiSessionRow(db_, session);
  }
  Status TouchUiSession(const std::string& token_hash, int64_t expires_at_us) override {
    return sqlite::TouchUiSessionRow(db_, token_hash, expires_at_us);
  }
  Status DeleteUiSession(const std::string& token_hash) override {
    return sqlite::DeleteUiSessionRow(db_, token_hash);
  }
  Status DeleteUiSessionsOfUser(const std::string& user_id,
                                const std::string& keep_token_hash) override {
    return sqlite::DeleteUiSessionRowsOfUser(db_, user_id, keep_token_hash);
  }
  Status PutInvitation(const Invitation& invitation) override {
    return sqlite::PutInvitationRow(db_, invitation);
  }
  Status DeleteInvitation(const std::string& id) override {
    return sqlite::DeleteInvitationRow(db_, id);
  }
  Result<bool> DeleteApiKey(const std::string& project_id, const std::string& id) override {
    return sqlite::DeleteApiKeyRow(db_, project_id, id);
  }

 private:
  sqlite3* db_;
  Statement find_trace_, insert_trace_, update_trace_;
  Statement find_observation_, insert_observation_, update_observation_;
  Statement find_score_, insert_score_, update_score_;
  Statement ensure_session_;
  sqlite::TraceMetadataIndex metadata_index_;

  using SeqMap = std::map<std::pair<std::string, std::string>, int64_t>;

  // The row just inserted becomes findable by id within this transaction (and, once it
  // commits, through the recent-id map).
  void RememberInserted(IdMap& new_ids, SeqMap& seqs, const std::string& project_id,
                        const std::string& id) {
    int64_t seq = sqlite3_last_insert_rowid(db_);
    new_ids.emplace(IdHash(id), seq);
    seqs[{project_id, id}] = seq;
  }
  // What a row's payload column gets: a reference into the payload log, or (with
  // LANTERNE_PAYLOAD_LOG=off, for A/B benchmarks) the encoded payload itself.
  template <typename Encode>
  Result<const std::string*> StoredPayload(const std::string* encoded, Encode encode,
                                           std::string* stored) {
    if (!use_payload_log_) {
      if (encoded) return encoded;
      *stored = encode();
      return static_cast<const std::string*>(stored);
    }
    auto ref = payloads_.Append(encoded ? *encoded : encode());
    if (!ref.ok()) return ref.status();
    *stored = std::move(ref).value();
    return static_cast<const std::string*>(stored);
  }
  // An update of row `seq` replaces the payload it was read with (if in the log).
  void Replaced(std::unordered_map<int64_t, std::string>& stored, int64_t seq) {
    auto it = stored.find(seq);
    if (it == stored.end()) return;
    replaced_payloads_.push_back(std::move(it->second));
    stored.erase(it);
  }
  // Keeps trace_metadata in step with the trace row just written (trace_metadata.h).
  Status IndexMetadata(const TraceRecord& t, bool is_new) {
    if (is_new && t.metadata.size() <= 2) return Status::Ok();  // "{}": nothing to index
    auto seq = SeqOf(trace_seqs_, trace_locator_, recent_traces_, new_traces_, t.project_id, t.id);
    if (!seq.ok()) return seq.status();
    return metadata_index_.Write(*seq, t.project_id, t.metadata, is_new);
  }
  // Steps a DELETE (… RETURNING payload, or nothing) to its end, keeping what it returns.
  Status CollectDeletedPayloads(Statement& s, const char* what = "delete trace") {
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) deleted_payloads_.emplace_back(s.Blob(0));
    return rc == SQLITE_DONE ? Status::Ok() : StepError(db_, what);
  }
  // The seq of a row this transaction found or wrote; located again if not.
  Result<int64_t> SeqOf(const SeqMap& known, sqlite::RowLocator& locator, const RecentIds& recent,
                        const IdMap& pending, const std::string& project_id,
                        const std::string& id) {
    auto it = known.find({project_id, id});
    if (it != known.end()) return it->second;
    auto seq = locator.Locate(recent, pending, project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return Status::Internal("update of a row that is not stored: " + id);
    return **seq;
  }

  RecentIds& recent_traces_;
  RecentIds& recent_observations_;
  RecentIds& recent_observation_traces_;
  const sqlite::MergedIdFilter& trace_filter_;
  const sqlite::MergedIdFilter& observation_filter_;
  sqlite::RowLocator trace_locator_, observation_locator_;
  IdMap new_traces_, new_observations_, new_observation_traces_;
  // seq → trace hash of the observations this transaction read, as stored.
  std::unordered_map<int64_t, int64_t> stored_trace_hashes_;
  // seq → payload reference of the rows this transaction read, as stored: what an update
  // of the row replaces.
  std::unordered_map<int64_t, std::string> stored_trace_payloads_, stored_observation_payloads_;
  // Payload references this transaction dropped, freed in the log once it commits.
  std::vector<std::string> replaced_payloads_, deleted_payloads_;
  PayloadLog& payloads_;
  const bool use_payload_log_ = [] {
    const char* v = std::getenv("LANTERNE_PAYLOAD_LOG");
    return !(v && std::string_view(v) == "off");
  }();
  SeqMap trace_seqs_, observation_seqs_;

  // How the rollups reach rows they are not handed: through this transaction's statements
  // and id indexes, so they see its own writes.
  sqlite::RollupSources RollupSourcesOf() {
    sqlite::RollupSources sources;
    sources.observation_at = [this](int64_t seq) -> Result<std::optional<ObservationRecord>> {
      LANTERNE_RETURN_IF_ERROR(payloads_.Flush());
      Statement& s = find_observation_;
      s.Reset();
      s.Bind(1, seq);
      int rc = s.Step();
      if (rc == SQLITE_DONE) return std::optional<ObservationRecord>();
      if (rc != SQLITE_ROW) return StepError(db_, "read observation for rollups");
      auto o = ReadObservation(payloads_, s);
      s.Reset();
      if (!o.ok()) return o.status();
      return std::optional<ObservationRecord>(std::move(o).value());
    };
    sources.trace_seq = [this](const std::string& project_id, const std::string& trace_id) {
      return trace_locator_.Locate(recent_traces_, new_traces_, project_id, trace_id);
    };
    sources.recent_observation_seqs = [this](int64_t trace_hash) {
      std::vector<int64_t> seqs = recent_observation_traces_.Find(trace_hash);
      auto [first, last] = new_observation_traces_.equal_range(trace_hash);
      for (auto it = first; it != last; ++it) seqs.push_back(it->second);
      return seqs;
    };
    return sources;
  }
  sqlite::RollupWriter rollups_{db_, RollupSourcesOf()};
};

class SqliteStore : public Store {
 public:
  SqliteStore(std::string path, SqliteOptions options)
      : path_(std::move(path)), options_(options) {}
  ~SqliteStore() override {
    StopSearchIndexer();
    {
      std::lock_guard lock(warm_mu_);
      stop_warm_ = true;
    }
    warm_wake_.notify_one();
    if (warm_thread_.joinable()) warm_thread_.join();
    {
      std::lock_guard lock(id_filter_mu_);
      stop_id_filters_ = true;
    }
    id_filter_wake_.notify_one();
    if (id_filter_thread_.joinable()) id_filter_thread_.join();
    if (txn_) {
      // A clean stop leaves nothing for the next start to load into memory.
      std::lock_guard lock(write_mu_);
      MergeAllIds();
    }
    if (payloads_) {
      // No reader remains: what updates replaced goes now instead of after its grace.
      const uint64_t mark = payloads_->FreedMark();
      if (Sync().ok()) (void)payloads_->Reclaim(mark, /*ignore_grace=*/true);
    }
    if (wal_fd_ >= 0) close(wal_fd_);
    {
      std::lock_guard lock(checkpoint_mu_);
      stop_checkpointer_ = true;
    }
    checkpoint_wake_.notify_one();
    if (checkpointer_.joinable()) checkpointer_.join();
  }

  Status Open() {
    auto payloads =
        PayloadLog::Open((std::filesystem::path(path_).parent_path() / "payloads").string());
    if (!payloads.ok()) return payloads.status();
    payloads_ = std::move(payloads).value();
    LANTERNE_RETURN_IF_ERROR(writer_.Open(path_, false));
    LANTERNE_RETURN_IF_ERROR(sqlite::RegisterSearchFunctions(writer_.get()));
    // WAL lets readers run beside the writer. synchronous=NORMAL leaves syncing the WAL to
    // us: Sync() fdatasyncs it after each group of commits, on another thread, so the next
    // transaction is built while the disk syncs the previous one. Nothing is acknowledged
    // before its sync, so an acknowledged write survives a crash of the process or the
    // machine.
    // The WAL file is never cut back (journal_size_limit above the restart bound, which
    // keeps it under ~135 MB): a log truncated to 64 MB at each restart had half its pages
    // allocated anew in every cycle, a third of the writer's kernel time, and each sync of
    // new blocks also committed the file system's journal. Pages written over in place
    // cost neither.
    LANTERNE_RETURN_IF_ERROR(
        writer_.Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = "
                     "NORMAL; PRAGMA cache_size = -65536; "
                     "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0; "
                     "PRAGMA journal_size_limit = 268435456; PRAGMA foreign_keys = ON;"));
    restart_frames_ = std::clamp(options_.wal_restart_pages, 1, 60000);  // 60000*4104 < 256 MiB
    LANTERNE_RETURN_IF_ERROR(sqlite::Migrate(writer_));
    LANTERNE_RETURN_IF_ERROR(
        sqlite::LoadRecentIds(writer_.get(), sqlite::kTraceIds, recent_traces_));
    LANTERNE_RETURN_IF_ERROR(
        sqlite::LoadRecentIds(writer_.get(), sqlite::kObservationIds, recent_observations_));
    LANTERNE_RETURN_IF_ERROR(sqlite::LoadRecentIds(writer_.get(), sqlite::kObservationTraces,
                                                   recent_observation_traces_));
    txn_ = std::make_unique<SqliteWriteTxn>(writer_.get(), *payloads_, recent_traces_,
                                            recent_observations_, recent_observation_traces_,
                                            trace_id_filter_, observation_id_filter_);
    LANTERNE_RETURN_IF_ERROR(txn_->Prepare());
    txn_->SetRollupPendingLimit(options_.rollup_pending_entries);
    LANTERNE_RETURN_IF_ERROR(
        RunWrite([&](WriteTxn&) { return txn_->RebuildRollups(); }, /*durable=*/false));
    // Copying the WAL back into the database (checkpointing) would otherwise happen inside
    // the writer's commits; a thread of its own does it beside them, without blocking them.
    LANTERNE_RETURN_IF_ERROR(checkpoint_conn_.Open(path_, false));
    // A connection learns that the database is in WAL mode on its first read; until then a
    // checkpoint through it does nothing.
    LANTERNE_RETURN_IF_ERROR(checkpoint_conn_.Exec("SELECT count(*) FROM sqlite_master"));
    sqlite3_wal_hook(writer_.get(), &SqliteStore::OnWalCommit, this);
    checkpointer_ = std::thread([this] { CheckpointLoop(); });
    // The search index's own connection: lanterne.db to read, search.db attached to write.
    LANTERNE_RETURN_IF_ERROR(search_conn_.Open(path_, false));
    LANTERNE_RETURN_IF_ERROR(
        sqlite::AttachSearchDatabase(search_conn_.get(), SearchPath(), /*create=*/true));
    LANTERNE_RETURN_IF_ERROR(
        search_conn_.Exec("PRAGMA main.cache_size = -16384; PRAGMA search.cache_size = -16384;"));
    sqlite3_wal_hook(search_conn_.get(), &SqliteStore::OnSearchWalCommit, this);
    LANTERNE_RETURN_IF_ERROR(search_indexer_.Prepare(search_conn_.get(), payloads_.get()));
    if (options_.search_index_interval_ms > 0) {
      search_thread_ = std::thread([this] { SearchIndexLoop(); });
    }
    if (options_.warm_rollup_reads) warm_thread_ = std::thread([this] { WarmRollupReadsLoop(); });
    id_filter_thread_ = std::thread([this] { IdFilterLoop(); });
    return Status::Ok();
  }

  Result<SearchLag> SearchIndexLag(const std::string& project_id) override {
    auto conn = Borrow();
    auto counts = sqlite::CountUnindexed(conn.get(), project_id, kSearchLagCountCap);
    if (!counts.ok()) return counts.status();
    return SearchLag{counts->first, counts->second};
  }

  Status CatchUpSearchIndex() override {
    for (;;) {
      auto step = IndexSearchStep();
      if (!step.ok()) return step.status();
      if (step->caught_up) return Status::Ok();
    }
  }

  Status RunWrite(const std::function<Status(WriteTxn&)>& body, bool durable) override {
    {
      std::lock_guard lock(write_mu_);
      writes_begun_.fetch_add(1, std::memory_order_relaxed);
      last_write_ns_.store(SteadyNanos(), std::memory_order_relaxed);
      LANTERNE_RETURN_IF_ERROR(writer_.Exec("BEGIN IMMEDIATE"));
      Status status = body(*txn_);
      if (status.ok()) status = txn_->FlushRollups();
      txn_->ReleaseStatements();
      if (!status.ok()) {
        (void)writer_.Exec("ROLLBACK");
        txn_->Forget();
        return status;
      }
      auto merge = MergeIdsInTxn();
      if (!merge.ok()) {
        (void)writer_.Exec("ROLLBACK");
        txn_->Forget();
        return merge.status();
      }
      // The rows about to commit point at these bytes.
      Status committed = payloads_->Flush();
      if (committed.ok()) committed = writer_.Exec("COMMIT");
      if (!committed.ok()) {
        (void)writer_.Exec("ROLLBACK");
        txn_->Forget();
        return committed;
      }
      RollupChanges rollup_changes = txn_->TakeRollupChanges();
      txn_->Committed();
      // Visible to readers now: merged reads of the changed days are outdated.
      rollup_cache_.Record(rollup_changes);
      FinishIdMerge(*merge);
      RestartWalIfLong();
    }
    return durable ? Sync() : Status::Ok();
  }

  Status Sync() override {
    std::lock_guard lock(sync_mu_);
    // The payload segments and the WAL are synced side by side, and a change counts as
    // synced once both are: a synced row never points at bytes that are not on disk. One
    // after the other, the two waits added up in every request's latency. (The kernel may
    // write WAL pages back before either sync whatever the order, so syncing the payloads
    // first never ordered what reaches the disk.) Freed ranges go only once the change
    // that freed them is synced.
    const uint64_t freed_mark = payloads_->FreedMark();
    auto payloads_synced = std::async(std::launch::async, [this] { return payloads_->Sync(); });
    Status wal_synced = SyncWal();
    Status payloads_status = payloads_synced.get();
    LANTERNE_RETURN_IF_ERROR(payloads_status);
    LANTERNE_RETURN_IF_ERROR(wal_synced);
    return payloads_->Reclaim(freed_mark);
  }

  // Caller holds sync_mu_.
  Status SyncWal() {
    if (wal_fd_ < 0) {
      // fdatasync on our own descriptor flushes the file's data whoever wrote it.
      wal_fd_ = open((path_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
      if (wal_fd_ < 0) {
        if (errno == ENOENT) return Status::Ok();  // nothing written through a WAL yet
        return Status::Unavailable("cannot open the write-ahead log: " +
                                   std::string(strerror(errno)));
      }
    }
    if (fdatasync(wal_fd_) != 0) {
      return Status::Unavailable("cannot sync the write-ahead log: " +
                                 std::string(strerror(errno)));
    }
    return Status::Ok();
  }

  std::string EncodeTrace(const TraceRecord& trace) const override {
    return EncodeTracePayload(trace);
  }
  std::string EncodeObservation(const ObservationRecord& observation) const override {
    return EncodeObservationPayload(observation);
  }

  Result<std::optional<TraceRecord>> GetTrace(const std::string& project_id,
                                              const std::string& id) override {
    auto conn = Borrow();
    auto seq = sqlite::LocateRow(conn.get(), sqlite::kTraceIds, recent_traces_, project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return std::optional<TraceRecord>();
    Statement s(conn.get(), std::string("SELECT ") + kTraceColumns + " FROM traces WHERE seq = ?1");
    s.Bind(1, **seq);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<TraceRecord>();
    if (rc != SQLITE_ROW) return StepError(conn.get(), "read trace");
    auto t = ReadTrace(*payloads_, s);
    if (!t.ok()) return t.status();
    return std::optional<TraceRecord>(std::move(t).value());
  }

  Result<Page<TraceRecord>> ListTraces(const std::string& project_id,
                                       const TraceQuery& q) override {
    Where where(project_id);
    if (q.user_id) where.Add("user_id = ?", *q.user_id);
    if (q.name) where.Add("name = ?", *q.name);
    if (q.session_id) where.Add("session_id = ?", *q.session_id);
    if (q.release) where.Add("release = ?", *q.release);
    if (q.version) where.Add("version = ?", *q.version);
    if (q.bookmarked) where.Add("bookmarked = ?", int64_t{*q.bookmarked ? 1 : 0});
    for (const auto& tag : q.tags) {
      where.Add("EXISTS (SELECT 1 FROM json_each(traces.tags) WHERE value = ?)", tag);
    }
    where.AddAnyOf("environment", q.environments);
    if (q.from_us) where.Add("timestamp >= ?", *q.from_us);
    if (q.to_us) where.Add("timestamp < ?", *q.to_us);
    auto conn = Borrow();
    bool few_matches = false;  // a filter keeps few traces: look them up by seq
    if (q.search) {
      auto search = sqlite::TraceSearchCondition(conn.get(), project_id, *q.search,
                                                 std::max(1, options_.search_match_docs / 2));
      if (!search.ok()) return search.status();
      where.AddMany(search->sql, search->values);
      few_matches = search->few_rows;
    }
    for (const auto& filter : q.metadata) {
      auto condition = sqlite::TraceMetadataCondition(conn.get(), project_id, filter);
      if (!condition.ok()) return condition.status();
      where.AddMany(condition->sql, condition->values);
      few_matches = few_matches || condition->sparse;
    }
    static const std::pair<const char*, const char*> kOrderColumns[] = {
        {"id", "id"},          {"timestamp", "timestamp"},   {"name", "name"},
        {"userId", "user_id"}, {"release", "release"},       {"version", "version"},
        {"public", "public"},  {"bookmarked", "bookmarked"}, {"sessionId", "session_id"}};
    std::string order_column = "timestamp";
    for (const auto& [field, column] : kOrderColumns) {
      if (q.order_by == field) order_column = column;
    }
    const char* direction = q.descending ? " DESC" : " ASC";
    // A session has a handful of traces: without INDEXED BY, SQLite walks traces_by_time
    // to avoid sorting them and tests every trace of the project (100 ms at 60k traces).
    // Sorted by name (then time), traces_by_name_time hands the rows over in order, so the
    // walk stops with the page; SQLite would rather read the time range and sort all of it.
    // Not when a narrower filter (user, search, few metadata matches) makes the set small.
    // A time range of few traces is read and sorted instead (walking the whole name index
    // for them took 0.37 s at 1.7M traces).
    // A count alone needs no order.
    bool by_name =
        order_column == "name" && q.counting != Counting::kTotalOnly && !q.user_id && !few_matches;
    bool name_by_name = false;  // a large time range: each name's part of it sought apart
    if (by_name && (q.from_us || q.to_us)) {
      Statement in_range(conn.get(),
                         "SELECT count(*) FROM (SELECT 1 FROM traces INDEXED BY traces_by_time "
                         "WHERE project_id = ?1 AND timestamp >= ?2 AND timestamp < ?3 LIMIT " +
                             std::to_string(options_.sorted_range_traces + 1) + ")");
      in_range.Bind(1, std::string_view(project_id))
          .Bind(2, q.from_us.value_or(std::numeric_limits<int64_t>::min()))
          .Bind(3, q.to_us.value_or(std::numeric_limits<int64_t>::max()));
      if (in_range.Step() != SQLITE_ROW) return StepError(conn.get(), "count traces in range");
      by_name = in_range.Int(0) > options_.sorted_range_traces;
      name_by_name = by_name;
    }
    std::string from = " FROM traces";
    if (q.session_id) {
      from = " FROM traces INDEXED BY traces_by_session";
    } else if (few_matches) {
      from = " FROM traces NOT INDEXED";
    } else if (by_name) {
      from = " FROM traces INDEXED BY traces_by_name_time";
    } else if (order_column == "name" && !q.user_id) {
      from = " FROM traces INDEXED BY traces_by_time";
    }
    const std::string order = order_column == "name"
                                  ? std::string("name") + direction + ", timestamp" + direction
                                  : order_column + direction;
    Page<TraceRecord> page;
    if (q.counting != Counting::kPageOnly) {
      Statement count(conn.get(), "SELECT count(*)" + from + where.sql());
      where.BindTo(count);
      if (count.Step() != SQLITE_ROW) return StepError(conn.get(), "count traces");
      page.total_items = count.Int(0);
      if (q.counting == Counting::kTotalOnly) return page;
    }
    if (name_by_name) {
      LANTERNE_RETURN_IF_ERROR(PageNameByName(conn.get(), project_id, where, q, page));
      TrimToPage(page, q.page);
      return page;
    }
    Statement s(conn.get(), std::string("SELECT ") + kTraceColumns + from + where.sql() +
                                " ORDER BY " + order + ", seq" + direction +
                                LimitOffset(q.page, q.counting));
    if (!s.ok()) return Status::Internal(s.prepare_error());
    where.BindTo(s);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto t = ReadTrace(*payloads_, s);
      if (!t.ok()) return t.status();
      page.items.push_back(std::move(t).value());
    }
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list traces");
    TrimToPage(page, q.page);
    return page;
  }

  // The page of traces sorted by name (then time) in a time range of many traces, one name
  // at a time: each name's part of the range is sought in traces_by_name_time and read in
  // order. Walking the index in order and testing each entry's time read every older trace
  // of the names before the page (0.32 s when the last 10 minutes held 320k of 2M traces).
  // Names are usually few; past SqliteOptions::name_seeks of them the rest is one walk as before.
  Status PageNameByName(sqlite3* db, const std::string& project_id, const Where& where,
                        const TraceQuery& q, Page<TraceRecord>& page) {
    const bool descending = q.descending;
    const char* direction = descending ? " DESC" : " ASC";
    int64_t skip = (q.page.page - 1) * q.page.limit;
    int64_t wanted = q.page.limit + (q.counting == Counting::kPageOnly ? 1 : 0);
    const std::string from = " FROM traces INDEXED BY traces_by_name_time";
    // Reads the rows of `group` (the range's traces of one name, or the rest) past `skip`.
    auto read = [&](const Where& group, const std::string& order) -> Status {
      if (skip > 0) {
        Statement count(db, "SELECT count(*)" + from + group.sql());
        group.BindTo(count);
        if (count.Step() != SQLITE_ROW) return StepError(db, "count a name's traces");
        int64_t n = count.Int(0);
        if (n <= skip) {
          skip -= n;
          return Status::Ok();
        }
      }
      Statement rows(db, std::string("SELECT ") + kTraceColumns + from + group.sql() +
                             " ORDER BY " + order + " LIMIT " + std::to_string(wanted) +
                             " OFFSET " + std::to_string(skip));
      if (!rows.ok()) return Status::Internal(rows.prepare_error());
      group.BindTo(rows);
      skip = 0;
      int rc;
      while ((rc = rows.Step()) == SQLITE_ROW) {
        auto t = ReadTrace(*payloads_, rows);
        if (!t.ok()) return t.status();
        page.items.push_back(std::move(t).value());
        --wanted;
      }
      return rc == SQLITE_DONE ? Status::Ok() : StepError(db, "list a name's traces");
    };
    const std::string in_name_order = std::string("timestamp") + direction + ", seq" + direction;
    auto unnamed = [&]() -> Status {  // NULL sorts first
      Where group = where;
      group.Add("name IS NULL");
      return read(group, in_name_order);
    };
    if (!descending) LANTERNE_RETURN_IF_ERROR(unnamed());
    const std::string first_name = std::string("SELECT ") + (descending ? "max" : "min") +
                                   "(name) FROM traces WHERE project_id = ?1";
    Statement first(db, first_name);
    Statement next(db, first_name + " AND name " + (descending ? "< ?2" : "> ?2"));
    std::optional<std::string> name;
    int seeks = 0;
    while (wanted > 0) {
      if (++seeks > options_.name_seeks) {  // many names: the rest in one walk
        Where rest = where;
        rest.Add(descending ? "(name < ? OR name IS NULL)" : "name > ?", *name);
        return read(rest, std::string("name") + direction + ", " + in_name_order);
      }
      Statement& seek = name ? next : first;
      seek.Reset();
      seek.Bind(1, std::string_view(project_id));
      if (name) seek.Bind(2, std::string_view(*name));
      if (seek.Step() != SQLITE_ROW) return StepError(db, "find the next name");
      std::optional<std::string> found = seek.OptText(0);
      seek.Reset();
      if (!found) break;
      name = std::move(found);
      Where group = where;
      group.Add("name = ?", *name);
      LANTERNE_RETURN_IF_ERROR(read(group, in_name_order));
    }
    if (descending && wanted > 0) LANTERNE_RETURN_IF_ERROR(unnamed());
    return Status::Ok();
  }

  Result<std::vector<TraceRollup>> RollupTraces(const std::string& project_id,
                                                const std::vector<std::string>& ids) override {
    auto conn = Borrow();
    Statement scores(conn.get(),
                     "SELECT id FROM scores WHERE trace_hash = ?1 AND project_id = ?2 AND "
                     "trace_id = ?3 ORDER BY timestamp, seq");
    std::vector<TraceRollup> rollups;
    rollups.reserve(ids.size());
    for (const auto& id : ids) {
      TraceRollup r;
      auto seqs = ObservationSeqsOfTrace(conn.get(), id);
      if (!seqs.ok()) return seqs.status();
      Statement obs(conn.get(),
                    "SELECT id, start_time, end_time, total_cost FROM observations " +
                        std::string(sqlite::kBySeqList) + sqlite::SeqInList(*seqs) +
                        " AND project_id = ?1 AND trace_id = ?2 ORDER BY start_time, seq");
      obs.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
      int rc;
      while ((rc = obs.Step()) == SQLITE_ROW) {
        r.AddObservation(obs.Text(0), obs.Int(1), obs.OptInt(2),
                         obs.IsNull(3) ? std::nullopt : std::optional<double>(obs.Double(3)));
      }
      if (rc != SQLITE_DONE) return StepError(conn.get(), "roll up observations");
      scores.Reset();
      scores.Bind(1, IdHash(id))
          .Bind(2, std::string_view(project_id))
          .Bind(3, std::string_view(id));
      while ((rc = scores.Step()) == SQLITE_ROW) r.score_ids.push_back(scores.Text(0));
      if (rc != SQLITE_DONE) return StepError(conn.get(), "roll up scores");
      rollups.push_back(std::move(r));
    }
    return rollups;
  }

  Result<std::vector<TraceTableExtras>> TraceTableColumns(
      const std::string& project_id, const std::vector<std::string>& ids) override {
    auto conn = Borrow();
    return sqlite::TraceTableRows(conn.get(), recent_observation_traces_, *payloads_, project_id,
                                  ids);
  }

  Result<std::vector<ObservationRecord>> ObservationsOfTrace(const std::string& project_id,
                                                             const std::string& trace_id) override {
    auto conn = Borrow();
    auto seqs = ObservationSeqsOfTrace(conn.get(), trace_id);
    if (!seqs.ok()) return seqs.status();
    Statement s(conn.get(), std::string("SELECT ") + kObservationColumns + " FROM observations " +
                                sqlite::kBySeqList + sqlite::SeqInList(*seqs) +
                                " AND project_id = ?1 AND trace_id = ?2 ORDER BY start_time, seq");
    s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(trace_id));
    return CollectObservations(conn.get(), s);
  }

  Result<std::optional<ObservationRecord>> GetObservation(const std::string& project_id,
                                                          const std::string& id) override {
    auto conn = Borrow();
    auto seq = sqlite::LocateRow(conn.get(), sqlite::kObservationIds, recent_observations_,
                                 project_id, id);
    if (!seq.ok()) return seq.status();
    if (!*seq) return std::optional<ObservationRecord>();
    Statement s(conn.get(),
                std::string("SELECT ") + kObservationColumns + " FROM observations WHERE seq = ?1");
    s.Bind(1, **seq);
    auto rows = CollectObservations(conn.get(), s);
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<ObservationRecord>();
    return std::optional<ObservationRecord>(std::move(rows->front()));
  }

  Result<Page<ObservationRecord>> ListObservations(const std::string& project_id,
                                                   const ObservationQuery& q) override {
    Where where(project_id);
    if (q.name) where.Add("name = ?", *q.name);
    if (q.user_id) {
      where.AddMany("trace_id IN (SELECT id FROM traces WHERE project_id = ? AND user_id = ?)",
                    {project_id, *q.user_id});
    }
    auto conn = Borrow();
    if (q.trace_id) {
      auto seqs = ObservationSeqsOfTrace(conn.get(), *q.trace_id);
      if (!seqs.ok()) return seqs.status();
      where.Add(sqlite::SeqInList(*seqs) + " AND trace_id = ?", *q.trace_id);
    }
    if (q.parent_observation_id) where.Add("parent_id = ?", *q.parent_observation_id);
    if (q.version) where.Add("version = ?", *q.version);
    if (q.type) where.Add("type = ?", std::string(ObservationTypeName(*q.type)));
    if (q.level) where.Add("level = ?", std::string(LevelName(*q.level)));
    where.AddAnyOf("environment", q.environments);
    if (q.from_start_us) where.Add("start_time >= ?", *q.from_start_us);
    if (q.to_start_us) where.Add("start_time < ?", *q.to_start_us);
    where.AddAnyOf("model", q.models);
    if (q.min_latency_us) where.Add("end_time - start_time >= ?", *q.min_latency_us);
    if (q.max_latency_us) where.Add("end_time - start_time <= ?", *q.max_latency_us);
    if (q.min_cost) where.Add("total_cost >= ?", *q.min_cost);
    if (q.max_cost) where.Add("total_cost <= ?", *q.max_cost);
    // Unknown latencies and costs sort last in either direction.
    const char* direction = q.ascending ? " ASC" : " DESC";
    std::string order = std::string("start_time") + direction;
    if (q.order_by == "latency") {
      order = std::string("end_time IS NULL, end_time - start_time") + direction;
    } else if (q.order_by == "totalCost") {
      order = std::string("total_cost IS NULL, total_cost") + direction;
    }
    Page<ObservationRecord> page;
    // A trace's observations are a short seq list: see kBySeqList.
    const std::string from = q.trace_id ? " FROM observations NOT INDEXED" : " FROM observations";
    if (q.counting != Counting::kPageOnly) {
      Statement count(conn.get(), "SELECT count(*)" + from + where.sql());
      where.BindTo(count);
      if (count.Step() != SQLITE_ROW) return StepError(conn.get(), "count observations");
      page.total_items = count.Int(0);
      if (q.counting == Counting::kTotalOnly) return page;
    }
    Statement s(conn.get(), std::string("SELECT ") + kObservationColumns + from + where.sql() +
                                " ORDER BY " + order + ", seq" + direction +
                                LimitOffset(q.page, q.counting));
    where.BindTo(s);
    auto rows = CollectObservations(conn.get(), s);
    if (!rows.ok()) return rows.status();
    page.items = std::move(rows).value();
    TrimToPage(page, q.page);
    return page;
  }

  Result<std::optional<SessionRecord>> GetSession(const std::string& project_id,
                                                  const std::string& id) override {
    auto conn = Borrow();
    Statement s(conn.get(),
                "SELECT project_id, id, created_at, environment FROM sessions WHERE project_id = "
                "?1 AND id = ?2");
    s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<SessionRecord>();
    if (rc != SQLITE_ROW) return StepError(conn.get(), "read session");
    return std::optional<SessionRecord>(SessionRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3)});
  }

  Result<Page<SessionRecord>> ListSessions(const std::string& project_id,
                                           const SessionQuery& q) override {
    Where where(project_id);
    if (q.from_us) where.Add("created_at >= ?", *q.from_us);
    if (q.to_us) where.Add("created_at < ?", *q.to_us);
    where.AddAnyOf("environment", q.environments);
    auto conn = Borrow();
    Page<SessionRecord> page;
    {
      Statement count(conn.get(), "SELECT count(*) FROM sessions" + where.sql());
      where.BindTo(count);
      if (count.Step() != SQLITE_ROW) return StepError(conn.get(), "count sessions");
      page.total_items = count.Int(0);
    }
    Statement s(conn.get(), "SELECT project_id, id, created_at, environment FROM sessions" +
                                where.sql() + " ORDER BY created_at DESC, id" +
                                LimitOffset(q.page));
    where.BindTo(s);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      page.items.push_back(SessionRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3)});
    }
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list sessions");
    return page;
  }

  Result<std::vector<TraceRecord>> TracesOfSession(const std::string& project_id,
                                                   const std::string& session_id) override {
    auto conn = Borrow();
    Statement s(conn.get(), std::string("SELECT ") + kTraceColumns +
                                " FROM traces WHERE project_id = ?1 AND session_id = ?2 ORDER BY "
                                "timestamp, seq");
    s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(session_id));
    std::vector<TraceRecord> traces;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto t = ReadTrace(*payloads_, s);
      if (!t.ok()) return t.status();
      traces.push_back(std::move(t).value());
    }
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list session traces");
    return traces;
  }

  Result<std::optional<ScoreRecord>> GetScore(const std::string& project_id,
                                              const std::string& id) override {
    auto conn = Borrow();
    Statement s(conn.get(), std::string("SELECT ") + kScoreColumns +
                                " FROM scores WHERE id_hash = ?1 AND project_id = ?2 AND id = ?3");
    s.Bind(1, IdHash(id)).Bind(2, std::string_view(project_id)).Bind(3, std::string_view(id));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<ScoreRecord>();
    if (rc != SQLITE_ROW) return StepError(conn.get(), "read score");
    return std::optional<ScoreRecord>(ReadScore(s));
  }

  Result<Page<ScoreRecord>> ListScores(const std::string& project_id,
                                       const ScoreQuery& q) override {
    Where where(project_id);
    if (q.trace_linked_only) where.Add("trace_id IS NOT NULL AND 1 = ?", int64_t{1});
    if (q.name) where.Add("name = ?", *q.name);
    if (q.source) where.Add("source = ?", *q.source);
    if (q.config_id) where.Add("config_id = ?", *q.config_id);
    if (q.queue_id) where.Add("queue_id = ?", *q.queue_id);
    if (q.trace_id) {
      where.Add("trace_hash = ?", IdHash(*q.trace_id));
      where.Add("trace_id = ?", *q.trace_id);
    }
    if (q.session_id) where.Add("session_id = ?", *q.session_id);
    if (q.dataset_run_id) where.Add("dataset_run_id = ?", *q.dataset_run_id);
    where.AddAnyOf("observation_id", q.observation_ids);
    where.AddAnyOf("id", q.score_ids);
    where.AddAnyOf("environment", q.environments);
    if (q.data_type) where.Add("data_type = ?", std::string(ScoreDataTypeName(*q.data_type)));
    if (q.from_us) where.Add("timestamp >= ?", *q.from_us);
    if (q.to_us) where.Add("timestamp < ?", *q.to_us);
    if (q.value_operator && q.value) {
      std::string op = *q.value_operator == "!=" ? "<>" : *q.value_operator;
      where.Add("value " + op + " ?", *q.value);
    }
    if (q.user_id) {
      where.AddMany("trace_id IN (SELECT id FROM traces WHERE project_id = ? AND user_id = ?)",
                    {project_id, *q.user_id});
    }
    for (const auto& tag : q.trace_tags) {
      where.AddMany(
          "trace_id IN (SELECT id FROM traces WHERE project_id = ? AND EXISTS (SELECT 1 FROM "
          "json_each(traces.tags) WHERE value = ?))",
          {project_id, tag});
    }
    auto conn = Borrow();
    Page<ScoreRecord> page;
    {
      Statement count(conn.get(), "SELECT count(*) FROM scores" + where.sql());
      where.BindTo(count);
      if (count.Step() != SQLITE_ROW) return StepError(conn.get(), "count scores");
      page.total_items = count.Int(0);
    }
    Statement s(conn.get(), std::string("SELECT ") + kScoreColumns + " FROM scores" + where.sql() +
                                " ORDER BY timestamp DESC, seq DESC" + LimitOffset(q.page));
    where.BindTo(s);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) page.items.push_back(ReadScore(s));
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list scores");
    return page;
  }

  Result<std::vector<ScoreRecord>> ScoresOfTrace(const std::string& project_id,
                                                 const std::string& trace_id) override {
    auto conn = Borrow();
    Statement s(conn.get(), std::string("SELECT ") + kScoreColumns +
                                " FROM scores WHERE trace_hash = ?1 AND project_id = ?2 AND "
                                "trace_id = ?3 ORDER BY timestamp, seq");
    s.Bind(1, IdHash(trace_id))
        .Bind(2, std::string_view(project_id))
        .Bind(3, std::string_view(trace_id));
    std::vector<ScoreRecord> scores;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) scores.push_back(ReadScore(s));
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list trace scores");
    return scores;
  }

  Result<Page<ModelDefinition>> ListModels(const std::string& project_id,
                                           const PageRequest& page) override {
    auto conn = Borrow();
    return sqlite::ListModelRows(conn.get(), project_id, page);
  }

  Result<std::vector<PromptVersion>> PromptVersions(const std::string& project_id,
                                                    const std::string& name) override {
    auto conn = Borrow();
    return sqlite::PromptVersionRows(conn.get(), project_id, name);
  }

  Result<std::vector<RollupRow>> ReadRollupRows(const std::string& project_id,
                                                const RollupRowsRequest& request) override {
    if (!request.merge_buckets) {
      auto conn = Borrow();
      return sqlite::ReadRollupRows(conn.get(), project_id, request);
    }
    if (auto kept = rollup_cache_.Find(project_id, request)) return std::move(*kept);
    const uint64_t stamp = rollup_cache_.Stamp();  // before the read's snapshot
    auto conn = Borrow();
    auto rows = sqlite::ReadRollupRows(conn.get(), project_id, request);
    if (rows.ok()) rollup_cache_.Keep(project_id, request, stamp, *rows);
    return rows;
  }
  Result<RawFacts> ReadRawFacts(const std::string& project_id,
                                const RawFactsRequest& request) override {
    auto conn = Borrow();
    Statement s(conn.get(),
                std::string("SELECT ") + kObservationColumns + " FROM observations WHERE seq = ?1");
    auto observation_at = [&](int64_t seq) -> Result<std::optional<ObservationRecord>> {
      s.Reset();
      s.Bind(1, seq);
      auto rows = CollectObservations(conn.get(), s);
      if (!rows.ok()) return rows.status();
      if (rows->empty()) return std::optional<ObservationRecord>();
      return std::optional<ObservationRecord>(std::move(rows->front()));
    };
    auto trace_seq = [&](const std::string& trace_id) {
      return sqlite::LocateRow(conn.get(), sqlite::kTraceIds, recent_traces_, project_id, trace_id);
    };
    return sqlite::ReadRawFacts(conn.get(), project_id, request, observation_at, trace_seq);
  }

  Result<std::vector<PromptVersionStats>> PromptMetrics(const std::string& project_id,
                                                        const std::string& name) override {
    auto conn = Borrow();
    return sqlite::PromptMetricRows(conn.get(), project_id, name);
  }

  Result<std::vector<PromptVersion>> AllPrompts(const std::string& project_id) override {
    auto conn = Borrow();
    return sqlite::AllPromptRows(conn.get(), project_id);
  }

  Result<std::vector<Dashboard>> ListDashboards(const std::string& project_id) override {
    auto conn = Borrow();
    return sqlite::DashboardRows(conn.get(), project_id);
  }
  Result<std::optional<Dashboard>> GetDashboard(const std::string& project_id,
                                                const std::string& id) override {
    auto conn = Borrow();
    return sqlite::DashboardRow(conn.get(), project_id, id);
  }

  Result<std::vector<ModelDefinition>> ListAllModels(const std::string& project_id) override {
    auto conn = Borrow();
    return sqlite::ListAllModelRows(conn.get(), project_id);
  }

  Result<std::optional<ModelDefinition>> GetModel(const std::string& project_id,
                                                  const std::string& id) override {
    auto conn = Borrow();
    return sqlite::GetModelRow(conn.get(), project_id, id);
  }

  Result<std::vector<LoginFailure>> LoginFailuresSince(int64_t since_us) override {
    auto conn = Borrow();
    return sqlite::LoginFailureRowsSince(conn.get(), since_us);
  }

  Result<std::vector<ApiKey>> ListApiKeys() override {
    auto conn = Borrow();
    Statement s(conn.get(),
                "SELECT id, project_id, public_key, secret_hash, display_secret, note, "
                "created_at, last_used_at FROM api_keys");
    std::vector<ApiKey> keys;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      keys.push_back(ApiKey{s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.OptText(5),
                            s.Int(6), s.OptInt(7)});
    }
    if (rc != SQLITE_DONE) return StepError(conn.get(), "list api keys");
    return keys;
  }

  Result<bool> HasUser(const std::string& email) override {
    auto conn = Borrow();
    Statement s(conn.get(), "SELECT 1 FROM users WHERE email = ?1");
    s.Bind(1, std::string_view(email));
    int rc = s.Step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StepError(conn.get(), "read user");
    return rc == SQLITE_ROW;
  }

  Result<std::optional<Project>> GetProject(const std::string& project_id) override {
    auto conn = Borrow();
    Statement s(conn.get(), "SELECT id, org_id, name, created_at FROM projects WHERE id = ?1");
    s.Bind(1, std::string_view(project_id));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<Project>();
    if (rc != SQLITE_ROW) return StepError(conn.get(), "read project");
    return std::optional<Project>(Project{s.Text(0), s.Text(1), s.Text(2), s.Int(3)});
  }

  Result<std::optional<Organization>> GetOrganization(const std::string& org_id) override {
    auto conn = Borrow();
    Statement s(conn.get(), "SELECT id, name FROM organizations WHERE id = ?1");
    s.Bind(1, std::string_view(org_id));
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<Organization>();
    if (rc != SQLITE_ROW) return StepError(conn.get(), "read organization");
    return std::optional<Organization>(Organization{s.Text(0), s.Text(1)});
  }

  Result<int64_t> CountUsers() override {
    auto conn = Borrow();
    return sqlite::CountUserRows(conn.get());
  }
  Result<std::optional<User>> FindUserByEmail(const std::string& email) override {
    auto conn = Borrow();
    return sqlite::FindUserRowByEmail(conn.get(), email);
  }
  Result<std::optional<User>> GetUser(const std::string& user_id) override {
    auto conn = Borrow();
    return sqlite::GetUserRow(conn.get(), user_id);
  }
  Result<std::vector<Membership>> MembershipsOfUser(const std::string& user_id) override {
    auto conn = Borrow();
    return sqlite::MembershipRowsOfUser(conn.get(), user_id);
  }
  Result<std::vector<OrgMember>> MembersOfOrganization(const std::string& org_id) override {
    auto conn = Borrow();
    return sqlite::MemberRowsOfOrganization(conn.get(), org_id);
  }
  Result<std::vector<Project>> ProjectsOfOrganization(const std::string& org_id) override {
    auto conn = Borrow();
    return sqlite::ProjectRowsOfOrganization(conn.get(), org_id);
  }
  Result<std::vector<ProjectRole>> ProjectRolesOfUser(const std::string& user_id) override {
    auto conn = Borrow();
    return sqlite::ProjectRoleRowsOfUser(conn.get(), user_id);
  }
  Result<std::vector<ProjectRole>> ProjectRolesOfProject(const std::string& project_id) override {
    auto conn = Borrow();
    return sqlite::ProjectRoleRowsOfProject(conn.get(), project_id);
  }
  Result<std::optional<UiSession>> GetUiSession(const std::string& token_hash) override {
    auto conn = Borrow();
    return sqlite::GetUiSessionRow(conn.get(), token_hash);
  }
  Result<std::optional<Invitation>> GetInvitation(const std::string& token_hash) override {
    auto conn = Borrow();
    return sqlite::GetInvitationRow(conn.get(), token_hash);
  }
  Result<std::vector<ApiKey>> ApiKeysOfProject(const std::string& project_id) override {
    auto conn = Borrow();
    return sqlite::ApiKeyRowsOfProject(conn.get(), project_id);
  }

  Result<Page<SessionSummary>> ListSessionSummaries(const std::string& project_id,
                                                    const SessionSummaryQuery& query) override {
    auto conn = Borrow();
    return sqlite::ListSessionSummaryRows(conn.get(), recent_observation_traces_, *payloads_,
                                          project_id, query);
  }
  Result<std::optional<SessionSummary>> GetSessionSummary(const std::string& project_id,
                                                          const std::string& session_id,
                                                          int64_t max_counted_traces,
                                                          const PageRequest& traces_page) override {
    auto conn = Borrow();
    return sqlite::GetSessionSummaryRow(conn.get(), recent_observation_traces_, *payloads_,
                                        project_id, session_id, max_counted_traces, traces_page);
  }
  Result<Page<UserSummary>> ListUsers(const std::string& project_id,
                                      const UserQuery& query) override {
    auto conn = Borrow();
    if (sqlite::RollupsEnabled()) {
      auto from_rollups = sqlite::ListUsersFromRollups(conn.get(), project_id, query);
      if (!from_rollups.ok()) return from_rollups.status();
      if (*from_rollups) return std::move(**from_rollups);
    }
    return sqlite::ListUserRows(conn.get(), recent_observation_traces_, *payloads_, project_id,
                                query);
  }
  Result<std::optional<UserSummary>> GetUserSummary(const std::string& project_id,
                                                    const std::string& user_id,
                                                    int64_t max_counted_traces) override {
    auto conn = Borrow();
    return sqlite::GetUserRow(conn.get(), recent_observation_traces_, *payloads_, project_id,
                              user_id, max_counted_traces);
  }

 private:
  // A read connection borrowed from the pool for one query, returned on destruction.
  class Lease {
   public:
    explicit Lease(SqliteStore* store) : store_(store), conn_(store->Acquire()) {}
    ~Lease() { store_->Release(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    sqlite3* get() const { return conn_ ? conn_->get() : nullptr; }

   private:
    SqliteStore* store_;
    std::unique_ptr<Connection> conn_;
  };
  Lease Borrow() { return Lease(this); }

  std::unique_ptr<Connection> Acquire() {
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto conn = std::move(pool_.back());
        pool_.pop_back();
        return conn;
      }
    }
    auto conn = std::make_unique<Connection>();
    if (!conn->Open(path_, true).ok()) return nullptr;
    if (!sqlite::RegisterSearchFunctions(conn->get()).ok()) return nullptr;
    if (!sqlite::AttachSearchDatabase(conn->get(), SearchPath(), /*create=*/false).ok()) {
      return nullptr;
    }
    (void)conn->Exec("PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456;");
    return conn;
  }

  void Release(std::unique_ptr<Connection> conn) {
    if (!conn) return;
    std::lock_guard lock(pool_mu_);
    if (pool_.size() < 16) pool_.push_back(std::move(conn));
  }

  Result<std::vector<int64_t>> ObservationSeqsOfTrace(sqlite3* db, const std::string& trace_id) {
    return sqlite::SeqsWithKey(db, sqlite::kObservationTraces, recent_observation_traces_,
                               IdHash(trace_id));
  }

  Result<std::vector<ObservationRecord>> CollectObservations(sqlite3* db, Statement& s) {
    if (!s.ok()) return Status::Internal(s.prepare_error());
    std::vector<ObservationRecord> rows;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      auto o = ReadObservation(*payloads_, s);
      if (!o.ok()) return o.status();
      rows.push_back(std::move(o).value());
    }
    if (rc != SQLITE_DONE) return StepError(db, "list observations");
    return rows;
  }

  // Folds the in-memory id maps into the on-disk id indexes, one slice of the hash space
  // per commit, so no single commit stalls the writer for long. A slice's entries are
  // sorted, so each index page is touched about once per slice rather than once per row.
  // When a full round of slices ends, every row present when it began is in the index and
  // the watermark moves past them.
  //
  // The merge is written inside the caller's transaction, before its COMMIT: a commit of
  // its own cost the writer a second WAL append and page-cache pass per batch.
  // FinishIdMerge, after the COMMIT, forgets the merged entries; a merge that rolled back
  // leaves the maps as they were, and a later commit tries again.
  struct IdMerge {
    bool due = false;
    bool round_done = false;
    std::vector<sqlite::IdEntry> entries[3];
  };
  struct MergedIndex {
    const sqlite::IdIndexTable& table;
    RecentIds& recent;
    sqlite::MergedIdFilter* filter;  // for the id indexes, which the writer looks up
  };
  std::array<MergedIndex, 3> MergedIndexes() {
    return {MergedIndex{sqlite::kTraceIds, recent_traces_, &trace_id_filter_},
            MergedIndex{sqlite::kObservationIds, recent_observations_, &observation_id_filter_},
            MergedIndex{sqlite::kObservationTraces, recent_observation_traces_, nullptr}};
  }

  Result<IdMerge> MergeIdsInTxn(bool everything = false) {
    IdMerge merge;
    const auto indexes = MergedIndexes();
    size_t recent_rows = 0;
    for (const MergedIndex& index : indexes) recent_rows += index.recent.size();
    if (!everything && recent_rows < options_.id_merge_rows) return merge;
    const int slices = everything ? 1 : kMergeSlices;
    const int slice = everything ? 0 : merge_slice_;
    merge.due = true;
    merge.round_done = slice + 1 == slices;
    for (int i = 0; i < 3; ++i) {
      if (slice == 0) merge_round_[i] = indexes[i].recent.MaxSeq();
      merge.entries[i] = indexes[i].recent.Slice(slice, slices);
      LANTERNE_RETURN_IF_ERROR(sqlite::MergeIds(writer_.get(), indexes[i].table, merge.entries[i]));
      if (merge.round_done) {
        LANTERNE_RETURN_IF_ERROR(
            sqlite::SetWatermark(writer_.get(), indexes[i].table, merge_round_[i]));
      }
    }
    return merge;
  }

  void FinishIdMerge(const IdMerge& merge, bool everything = false) {
    if (!merge.due) return;
    const auto indexes = MergedIndexes();
    bool build_filter = false;
    for (int i = 0; i < 3; ++i) {
      indexes[i].recent.Erase(merge.entries[i]);
      if (!indexes[i].filter) continue;
      indexes[i].filter->Merged(merge.entries[i]);
      build_filter = build_filter || indexes[i].filter->NeedsBuild();
    }
    if (build_filter) id_filter_wake_.notify_one();
    id_merges_.fetch_add(1, std::memory_order_release);
    if (!everything) merge_slice_ = merge.round_done ? 0 : merge_slice_ + 1;
  }

  // At a clean stop: everything, in a transaction of its own.
  void MergeAllIds() {
    if (!writer_.Exec("BEGIN IMMEDIATE").ok()) return;
    auto merge = MergeIdsInTxn(/*everything=*/true);
    if (!merge.ok() || !writer_.Exec("COMMIT").ok()) {
      (void)writer_.Exec("ROLLBACK");
      return;
    }
    FinishIdMerge(*merge, /*everything=*/true);
  }

  // Builds the id filters (id_filter.h) from the merged indexes: at start, and again when
  // one has outgrown its size. Each chunk of hashes is read on a fresh snapshot, so no read
  // transaction stays open long enough to hold back the WAL's restart.
  void IdFilterLoop() {
    NameThisThread("lanterne-idfilt");
    std::unique_lock lock(id_filter_mu_);
    while (!stop_id_filters_) {
      for (const MergedIndex& index : MergedIndexes()) {
        if (!index.filter) continue;
        {
          std::lock_guard write_lock(write_mu_);
          if (!index.filter->NeedsBuild()) continue;
          index.filter->BeginBuild();
        }
        lock.unlock();
        auto filter = BuildIdFilter(index.table);
        lock.lock();
        std::lock_guard write_lock(write_mu_);
        if (filter.ok()) {
          index.filter->FinishBuild(std::move(filter).value());
        } else {
          index.filter->AbandonBuild();  // the writer keeps seeking; tried again later
        }
      }
      id_filter_wake_.wait_for(lock, std::chrono::seconds(10), [&] { return stop_id_filters_; });
    }
  }

  Result<std::unique_ptr<sqlite::BloomFilter>> BuildIdFilter(const sqlite::IdIndexTable& table) {
    // A connection of its own, without the readers' memory map: the index pages lie spread
    // over the file, and each page fault mapped its neighbours too (90 MB of resident
    // memory after building the filters of a million observations, against 20 MB read).
    Connection conn;
    LANTERNE_RETURN_IF_ERROR(conn.Open(path_, true));
    LANTERNE_RETURN_IF_ERROR(conn.Exec("PRAGMA mmap_size = 0; PRAGMA cache_size = -2048;"));
    // Sized from the table's highest seq, which bounds the rows merged so far, with room to
    // double before the next build; the hashes go in chunk by chunk.
    Statement newest(conn.get(), std::string("SELECT coalesce(max(seq), 0) FROM ") + table.table);
    if (newest.Step() != SQLITE_ROW) {
      return Status::Internal(std::string("read ") + table.table + ": " + conn.LastError());
    }
    auto filter = std::make_unique<sqlite::BloomFilter>(static_cast<size_t>(newest.Int(0)) * 2);
    newest.Reset();
    std::vector<int64_t> hashes;
    std::optional<int64_t> after;
    for (bool more = true; more;) {
      {
        std::lock_guard lock(id_filter_mu_);
        if (stop_id_filters_) return Status::Unavailable("stopping");
      }
      hashes.clear();
      auto chunk = sqlite::ScanIdHashChunk(conn.get(), table, &after, kIdFilterChunk, &hashes);
      if (!chunk.ok()) return chunk.status();
      more = *chunk;
      for (int64_t hash : hashes) filter->Add(hash);
    }
    return filter;
  }

  // One batch of the search index (search_index.h), in a transaction of its own on the
  // indexer's connection: it reads lanterne.db at a snapshot and writes search.db, so it
  // never holds the ingestion writer's lock. Not synced: the index is derived, and its marks
  // commit with it, so after a crash it resumes from what it had.
  Result<sqlite::SearchIndexer::StepResult> IndexSearchStep(int max_rows = kSearchStepRows) {
    std::lock_guard lock(search_step_mu_);
    Result<sqlite::SearchIndexer::StepResult> step = Status::Internal("no search step ran");
    for (int attempt = 0; attempt < 2; ++attempt) {
      // The step finds an observation's trace through the in-memory id maps and the merged
      // index, which the writer updates under its lock right after each COMMIT. A snapshot
      // taken between the two would see rows whose ids are in neither: their observations
      // would be indexed as orphans, and never adopted once their trace is indexed. So the
      // snapshot is taken in the writer's turn, a moment's wait. An id merge that commits
      // after it and then clears the map hides the merged traces the same way: seen, the
      // step is tried again on a new snapshot.
      uint64_t merges = 0;
      {
        std::lock_guard write_lock(write_mu_);
        merges = id_merges_.load(std::memory_order_acquire);
        LANTERNE_RETURN_IF_ERROR(search_conn_.Exec("BEGIN"));
        Status pinned = search_conn_.Exec("SELECT max(seq) FROM main.traces");
        if (!pinned.ok()) {
          (void)search_conn_.Exec("ROLLBACK");
          return pinned;
        }
      }
      step = search_indexer_.Step(recent_traces_, max_rows);
      if (step.ok() && step->orphaned && attempt == 0 &&
          id_merges_.load(std::memory_order_acquire) != merges) {
        (void)search_conn_.Exec("ROLLBACK");
        continue;
      }
      Status done = step.ok() ? search_conn_.Exec("COMMIT") : step.status();
      if (!done.ok()) {
        (void)search_conn_.Exec("ROLLBACK");
        return done;
      }
      break;
    }
    if (!step.ok()) return step;
    CheckpointSearchWal();
    // The handled part of the search_dirty log goes now and then, in the writer's turn.
    if (step->dirty_mark - dirty_trimmed_ >= kDirtyTrimRows ||
        (step->caught_up && step->dirty_mark > dirty_trimmed_)) {
      std::lock_guard write_lock(write_mu_);
      if (search_indexer_.TrimDirtyLog(step->dirty_mark).ok()) dirty_trimmed_ = step->dirty_mark;
    }
    return step;
  }

  // search.db's WAL, checkpointed by the indexer itself after its steps (nothing waits on
  // them): copied back past kCheckpointPages frames, started over past the restart bound
  // even while readers keep snapshots open, as the main WAL is (RestartWalIfLong).
  void CheckpointSearchWal() {
    const int frames = search_wal_frames_.load(std::memory_order_relaxed);
    if (frames < kSearchCheckpointPages && frames <= restart_frames_) return;
    const int mode =
        frames > restart_frames_ ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;
    if (sqlite3_wal_checkpoint_v2(search_conn_.get(), "search", mode, nullptr, nullptr) ==
        SQLITE_OK) {
      search_wal_frames_.store(0, std::memory_order_relaxed);
    }
  }

  std::string SearchPath() const {
    return (std::filesystem::path(path_).parent_path() / "search.db").string();
  }

  // While writes or index steps come one after another and readers keep snapshots open, the
  // background checkpoint never finds a quiet moment to start the log over, so the WAL would
  // only grow: a search index built beside UI queries left a 23 GB WAL. Past a bound the
  // writer restarts it itself, between two of its transactions, whichever kind; the
  // background pass has already copied most frames, so this is short. Under write_mu_.
  void RestartWalIfLong() {
    if (wal_frames_.load(std::memory_order_relaxed) <= restart_frames_) return;
    sqlite3_wal_checkpoint_v2(writer_.get(), nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    wal_frames_.store(0, std::memory_order_relaxed);
  }

  // Polls for rows to index. While writes come in, it works in batches and rests three
  // times as long as each took, so under sustained ingestion it takes at most a quarter of
  // a core and the index lags instead of the writes. Once no write came for
  // kQuietBeforeIdle, it catches up in large batches without resting.
  void SearchIndexLoop() {
    NameThisThread("lanterne-search");
    const auto interval = std::chrono::milliseconds(options_.search_index_interval_ms);
    std::unique_lock lock(search_mu_);
    while (!stop_search_) {
      search_wake_.wait_for(lock, interval);
      bool writing = true;
      while (!stop_search_) {
        lock.unlock();
        const uint64_t writes_before = writes_begun_.load(std::memory_order_relaxed);
        auto started = std::chrono::steady_clock::now();
        auto handled = IndexSearchStep(writing ? kSearchStepRows : kIdleSearchStepRows);
        auto took = std::chrono::steady_clock::now() - started;
        lock.lock();
        if (!handled.ok() || handled->caught_up) break;  // caught up, or retry later
        writing = writes_begun_.load(std::memory_order_relaxed) != writes_before ||
                  SteadyNanos() - last_write_ns_.load(std::memory_order_relaxed) <
                      kQuietBeforeIdle.count();
        if (writing) search_wake_.wait_for(lock, 3 * took);
      }
    }
  }

  void StopSearchIndexer() {
    {
      std::lock_guard lock(search_mu_);
      stop_search_ = true;
    }
    search_wake_.notify_one();
    if (search_thread_.joinable()) search_thread_.join();
  }

  // The home dashboard's per-user card reads one rollup row per user and day: for a busy
  // project some 300,000 rows over 30 days, 0.4 s, where every other card reads a few
  // thousand. RollupCache keeps that read merged once it was made; this thread makes it
  // ahead of the first dashboard load: at start and after each UTC midnight (when the
  // presets' ranges move on by a day), for the projects written to most recently and the
  // whole past days of the web UI's "Past 7 days" and "Past 30 days" (timeRange in
  // web/src/lib/metrics.ts: from a UTC midnight; today's hours are read anew every time).
  void WarmRollupReadsLoop() {
    NameThisThread("lanterne-warm");
    int64_t warmed_day = -1;
    std::unique_lock lock(warm_mu_);
    while (!stop_warm_) {
      const int64_t today = BucketStart(NowMicros(), RollupGrain::kDay);
      if (today != warmed_day) {
        warmed_day = today;
        lock.unlock();
        WarmRollupReadsOf(today);
        lock.lock();
      }
      // The predicate sees a stop asked for while the warm-up ran unlocked; without it
      // that stop's notify was lost and closing the store waited out the 30 s.
      warm_wake_.wait_for(lock, std::chrono::seconds(30), [&] { return stop_warm_; });
    }
  }

  void WarmRollupReads() override {
    WarmRollupReadsOf(BucketStart(NowMicros(), RollupGrain::kDay));
  }
  void WarmRollupReadsOf(int64_t today) {
    std::vector<std::string> projects;
    {
      auto conn = Borrow();
      // Projects by their latest trace (one index probe each): the most recently busy
      // first, those without traces in the range not at all.
      Statement s(conn.get(),
                  "SELECT id FROM (SELECT id, (SELECT MAX(timestamp) FROM traces WHERE "
                  "project_id = projects.id) AS latest FROM projects) WHERE latest >= ?1 "
                  "ORDER BY latest DESC LIMIT ?2");
      s.Bind(1, today - 30 * kDayUs).Bind(2, static_cast<int64_t>(kWarmProjects));
      while (s.Step() == SQLITE_ROW) projects.push_back(s.Text(0));
    }
    for (const auto& project : projects) {
      for (int days : {7, 30}) {
        {
          std::lock_guard lock(warm_mu_);
          if (stop_warm_) return;
        }
        RollupRowsRequest request;
        request.table = RollupTable::kTraceUsers;
        request.grain = RollupGrain::kDay;
        request.from_us = today - days * kDayUs;
        request.to_us = today;
        request.with_sketches = false;
        request.merge_buckets = true;
        (void)ReadRollupRows(project, request);  // kept, or too large to keep
      }
    }
  }

  static int OnSearchWalCommit(void* self, sqlite3*, const char* db_name, int wal_pages) {
    if (std::string_view(db_name) == "search") {
      static_cast<SqliteStore*>(self)->search_wal_frames_.store(wal_pages,
                                                                std::memory_order_relaxed);
    }
    return SQLITE_OK;
  }

  static int OnWalCommit(void* self, sqlite3*, const char*, int wal_pages) {
    static_cast<SqliteStore*>(self)->wal_frames_.store(wal_pages, std::memory_order_relaxed);
    if (wal_pages >= kCheckpointPages)
      static_cast<SqliteStore*>(self)->checkpoint_wake_.notify_one();
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    NameThisThread("lanterne-ckpt");
    std::unique_lock lock(checkpoint_mu_);
    while (!stop_checkpointer_) {
      checkpoint_wake_.wait_for(lock, std::chrono::milliseconds(500));
      if (stop_checkpointer_) break;
      lock.unlock();
      // PASSIVE never waits for the writer or readers; what it cannot copy now it copies on
      // a later round.
      sqlite3_wal_checkpoint_v2(checkpoint_conn_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
      lock.lock();
    }
    lock.unlock();
    sqlite3_wal_checkpoint_v2(checkpoint_conn_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                              nullptr);
  }

  static constexpr int kCheckpointPages = 4096;
  // A search step while writes come in. It holds no lock the writes need, but takes a
  // core's share on a machine of two: its COMMIT (FTS5 writes a segment and merges older
  // ones) costs 10-20 ms however few rows it holds, so fewer, larger steps cost less.
  static constexpr int kSearchStepRows = 128;
  // A batch while no write comes in: fewer COMMITs (and FTS5 segments to merge) per row.
  static constexpr int kIdleSearchStepRows = 512;
  static constexpr int kSearchCheckpointPages = 1024;
  // search_dirty rows handled before the indexer trims them (TrimDirtyLog).
  static constexpr int64_t kDirtyTrimRows = 1024;
  std::atomic<uint64_t> writes_begun_{0};  // RunWrite transactions so far
  std::atomic<int64_t> last_write_ns_{0};  // steady clock, when the last one began
  static constexpr std::chrono::nanoseconds kQuietBeforeIdle = std::chrono::milliseconds(250);
  static int64_t SteadyNanos() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  // Each slice merges 1/32 of the ids waiting in memory, inside a batch's transaction: with
  // 8, one merge held ingestion up for 12-18 ms.
  static constexpr int kMergeSlices = RecentIds::kSlices;
  int merge_slice_ = 0;
  // Per index (traces, observations, observations by trace): the highest seq present
  // when the current round of slices began.
  int64_t merge_round_[3] = {0, 0, 0};
  // SqliteOptions::wal_restart_pages, kept under the WAL's size limit (journal_size_limit).
  int restart_frames_ = 32768;

  std::string path_;
  SqliteOptions options_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_wake_;
  bool stop_checkpointer_ = false;
  Connection checkpoint_conn_;
  std::thread checkpointer_;
  std::mutex write_mu_;
  RollupCache rollup_cache_;  // merged rollup reads of unchanged days (rollup_cache.h)
  std::mutex sync_mu_;
  int wal_fd_ = -1;
  std::atomic<int> wal_frames_{0};
  RecentIds recent_traces_, recent_observations_, recent_observation_traces_;
  // Used by the writer and changed by the builder, both under write_mu_.
  sqlite::MergedIdFilter trace_id_filter_, observation_id_filter_;
  std::mutex id_filter_mu_;  // the builder's sleep and stop
  std::condition_variable id_filter_wake_;
  bool stop_id_filters_ = false;
  std::thread id_filter_thread_;
  static constexpr int kIdFilterChunk = 65536;
  Connection writer_;
  std::unique_ptr<PayloadLog> payloads_;
  std::unique_ptr<SqliteWriteTxn> txn_;
  Connection search_conn_;                // lanterne.db, search.db attached as `search`
  sqlite::SearchIndexer search_indexer_;  // on search_conn_, under search_step_mu_
  std::mutex search_step_mu_;             // the thread below, or CatchUpSearchIndex
  std::atomic<uint64_t> id_merges_{0};    // id merges that cleared ids so far (FinishIdMerge)
  std::atomic<int> search_wal_frames_{0};
  int64_t dirty_trimmed_ = 0;  // under search_step_mu_
  std::mutex search_mu_;
  std::condition_variable search_wake_;
  bool stop_search_ = false;
  std::thread search_thread_;
  static constexpr int kWarmProjects = 8;
  std::mutex warm_mu_;
  std::condition_variable warm_wake_;
  bool stop_warm_ = false;
  std::thread warm_thread_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir, SqliteOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec)
    return Status::Unavailable("cannot create data directory " + data_dir + ": " + ec.message());
  auto store = std::make_unique<SqliteStore>(data_dir + "/lanterne.db", options);
  LANTERNE_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace lanterne
