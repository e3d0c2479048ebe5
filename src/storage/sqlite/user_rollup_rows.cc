#include "storage/sqlite/user_rollup_rows.h"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/rollup.h"
#include "storage/rollup_read.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/rollup_rows.h"

namespace lanterne::sqlite {
namespace {

// Rows read for one list at most: ~200 days of 1,000 active users, a few MB of sums.
constexpr size_t kMaxRollupRows = 200'000;

struct UserEntry {
  std::string user_id;
  int64_t trace_count = 0, cost = 0, tokens = 0;  // cost in kCostScale units
  int64_t first_day = 0, last_day = 0;            // bucket starts
  std::optional<int64_t> first_us, last_us;       // exact, once looked up
};

// A user's first or last trace time: one seek of traces_by_user_time.
class EdgeTimes {
 public:
  EdgeTimes(sqlite3* db, const std::string& project_id)
      : db_(db),
        project_id_(project_id),
        first_(db,
               "SELECT timestamp FROM traces WHERE project_id = ?1 AND user_id = ?2 "
               "ORDER BY timestamp ASC LIMIT 1"),
        last_(db,
              "SELECT timestamp FROM traces WHERE project_id = ?1 AND user_id = ?2 "
              "ORDER BY timestamp DESC LIMIT 1") {}

  Status Fill(UserEntry& u) {
    if (!u.first_us) LANTERNE_RETURN_IF_ERROR(Read(first_, u.user_id, u.first_us));
    if (!u.last_us) LANTERNE_RETURN_IF_ERROR(Read(last_, u.user_id, u.last_us));
    return Status::Ok();
  }

 private:
  Status Read(Statement& s, const std::string& user_id, std::optional<int64_t>& out) {
    if (!s.ok()) return Status::Internal(s.prepare_error());
    s.Bind(1, std::string_view(project_id_)).Bind(2, std::string_view(user_id));
    int rc = s.Step();
    if (rc == SQLITE_ROW) out = s.Int(0);
    s.Reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return StepError(db_, "read a user's first or last trace");
    return Status::Ok();
  }

  sqlite3* db_;
  const std::string& project_id_;
  Statement first_, last_;
};

}  // namespace

Result<std::optional<Page<UserSummary>>> ListUsersFromRollups(sqlite3* db,
                                                              const std::string& project_id,
                                                              const UserQuery& q) {
  const bool by_last = q.order_by == "lastSeen";
  const bool by_time = by_last || q.order_by == "firstSeen";
  if (!by_time && q.order_by != "traceCount" && q.order_by != "userId") {
    return Status::InvalidArgument("orderBy: unknown field \"" + q.order_by + "\"");
  }
  // The rollups and the seeks below see one snapshot.
  ReadTransaction txn(db);
  LANTERNE_RETURN_IF_ERROR(txn.status());
  RollupRowsRequest request;
  request.table = RollupTable::kTraceUsers;
  request.grain = RollupGrain::kDay;
  request.from_us = std::numeric_limits<int64_t>::min();
  request.to_us = std::numeric_limits<int64_t>::max();
  request.with_sketches = false;
  request.max_rows = kMaxRollupRows;
  auto rows = ReadRollupRows(db, project_id, request);
  if (!rows.ok()) {
    if (rows.status().code() == StatusCode::kInvalidArgument)
      return std::optional<Page<UserSummary>>();  // too many
    return rows.status();
  }

  // Per user, over its environments and days.
  std::vector<UserEntry> users;
  std::unordered_map<std::string, size_t> position;
  for (const RollupRow& row : *rows) {
    // Key: environment, userId.
    if (row.key.size() != 2 || !row.key[1]) continue;
    const int64_t count = row.values.sums[trace_sum::kCount];
    if (count <= 0) continue;
    auto [it, added] = position.try_emplace(*row.key[1], users.size());
    if (added) {
      UserEntry& u = users.emplace_back();
      u.user_id = *row.key[1];
      u.first_day = u.last_day = row.bucket_us;
    }
    UserEntry& u = users[it->second];
    u.trace_count += count;
    u.cost += row.values.sums[trace_sum::kTotalCost];
    u.tokens += row.values.sums[trace_sum::kTotalTokens];
    u.first_day = std::min(u.first_day, row.bucket_us);
    u.last_day = std::max(u.last_day, row.bucket_us);
  }

  // Ties keep user id order, ascending, whatever the direction (as the grouped list does).
  auto day = [&](const UserEntry& u) { return by_last ? u.last_day : u.first_day; };
  auto exact = [&](const UserEntry& u) { return *(by_last ? u.last_us : u.first_us); };
  auto ordered = [&](auto key) {
    return [&, key](const UserEntry& a, const UserEntry& b) {
      const int64_t ka = key(a), kb = key(b);
      if (ka != kb) return q.descending ? ka > kb : ka < kb;
      return a.user_id < b.user_id;
    };
  };
  if (q.order_by == "userId") {
    std::sort(users.begin(), users.end(), [&](const UserEntry& a, const UserEntry& b) {
      return q.descending ? a.user_id > b.user_id : a.user_id < b.user_id;
    });
  } else if (q.order_by == "traceCount") {
    std::sort(users.begin(), users.end(),
              ordered([](const UserEntry& u) { return u.trace_count; }));
  } else {
    std::sort(users.begin(), users.end(), ordered(day));
  }

  Page<UserSummary> page;
  page.total_items = static_cast<int64_t>(users.size());
  const size_t begin = static_cast<size_t>((q.page.page - 1) * q.page.limit);
  if (begin >= users.size()) return std::optional<Page<UserSummary>>(std::move(page));
  const size_t end = std::min(users.size(), begin + static_cast<size_t>(q.page.limit));

  EdgeTimes times(db, project_id);
  if (by_time) {
    // Days order users exactly except within a day: the users of the days the page meets
    // are ordered by their exact times. Sorted by day, they stand side by side.
    const int64_t from_day = day(users[begin]), to_day = day(users[end - 1]);
    auto in_page_days = [&](const UserEntry& u) {
      const int64_t d = day(u);
      return q.descending ? d <= from_day && d >= to_day : d >= from_day && d <= to_day;
    };
    size_t first = begin, last = end;
    while (first > 0 && in_page_days(users[first - 1])) --first;
    while (last < users.size() && in_page_days(users[last])) ++last;
    for (size_t i = first; i < last; ++i) LANTERNE_RETURN_IF_ERROR(times.Fill(users[i]));
    // A user whose traces went after the rollups were read keeps its day as its time.
    for (size_t i = first; i < last; ++i) {
      UserEntry& u = users[i];
      if (!u.first_us) u.first_us = u.first_day;
      if (!u.last_us) u.last_us = u.last_day;
    }
    std::sort(users.begin() + static_cast<std::ptrdiff_t>(first),
              users.begin() + static_cast<std::ptrdiff_t>(last), ordered(exact));
  }
  for (size_t i = begin; i < end; ++i) {
    UserEntry& u = users[i];
    LANTERNE_RETURN_IF_ERROR(times.Fill(u));
    UserSummary& out = page.items.emplace_back();
    out.user_id = std::move(u.user_id);
    out.totals.trace_count = u.trace_count;
    out.totals.counted_traces = u.trace_count;
    out.totals.first_timestamp_us = u.first_us;
    out.totals.last_timestamp_us = u.last_us;
    out.totals.total_cost = static_cast<double>(u.cost) / kCostScale;
    out.totals.total_tokens = u.tokens;
    out.totals.tokens_split = false;
  }
  return std::optional<Page<UserSummary>>(std::move(page));
}

}  // namespace lanterne::sqlite
