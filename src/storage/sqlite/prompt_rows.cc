#include "storage/sqlite/prompt_rows.h"

#include "core/json.h"
#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

constexpr const char* kColumns =
    "project_id, id, name, version, type, prompt, config, labels, tags, commit_message, "
    "created_by, created_at, updated_at";

std::string ToJsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += JsonQuote(items[i]);
  }
  out += ']';
  return out;
}

Result<std::vector<std::string>> FromJsonArray(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array array;
  if (parser.parse(text).get(root) || root.get_array().get(array)) {
    return Status::Internal("stored prompt labels or tags are not a JSON array");
  }
  std::vector<std::string> out;
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s)) return Status::Internal("stored prompt label is not a string");
    out.emplace_back(s);
  }
  return out;
}

Result<std::vector<PromptVersion>> Collect(sqlite3* db, Statement& s) {
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  std::vector<PromptVersion> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    PromptVersion p;
    p.project_id = s.Text(0);
    p.id = s.Text(1);
    p.name = s.Text(2);
    p.version = s.Int(3);
    p.type = s.Text(4);
    p.prompt_json = s.Text(5);
    p.config_json = s.Text(6);
    auto labels = FromJsonArray(s.Text(7));
    if (!labels.ok()) return labels.status();
    p.labels = std::move(labels).value();
    auto tags = FromJsonArray(s.Text(8));
    if (!tags.ok()) return tags.status();
    p.tags = std::move(tags).value();
    p.commit_message = s.OptText(9);
    p.created_by = s.Text(10);
    p.created_at_us = s.Int(11);
    p.updated_at_us = s.Int(12);
    rows.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return StepError(db, "read prompts");
  return rows;
}

}  // namespace

Status PutPromptRow(sqlite3* db, const PromptVersion& p) {
  Statement s(db, std::string("INSERT OR REPLACE INTO prompts (") + kColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  // Bound text is not copied: it must outlive the step.
  const std::string labels = ToJsonArray(p.labels);
  const std::string tags = ToJsonArray(p.tags);
  s.Bind(1, std::string_view(p.project_id))
      .Bind(2, std::string_view(p.id))
      .Bind(3, std::string_view(p.name))
      .Bind(4, p.version)
      .Bind(5, std::string_view(p.type))
      .Bind(6, std::string_view(p.prompt_json))
      .Bind(7, std::string_view(p.config_json))
      .Bind(8, std::string_view(labels))
      .Bind(9, std::string_view(tags))
      .Bind(10, p.commit_message)
      .Bind(11, std::string_view(p.created_by))
      .Bind(12, p.created_at_us)
      .Bind(13, p.updated_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write prompt");
  return Status::Ok();
}

Result<std::vector<PromptVersion>> PromptVersionRows(sqlite3* db, const std::string& project_id,
                                                     const std::string& name) {
  Statement s(db, std::string("SELECT ") + kColumns +
                      " FROM prompts WHERE project_id = ?1 AND name = ?2 ORDER BY version DESC");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(name));
  return Collect(db, s);
}

Result<std::vector<PromptVersion>> AllPromptRows(sqlite3* db, const std::string& project_id) {
  Statement s(db, std::string("SELECT ") + kColumns +
                      " FROM prompts WHERE project_id = ?1 ORDER BY name, version DESC");
  s.Bind(1, std::string_view(project_id));
  return Collect(db, s);
}

Result<int64_t> DeletePromptRows(sqlite3* db, const std::string& project_id,
                                 const std::string& name, std::optional<int64_t> version) {
  Statement s(db, version
                      ? "DELETE FROM prompts WHERE project_id = ?1 AND name = ?2 AND version = ?3"
                      : "DELETE FROM prompts WHERE project_id = ?1 AND name = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(name));
  if (version) s.Bind(3, *version);
  if (s.Step() != SQLITE_DONE) return StepError(db, "delete prompt");
  return static_cast<int64_t>(sqlite3_changes(db));
}

}  // namespace lanterne::sqlite
