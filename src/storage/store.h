// The storage interface every engine implements (SQLite embedded today; PostgreSQL and
// ClickHouse behind the same interface later). Every read and write names its project:
// a caller cannot ask for rows without saying whose they are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prompts/prompt.h"

#include "core/status.h"
#include "domain/records.h"
#include "pricing/model_definition.h"
#include "storage/dashboard.h"
#include "storage/rollup_read.h"

namespace lanterne {

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total_items = 0;  // Counting::kPageOnly: not counted (0)
  bool has_more = false;    // Counting::kPageOnly: a row follows this page
};

// What a listing computes. The public API's pages carry their exact total; the web UI's
// tables ask for the page and the total in two requests, so that the page, whose work is
// bounded by its rows, is not held up by a count, whose work grows with the matches.
enum class Counting { kPageAndTotal, kPageOnly, kTotalOnly };

struct PageRequest {
  int64_t page = 1;  // 1-based
  int64_t limit = 50;
};

// A trace whose top-level metadata `key` holds a scalar equal to (or, with `contains`,
// containing) `value`; values compare on their first kMetadataValueBytes bytes.
struct MetadataFilter {
  std::string key, value;
  bool contains = false;
};
inline constexpr size_t kMetadataValueBytes = 200;
inline constexpr size_t kMetadataKeyBytes = 200;  // longer keys are not indexed

struct TraceQuery {
  std::optional<std::string> user_id, name, session_id, release, version;
  std::vector<std::string> tags;          // all of
  std::vector<std::string> environments;  // any of
  std::optional<int64_t> from_us;         // inclusive
  std::optional<int64_t> to_us;           // exclusive
  std::string order_by = "timestamp";     // id, timestamp, name, userId, release, version,
                                          // public, bookmarked, sessionId
  bool descending = true;
  // Full text (web UI only; storage/search_text.h): traces whose name, input or output, or
  // an observation's input or output, contain it. Normalized and non-empty when set.
  std::optional<std::string> search;
  std::optional<bool> bookmarked;  // web UI only: bookmarked (or not bookmarked) traces
  // Web UI only: top-level metadata values (storage/sqlite/trace_metadata.h), all ANDed.
  std::vector<MetadataFilter> metadata;
  PageRequest page;
  Counting counting = Counting::kPageAndTotal;
};

struct ObservationQuery {
  std::optional<std::string> name, user_id, trace_id, parent_observation_id, version;
  std::optional<ObservationType> type;
  std::optional<Level> level;
  std::vector<std::string> environments;
  std::optional<int64_t> from_start_us, to_start_us;
  // The web UI's observations table (not in Langfuse's public API): model (exact), latency
  // (end − start; unfinished observations never match a bound) and total cost bounds.
  std::vector<std::string> models;
  std::optional<int64_t> min_latency_us, max_latency_us;
  std::optional<double> min_cost, max_cost;
  // "startTime" (default), "latency" or "totalCost"; newest/largest first unless ascending.
  std::string order_by = "startTime";
  bool ascending = false;
  PageRequest page;
  Counting counting = Counting::kPageAndTotal;
};

struct SessionQuery {
  std::optional<int64_t> from_us, to_us;
  std::vector<std::string> environments;
  PageRequest page;
};

struct ScoreQuery {
  std::optional<std::string> user_id, name, source, config_id, queue_id, trace_id, session_id,
      dataset_run_id;
  std::vector<std::string> observation_ids, score_ids, trace_tags, environments;
  std::optional<ScoreDataType> data_type;
  std::optional<int64_t> from_us, to_us;
  std::optional<std::string> value_operator;  // <, >, <=, >=, !=, =
  std::optional<double> value;
  bool trace_linked_only = false;  // the v1 listing shows trace scores only
  PageRequest page;
};

// What a trace listing adds to each trace, computed from its observations and scores.
struct TraceRollup {
  std::vector<std::string> observation_ids;
  std::vector<std::string> score_ids;
  std::optional<int64_t> first_start_us, last_end_us;
  double total_cost = 0;

  // Counts one observation; one without an end counts as ending when it starts.
  void AddObservation(std::string id, int64_t start_us, std::optional<int64_t> end_us,
                      std::optional<double> cost) {
    int64_t end = end_us.value_or(start_us);
    if (!first_start_us || start_us < *first_start_us) first_start_us = start_us;
    if (!last_end_us || end > *last_end_us) last_end_us = end;
    total_cost += cost.value_or(0);
    observation_ids.push_back(std::move(id));
  }
};

// The web UI traces table's extra columns for one trace: its observations' usage summed,
// and its scores by name (numeric and boolean: the average; categorical: the values seen,
// most frequent first). Text and correction scores are not summarized.
struct ScoreAggregate {
  std::string name;
  ScoreDataType data_type = ScoreDataType::kNumeric;
  int64_t count = 0;
  double average = 0;                                   // numeric, boolean
  std::vector<std::pair<std::string, int64_t>> values;  // categorical: value, count
};
struct TraceTableExtras {
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  std::vector<ScoreAggregate> scores;  // by name
};

// A failed web UI login, kept so a restart does not reset the rate limit's window.
struct LoginFailure {
  std::string email, ip;
  int64_t at_us = 0;
};

// What the sessions and users pages show for a group of traces (a session's, a user's).
// Counts and timestamps cover every trace of the group. Cost, tokens and the latest end are
// summed over its `counted_traces` most recent traces only, at most the query's
// `max_counted_traces`, so a page costs bounded work however large one group grows; when
// counted_traces < trace_count they are lower bounds.
struct TraceTotals {
  int64_t trace_count = 0;
  int64_t counted_traces = 0;
  std::optional<int64_t> first_timestamp_us, last_timestamp_us;
  // The latest trace timestamp or observation end (one without an end counts its start).
  std::optional<int64_t> last_end_us;
  double total_cost = 0;
  // Summed from the observations' usage (input, output, total); zero unless asked for.
  int64_t input_tokens = 0, output_tokens = 0, total_tokens = 0;
  // False when only the total is known (the users list reads it from the rollups).
  bool tokens_split = true;
};

struct SessionSummary {
  SessionRecord session;
  TraceTotals totals;
  std::vector<std::string> user_ids;  // every user id seen in the session, sorted
  // GetSessionSummary only: the ids of the requested page of its traces, oldest first.
  std::vector<std::string> page_trace_ids;
};

struct UserSummary {
  std::string user_id;
  TraceTotals totals;
};

struct SessionSummaryQuery {
  std::optional<int64_t> from_us, to_us;  // session creation: from inclusive, to exclusive
  std::optional<std::string> user_id;     // only sessions with a trace of this user
  std::vector<std::string> environments;  // any of
  bool with_tokens = false;
  int64_t max_counted_traces = 1000;
  PageRequest page;  // newest session first
};

struct UserQuery {
  std::string order_by = "lastSeen";  // lastSeen, firstSeen, traceCount, userId
  bool descending = true;
  int64_t max_counted_traces = 1000;
  PageRequest page;
};

struct Organization {
  std::string id, name;
};

struct Project {
  std::string id, org_id, name;
  int64_t created_at_us = 0;
};

struct ApiKey {
  std::string id, project_id, public_key, secret_hash, display_secret;
  std::optional<std::string> note;
  int64_t created_at_us = 0;
  std::optional<int64_t> last_used_at_us;
};

struct User {
  std::string id, email, name, password_hash;
  int64_t created_at_us = 0;
};

// Accounts of the web UI (src/auth, src/api/ui_*). Roles are OWNER, ADMIN, MEMBER, VIEWER.
struct Membership {
  std::string org_id, user_id, role;
};

struct OrgMember {
  User user;  // without password_hash
  std::string role;
};

// A project-level role that overrides the user's organization role in that project.
struct ProjectRole {
  std::string project_id, user_id, role;
};

// A logged-in browser: only the SHA-256 of its cookie token is stored.
struct UiSession {
  std::string token_hash, user_id, csrf_token;
  int64_t created_at_us = 0, expires_at_us = 0;
};

struct Invitation {
  std::string id, token_hash, org_id, role;
  std::optional<std::string> email;
  std::string invited_by;
  int64_t created_at_us = 0, expires_at_us = 0;
};

// One write transaction. Reads inside it see its own earlier writes. Not thread-safe:
// used by the single batch writer.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;
  virtual Result<std::optional<TraceRecord>> FindTrace(const std::string& project_id,
                                                       const std::string& id) = 0;
  // `encoded`, when given, is EncodeTrace(trace) computed earlier on another thread.
  virtual Status PutTrace(const TraceRecord& trace, bool is_new,
                          const std::string* encoded = nullptr) = 0;
  virtual Result<std::optional<ObservationRecord>> FindObservation(const std::string& project_id,
                                                                   const std::string& id) = 0;
  virtual Status PutObservation(const ObservationRecord& observation, bool is_new,
                                const std::string* encoded = nullptr) = 0;
  virtual Result<std::optional<ScoreRecord>> FindScore(const std::string& project_id,
                                                       const std::string& id) = 0;
  virtual Status PutScore(const ScoreRecord& score, bool is_new) = 0;
  // Creates the session row on first sight; later calls leave it as it is.
  virtual Status EnsureSession(const SessionRecord& session) = 0;
  // Deletes the traces with their observations and scores. Returns how many existed.
  virtual Result<int64_t> DeleteTraces(const std::string& project_id,
                                       const std::vector<std::string>& ids) = 0;
  virtual Result<bool> DeleteScore(const std::string& project_id, const std::string& id) = 0;

  virtual Status UpsertOrganization(const Organization& org) = 0;
  // Creates the project; an existing id keeps its name (headless init never renames).
  virtual Status UpsertProject(const Project& project) = 0;
  // Replaces any key with the same public key.
  virtual Status PutApiKey(const ApiKey& key) = 0;
  virtual Status UpsertUser(const User& user, const std::string& org_id,
                            const std::string& role) = 0;

  // Web UI accounts. CreateUser answers AlreadyExists when the email is taken.
  virtual Status CreateUser(const User& user) = 0;
  virtual Status SetUserPassword(const std::string& user_id, const std::string& hash) = 0;
  virtual Status RenameOrganization(const std::string& org_id, const std::string& name) = 0;
  // Removes the organization and its memberships and invitations; its projects must be
  // gone first.
  virtual Status DeleteOrganization(const std::string& org_id) = 0;
  virtual Status RenameProject(const std::string& project_id, const std::string& name) = 0;
  // Removes the project and everything in it: keys, models, role overrides, traces,
  // observations, scores, sessions, prompts, and their index and search entries.
  virtual Status DeleteProject(const std::string& project_id) = 0;
  virtual Status PutMembership(const Membership& membership) = 0;
  // Also drops the user's role overrides in the organization's projects.
  virtual Status DeleteMembership(const std::string& org_id, const std::string& user_id) = 0;
  // `role` empty: no override.
  virtual Status SetProjectRole(const std::string& project_id, const std::string& user_id,
                                const std::string& role) = 0;
  virtual Status PutUiSession(const UiSession& session) = 0;
  virtual Status TouchUiSession(const std::string& token_hash, int64_t expires_at_us) = 0;
  virtual Status DeleteUiSession(const std::string& token_hash) = 0;
  // Every session of the user except `keep_token_hash`.
  virtual Status DeleteUiSessionsOfUser(const std::string& user_id,
                                        const std::string& keep_token_hash) = 0;
  virtual Status PutInvitation(const Invitation& invitation) = 0;
  virtual Status DeleteInvitation(const std::string& id) = 0;
  // Returns whether the key existed in the project.
  virtual Result<bool> DeleteApiKey(const std::string& project_id, const std::string& id) = 0;
  // Prompt versions (src/prompts). PutPrompt creates or replaces one version; the
  // versions of a name are read inside the transaction that changes their labels.
  virtual Status PutPrompt(const PromptVersion& prompt) = 0;
  virtual Result<std::vector<PromptVersion>> PromptVersionsToUpdate(const std::string& project_id,
                                                                    const std::string& name) = 0;
  // One version, or all of the name when `version` is absent; returns how many went.
  virtual Result<int64_t> DeletePrompts(const std::string& project_id, const std::string& name,
                                        std::optional<int64_t> version) = 0;
  // Sets or clears a trace's bookmark; false when the trace does not exist in the project.
  virtual Result<bool> SetTraceBookmark(const std::string& project_id, const std::string& id,
                                        bool bookmarked) = 0;
  // Failed web UI logins (auth/ui_sessions.h): recording one also forgets every failure
  // older than `forget_before_us`; clearing forgets the email's.
  virtual Status RecordLoginFailure(const LoginFailure& failure, int64_t forget_before_us) = 0;
  virtual Status ClearLoginFailures(const std::string& email) = 0;
  // Moves the key's last use forward to `at_us` (never back); unknown keys are ignored.
  virtual Status RecordApiKeyUse(const std::string& public_key, int64_t at_us) = 0;

  // A project's own model definition (src/pricing): created, or replaced when the id
  // exists in the project. `model.project_id` must be set.
  virtual Status PutModel(const ModelDefinition& model) = 0;
  // Returns whether it existed.
  virtual Result<bool> DeleteModel(const std::string& project_id, const std::string& id) = 0;

  // Saved custom dashboards of the web UI. Update and delete return whether the project had
  // the dashboard; update leaves its creator and creation time.
  virtual Status InsertDashboard(const Dashboard& dashboard) = 0;
  virtual Result<bool> UpdateDashboard(const Dashboard& dashboard) = 0;
  virtual Result<bool> DeleteDashboard(const std::string& project_id, const std::string& id) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs `body` in one transaction and commits it; readers see it from then on. With
  // `durable`, it is also on stable storage when this returns; without, a later Sync()
  // makes it so (the writer overlaps the next transaction with that sync). Called by one
  // thread at a time (the batch writer, or admin commands).
  virtual Status RunWrite(const std::function<Status(WriteTxn&)>& body, bool durable = true) = 0;

  // Makes every transaction committed so far durable. Thread-safe; may run beside RunWrite.
  virtual Status Sync() = 0;

  // The full-text index follows writes a moment later, in the background; this brings it
  // up to date now (tests, and tools that search right after writing).
  virtual Status CatchUpSearchIndex() { return Status::Ok(); }

  // A project's traces and observations the full-text index has not reached yet, each
  // counted up to kSearchLagCountCap (more reads as "at least that many"). Not zero for
  // long after a store upgrade rebuilds the index (hours at 10M observations) or under
  // ingestion faster than indexing: the web UI says so beside its search results.
  struct SearchLag {
    int64_t traces = 0;
    int64_t observations = 0;
  };
  static constexpr int64_t kSearchLagCountCap = 10000;
  virtual Result<SearchLag> SearchIndexLag(const std::string& /*project_id*/) {
    return SearchLag{};
  }

  // The engine's stored form of a record's cold fields. Thread-safe and independent of
  // the store's state, so request threads can prepare it before the writer needs it.
  virtual std::string EncodeTrace(const TraceRecord& trace) const = 0;
  virtual std::string EncodeObservation(const ObservationRecord& observation) const = 0;

  // Reads: thread-safe, each sees the latest committed state.
  virtual Result<std::optional<TraceRecord>> GetTrace(const std::string& project_id,
                                                      const std::string& id) = 0;
  virtual Result<Page<TraceRecord>> ListTraces(const std::string& project_id,
                                               const TraceQuery& query) = 0;
  virtual Result<std::vector<TraceRollup>> RollupTraces(const std::string& project_id,
                                                        const std::vector<std::string>& ids) = 0;
  // The traces table's token and score columns for `ids` (one entry each, in order), read
  // in bulk: a few statements for the whole page, not per trace.
  virtual Result<std::vector<TraceTableExtras>> TraceTableColumns(
      const std::string& project_id, const std::vector<std::string>& ids) = 0;
  virtual Result<std::vector<ObservationRecord>> ObservationsOfTrace(
      const std::string& project_id, const std::string& trace_id) = 0;
  virtual Result<std::optional<ObservationRecord>> GetObservation(const std::string& project_id,
                                                                  const std::string& id) = 0;
  virtual Result<Page<ObservationRecord>> ListObservations(const std::string& project_id,
                                                           const ObservationQuery& query) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(const std::string& project_id,
                                                          const std::string& id) = 0;
  virtual Result<Page<SessionRecord>> ListSessions(const std::string& project_id,
                                                   const SessionQuery& query) = 0;
  virtual Result<std::vector<TraceRecord>> TracesOfSession(const std::string& project_id,
                                                           const std::string& session_id) = 0;
  // The web UI's sessions and users pages (TraceTotals says what is summed). A user is a
  // trace user_id; one without traces does not exist (nullopt). Users always have tokens.
  virtual Result<Page<SessionSummary>> ListSessionSummaries(const std::string& project_id,
                                                            const SessionSummaryQuery& query) = 0;
  virtual Result<std::optional<SessionSummary>> GetSessionSummary(
      const std::string& project_id, const std::string& session_id, int64_t max_counted_traces,
      const PageRequest& traces_page) = 0;
  virtual Result<Page<UserSummary>> ListUsers(const std::string& project_id,
                                              const UserQuery& query) = 0;
  virtual Result<std::optional<UserSummary>> GetUserSummary(const std::string& project_id,
                                                            const std::string& user_id,
                                                            int64_t max_counted_traces) = 0;
  virtual Result<std::optional<ScoreRecord>> GetScore(const std::string& project_id,
                                                      const std::string& id) = 0;
  virtual Result<Page<ScoreRecord>> ListScores(const std::string& project_id,
                                               const ScoreQuery& query) = 0;
  virtual Result<std::vector<ScoreRecord>> ScoresOfTrace(const std::string& project_id,
                                                         const std::string& trace_id) = 0;

  // A project's own model definitions (built-in ones are not stored), uncompiled: by model
  // name, then newest start date (none last), then newest created.
  virtual Result<Page<ModelDefinition>> ListModels(const std::string& project_id,
                                                   const PageRequest& page) = 0;
  virtual Result<std::vector<ModelDefinition>> ListAllModels(const std::string& project_id) = 0;
  virtual Result<std::optional<ModelDefinition>> GetModel(const std::string& project_id,
                                                          const std::string& id) = 0;

  // Every version of the prompt, newest first; of every prompt, by name then newest first.
  virtual Result<std::vector<PromptVersion>> PromptVersions(const std::string& project_id,
                                                            const std::string& name) = 0;
  virtual Result<std::vector<PromptVersion>> AllPrompts(const std::string& project_id) = 0;
  // Per version of the prompt that generations link to, newest version first.
  // Dashboards and metrics (storage/rollup_read.h): rollup rows of a time range, and the
  // raw rows' contributions when a query needs what rollups do not keep.
  // Makes the dashboards' slowest merged rollup reads ahead of the first page load, so that
  // the store keeps them (the embedded store does it by itself at start and after each UTC
  // midnight).
  virtual void WarmRollupReads() {}
  virtual Result<std::vector<RollupRow>> ReadRollupRows(const std::string& project_id,
                                                        const RollupRowsRequest& request) {
    (void)project_id, (void)request;
    return Status::Internal("this store keeps no rollups");
  }
  virtual Result<RawFacts> ReadRawFacts(const std::string& project_id,
                                        const RawFactsRequest& request) {
    (void)project_id, (void)request;
    return Status::Internal("this store keeps no rollups");
  }
  virtual Result<std::vector<PromptVersionStats>> PromptMetrics(const std::string& project_id,
                                                                const std::string& name) = 0;

  // Failed web UI logins at or after `since_us`, oldest first (email empty once cleared).
  virtual Result<std::vector<LoginFailure>> LoginFailuresSince(int64_t since_us) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys() = 0;
  virtual Result<bool> HasUser(const std::string& email) = 0;
  virtual Result<std::optional<Project>> GetProject(const std::string& project_id) = 0;
  virtual Result<std::optional<Organization>> GetOrganization(const std::string& org_id) = 0;

  // Web UI accounts (see the WriteTxn methods).
  virtual Result<int64_t> CountUsers() = 0;
  virtual Result<std::optional<User>> FindUserByEmail(const std::string& email) = 0;
  virtual Result<std::optional<User>> GetUser(const std::string& user_id) = 0;
  virtual Result<std::vector<Membership>> MembershipsOfUser(const std::string& user_id) = 0;
  virtual Result<std::vector<OrgMember>> MembersOfOrganization(const std::string& org_id) = 0;
  virtual Result<std::vector<Project>> ProjectsOfOrganization(const std::string& org_id) = 0;
  virtual Result<std::vector<ProjectRole>> ProjectRolesOfUser(const std::string& user_id) = 0;
  virtual Result<std::vector<ProjectRole>> ProjectRolesOfProject(const std::string& project_id) = 0;
  virtual Result<std::optional<UiSession>> GetUiSession(const std::string& token_hash) = 0;
  virtual Result<std::optional<Invitation>> GetInvitation(const std::string& token_hash) = 0;
  virtual Result<std::vector<ApiKey>> ApiKeysOfProject(const std::string& project_id) = 0;

  // A project's saved dashboards, most recently updated first; one of them.
  virtual Result<std::vector<Dashboard>> ListDashboards(const std::string& project_id) = 0;
  virtual Result<std::optional<Dashboard>> GetDashboard(const std::string& project_id,
                                                        const std::string& id) = 0;
};

struct SqliteOptions {
  // Rows held in memory before they are merged into the on-disk id index
  // (storage/sqlite/id_index.h). Small in tests, to exercise merging.
  size_t id_merge_rows = 20000;
  // How often the background search indexer looks for rows to index; 0 runs no indexer
  // (tests then call CatchUpSearchIndex).
  int search_index_interval_ms = 250;
  // The newest matching documents a full-text search answers from, half traces', half
  // observations' (storage/sqlite/search_index.h). Each candidate's ~2 KB of text is read
  // to check it (~12 µs each): 5,000 took 0.25-0.3 s at 10M observations, 20,000 0.3-0.5 s
  // before both kinds were indexed. Small in tests, to reach it.
  int search_match_docs = 2000;
  // Traces sorted by name in a time range: up to this many in the range are read and
  // sorted; more are read name by name from an index, seeking up to `name_seeks` names
  // before one walk takes the rest (sqlite_store.cc, PageNameByName). Small in tests.
  int sorted_range_traces = 20000;
  int name_seeks = 1000;
  // WAL pages past which the writer checkpoints and starts the log over itself, after any
  // of its transactions (128 MiB of 4 KiB pages). Small in tests.
  int wal_restart_pages = 32768;
  // Pending rollup entries a (project, table) may hold before a write transaction folds
  // them into the rollup rows (storage/sqlite/rollup_pending.h); 0 folds in every one.
  size_t rollup_pending_entries = 1024;
  // Take the dashboards' slowest merged rollup reads ahead of the first page load, at start
  // and after each UTC midnight (SqliteStore::WarmRollupReadsLoop).
  bool warm_rollup_reads = true;
};

// Opens (creating and migrating when needed) the embedded SQLite store in `data_dir`.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir,
                                               SqliteOptions options = {});

}  // namespace lanterne
