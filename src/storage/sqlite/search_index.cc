#include "storage/sqlite/search_index.h"

#include <algorithm>
#include <unordered_set>

#include "core/text.h"
#include "domain/records.h"
#include "storage/search_text.h"
#include "storage/stored_payload.h"

namespace lanterne::sqlite {
namespace {

// Each kind's indexed rows are one range of seqs, (backfill mark, mark]: new rows extend it
// upwards, a rebuild's backlog downwards, newest first.
constexpr const char* kTracesMark = "traces";
constexpr const char* kObservationsMark = "observations";
constexpr const char* kTracesBackfill = "traces_backfill";
constexpr const char* kObservationsBackfill = "observations_backfill";
constexpr const char* kDirtyMark = "dirty";

int64_t TraceDoc(int64_t seq) { return seq * 2; }
int64_t ObservationDoc(int64_t seq) { return seq * 2 + 1; }

}  // namespace

Status AttachSearchDatabase(sqlite3* db, const std::string& path, bool create) {
  {
    Statement attach(db, "ATTACH DATABASE ?1 AS search");
    if (!attach.ok()) return Status::Internal("attach search.db: " + attach.prepare_error());
    attach.Bind(1, std::string_view(path));
    if (attach.Step() != SQLITE_DONE) return StepError(db, "attach search.db");
  }
  if (!create) return Status::Ok();
  // search.db's schema is kept here, not among lanterne.db's migrations: the file is
  // derived, so a new or deleted one is simply created again.
  char* error = nullptr;
  int rc = sqlite3_exec(db, R"sql(
PRAGMA search.journal_mode = WAL;
PRAGMA search.synchronous = NORMAL;
CREATE VIRTUAL TABLE IF NOT EXISTS search.search_text
  USING fts5(body, tokenize = 'trigram', detail = none);
CREATE TABLE IF NOT EXISTS search.search_docs (
  doc INTEGER PRIMARY KEY, project_id TEXT NOT NULL, trace_id TEXT NOT NULL, trace_seq INTEGER);
CREATE INDEX IF NOT EXISTS search.search_docs_by_project ON search_docs (project_id, doc);
CREATE INDEX IF NOT EXISTS search.search_docs_orphans ON search_docs (project_id, trace_id)
  WHERE trace_seq IS NULL;
CREATE TABLE IF NOT EXISTS search.search_marks (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
-- A new index over existing rows (an upgrade, a deleted search.db) starts its range at the
-- newest row: rows from now on are indexed as they come, the rest newest first, so what
-- people look for first, recent traces, is searchable first. The log's past is moot.
BEGIN;
INSERT OR IGNORE INTO search.search_marks (name, seq) VALUES
  ('traces', (SELECT coalesce(max(seq), 0) FROM main.traces)),
  ('traces_backfill', (SELECT coalesce(max(seq), 0) FROM main.traces)),
  ('observations', (SELECT coalesce(max(seq), 0) FROM main.observations)),
  ('observations_backfill', (SELECT coalesce(max(seq), 0) FROM main.observations)),
  ('dirty', (SELECT coalesce(max(id), 0) FROM main.search_dirty));
COMMIT;
)sql",
                        nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return Status::Internal("create search.db: " + message);
  }
  return Status::Ok();
}

Status SearchIndexer::Prepare(sqlite3* db, const PayloadLog* payloads) {
  db_ = db;
  payloads_ = payloads;
  struct {
    Statement& s;
    const char* sql;
  } statements[] = {
      {dirty_,
       "SELECT id, doc, project_id FROM main.search_dirty WHERE id > ?1 ORDER BY id LIMIT ?2"},
      {trim_dirty_, "DELETE FROM main.search_dirty WHERE id < ?1"},
      {drop_text_, "DELETE FROM search.search_text WHERE rowid = ?1"},
      {drop_doc_, "DELETE FROM search.search_docs WHERE doc = ?1"},
      {drop_project_text_,
       "DELETE FROM search.search_text WHERE rowid IN (SELECT doc FROM search.search_docs "
       "WHERE project_id = ?1)"},
      {drop_project_docs_, "DELETE FROM search.search_docs WHERE project_id = ?1"},
      {trace_at_, "SELECT seq, project_id, id, name, payload FROM traces WHERE seq = ?1"},
      {traces_after_,
       "SELECT seq, project_id, id, name, payload FROM traces WHERE seq > ?1 ORDER BY seq "
       "LIMIT ?2"},
      {traces_floor_,
       "SELECT min(seq), count(*) FROM (SELECT seq FROM traces WHERE seq <= ?1 ORDER BY seq "
       "DESC LIMIT ?2)"},
      {traces_between_,
       "SELECT seq, project_id, id, name, payload FROM traces WHERE seq >= ?1 AND seq <= ?2 "
       "ORDER BY seq"},
      {observation_at_,
       "SELECT seq, project_id, trace_id, payload FROM observations WHERE seq = ?1"},
      {observations_after_,
       "SELECT seq, project_id, trace_id, payload FROM observations WHERE seq > ?1 ORDER BY "
       "seq LIMIT ?2"},
      {observations_floor_,
       "SELECT min(seq), count(*) FROM (SELECT seq FROM observations WHERE seq <= ?1 ORDER BY "
       "seq DESC LIMIT ?2)"},
      {observations_between_,
       "SELECT seq, project_id, trace_id, payload FROM observations WHERE seq >= ?1 AND "
       "seq <= ?2 ORDER BY seq"},
      {insert_text_, "INSERT INTO search.search_text (rowid, body) VALUES (?1, ?2)"},
      {insert_doc_,
       "INSERT INTO search.search_docs (doc, project_id, trace_id, trace_seq) "
       "VALUES (?1, ?2, ?3, ?4)"},
      {adopt_orphans_,
       "UPDATE search.search_docs SET trace_seq = ?1 WHERE project_id = ?2 AND trace_id = ?3 "
       "AND trace_seq IS NULL"},
      {get_marks_, "SELECT name, seq FROM search.search_marks"},
      {set_watermark_, "INSERT OR REPLACE INTO search.search_marks (name, seq) VALUES (?1, ?2)"},
  };
  for (auto& [s, sql] : statements) {
    s = Statement(db, sql);
    if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  }
  return trace_locator_.Prepare(db, kTraceIds);
}

Result<SearchIndexer::StepResult> SearchIndexer::Step(const RecentIds& recent_traces,
                                                      int max_rows) {
  auto marks = ReadMarks();
  if (!marks.ok()) return marks.status();
  const int64_t traces_mark = marks->traces, observations_mark = marks->observations;
  const int64_t traces_backfill = marks->traces_backfill;
  const int64_t observations_backfill = marks->observations_backfill;
  StepResult result;
  result.dirty_mark = marks->dirty;

  // Changed and deleted rows first: they are what a person just saw change.
  struct Dirty {
    int64_t id;
    std::optional<int64_t> doc;
    std::optional<std::string> project_id;
  };
  std::vector<Dirty> dirty;
  dirty_.Reset();
  dirty_.Bind(1, marks->dirty).Bind(2, static_cast<int64_t>(max_rows));
  int rc;
  while ((rc = dirty_.Step()) == SQLITE_ROW) {
    dirty.push_back({dirty_.Int(0), dirty_.OptInt(1), dirty_.OptText(2)});
  }
  dirty_.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "read search_dirty");
  std::unordered_set<int64_t> seen;  // a row updated several times is indexed once
  for (const Dirty& entry : dirty) {
    result.dirty_mark = entry.id;
    ++result.rows;
    if (!entry.doc) {
      if (entry.project_id) LANTERNE_RETURN_IF_ERROR(DropProject(*entry.project_id));
      seen.clear();  // a row indexed before a project's drop may be indexed again after it
      continue;
    }
    const int64_t doc = *entry.doc;
    if (!seen.insert(doc).second) continue;
    int64_t seq = doc / 2;
    bool is_trace = doc % 2 == 0;
    // A row outside the indexed range is not indexed yet; the pass that takes it reads it
    // as it is then.
    if (seq > (is_trace ? traces_mark : observations_mark) ||
        seq <= (is_trace ? traces_backfill : observations_backfill)) {
      continue;
    }
    LANTERNE_RETURN_IF_ERROR(DropDoc(doc));
    Statement& row = is_trace ? trace_at_ : observation_at_;
    row.Reset();
    row.Bind(1, seq);
    rc = row.Step();
    Status indexed = Status::Ok();
    if (rc == SQLITE_ROW) {
      indexed = is_trace ? IndexTraceRow(row, false)
                         : IndexObservationRow(row, recent_traces, &result.orphaned);
    } else if (rc != SQLITE_DONE) {
      indexed = StepError(db_, "read a changed row");
    }
    row.Reset();
    LANTERNE_RETURN_IF_ERROR(indexed);
  }
  if (result.dirty_mark != marks->dirty) {
    LANTERNE_RETURN_IF_ERROR(SetWatermark(kDirtyMark, result.dirty_mark));
  }

  // New rows, shared between the two kinds: traces half of what the step has left,
  // observations the rest, traces again what observations did not need. Traces first and
  // then observations left observations nothing under sustained ingestion (after 10 s at
  // full speed, 8,576 traces and no observation indexed). An observation indexed before its
  // trace's document still finds the trace's row through the id maps; only one whose trace
  // is not stored yet is an orphan, adopted when the trace is indexed.
  int64_t new_marks[2] = {traces_mark, observations_mark};
  auto new_rows = [&](bool traces, int budget) -> Status {
    if (budget <= 0) return Status::Ok();
    Statement& rows = traces ? traces_after_ : observations_after_;
    int64_t& mark = new_marks[traces ? 0 : 1];
    rows.Reset();
    rows.Bind(1, mark).Bind(2, static_cast<int64_t>(budget));
    auto last = IndexRows(rows, traces, recent_traces, result);
    if (!last.ok()) return last.status();
    if (*last == 0) return Status::Ok();
    mark = *last;
    return SetWatermark(traces ? kTracesMark : kObservationsMark, mark);
  };
  if (result.rows < max_rows) {
    LANTERNE_RETURN_IF_ERROR(new_rows(true, std::max(1, (max_rows - result.rows) / 2)));
    LANTERNE_RETURN_IF_ERROR(new_rows(false, max_rows - result.rows));
    LANTERNE_RETURN_IF_ERROR(new_rows(true, max_rows - result.rows));
  }

  // A rebuild's backlog, newest first, the rest of the step shared between the two kinds:
  // the newest rows below the backfill mark, indexed in ascending order all the same, as
  // FTS5 writes out its pending terms whenever a document comes below the one before (one
  // segment per document, taken the other way round, and the merging that follows).
  struct Backfill {
    Statement& floor;
    Statement& rows;
    const char* mark_name;
    int64_t mark;
    bool traces;
  };
  Backfill backfills[] = {{traces_floor_, traces_between_, kTracesBackfill, traces_backfill, true},
                          {observations_floor_, observations_between_, kObservationsBackfill,
                           observations_backfill, false}};
  for (Backfill& pass : backfills) {
    const int left = max_rows - result.rows;
    if (left <= 0 || pass.mark == 0) continue;
    const bool share = pass.traces && observations_backfill > 0;
    const int budget = share ? std::max(1, left / 2) : left;
    pass.floor.Reset();
    pass.floor.Bind(1, pass.mark).Bind(2, static_cast<int64_t>(budget));
    if (pass.floor.Step() != SQLITE_ROW) {
      pass.floor.Reset();
      return StepError(db_, "find old rows to index");
    }
    const int64_t floor = pass.floor.OptInt(0).value_or(0);
    const int64_t found = pass.floor.Int(1);
    pass.floor.Reset();
    if (found > 0) {
      pass.rows.Reset();
      pass.rows.Bind(1, floor).Bind(2, pass.mark);
      auto last = IndexRows(pass.rows, pass.traces, recent_traces, result);
      if (!last.ok()) return last.status();
    }
    // Fewer rows than asked for: none is left below.
    const int64_t mark = found < budget ? 0 : floor - 1;
    if (mark != pass.mark) LANTERNE_RETURN_IF_ERROR(SetWatermark(pass.mark_name, mark));
  }
  result.caught_up = result.rows < max_rows;
  return result;
}

Status SearchIndexer::TrimDirtyLog(int64_t mark) {
  // The row at the mark stays, so the log's next ids (rowids: the largest plus one) are past
  // it.
  trim_dirty_.Reset();
  trim_dirty_.Bind(1, mark);
  int rc = trim_dirty_.Step();
  trim_dirty_.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "trim search_dirty");
  return Status::Ok();
}

Status SearchIndexer::DropProject(const std::string& project_id) {
  for (Statement* s : {&drop_project_text_, &drop_project_docs_}) {
    s->Reset();
    s->Bind(1, std::string_view(project_id));
    int rc = s->Step();
    s->Reset();
    if (rc != SQLITE_DONE) return StepError(db_, "drop a deleted project's search documents");
  }
  return Status::Ok();
}

Status SearchIndexer::DropDoc(int64_t doc) {
  for (Statement* s : {&drop_text_, &drop_doc_}) {
    s->Reset();
    s->Bind(1, doc);
    if (s->Step() != SQLITE_DONE) return StepError(db_, "drop a search document");
  }
  return Status::Ok();
}

// `row`: seq, project_id, id, name, payload.
Status SearchIndexer::IndexTraceRow(Statement& row, bool is_new) {
  int64_t seq = row.Int(0);
  TraceRecord trace;
  trace.project_id = row.Text(1);
  trace.id = row.Text(2);
  std::string body;
  if (auto name = row.OptText(3)) AppendSearchText(*name, body);
  // A corrupt payload leaves the trace findable by name only; reading it reports the error.
  if (DecodeStoredTrace(*payloads_, row.Blob(4), &trace).ok()) {
    if (trace.input) AppendSearchText(*trace.input, body);
    if (trace.output) AppendSearchText(*trace.output, body);
  }
  LANTERNE_RETURN_IF_ERROR(InsertDoc(TraceDoc(seq), trace.project_id, trace.id, seq, body));
  if (!is_new) return Status::Ok();
  // Observations indexed before their trace existed belong to it from now on.
  adopt_orphans_.Reset();
  adopt_orphans_.Bind(1, seq)
      .Bind(2, std::string_view(trace.project_id))
      .Bind(3, std::string_view(trace.id));
  if (adopt_orphans_.Step() != SQLITE_DONE) return StepError(db_, "attach observations");
  return Status::Ok();
}

// `row`: seq, project_id, trace_id, payload.
Status SearchIndexer::IndexObservationRow(Statement& row, const RecentIds& recent_traces,
                                          bool* orphaned) {
  int64_t seq = row.Int(0);
  ObservationRecord observation;
  observation.project_id = row.Text(1);
  observation.trace_id = row.Text(2);
  std::string body;
  if (DecodeStoredObservation(*payloads_, row.Blob(3), &observation).ok()) {
    if (observation.input) AppendSearchText(*observation.input, body);
    if (observation.output) AppendSearchText(*observation.output, body);
  }
  if (body.empty()) return Status::Ok();
  auto trace_seq =
      trace_locator_.Locate(recent_traces, {}, observation.project_id, observation.trace_id);
  if (!trace_seq.ok()) return trace_seq.status();
  if (!trace_seq->has_value()) *orphaned = true;
  return InsertDoc(ObservationDoc(seq), observation.project_id, observation.trace_id, *trace_seq,
                   body);
}

Status SearchIndexer::InsertDoc(int64_t doc, const std::string& project_id,
                                const std::string& trace_id, std::optional<int64_t> trace_seq,
                                const std::string& body) {
  if (body.empty()) return Status::Ok();
  insert_text_.Reset();
  insert_text_.Bind(1, doc).Bind(2, std::string_view(body));
  int rc = insert_text_.Step();
  insert_text_.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "index text");
  insert_doc_.Reset();
  insert_doc_.Bind(1, doc)
      .Bind(2, std::string_view(project_id))
      .Bind(3, std::string_view(trace_id));
  if (trace_seq) {
    insert_doc_.Bind(4, *trace_seq);
  } else {
    insert_doc_.BindNull(4);
  }
  if (insert_doc_.Step() != SQLITE_DONE) return StepError(db_, "index document");
  return Status::Ok();
}

Result<SearchIndexer::Marks> SearchIndexer::ReadMarks() {
  Marks marks;
  const std::pair<const char*, int64_t*> names[] = {
      {kTracesMark, &marks.traces},
      {kObservationsMark, &marks.observations},
      {kTracesBackfill, &marks.traces_backfill},
      {kObservationsBackfill, &marks.observations_backfill},
      {kDirtyMark, &marks.dirty}};
  get_marks_.Reset();
  int rc;
  while ((rc = get_marks_.Step()) == SQLITE_ROW) {
    const std::string name = get_marks_.Text(0);
    for (const auto& [mark_name, mark] : names) {
      if (name == mark_name) *mark = get_marks_.Int(1);
    }
  }
  get_marks_.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "read search marks");
  return marks;
}

Result<int64_t> SearchIndexer::IndexRows(Statement& rows, bool traces,
                                         const RecentIds& recent_traces, StepResult& result) {
  int64_t last = 0;
  int rc;
  while ((rc = rows.Step()) == SQLITE_ROW) {
    last = rows.Int(0);
    Status indexed = traces ? IndexTraceRow(rows, true)
                            : IndexObservationRow(rows, recent_traces, &result.orphaned);
    if (!indexed.ok()) {
      rows.Reset();
      return indexed;
    }
    ++result.rows;
  }
  rows.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "read rows to index");
  return last;
}

Status SearchIndexer::SetWatermark(const char* name, int64_t seq) {
  set_watermark_.Reset();
  set_watermark_.Bind(1, std::string_view(name)).Bind(2, seq);
  if (set_watermark_.Step() != SQLITE_DONE) return StepError(db_, "write search watermark");
  return Status::Ok();
}

namespace {

void SearchContainsFunction(sqlite3_context* context, int, sqlite3_value** args) {
  auto text = [&](int i) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(args[i]));
    return data ? std::string_view(data, sqlite3_value_bytes(args[i])) : std::string_view();
  };
  sqlite3_result_int(context, SearchTextContains(text(0), text(1)) ? 1 : 0);
}

}  // namespace

Status RegisterSearchFunctions(sqlite3* db) {
  if (sqlite3_create_function_v2(db, "lanterne_search_contains", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                 &SearchContainsFunction, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::Internal(std::string("register lanterne_search_contains: ") +
                            sqlite3_errmsg(db));
  }
  return Status::Ok();
}

Result<SearchCondition> TraceSearchCondition(sqlite3* db, const std::string& project_id,
                                             const std::string& query, int max_docs_per_kind) {
  if (UsesTrigramIndex(query)) {
    // The indexed part: past the marks the walks would skip the other kind's documents.
    Statement marks(db, std::string("SELECT (SELECT seq FROM search.search_marks WHERE name = '") +
                            kTracesMark +
                            "'), (SELECT seq FROM search.search_marks WHERE name = '" +
                            kObservationsMark + "')");
    if (marks.Step() != SQLITE_ROW) return StepError(db, "read the search marks");
    const int64_t last_trace = marks.OptInt(0).value_or(0);
    const int64_t last_observation = marks.OptInt(1).value_or(0);
    // Trace documents are numbered 2·seq, observation documents 2·seq + 1, each table
    // counting its own seqs: by number the kinds interleave only below the smaller table's
    // last seq. So each kind is walked on its own, from its newest document down: FTS5 seeks
    // the rowid bound and hands its matches over in descending order (no sort), the LIMIT
    // ends the walk, and the other kind's documents it skips are at most one in two. CROSS
    // JOIN keeps the match as the outer loop: joined the other way, SQLite re-runs the match
    // once per document of the project (minutes on a large store for a common word).
    // The index holds trigrams without positions: past one trigram its matches are
    // candidates, checked against their text; at most twice the documents answered are
    // read, so a query whose trigrams are common but rarely side by side stays quick.
    const bool check_text = CodePointCount(query) > 3;
    auto walk = [&](int kind, int64_t max_seq) {
      // The text is read from FTS5's content table itself (its shadow table, `c0` its one
      // column): through search_text's column each row cost a third more.
      std::string candidates =
          std::string("SELECT d.trace_seq") + (check_text ? ", c.c0 AS body" : "") +
          " FROM search.search_text CROSS JOIN search.search_docs d ON d.doc = "
          "search_text.rowid" +
          (check_text ? " CROSS JOIN search.search_text_content c ON c.id = search_text.rowid"
                      : "") +
          " WHERE search_text MATCH ? AND search_text.rowid <= " +
          std::to_string(2 * max_seq + kind) +
          " AND search_text.rowid % 2 = " + std::to_string(kind) +
          " AND d.project_id = ? ORDER BY search_text.rowid DESC LIMIT " +
          std::to_string(check_text ? 2 * max_docs_per_kind : max_docs_per_kind);
      if (!check_text) return "SELECT trace_seq FROM (" + candidates + ")";
      // Wrapped, as a LIMIT may not end a member of UNION ALL.
      return "SELECT trace_seq FROM (SELECT trace_seq FROM (" + candidates +
             ") WHERE lanterne_search_contains(body, ?) LIMIT " +
             std::to_string(max_docs_per_kind) + ")";
    };
    const std::string match = FtsTrigramQuery(query);
    std::vector<std::string> walk_values = {match, project_id};
    if (check_text) walk_values.push_back(SearchFold(query));
    std::vector<std::string> values = walk_values;  // the second walk binds the same
    values.insert(values.end(), walk_values.begin(), walk_values.end());
    return SearchCondition{
        "seq IN (" + walk(0, last_trace) + " UNION ALL " + walk(1, last_observation) + ")",
        std::move(values), /*few_rows=*/true};
  }
  // One or two characters make no trigram: scan the newest documents of the project.
  // lower() folds ASCII only, so such queries ignore case for ASCII letters only.
  return SearchCondition{
      "seq IN (SELECT d.trace_seq FROM (SELECT doc, trace_seq FROM search.search_docs WHERE "
      "project_id = ? ORDER BY doc DESC LIMIT " +
          std::to_string(kShortQueryDocs) +
          ") d JOIN search.search_text t ON t.rowid = d.doc WHERE instr(lower(t.body), ?) > 0)",
      {project_id, AsciiLower(query)},
      /*few_rows=*/true};
}

Result<std::pair<int64_t, int64_t>> CountUnindexed(sqlite3* db, const std::string& project_id,
                                                   int64_t cap) {
  auto count = [&](const char* table, const char* mark, const char* backfill) -> Result<int64_t> {
    const std::string mark_of = "(SELECT seq FROM search.search_marks WHERE name = '";
    // Past the mark: `+project_id`, so the rowid range is walked from the mark, not the
    // (project, time) index, which would test every row of the project. Below the
    // backfill mark (a rebuild's backlog, which may be most rows): the project's rows.
    Statement s(db, std::string("SELECT (SELECT count(*) FROM (SELECT 1 FROM ") + table +
                        " WHERE seq > coalesce(" + mark_of + mark +
                        "'), 0) AND +project_id = ?1 LIMIT ?2)) + (SELECT count(*) FROM "
                        "(SELECT 1 FROM " +
                        table + " WHERE project_id = ?1 AND seq <= coalesce(" + mark_of + backfill +
                        "'), 0) LIMIT ?2))");
    if (!s.ok()) return Status::Internal(s.prepare_error());
    s.Bind(1, std::string_view(project_id)).Bind(2, cap);
    if (s.Step() != SQLITE_ROW) return StepError(db, "count rows not yet searchable");
    return std::min(s.Int(0), cap);
  };
  auto traces = count("traces", kTracesMark, kTracesBackfill);
  if (!traces.ok()) return traces.status();
  auto observations = count("observations", kObservationsMark, kObservationsBackfill);
  if (!observations.ok()) return observations.status();
  return std::make_pair(*traces, *observations);
}

}  // namespace lanterne::sqlite
