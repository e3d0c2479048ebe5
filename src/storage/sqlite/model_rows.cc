#include "storage/sqlite/model_rows.h"

#include "pricing/model_json.h"
#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

constexpr const char* kColumns =
    "project_id, id, model_name, match_pattern, start_date, unit, tokenizer_id, "
    "tokenizer_config, pricing_tiers, created_at";
// Langfuse's precedence, newest definitions first within a name, so a listing reads in the
// order matching would try them.
constexpr const char* kOrder =
    " ORDER BY model_name, start_date DESC NULLS LAST, created_at DESC, id";

Result<ModelDefinition> ReadModel(const Statement& s) {
  ModelDefinition m;
  m.project_id = s.Text(0);
  m.id = s.Text(1);
  m.model_name = s.Text(2);
  m.match_pattern = s.Text(3);
  m.start_date_us = s.OptInt(4);
  m.unit = s.OptText(5);
  m.tokenizer_id = s.OptText(6);
  m.tokenizer_config = s.OptText(7);
  auto tiers = PricingTiersFromJson(s.Text(8));
  if (!tiers.ok()) return Status::Internal("model " + m.id + ": " + tiers.status().message());
  m.pricing_tiers = std::move(tiers).value();
  m.created_at_us = s.Int(9);
  return m;
}

Result<std::vector<ModelDefinition>> Collect(sqlite3* db, Statement& s) {
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  std::vector<ModelDefinition> models;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    auto model = ReadModel(s);
    if (!model.ok()) return model.status();
    models.push_back(std::move(model).value());
  }
  if (rc != SQLITE_DONE) return StepError(db, "list models");
  return models;
}

}  // namespace

Status PutModelRow(sqlite3* db, const ModelDefinition& m) {
  if (!m.project_id) return Status::Internal("a stored model needs a project");
  Statement s(db, std::string("INSERT OR REPLACE INTO models (") + kColumns +
                      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
  s.Bind(1, std::string_view(*m.project_id))
      .Bind(2, std::string_view(m.id))
      .Bind(3, std::string_view(m.model_name))
      .Bind(4, std::string_view(m.match_pattern));
  if (m.start_date_us) {
    s.Bind(5, *m.start_date_us);
  } else {
    s.BindNull(5);
  }
  std::string tiers = PricingTiersToJson(m.pricing_tiers);
  s.Bind(6, m.unit)
      .Bind(7, m.tokenizer_id)
      .Bind(8, m.tokenizer_config)
      .Bind(9, std::string_view(tiers))
      .Bind(10, m.created_at_us);
  if (s.Step() != SQLITE_DONE) return StepError(db, "write model");
  return Status::Ok();
}

Result<bool> DeleteModelRow(sqlite3* db, const std::string& project_id, const std::string& id) {
  Statement s(db, "DELETE FROM models WHERE project_id = ?1 AND id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
  if (s.Step() != SQLITE_DONE) return StepError(db, "delete model");
  return sqlite3_changes(db) > 0;
}

Result<Page<ModelDefinition>> ListModelRows(sqlite3* db, const std::string& project_id,
                                            const PageRequest& page) {
  Page<ModelDefinition> result;
  {
    Statement count(db, "SELECT count(*) FROM models WHERE project_id = ?1");
    count.Bind(1, std::string_view(project_id));
    if (count.Step() != SQLITE_ROW) return StepError(db, "count models");
    result.total_items = count.Int(0);
  }
  Statement s(db, std::string("SELECT ") + kColumns + " FROM models WHERE project_id = ?1" +
                      kOrder + " LIMIT ?2 OFFSET ?3");
  s.Bind(1, std::string_view(project_id)).Bind(2, page.limit).Bind(3, (page.page - 1) * page.limit);
  auto rows = Collect(db, s);
  if (!rows.ok()) return rows.status();
  result.items = std::move(rows).value();
  return result;
}

Result<std::vector<ModelDefinition>> ListAllModelRows(sqlite3* db, const std::string& project_id) {
  Statement s(db,
              std::string("SELECT ") + kColumns + " FROM models WHERE project_id = ?1" + kOrder);
  s.Bind(1, std::string_view(project_id));
  return Collect(db, s);
}

Result<std::optional<ModelDefinition>> GetModelRow(sqlite3* db, const std::string& project_id,
                                                   const std::string& id) {
  Statement s(db,
              std::string("SELECT ") + kColumns + " FROM models WHERE project_id = ?1 AND id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(id));
  auto rows = Collect(db, s);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::optional<ModelDefinition>();
  return std::optional<ModelDefinition>(std::move(rows->front()));
}

}  // namespace lanterne::sqlite
