#include "storage/sqlite/schema.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "core/log.h"
#include "storage/sqlite/trace_metadata.h"

namespace lanterne::sqlite {
namespace {

// Each entry moves the schema from version i to i + 1; never edit a released entry.
// Rows are keyed by an append-ordered integer (seq, AUTOINCREMENT so a seq is never
// reused), so inserts land at the end of the table. Trace and observation ids are found
// through id_index.h; score ids through a narrow 64-bit hash index. Wide, rarely filtered
// fields live in the compressed `payload`.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE organizations (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE projects (
  id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, project_id TEXT NOT NULL REFERENCES projects(id),
  public_key TEXT NOT NULL UNIQUE, secret_hash TEXT NOT NULL, display_secret TEXT NOT NULL,
  note TEXT, created_at INTEGER NOT NULL, last_used_at INTEGER);
CREATE TABLE users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE memberships (
  org_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY (org_id, user_id)) WITHOUT ROWID;

CREATE TABLE traces (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL, id TEXT NOT NULL, id_hash INTEGER NOT NULL,
  timestamp INTEGER NOT NULL, name TEXT, user_id TEXT, session_id TEXT, release TEXT,
  version TEXT, environment TEXT NOT NULL, tags TEXT NOT NULL, public INTEGER NOT NULL,
  bookmarked INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  payload BLOB NOT NULL);
CREATE INDEX traces_by_time ON traces (project_id, timestamp);
CREATE INDEX traces_by_session ON traces (project_id, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX traces_by_user ON traces (project_id, user_id) WHERE user_id IS NOT NULL;

CREATE TABLE observations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id TEXT NOT NULL, id TEXT NOT NULL, id_hash INTEGER NOT NULL,
  trace_id TEXT NOT NULL, trace_hash INTEGER NOT NULL, type TEXT NOT NULL, name TEXT,
  start_time INTEGER NOT NULL, end_time INTEGER, level TEXT NOT NULL, parent_id TEXT,
  model TEXT, environment TEXT NOT NULL, version TEXT, total_cost REAL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, payload BLOB NOT NULL);
CREATE INDEX observations_by_trace ON observations (trace_hash);
CREATE INDEX observations_by_time ON observations (project_id, start_time);

CREATE TABLE scores (
  seq INTEGER PRIMARY KEY,
  project_id TEXT NOT NULL, id TEXT NOT NULL, id_hash INTEGER NOT NULL,
  timestamp INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, string_value TEXT,
  data_type TEXT NOT NULL, source TEXT NOT NULL, trace_id TEXT, trace_hash INTEGER,
  observation_id TEXT, session_id TEXT, dataset_run_id TEXT, comment TEXT, config_id TEXT,
  queue_id TEXT, author_user_id TEXT, metadata TEXT NOT NULL, environment TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX scores_by_id ON scores (id_hash);
CREATE INDEX scores_by_trace ON scores (trace_hash) WHERE trace_hash IS NOT NULL;
CREATE INDEX scores_by_time ON scores (project_id, timestamp);

-- Id lookups for traces and observations: see storage/sqlite/id_index.h. Rows past a
-- table's watermark are found through memory; the rest through these tables.
CREATE TABLE trace_ids (
  id_hash INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id_hash, seq)) WITHOUT ROWID;
CREATE TABLE observation_ids (
  id_hash INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (id_hash, seq)) WITHOUT ROWID;
CREATE TABLE index_watermarks (name TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE sessions (
  project_id TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL,
  environment TEXT NOT NULL, PRIMARY KEY (project_id, id)) WITHOUT ROWID;
CREATE INDEX sessions_by_time ON sessions (project_id, created_at);
)sql",
    // 2: projects' own model definitions (src/pricing; built-in ones live in
    // share/models.json). Few rows per project, read whole into the model catalog's cache;
    // pricing tiers are kept as the JSON the API takes and returns.
    R"sql(
CREATE TABLE models (
  project_id TEXT NOT NULL, id TEXT NOT NULL, model_name TEXT NOT NULL,
  match_pattern TEXT NOT NULL, start_date INTEGER, unit TEXT, tokenizer_id TEXT,
  tokenizer_config TEXT, pricing_tiers TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)) WITHOUT ROWID;
)sql",
    // 3: web UI accounts. Sessions and invitations keep only the SHA-256 of their token;
    // project_roles override a member's organization role in one project. IF NOT EXISTS: a
    // data directory rewound to an older schema version (tests do) migrates forward again.
    R"sql(
CREATE TABLE IF NOT EXISTS ui_sessions (
  token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ui_sessions_by_user ON ui_sessions (user_id);
CREATE TABLE IF NOT EXISTS invitations (
  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL,
  role TEXT NOT NULL, email TEXT, invited_by TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS project_roles (
  project_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
  PRIMARY KEY (project_id, user_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS project_roles_by_user ON project_roles (user_id);
CREATE INDEX IF NOT EXISTS memberships_by_user ON memberships (user_id);
CREATE INDEX IF NOT EXISTS projects_by_org ON projects (org_id);
CREATE INDEX IF NOT EXISTS api_keys_by_project ON api_keys (project_id);
)sql",
    // 4: observations are found by trace through a merged index (id_index.h) instead of a
    // B-tree on a random hash, which rewrote one index page per new observation.
    R"sql(
CREATE TABLE IF NOT EXISTS observation_traces (
  trace_hash INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (trace_hash, seq)) WITHOUT ROWID;
INSERT OR IGNORE INTO observation_traces (trace_hash, seq) SELECT trace_hash, seq FROM observations;
INSERT OR REPLACE INTO index_watermarks (name, seq)
  SELECT 'observation_traces', coalesce(max(seq), 0) FROM observations;
DROP INDEX IF EXISTS observations_by_trace;
)sql",
    // 5: the users page (a project's end users with first/last seen and trace counts) groups
    // traces by user; with the timestamp in the index that is an index-only scan instead of
    // one row lookup per trace. It replaces traces_by_user, whose queries it also serves.
    R"sql(
CREATE INDEX IF NOT EXISTS traces_by_user_time ON traces (project_id, user_id, timestamp)
  WHERE user_id IS NOT NULL;
DROP INDEX IF EXISTS traces_by_user;
)sql",
    // 6: full-text search (storage/sqlite/search_index.h). Documents are filled beside
    // ingestion from the watermarks below (0: existing rows are indexed in the background
    // after an upgrade); the triggers only note which rows changed or went away.
    R"sql(
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(body, tokenize = 'trigram');
CREATE TABLE IF NOT EXISTS search_docs (
  doc INTEGER PRIMARY KEY, project_id TEXT NOT NULL, trace_id TEXT NOT NULL, trace_seq INTEGER);
CREATE INDEX IF NOT EXISTS search_docs_by_project ON search_docs (project_id, doc);
CREATE INDEX IF NOT EXISTS search_docs_orphans ON search_docs (project_id, trace_id)
  WHERE trace_seq IS NULL;
CREATE TABLE IF NOT EXISTS search_dirty (doc INTEGER PRIMARY KEY);
CREATE TRIGGER IF NOT EXISTS traces_search_update AFTER UPDATE OF name, payload ON traces
  BEGIN INSERT OR IGNORE INTO search_dirty (doc) VALUES (NEW.seq * 2); END;
CREATE TRIGGER IF NOT EXISTS traces_search_delete AFTER DELETE ON traces
  BEGIN INSERT OR IGNORE INTO search_dirty (doc) VALUES (OLD.seq * 2); END;
CREATE TRIGGER IF NOT EXISTS observations_search_update
  AFTER UPDATE OF trace_id, payload ON observations
  BEGIN INSERT OR IGNORE INTO search_dirty (doc) VALUES (NEW.seq * 2 + 1); END;
CREATE TRIGGER IF NOT EXISTS observations_search_delete AFTER DELETE ON observations
  BEGIN INSERT OR IGNORE INTO search_dirty (doc) VALUES (OLD.seq * 2 + 1); END;
INSERT OR IGNORE INTO index_watermarks (name, seq) VALUES ('search_traces', 0);
INSERT OR IGNORE INTO index_watermarks (name, seq) VALUES ('search_observations', 0);
)sql",
    // 7: prompt management (src/prompts): one row per immutable version; labels and tags
    // are JSON arrays, rewritten when they move between versions.
    R"sql(
CREATE TABLE IF NOT EXISTS prompts (
  project_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, id TEXT NOT NULL,
  type TEXT NOT NULL, prompt TEXT NOT NULL, config TEXT NOT NULL, labels TEXT NOT NULL,
  tags TEXT NOT NULL, commit_message TEXT, created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, name, version)) WITHOUT ROWID;
)sql",
    // 8: generations linked to a prompt version, for the prompt page's per-version metrics
    // (src/storage/sqlite/prompt_metrics.cc). Rows written before this version have NULLs
    // (their link is inside the compressed payload) and are not counted. The columns are
    // added by kColumnAdditions first.
    R"sql(
-- Covering: the metrics read only the index.
CREATE INDEX IF NOT EXISTS observations_by_prompt
  ON observations (project_id, prompt_name, prompt_version, start_time, end_time, total_cost,
                   total_tokens, trace_hash, trace_id) WHERE prompt_name IS NOT NULL;
)sql",
    // 9: the observations table opens on one type (generations): its count and first page
    // read this index instead of every observation of the project.
    R"sql(
CREATE INDEX IF NOT EXISTS observations_by_type_time ON observations (project_id, type, start_time);
)sql",
    // 10: the web UI's saved custom dashboards (src/storage/sqlite/dashboard_rows.h); the
    // definition is the widgets' JSON, validated by src/api/ui_dashboards.cc.
    R"sql(
CREATE TABLE IF NOT EXISTS dashboards (
  project_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
  definition TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)) WITHOUT ROWID;
)sql",
    // 11: the traces table's metadata filters (src/storage/sqlite/trace_metadata.h): one row
    // per top-level scalar of a trace's metadata, written with the trace, dropped with it;
    // and failed web UI logins, so a restart keeps the rate limit's window (login_rows.h).
    R"sql(
CREATE TABLE IF NOT EXISTS trace_metadata (
  project_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, trace_seq INTEGER NOT NULL,
  PRIMARY KEY (project_id, key, value, trace_seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trace_metadata_by_trace ON trace_metadata (trace_seq);
CREATE TRIGGER IF NOT EXISTS traces_metadata_delete AFTER DELETE ON traces
  BEGIN DELETE FROM trace_metadata WHERE trace_seq = OLD.seq; END;
CREATE TABLE IF NOT EXISTS login_failures (email TEXT NOT NULL, ip TEXT NOT NULL, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS login_failures_by_time ON login_failures (at);
)sql",
    // 12: the dashboards' rollups (src/storage/sqlite/rollup_rows.h): per project, grain
    // (0 hour, 1 day), bucket start and key, the encoded sums and sketches; and per trace
    // row what its observations add up to. Filled from the existing rows at the next start
    // ('rollups' mark 0), then kept by every write transaction.
    R"sql(
CREATE TABLE IF NOT EXISTS rollup_observations (
  project_id TEXT NOT NULL, grain INTEGER NOT NULL, bucket INTEGER NOT NULL, key BLOB NOT NULL,
  data BLOB NOT NULL, PRIMARY KEY (project_id, grain, bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_traces (
  project_id TEXT NOT NULL, grain INTEGER NOT NULL, bucket INTEGER NOT NULL, key BLOB NOT NULL,
  data BLOB NOT NULL, PRIMARY KEY (project_id, grain, bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_trace_users (
  project_id TEXT NOT NULL, grain INTEGER NOT NULL, bucket INTEGER NOT NULL, key BLOB NOT NULL,
  data BLOB NOT NULL, PRIMARY KEY (project_id, grain, bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_scores (
  project_id TEXT NOT NULL, grain INTEGER NOT NULL, bucket INTEGER NOT NULL, key BLOB NOT NULL,
  data BLOB NOT NULL, PRIMARY KEY (project_id, grain, bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_trace_state (
  trace_seq INTEGER PRIMARY KEY, project_id TEXT NOT NULL, observation_count INTEGER NOT NULL,
  total_cost INTEGER NOT NULL, total_tokens INTEGER NOT NULL, min_start INTEGER, max_end INTEGER);
INSERT OR REPLACE INTO index_watermarks (name, seq) VALUES ('rollups', 0);
)sql",
    // 13: the rollups' pending changes (src/storage/sqlite/rollup_pending.h): per write
    // transaction and (project, table), its hour deltas in one row, folded into the rollup
    // rows by a later transaction. The index answers "how many entries wait" without the blobs.
    R"sql(
CREATE TABLE IF NOT EXISTS rollup_pending (
  id INTEGER PRIMARY KEY, project_id TEXT NOT NULL, table_id INTEGER NOT NULL,
  entries INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS rollup_pending_by_table ON rollup_pending (project_id, table_id, entries);
)sql",
    // 14: metadata filters by a 64-bit hash of (project, key, value) (trace_metadata.h). A
    // row of trace_metadata compared project, key and value text at every step of every
    // insert: an eighth of the writer's instructions. The texts are kept once per distinct
    // value, for "contains" filters. lanterne_metadata_hash is registered by Migrate.
    R"sql(
CREATE TABLE IF NOT EXISTS trace_metadata_values (
  project_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, kv INTEGER NOT NULL,
  PRIMARY KEY (project_id, key, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trace_metadata_seqs (
  kv INTEGER NOT NULL, trace_seq INTEGER NOT NULL, PRIMARY KEY (kv, trace_seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trace_metadata_seqs_by_trace ON trace_metadata_seqs (trace_seq);
INSERT OR IGNORE INTO trace_metadata_values (project_id, key, value, kv)
  SELECT project_id, key, value, lanterne_metadata_hash(project_id, key, value)
  FROM trace_metadata GROUP BY project_id, key, value;
INSERT OR IGNORE INTO trace_metadata_seqs (kv, trace_seq)
  SELECT lanterne_metadata_hash(project_id, key, value), trace_seq FROM trace_metadata;
DROP TRIGGER IF EXISTS traces_metadata_delete;
DROP TABLE IF EXISTS trace_metadata;
CREATE TRIGGER IF NOT EXISTS traces_metadata_delete AFTER DELETE ON traces
  BEGIN DELETE FROM trace_metadata_seqs WHERE trace_seq = OLD.seq; END;
)sql",
    // 15: the traces table filtered by name or sorted by name (then time): walking
    // traces_by_time and testing or sorting every trace of the range took 0.2-1.4 s at 1.7M
    // traces. Trace names are few, so new rows land at a few places of the index.
    R"sql(
CREATE INDEX IF NOT EXISTS traces_by_name_time ON traces (project_id, name, timestamp);
)sql",
    // 16: the search index without trigram positions (detail=none; search_index.h). With
    // them it took 5 KB per 2 KB document, beside the text: 10M observations' index would
    // not fit where their data does. Rebuilt from the start in the background, as after
    // migration 6; until it catches up, searches answer from what is indexed.
    R"sql(
DROP TABLE IF EXISTS search_text;
CREATE VIRTUAL TABLE search_text USING fts5(body, tokenize = 'trigram', detail = none);
-- Gone from a store that has been at 17 and was rewound (tests do).
CREATE TABLE IF NOT EXISTS search_docs (doc INTEGER PRIMARY KEY);
DELETE FROM search_docs;
DELETE FROM search_dirty;
UPDATE index_watermarks SET seq = 0 WHERE name IN ('search_traces', 'search_observations');
)sql",
    // 17: the search index moves to search.db, a file of its own (search_index.h): its
    // commits held the ingestion writer's lock for 10-20 ms each. It is built again there
    // from the start, in the background. search_dirty becomes a log read past a mark kept
    // in search.db (the indexer no longer writes here but to trim it), and can name a
    // deleted project (doc NULL) whose documents all go.
    R"sql(
DROP TRIGGER IF EXISTS traces_search_update;
DROP TRIGGER IF EXISTS traces_search_delete;
DROP TRIGGER IF EXISTS observations_search_update;
DROP TRIGGER IF EXISTS observations_search_delete;
DROP TABLE IF EXISTS search_text;
DROP TABLE IF EXISTS search_docs;
DROP TABLE IF EXISTS search_dirty;
DELETE FROM index_watermarks WHERE name IN ('search_traces', 'search_observations');
-- Plain rowids, not AUTOINCREMENT (one more B-tree write per update): the indexer keeps the
-- row at its mark when it trims the log, so new ids stay above the mark.
CREATE TABLE search_dirty (id INTEGER PRIMARY KEY, doc INTEGER, project_id TEXT);
CREATE TRIGGER traces_search_update AFTER UPDATE OF name, payload ON traces
  BEGIN INSERT INTO search_dirty (doc) VALUES (NEW.seq * 2); END;
CREATE TRIGGER traces_search_delete AFTER DELETE ON traces
  BEGIN INSERT INTO search_dirty (doc) VALUES (OLD.seq * 2); END;
CREATE TRIGGER observations_search_update AFTER UPDATE OF trace_id, payload ON observations
  BEGIN INSERT INTO search_dirty (doc) VALUES (NEW.seq * 2 + 1); END;
CREATE TRIGGER observations_search_delete AFTER DELETE ON observations
  BEGIN INSERT INTO search_dirty (doc) VALUES (OLD.seq * 2 + 1); END;
)sql",
};

// Columns a migration adds before its SQL runs. SQLite has no ADD COLUMN IF NOT EXISTS, and a
// data directory rewound to an older schema version (tests do) must migrate forward again.
struct ColumnAddition {
  int64_t migration;  // 1-based, as PRAGMA user_version counts
  const char* table;
  const char* column;
  const char* type;
};
constexpr ColumnAddition kColumnAdditions[] = {
    {8, "observations", "prompt_name", "TEXT"},
    {8, "observations", "prompt_version", "INTEGER"},
    {8, "observations", "total_tokens", "INTEGER"},
};

Status AddMissingColumns(Connection& db, int64_t migration) {
  for (const auto& add : kColumnAdditions) {
    if (add.migration != migration) continue;
    Statement columns(db.get(), std::string("PRAGMA table_info(") + add.table + ")");
    bool present = false;
    while (columns.Step() == SQLITE_ROW) present = present || columns.Text(1) == add.column;
    columns.Reset();
    if (present) continue;
    LANTERNE_RETURN_IF_ERROR(db.Exec(
        (std::string("ALTER TABLE ") + add.table + " ADD COLUMN " + add.column + " " + add.type)
            .c_str()));
  }
  return Status::Ok();
}

}  // namespace

Status Migrate(Connection& db) {
  LANTERNE_RETURN_IF_ERROR(RegisterMetadataHash(db.get()));  // migration 14 calls it
  Statement version_stmt(db.get(), "PRAGMA user_version");
  if (!version_stmt.ok() || version_stmt.Step() != SQLITE_ROW) {
    return Status::Internal("cannot read the schema version: " + db.LastError());
  }
  int64_t version = version_stmt.Int(0);
  version_stmt.Reset();  // a statement still reading would lock out DROP INDEX below
  constexpr int64_t kLatest = sizeof(kMigrations) / sizeof(kMigrations[0]);
  if (version > kLatest) {
    return Status::Unavailable("the data directory was written by a newer Lanterne (schema " +
                               std::to_string(version) + "); upgrade Lanterne to open it");
  }
  // An existing store says what it upgrades: some steps rewrite gigabytes before the
  // server listens (16 dropped a 10 GB search index in 12 minutes).
  const bool upgrading = version > 0 && version < kLatest;
  if (upgrading) {
    LogInfo("upgrading the store from schema " + std::to_string(version) + " to " +
            std::to_string(kLatest) + "; large stores can take minutes");
  }
  for (; version < kLatest; ++version) {
    const auto started = std::chrono::steady_clock::now();
    LANTERNE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status applied = AddMissingColumns(db, version + 1);
    if (applied.ok()) applied = db.Exec(kMigrations[version]);
    if (applied.ok()) {
      applied = db.Exec(("PRAGMA user_version = " + std::to_string(version + 1)).c_str());
    }
    if (!applied.ok()) {
      (void)db.Exec("ROLLBACK");
      return applied;
    }
    LANTERNE_RETURN_IF_ERROR(db.Exec("COMMIT"));
    if (upgrading) {
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      char seconds[32];
      std::snprintf(seconds, sizeof(seconds), "%.1f", took.count());
      LogInfo("schema " + std::to_string(version + 1) + " of " + std::to_string(kLatest) +
              " applied in " + seconds + " s");
    }
  }
  return Status::Ok();
}

}  // namespace lanterne::sqlite
