#include "storage/sqlite/trace_metadata.h"

#include <charconv>
#include <functional>
#include <string>

#include <simdjson.h>

#include "core/ids.h"

namespace lanterne::sqlite {

std::string_view TruncateMetadataValue(std::string_view value) {
  if (value.size() <= kMetadataValueBytes) return value;
  size_t end = kMetadataValueBytes;
  // Back off continuation bytes (10xxxxxx) so the cut lands before a character's lead byte.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return value.substr(0, end);
}

std::vector<std::pair<std::string, std::string>> IndexedMetadata(std::string_view metadata_json) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (metadata_json.size() <= 2) return rows;  // "{}"
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(metadata_json.data(), metadata_json.size()).get_object().get(object)) {
    return rows;
  }
  for (auto [key, value] : object) {
    if (rows.size() >= kMaxMetadataKeys) break;
    if (key.size() > kMetadataKeyBytes) continue;
    std::string text;
    switch (value.type()) {
      case simdjson::dom::element_type::STRING:
        text = TruncateMetadataValue(value.get_string().value_unsafe());
        break;
      case simdjson::dom::element_type::INT64:
        text = std::to_string(value.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        text = std::to_string(value.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::DOUBLE: {
        char buffer[32];
        auto [end, ec] =
            std::to_chars(buffer, buffer + sizeof buffer, value.get_double().value_unsafe());
        if (ec != std::errc()) continue;
        text.assign(buffer, end);
        break;
      }
      case simdjson::dom::element_type::BOOL:
        text = value.get_bool().value_unsafe() ? "true" : "false";
        break;
      default:
        continue;  // objects, arrays, null
    }
    rows.emplace_back(std::string(key), std::move(text));
  }
  return rows;
}

int64_t MetadataHash(std::string_view project_id, std::string_view key, std::string_view value) {
  // Lengths first, so no two (project, key, value) triples spell the same text.
  std::string text = std::to_string(project_id.size()) + ':' + std::to_string(key.size()) + ':';
  text.append(project_id).append(key).append(value);
  return IdHash(text);
}

namespace {

std::string_view TextArgument(sqlite3_value* value) {
  const auto* p = sqlite3_value_text(value);
  return p ? std::string_view(reinterpret_cast<const char*>(p),
                              static_cast<size_t>(sqlite3_value_bytes(value)))
           : std::string_view();
}

void MetadataHashFunction(sqlite3_context* context, int, sqlite3_value** args) {
  sqlite3_result_int64(
      context, MetadataHash(TextArgument(args[0]), TextArgument(args[1]), TextArgument(args[2])));
}

constexpr size_t kMaxStoredValues = 1 << 16;

}  // namespace

Status RegisterMetadataHash(sqlite3* db) {
  if (sqlite3_create_function_v2(db, "lanterne_metadata_hash", 3,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, &MetadataHashFunction,
                                 nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Status::Internal(std::string("register lanterne_metadata_hash: ") + sqlite3_errmsg(db));
  }
  return Status::Ok();
}

Status TraceMetadataIndex::Prepare(sqlite3* db) {
  db_ = db;
  LANTERNE_RETURN_IF_ERROR(
      PrepareStatement(db, insert_value_,
                       "INSERT OR IGNORE INTO trace_metadata_values "
                       "(project_id, key, value, kv) VALUES (?1, ?2, ?3, ?4)"));
  return PrepareStatement(db, delete_, "DELETE FROM trace_metadata_seqs WHERE trace_seq = ?1");
}

void TraceMetadataIndex::ReleaseStatements() {
  insert_value_.Reset();
  for (auto& s : insert_seqs_) s.Reset();
  delete_.Reset();
}

void TraceMetadataIndex::Seen(int64_t seq, std::string_view metadata_json) {
  seen_[seq] = std::hash<std::string_view>{}(metadata_json);
}

void TraceMetadataIndex::Committed() {
  if (stored_.size() + stored_now_.size() > kMaxStoredValues) stored_.clear();
  stored_.insert(stored_now_.begin(), stored_now_.end());
  stored_now_.clear();
}

Status TraceMetadataIndex::Write(int64_t seq, const std::string& project_id,
                                 std::string_view metadata_json, bool is_new) {
  if (!is_new) {
    // Most updates (an end time, an output) leave the metadata as FindTrace read it.
    auto seen = seen_.find(seq);
    size_t hash = std::hash<std::string_view>{}(metadata_json);
    if (seen != seen_.end() && seen->second == hash) return Status::Ok();
    seen_[seq] = hash;
    delete_.Reset();
    delete_.Bind(1, seq);
    if (delete_.Step() != SQLITE_DONE) return StepError(db_, "unindex trace metadata");
  }
  const auto rows = IndexedMetadata(metadata_json);  // outlives the steps: bound uncopied
  if (rows.empty()) return Status::Ok();
  std::vector<int64_t> kvs;
  kvs.reserve(rows.size());
  for (const auto& [key, value] : rows) {
    const int64_t kv = kvs.emplace_back(MetadataHash(project_id, key, value));
    if (stored_.count(kv)) continue;
    insert_value_.Reset();
    insert_value_.BindNoCopy(1, std::string_view(project_id))
        .BindNoCopy(2, std::string_view(key))
        .BindNoCopy(3, std::string_view(value))
        .Bind(4, kv);
    if (insert_value_.Step() != SQLITE_DONE) return StepError(db_, "index metadata value");
    insert_value_.Reset();
    stored_now_.push_back(kv);
  }
  // All of the trace's rows in one statement: a statement's own setup cost as much as the
  // two small B-tree inserts of a row.
  auto insert = InsertSeqs(rows.size());
  if (!insert.ok()) return insert.status();
  Statement& s = **insert;
  s.Reset();
  int index = 1;
  for (int64_t kv : kvs) {
    s.Bind(index, kv).Bind(index + 1, seq);
    index += 2;
  }
  const int rc = s.Step();
  s.Reset();
  if (rc != SQLITE_DONE) return StepError(db_, "index trace metadata");
  return Status::Ok();
}

Result<Statement*> TraceMetadataIndex::InsertSeqs(size_t rows) {
  if (insert_seqs_.size() < rows) insert_seqs_.resize(rows);
  Statement& s = insert_seqs_[rows - 1];
  if (!s.ok()) {
    std::string sql = "INSERT OR IGNORE INTO trace_metadata_seqs (kv, trace_seq) VALUES ";
    for (size_t i = 0; i < rows; ++i) sql += i ? ",(?,?)" : "(?,?)";
    LANTERNE_RETURN_IF_ERROR(PrepareStatement(db_, s, sql));
  }
  return &s;
}

Result<MetadataCondition> TraceMetadataCondition(sqlite3* db, const std::string& project_id,
                                                 const MetadataFilter& filter) {
  // The matching seqs, and how one trace's rows are tested against the filter. The kv is
  // ours, an integer: written into the SQL, it needs no text-to-integer binding.
  std::string seqs, one_trace;
  std::vector<std::string> values;
  if (filter.contains) {
    const std::string kvs =
        "(SELECT kv FROM trace_metadata_values WHERE project_id = ? AND key = ? AND "
        "instr(value, ?) > 0)";
    seqs = "SELECT trace_seq FROM trace_metadata_seqs WHERE kv IN " + kvs;
    one_trace =
        "EXISTS (SELECT 1 FROM trace_metadata_seqs m WHERE m.trace_seq = traces.seq AND "
        "m.kv IN " +
        kvs + ")";
    values = {project_id, filter.key, filter.value};
  } else {
    const std::string kv =
        std::to_string(MetadataHash(project_id, filter.key, TruncateMetadataValue(filter.value)));
    seqs = "SELECT trace_seq FROM trace_metadata_seqs WHERE kv = " + kv;
    one_trace = "EXISTS (SELECT 1 FROM trace_metadata_seqs WHERE kv = " + kv +
                " AND trace_seq = traces.seq)";
  }
  Statement probe(db, "SELECT count(*) FROM (" + seqs + " LIMIT " +
                          std::to_string(kSparseMetadataMatches + 1) + ")");
  if (!probe.ok()) return Status::Internal(probe.prepare_error());
  for (size_t i = 0; i < values.size(); ++i) {
    probe.Bind(static_cast<int>(i + 1), std::string_view(values[i]));
  }
  if (probe.Step() != SQLITE_ROW) return StepError(db, "count metadata matches");
  if (probe.Int(0) <= kSparseMetadataMatches) {
    return MetadataCondition{"seq IN (" + seqs + ")", std::move(values), /*sparse=*/true};
  }
  return MetadataCondition{one_trace, std::move(values), /*sparse=*/false};
}

}  // namespace lanterne::sqlite
