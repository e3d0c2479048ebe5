#include "storage/sqlite/trace_table_rows.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "core/ids.h"
#include "storage/sqlite/connection.h"
#include "storage/stored_payload.h"

namespace lanterne::sqlite {
namespace {

std::string IntList(const std::vector<int64_t>& values) {
  std::string list;
  for (int64_t v : values) {
    if (!list.empty()) list += ',';
    list += std::to_string(v);
  }
  return list;
}

int64_t UsageOf(const ObservationRecord& o, const char* key) {
  auto it = o.usage_details.find(key);
  return it == o.usage_details.end() ? 0 : it->second;
}

struct ScoreSums {
  int64_t count = 0;
  double sum = 0;
  std::map<std::string, int64_t> values;
};

std::vector<ScoreAggregate> Aggregates(
    const std::map<std::pair<std::string, ScoreDataType>, ScoreSums>& sums) {
  std::vector<ScoreAggregate> out;
  for (const auto& [key, s] : sums) {
    ScoreAggregate a;
    a.name = key.first;
    a.data_type = key.second;
    a.count = s.count;
    a.average = s.count ? s.sum / static_cast<double>(s.count) : 0;
    a.values.assign(s.values.begin(), s.values.end());
    std::stable_sort(a.values.begin(), a.values.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

Result<std::vector<TraceTableExtras>> TraceTableRows(sqlite3* db,
                                                     const RecentIds& observation_traces,
                                                     const PayloadLog& payloads,
                                                     const std::string& project_id,
                                                     const std::vector<std::string>& ids) {
  std::vector<TraceTableExtras> out(ids.size());
  if (ids.empty()) return out;
  std::unordered_map<std::string, size_t> position;
  std::vector<int64_t> hashes;
  for (size_t i = 0; i < ids.size(); ++i) {
    position.emplace(ids[i], i);
    hashes.push_back(IdHash(ids[i]));
  }
  const std::string hash_list = IntList(hashes);

  // The page's observations: their seqs from memory and one read of the merged index.
  std::vector<int64_t> seqs;
  for (int64_t hash : hashes) {
    auto recent = observation_traces.Find(hash);
    seqs.insert(seqs.end(), recent.begin(), recent.end());
  }
  {
    Statement indexed(db, std::string("SELECT seq FROM ") + kObservationTraces.index_table +
                              " WHERE trace_hash IN (" + hash_list + ")");
    if (!indexed.ok()) return Status::Internal(indexed.prepare_error());
    int rc;
    while ((rc = indexed.Step()) == SQLITE_ROW) seqs.push_back(indexed.Int(0));
    if (rc != SQLITE_DONE) return StepError(db, "read observations of traces");
  }
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  if (!seqs.empty()) {
    // Index entries may be stale or collide: the row's own trace id decides.
    Statement obs(db,
                  "SELECT trace_id, CASE WHEN total_tokens IS NOT NULL OR type = 'GENERATION' "
                  "THEN payload END FROM observations " +
                      std::string(kBySeqList) + SeqInList(seqs) + " AND project_id = ?1");
    if (!obs.ok()) return Status::Internal(obs.prepare_error());
    obs.Bind(1, std::string_view(project_id));
    int rc;
    while ((rc = obs.Step()) == SQLITE_ROW) {
      auto at = position.find(obs.Text(0));
      if (at == position.end() || obs.IsNull(1)) continue;
      ObservationRecord o;
      LANTERNE_RETURN_IF_ERROR(DecodeStoredObservation(payloads, obs.Blob(1), &o));
      TraceTableExtras& e = out[at->second];
      e.input_tokens += UsageOf(o, "input");
      e.output_tokens += UsageOf(o, "output");
      e.total_tokens += o.total_tokens().value_or(0);
    }
    if (rc != SQLITE_DONE) return StepError(db, "sum trace tokens");
  }

  // Their scores, through scores_by_trace.
  std::vector<std::map<std::pair<std::string, ScoreDataType>, ScoreSums>> sums(ids.size());
  Statement scores(db,
                   "SELECT trace_id, name, data_type, value, string_value FROM scores WHERE "
                   "trace_hash IN (" +
                       hash_list + ") AND trace_hash IS NOT NULL AND project_id = ?1");
  if (!scores.ok()) return Status::Internal(scores.prepare_error());
  scores.Bind(1, std::string_view(project_id));
  int rc;
  while ((rc = scores.Step()) == SQLITE_ROW) {
    auto at = position.find(scores.Text(0));
    if (at == position.end()) continue;
    auto type = ParseScoreDataType(scores.Text(2)).value_or(ScoreDataType::kNumeric);
    if (type == ScoreDataType::kText || type == ScoreDataType::kCorrection) continue;
    ScoreSums& s = sums[at->second][{scores.Text(1), type}];
    ++s.count;
    if (type == ScoreDataType::kCategorical) {
      ++s.values[scores.OptText(4).value_or("")];
    } else {
      s.sum += scores.Double(3);
    }
  }
  if (rc != SQLITE_DONE) return StepError(db, "summarize trace scores");
  for (size_t i = 0; i < ids.size(); ++i) out[i].scores = Aggregates(sums[i]);
  return out;
}

}  // namespace lanterne::sqlite
