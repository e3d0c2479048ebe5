#include "storage/sqlite/prompt_metrics.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

// The latency at quantile `q` of the version's finished generations (nearest rank).
Result<std::optional<double>> LatencyQuantile(sqlite3* db, const std::string& project_id,
                                              const std::string& name, int64_t version,
                                              int64_t finished, double q) {
  if (finished == 0) return std::optional<double>();
  const int64_t rank = static_cast<int64_t>(q * static_cast<double>(finished - 1) + 0.5);
  Statement s(db,
              "SELECT end_time - start_time FROM observations WHERE project_id = ?1 AND "
              "prompt_name = ?2 AND prompt_version = ?3 AND end_time IS NOT NULL ORDER BY 1 "
              "LIMIT 1 OFFSET ?4");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(name)).Bind(3, version);
  s.Bind(4, rank);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<double>();
  if (rc != SQLITE_ROW) return StepError(db, "prompt latency");
  return std::optional<double>(static_cast<double>(s.Int(0)) / 1e6);
}

}  // namespace

Result<std::vector<PromptVersionStats>> PromptMetricRows(sqlite3* db, const std::string& project_id,
                                                         const std::string& name) {
  std::vector<PromptVersionStats> out;
  std::vector<int64_t> finished;
  {
    Statement s(db,
                "SELECT prompt_version, count(*), count(end_time), coalesce(sum(total_tokens), 0), "
                "sum(total_cost) FROM observations WHERE project_id = ?1 AND prompt_name = ?2 "
                "GROUP BY prompt_version ORDER BY prompt_version DESC");
    if (!s.ok()) return Status::Internal("prepare: " + s.prepare_error());
    s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(name));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      PromptVersionStats stats;
      stats.version = s.Int(0);
      stats.generations = s.Int(1);
      finished.push_back(s.Int(2));
      stats.total_tokens = s.Int(3);
      if (!s.IsNull(4)) stats.total_cost = s.Double(4);
      out.push_back(std::move(stats));
    }
    if (rc != SQLITE_DONE) return StepError(db, "prompt metrics");
  }
  Statement scores(db,
                   "SELECT s.name, avg(s.value), count(*) FROM scores s JOIN (SELECT DISTINCT "
                   "trace_hash, trace_id FROM observations WHERE project_id = ?1 AND "
                   "prompt_name = ?2 AND prompt_version = ?3) o ON s.trace_hash = o.trace_hash "
                   "AND s.trace_id = o.trace_id WHERE s.project_id = ?1 AND s.data_type != "
                   "'CATEGORICAL' GROUP BY s.name ORDER BY s.name");
  if (!scores.ok()) return Status::Internal("prepare: " + scores.prepare_error());
  for (size_t i = 0; i < out.size(); ++i) {
    PromptVersionStats& stats = out[i];
    auto median = LatencyQuantile(db, project_id, name, stats.version, finished[i], 0.5);
    if (!median.ok()) return median.status();
    stats.median_latency_s = *median;
    auto p90 = LatencyQuantile(db, project_id, name, stats.version, finished[i], 0.9);
    if (!p90.ok()) return p90.status();
    stats.p90_latency_s = *p90;
    scores.Reset();
    scores.Bind(1, std::string_view(project_id))
        .Bind(2, std::string_view(name))
        .Bind(3, stats.version);
    int rc;
    while ((rc = scores.Step()) == SQLITE_ROW) {
      stats.scores.push_back({scores.Text(0), scores.Double(1), scores.Int(2)});
    }
    if (rc != SQLITE_DONE) return StepError(db, "prompt scores");
  }
  return out;
}

}  // namespace lanterne::sqlite
