#include "storage/sqlite/summary_rows.h"

#include <deque>
#include <iterator>
#include <set>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/ids.h"
#include "storage/sqlite/connection.h"
#include "storage/stored_payload.h"

namespace lanterne::sqlite {
namespace {

// Conditions and their values side by side, so every value is bound, never pasted into SQL.
class Conditions {
 public:
  // `leading` are bound first, to the placeholders of the FROM clause.
  Conditions(std::vector<std::string> leading, const std::string& project_id) {
    for (auto& v : leading) values_.emplace_back(std::move(v));
    Add("sessions.project_id = ?", project_id);
  }
  void Add(const std::string& condition, std::variant<std::string, int64_t> value) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += condition;
    values_.push_back(std::move(value));
  }
  // `condition` holds one `?` per value.
  void AddMany(const std::string& condition, const std::vector<std::string>& values) {
    sql_ += sql_.empty() ? " WHERE " : " AND ";
    sql_ += condition;
    for (const auto& v : values) values_.emplace_back(v);
  }
  const std::string& sql() const { return sql_; }
  void BindTo(Statement& s) const {
    int i = 1;
    for (const auto& v : values_) {
      if (const auto* text = std::get_if<std::string>(&v)) {
        s.Bind(i++, std::string_view(*text));
      } else {
        s.Bind(i++, std::get<int64_t>(v));
      }
    }
  }

 private:
  std::string sql_;
  std::vector<std::variant<std::string, int64_t>> values_;
};

std::string LimitOffset(const PageRequest& page) {
  return " LIMIT " + std::to_string(page.limit) + " OFFSET " +
         std::to_string((page.page - 1) * page.limit);
}

struct CountedTrace {
  std::string id;
  int64_t timestamp_us;
};

void CountTrace(TraceTotals& totals, int64_t timestamp_us) {
  ++totals.trace_count;
  if (!totals.first_timestamp_us || timestamp_us < *totals.first_timestamp_us) {
    totals.first_timestamp_us = timestamp_us;
  }
  if (!totals.last_timestamp_us || timestamp_us > *totals.last_timestamp_us) {
    totals.last_timestamp_us = timestamp_us;
  }
}

void ExtendEnd(TraceTotals& totals, int64_t end_us) {
  if (!totals.last_end_us || end_us > *totals.last_end_us) totals.last_end_us = end_us;
}

int64_t UsageOf(const ObservationRecord& o, const char* key) {
  auto it = o.usage_details.find(key);
  return it == o.usage_details.end() ? 0 : it->second;
}

// Adds each trace's observations: cost and latest end from the typed columns; usage only
// with `tokens`, since it lives in the compressed payload and costs a decode per row.
Status SumObservations(sqlite3* db, const RecentIds& observation_traces, const PayloadLog& payloads,
                       const std::string& project_id, const std::vector<CountedTrace>& traces,
                       bool tokens, TraceTotals& totals) {
  for (const auto& trace : traces) {
    ++totals.counted_traces;
    ExtendEnd(totals, trace.timestamp_us);
    auto seqs = SeqsWithKey(db, kObservationTraces, observation_traces, IdHash(trace.id));
    if (!seqs.ok()) return seqs.status();
    if (seqs->empty()) continue;
    Statement s(db, std::string("SELECT start_time, end_time, total_cost") +
                        (tokens ? ", payload" : "") + " FROM observations " + kBySeqList +
                        SeqInList(*seqs) + " AND project_id = ?1 AND trace_id = ?2");
    if (!s.ok()) return Status::Internal(s.prepare_error());
    s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(trace.id));
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      ExtendEnd(totals, s.OptInt(1).value_or(s.Int(0)));
      if (!s.IsNull(2)) totals.total_cost += s.Double(2);
      if (!tokens) continue;
      ObservationRecord o;
      LANTERNE_RETURN_IF_ERROR(DecodeStoredObservation(payloads, s.Blob(3), &o));
      totals.input_tokens += UsageOf(o, "input");
      totals.output_tokens += UsageOf(o, "output");
      totals.total_tokens += UsageOf(o, "total");
    }
    if (rc != SQLITE_DONE) return StepError(db, "sum observations");
  }
  return Status::Ok();
}

// One pass over the session's traces, oldest first: every trace counts for the count, times
// and users; the newest `max_counted_traces` are summed; with `page`, the ids of that page
// are kept. INDEXED BY: without it SQLite walks traces_by_time to avoid a sort, reading every
// trace of the project instead of the session's.
Result<SessionSummary> SummarizeSession(sqlite3* db, const RecentIds& observation_traces,
                                        const PayloadLog& payloads, SessionRecord session,
                                        bool tokens, int64_t max_counted_traces,
                                        const PageRequest* page = nullptr) {
  SessionSummary out;
  out.session = std::move(session);
  Statement s(db,
              "SELECT id, timestamp, user_id FROM traces INDEXED BY traces_by_session WHERE "
              "project_id = ?1 AND session_id = ?2 ORDER BY timestamp, seq");
  if (!s.ok()) return Status::Internal(s.prepare_error());
  s.Bind(1, std::string_view(out.session.project_id)).Bind(2, std::string_view(out.session.id));
  std::set<std::string> users;
  std::deque<CountedTrace> newest;
  int64_t first_on_page = page ? (page->page - 1) * page->limit : 0;
  int rc;
  for (int64_t i = 0; (rc = s.Step()) == SQLITE_ROW; ++i) {
    int64_t timestamp = s.Int(1);
    CountTrace(out.totals, timestamp);
    if (!s.IsNull(2)) users.insert(s.Text(2));
    if (max_counted_traces > 0) {
      if (static_cast<int64_t>(newest.size()) == max_counted_traces) newest.pop_front();
      newest.push_back({s.Text(0), timestamp});
    }
    if (page && i >= first_on_page && i < first_on_page + page->limit) {
      out.page_trace_ids.push_back(s.Text(0));
    }
  }
  if (rc != SQLITE_DONE) return StepError(db, "read session traces");
  out.user_ids.assign(users.begin(), users.end());
  std::vector<CountedTrace> counted(std::make_move_iterator(newest.begin()),
                                    std::make_move_iterator(newest.end()));
  LANTERNE_RETURN_IF_ERROR(SumObservations(db, observation_traces, payloads, out.session.project_id,
                                           counted, tokens, out.totals));
  return out;
}

// The user's newest traces (traces_by_user_time serves the order) and their observations.
Status SumUserTraces(sqlite3* db, const RecentIds& observation_traces, const PayloadLog& payloads,
                     const std::string& project_id, const std::string& user_id,
                     int64_t max_counted_traces, TraceTotals& totals) {
  Statement s(db,
              "SELECT id, timestamp FROM traces WHERE project_id = ?1 AND user_id = ?2 ORDER BY "
              "timestamp DESC, seq DESC LIMIT ?3");
  s.Bind(1, std::string_view(project_id))
      .Bind(2, std::string_view(user_id))
      .Bind(3, max_counted_traces);
  std::vector<CountedTrace> counted;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) counted.push_back({s.Text(0), s.Int(1)});
  if (rc != SQLITE_DONE) return StepError(db, "read user traces");
  return SumObservations(db, observation_traces, payloads, project_id, counted, /*tokens=*/true,
                         totals);
}

}  // namespace

Result<Page<SessionSummary>> ListSessionSummaryRows(sqlite3* db,
                                                    const RecentIds& observation_traces,
                                                    const PayloadLog& payloads,
                                                    const std::string& project_id,
                                                    const SessionSummaryQuery& q) {
  Conditions where(
      q.user_id ? std::vector<std::string>{project_id, *q.user_id} : std::vector<std::string>{},
      project_id);
  if (q.from_us) where.Add("created_at >= ?", *q.from_us);
  if (q.to_us) where.Add("created_at < ?", *q.to_us);
  if (!q.environments.empty()) {
    std::string in = "environment IN (";
    for (size_t i = 0; i < q.environments.size(); ++i) in += i ? ",?" : "?";
    where.AddMany(in + ")", q.environments);
  }
  // With a user, the sessions come from the user's traces (traces_by_user_time) and are
  // looked up by key: CROSS JOIN keeps that order, where SQLite would otherwise walk every
  // session of the project by time and test each against the user's list.
  std::string from = " FROM sessions";
  if (q.user_id) {
    from =
        " FROM (SELECT DISTINCT session_id FROM traces INDEXED BY traces_by_user_time WHERE "
        "project_id = ? AND user_id = ? AND "
        "session_id IS NOT NULL) AS of_user CROSS JOIN sessions ON sessions.id = "
        "of_user.session_id";
  }
  Page<SessionSummary> page;
  {
    Statement count(db, "SELECT count(*)" + from + where.sql());
    where.BindTo(count);
    if (count.Step() != SQLITE_ROW) return StepError(db, "count sessions");
    page.total_items = count.Int(0);
  }
  // sessions_by_time serves the order; only this page's sessions are summed.
  Statement s(db, "SELECT project_id, id, created_at, environment" + from + where.sql() +
                      " ORDER BY created_at DESC, id" + LimitOffset(q.page));
  if (!s.ok()) return Status::Internal(s.prepare_error());
  where.BindTo(s);
  std::vector<SessionRecord> sessions;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    sessions.push_back(SessionRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3)});
  }
  if (rc != SQLITE_DONE) return StepError(db, "list sessions");
  for (auto& session : sessions) {
    auto summary = SummarizeSession(db, observation_traces, payloads, std::move(session),
                                    q.with_tokens, q.max_counted_traces);
    if (!summary.ok()) return summary.status();
    page.items.push_back(std::move(summary).value());
  }
  return page;
}

Result<std::optional<SessionSummary>> GetSessionSummaryRow(
    sqlite3* db, const RecentIds& observation_traces, const PayloadLog& payloads,
    const std::string& project_id, const std::string& session_id, int64_t max_counted_traces,
    const PageRequest& traces_page) {
  Statement s(db,
              "SELECT project_id, id, created_at, environment FROM sessions WHERE project_id = "
              "?1 AND id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(session_id));
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<SessionSummary>();
  if (rc != SQLITE_ROW) return StepError(db, "read session");
  auto summary = SummarizeSession(db, observation_traces, payloads,
                                  SessionRecord{s.Text(0), s.Text(1), s.Int(2), s.Text(3)},
                                  /*tokens=*/true, max_counted_traces, &traces_page);
  if (!summary.ok()) return summary.status();
  return std::optional<SessionSummary>(std::move(summary).value());
}

Result<Page<UserSummary>> ListUserRows(sqlite3* db, const RecentIds& observation_traces,
                                       const PayloadLog& payloads, const std::string& project_id,
                                       const UserQuery& q) {
  static const std::pair<const char*, const char*> kOrderColumns[] = {
      {"lastSeen", "max(timestamp)"},
      {"firstSeen", "min(timestamp)"},
      {"traceCount", "count(*)"},
      {"userId", "user_id"}};
  const char* order_column = nullptr;
  for (const auto& [field, column] : kOrderColumns) {
    if (q.order_by == field) order_column = column;
  }
  if (!order_column) {
    return Status::InvalidArgument("orderBy: unknown field \"" + q.order_by + "\"");
  }
  // Both statements read traces_by_user_time alone (user, timestamp and count are all in
  // it), without touching a trace row.
  const char* kUserTraces = " FROM traces WHERE project_id = ?1 AND user_id IS NOT NULL";
  Page<UserSummary> page;
  {
    Statement count(
        db, std::string("SELECT count(*) FROM (SELECT 1") + kUserTraces + " GROUP BY user_id)");
    count.Bind(1, std::string_view(project_id));
    if (count.Step() != SQLITE_ROW) return StepError(db, "count users");
    page.total_items = count.Int(0);
  }
  const char* direction = q.descending ? " DESC" : " ASC";
  Statement s(db, std::string("SELECT user_id, count(*), min(timestamp), max(timestamp)") +
                      kUserTraces + " GROUP BY user_id ORDER BY " + order_column + direction +
                      ", user_id" + LimitOffset(q.page));
  if (!s.ok()) return Status::Internal(s.prepare_error());
  s.Bind(1, std::string_view(project_id));
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    UserSummary user;
    user.user_id = s.Text(0);
    user.totals.trace_count = s.Int(1);
    user.totals.first_timestamp_us = s.Int(2);
    user.totals.last_timestamp_us = s.Int(3);
    page.items.push_back(std::move(user));
  }
  if (rc != SQLITE_DONE) return StepError(db, "list users");
  for (auto& user : page.items) {
    LANTERNE_RETURN_IF_ERROR(SumUserTraces(db, observation_traces, payloads, project_id,
                                           user.user_id, q.max_counted_traces, user.totals));
  }
  return page;
}

Result<std::optional<UserSummary>> GetUserRow(sqlite3* db, const RecentIds& observation_traces,
                                              const PayloadLog& payloads,
                                              const std::string& project_id,
                                              const std::string& user_id,
                                              int64_t max_counted_traces) {
  Statement s(db,
              "SELECT count(*), min(timestamp), max(timestamp) FROM traces WHERE project_id = ?1 "
              "AND user_id = ?2");
  s.Bind(1, std::string_view(project_id)).Bind(2, std::string_view(user_id));
  if (s.Step() != SQLITE_ROW) return StepError(db, "read user");
  if (s.Int(0) == 0) return std::optional<UserSummary>();
  UserSummary user;
  user.user_id = user_id;
  user.totals.trace_count = s.Int(0);
  user.totals.first_timestamp_us = s.Int(1);
  user.totals.last_timestamp_us = s.Int(2);
  LANTERNE_RETURN_IF_ERROR(SumUserTraces(db, observation_traces, payloads, project_id, user_id,
                                         max_counted_traces, user.totals));
  return std::optional<UserSummary>(std::move(user));
}

}  // namespace lanterne::sqlite
