#include "storage/sqlite/trace_metadata.h"

#include <charconv>
#include <functional>

#include <simdjson.h>

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

Status TraceMetadataIndex::Prepare(sqlite3* db) {
  db_ = db;
  insert_ = Statement(db,
                      "INSERT OR IGNORE INTO trace_metadata (project_id, key, value, trace_seq) "
                      "VALUES (?1, ?2, ?3, ?4)");
  if (!insert_.ok()) return Status::Internal("prepare: " + insert_.prepare_error());
  delete_ = Statement(db, "DELETE FROM trace_metadata WHERE trace_seq = ?1");
  if (!delete_.ok()) return Status::Internal("prepare: " + delete_.prepare_error());
  return Status::Ok();
}

void TraceMetadataIndex::ReleaseStatements() {
  insert_.Reset();
  delete_.Reset();
}

void TraceMetadataIndex::Seen(int64_t seq, std::string_view metadata_json) {
  seen_[seq] = std::hash<std::string_view>{}(metadata_json);
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
  for (const auto& [key, value] : rows) {
    insert_.Reset();
    insert_.BindNoCopy(1, std::string_view(project_id))
        .BindNoCopy(2, std::string_view(key))
        .BindNoCopy(3, std::string_view(value))
        .Bind(4, seq);
    if (insert_.Step() != SQLITE_DONE) return StepError(db_, "index trace metadata");
  }
  insert_.Reset();
  return Status::Ok();
}

MetadataCondition TraceMetadataCondition(const std::string& project_id,
                                         const MetadataFilter& filter) {
  // `seq IN (...)`: SQLite reads the matching seqs from the index once, then either looks
  // the rows up by seq or checks membership while it walks traces by time.
  if (filter.contains) {
    return {
        "seq IN (SELECT trace_seq FROM trace_metadata WHERE project_id = ? AND key = ? AND "
        "instr(value, ?) > 0)",
        {project_id, filter.key, filter.value}};
  }
  return {
      "seq IN (SELECT trace_seq FROM trace_metadata WHERE project_id = ? AND key = ? AND "
      "value = ?)",
      {project_id, filter.key, std::string(TruncateMetadataValue(filter.value))}};
}

}  // namespace lanterne::sqlite
