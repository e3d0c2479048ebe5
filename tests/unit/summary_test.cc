// The sessions and users pages' aggregates (Store::ListSessionSummaries, GetSessionSummary,
// ListUsers, GetUserSummary): exact counts, times, costs and tokens, exact page totals,
// filters, the bound on summed traces, and project isolation.
#include <gtest/gtest.h>

#include "temp_dir.h"

#include "storage/store.h"

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'710'498'600'000'000;  // 2024-03-15T10:30:00Z
constexpr int64_t kSecond = 1'000'000;

TraceRecord Trace(const std::string& project, const std::string& id, int64_t offset_s,
                  std::optional<std::string> user, std::optional<std::string> session) {
  TraceRecord t;
  t.project_id = project;
  t.id = id;
  t.timestamp_us = kT0 + offset_s * kSecond;
  t.user_id = std::move(user);
  t.session_id = std::move(session);
  return t;
}

ObservationRecord Generation(const std::string& project, const std::string& id,
                             const std::string& trace_id, int64_t start_s,
                             std::optional<int64_t> end_s, std::optional<double> cost,
                             UsageMap usage) {
  ObservationRecord o;
  o.project_id = project;
  o.id = id;
  o.trace_id = trace_id;
  o.type = ObservationType::kGeneration;
  o.start_time_us = kT0 + start_s * kSecond;
  if (end_s) o.end_time_us = kT0 + *end_s * kSecond;
  if (cost) o.cost_details = {{"total", *cost}};
  o.usage_details = std::move(usage);
  return o;
}

std::vector<std::string> SessionIds(const Page<SessionSummary>& page) {
  std::vector<std::string> ids;
  for (const auto& s : page.items) ids.push_back(s.session.id);
  return ids;
}

std::vector<std::string> UserIds(const Page<UserSummary>& page) {
  std::vector<std::string> ids;
  for (const auto& u : page.items) ids.push_back(u.user_id);
  return ids;
}

// Project p1: session s-a (two traces of u1 and u2, three observations), session s-b (one
// trace of u1, no observations), a trace of u3 outside any session. Project p2 reuses the
// session id s-a and the user id u1 with other numbers.
class SummaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(dir_.path());
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(opened).value();
    Status written = store_->RunWrite([](WriteTxn& txn) -> Status {
      LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(SessionRecord{"p1", "s-a", kT0, "prod"}));
      LANTERNE_RETURN_IF_ERROR(
          txn.EnsureSession(SessionRecord{"p1", "s-b", kT0 + 100 * kSecond, "dev"}));
      LANTERNE_RETURN_IF_ERROR(
          txn.EnsureSession(SessionRecord{"p2", "s-a", kT0 + 50 * kSecond, "prod"}));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "ta1", 0, "u1", "s-a"), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "ta2", 10, "u2", "s-a"), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "tb1", 100, "u1", "s-b"), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "tn", 200, "u3", std::nullopt), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p2", "tx", 50, "u1", "s-a"), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
          Generation("p1", "o1", "ta1", 1, 3, 0.5, {{"input", 10}, {"output", 20}, {"total", 30}}),
          true));
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
          Generation("p1", "o2", "ta2", 11, 15, 0.25, {{"input", 5}, {"output", 5}, {"total", 10}}),
          true));
      // No end and no cost: counts as ending when it starts, and costs nothing.
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
          Generation("p1", "o3", "ta2", 12, std::nullopt, std::nullopt, {}), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
          Generation("p1", "o4", "tn", 201, 205, 1.0, {{"input", 3}, {"output", 4}, {"total", 7}}),
          true));
      return txn.PutObservation(Generation("p2", "o9", "tx", 51, 52, 9.0,
                                           {{"input", 100}, {"output", 100}, {"total", 200}}),
                                true);
    });
    ASSERT_TRUE(written.ok()) << written.message();
  }

  Page<SessionSummary> Sessions(const SessionSummaryQuery& q, const std::string& project = "p1") {
    auto page = store_->ListSessionSummaries(project, q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? std::move(page).value() : Page<SessionSummary>{};
  }

  Page<UserSummary> Users(const UserQuery& q, const std::string& project = "p1") {
    auto page = store_->ListUsers(project, q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? std::move(page).value() : Page<UserSummary>{};
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SummaryTest, SessionsAreNewestFirstWithExactAggregates) {
  Page<SessionSummary> page = Sessions(SessionSummaryQuery{});
  EXPECT_EQ(page.total_items, 2);
  ASSERT_EQ(SessionIds(page), (std::vector<std::string>{"s-b", "s-a"}));

  const SessionSummary& a = page.items[1];
  EXPECT_EQ(a.session.environment, "prod");
  EXPECT_EQ(a.session.created_at_us, kT0);
  EXPECT_EQ(a.totals.trace_count, 2);
  EXPECT_EQ(a.totals.counted_traces, 2);
  EXPECT_EQ(a.totals.first_timestamp_us, kT0);
  EXPECT_EQ(a.totals.last_timestamp_us, kT0 + 10 * kSecond);
  EXPECT_EQ(a.totals.last_end_us, kT0 + 15 * kSecond);
  EXPECT_DOUBLE_EQ(a.totals.total_cost, 0.75);
  EXPECT_EQ(a.user_ids, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(a.totals.total_tokens, 0) << "the list does not decode usage unless asked";

  // A session without observations ends with its last trace.
  const SessionSummary& b = page.items[0];
  EXPECT_EQ(b.totals.trace_count, 1);
  EXPECT_EQ(b.totals.last_end_us, kT0 + 100 * kSecond);
  EXPECT_DOUBLE_EQ(b.totals.total_cost, 0);
  EXPECT_EQ(b.user_ids, std::vector<std::string>{"u1"});
}

TEST_F(SummaryTest, SessionListPagesFiltersAndTokens) {
  SessionSummaryQuery second;
  second.page = {2, 1};
  Page<SessionSummary> page = Sessions(second);
  EXPECT_EQ(page.total_items, 2);
  EXPECT_EQ(SessionIds(page), std::vector<std::string>{"s-a"});

  SessionSummaryQuery beyond;
  beyond.page = {3, 1};
  page = Sessions(beyond);
  EXPECT_EQ(page.total_items, 2);
  EXPECT_TRUE(page.items.empty());

  SessionSummaryQuery of_u2;
  of_u2.user_id = "u2";
  page = Sessions(of_u2);
  EXPECT_EQ(page.total_items, 1);
  EXPECT_EQ(SessionIds(page), std::vector<std::string>{"s-a"});

  SessionSummaryQuery of_u1;
  of_u1.user_id = "u1";
  EXPECT_EQ(Sessions(of_u1).total_items, 2);

  SessionSummaryQuery recent;
  recent.from_us = kT0 + 50 * kSecond;
  EXPECT_EQ(SessionIds(Sessions(recent)), std::vector<std::string>{"s-b"});
  SessionSummaryQuery older;
  older.to_us = kT0 + 100 * kSecond;  // exclusive
  EXPECT_EQ(SessionIds(Sessions(older)), std::vector<std::string>{"s-a"});

  SessionSummaryQuery dev;
  dev.environments = {"dev"};
  EXPECT_EQ(SessionIds(Sessions(dev)), std::vector<std::string>{"s-b"});

  SessionSummaryQuery tokens;
  tokens.with_tokens = true;
  page = Sessions(tokens);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[1].totals.input_tokens, 15);
  EXPECT_EQ(page.items[1].totals.output_tokens, 25);
  EXPECT_EQ(page.items[1].totals.total_tokens, 40);
}

TEST_F(SummaryTest, SummedTracesAreBoundedToTheNewest) {
  SessionSummaryQuery q;
  q.max_counted_traces = 1;
  Page<SessionSummary> page = Sessions(q);
  ASSERT_EQ(page.items.size(), 2u);
  const TraceTotals& a = page.items[1].totals;
  EXPECT_EQ(a.trace_count, 2) << "counts cover every trace";
  EXPECT_EQ(a.first_timestamp_us, kT0);
  EXPECT_EQ(a.counted_traces, 1);
  EXPECT_DOUBLE_EQ(a.total_cost, 0.25) << "only the newest trace (ta2) is summed";
  EXPECT_EQ(a.last_end_us, kT0 + 15 * kSecond);

  auto user = store_->GetUserSummary("p1", "u1", 1);
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->totals.trace_count, 2);
  EXPECT_EQ((*user)->totals.counted_traces, 1);
  EXPECT_DOUBLE_EQ((*user)->totals.total_cost, 0) << "the newest trace of u1 (tb1) costs 0";
}

TEST_F(SummaryTest, OneSessionHasTokensAndStaysInItsProject) {
  auto a = store_->GetSessionSummary("p1", "s-a", 100, PageRequest{});
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->totals.trace_count, 2);
  EXPECT_DOUBLE_EQ((*a)->totals.total_cost, 0.75);
  EXPECT_EQ((*a)->totals.input_tokens, 15);
  EXPECT_EQ((*a)->totals.output_tokens, 25);
  EXPECT_EQ((*a)->totals.total_tokens, 40);

  EXPECT_EQ((*a)->page_trace_ids, (std::vector<std::string>{"ta1", "ta2"})) << "oldest first";
  auto second = store_->GetSessionSummary("p1", "s-a", 100, PageRequest{2, 1});
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->page_trace_ids, std::vector<std::string>{"ta2"});
  EXPECT_DOUBLE_EQ((*second)->totals.total_cost, 0.75) << "totals cover the whole session";
  auto beyond = store_->GetSessionSummary("p1", "s-a", 100, PageRequest{3, 1});
  ASSERT_TRUE(beyond.ok() && beyond->has_value());
  EXPECT_TRUE((*beyond)->page_trace_ids.empty());

  auto other = store_->GetSessionSummary("p2", "s-a", 100, PageRequest{});
  ASSERT_TRUE(other.ok() && other->has_value());
  EXPECT_EQ((*other)->totals.trace_count, 1);
  EXPECT_DOUBLE_EQ((*other)->totals.total_cost, 9.0);
  EXPECT_EQ((*other)->totals.total_tokens, 200);
  EXPECT_EQ((*other)->user_ids, std::vector<std::string>{"u1"});

  auto missing = store_->GetSessionSummary("p1", "nope", 100, PageRequest{});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(Sessions(SessionSummaryQuery{}, "p2").total_items, 1);
  EXPECT_EQ(Sessions(SessionSummaryQuery{}, "p3").total_items, 0);
}

TEST_F(SummaryTest, UsersAreOrderedByLastSeenWithExactTotals) {
  Page<UserSummary> page = Users(UserQuery{});
  EXPECT_EQ(page.total_items, 3);
  ASSERT_EQ(UserIds(page), (std::vector<std::string>{"u3", "u1", "u2"}));
  const UserSummary& u1 = page.items[1];
  EXPECT_EQ(u1.totals.trace_count, 2);
  EXPECT_EQ(u1.totals.first_timestamp_us, kT0);
  EXPECT_EQ(u1.totals.last_timestamp_us, kT0 + 100 * kSecond);
  EXPECT_DOUBLE_EQ(u1.totals.total_cost, 0.5);
  EXPECT_EQ(u1.totals.total_tokens, 30);
  EXPECT_FALSE(u1.totals.tokens_split) << "the list's totals come from the rollups";
  const UserSummary& u3 = page.items[0];
  EXPECT_DOUBLE_EQ(u3.totals.total_cost, 1.0);
  EXPECT_EQ(u3.totals.total_tokens, 7);

  // One user's page splits the tokens.
  auto one = store_->GetUserSummary("p1", "u1", 100);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_TRUE((*one)->totals.tokens_split);
  EXPECT_EQ((*one)->totals.input_tokens, 10);
  EXPECT_EQ((*one)->totals.output_tokens, 20);
  EXPECT_EQ((*one)->totals.total_tokens, 30);
}

// Every trace counts, however many a user has (the grouped list summed the newest 1,000),
// and a deleted trace leaves the totals at once.
TEST_F(SummaryTest, UserTotalsCoverEveryTrace) {
  Status written = store_->RunWrite([](WriteTxn& txn) -> Status {
    for (int i = 0; i < 1500; ++i) {
      const std::string id = "many-" + std::to_string(i);
      LANTERNE_RETURN_IF_ERROR(
          txn.PutTrace(Trace("p1", id, 1000 + i, "heavy", std::nullopt), true));
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
          Generation("p1", id + "-g", id, 1000 + i, 1001 + i, 0.01, {{"total", 3}}), true));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(written.ok()) << written.message();
  Page<UserSummary> page = Users(UserQuery{});
  ASSERT_EQ(UserIds(page), (std::vector<std::string>{"heavy", "u3", "u1", "u2"}));
  const TraceTotals& heavy = page.items[0].totals;
  EXPECT_EQ(heavy.trace_count, 1500);
  EXPECT_EQ(heavy.counted_traces, 1500);
  EXPECT_NEAR(heavy.total_cost, 15.0, 1e-9);
  EXPECT_EQ(heavy.total_tokens, 4500);
  EXPECT_EQ(heavy.first_timestamp_us, kT0 + 1000 * kSecond);
  EXPECT_EQ(heavy.last_timestamp_us, kT0 + 2499 * kSecond);

  Status deleted = store_->RunWrite([](WriteTxn& txn) -> Status {
    auto gone = txn.DeleteTraces("p1", {"tn"});
    return gone.ok() ? Status::Ok() : gone.status();
  });
  ASSERT_TRUE(deleted.ok()) << deleted.message();
  page = Users(UserQuery{});
  EXPECT_EQ(page.total_items, 3);
  EXPECT_EQ(UserIds(page), (std::vector<std::string>{"heavy", "u1", "u2"}));
}

// Users last seen on the same day are ordered by their exact times, also across a page
// boundary and next to users of other days.
TEST_F(SummaryTest, UsersOfOneDayOrderByExactTime) {
  constexpr int64_t kDay = 86'400;
  Status written = store_->RunWrite([&](WriteTxn& txn) -> Status {
    // Next day, in this order of time: d3, d1, d4, d2 (ids not in time order).
    const std::pair<const char*, int64_t> next_day[] = {
        {"d3", kDay + 60}, {"d1", kDay + 120}, {"d4", kDay + 180}, {"d2", kDay + 240}};
    for (const auto& [user, offset] : next_day) {
      LANTERNE_RETURN_IF_ERROR(
          txn.PutTrace(Trace("p1", std::string("t-") + user, offset, user, std::nullopt), true));
    }
    // Two days later, one user; d1 also has an older trace, which must not move it.
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "t-e", 2 * kDay, "e", std::nullopt), true));
    return txn.PutTrace(Trace("p1", "t-d1-old", 5, "d1", std::nullopt), true);
  });
  ASSERT_TRUE(written.ok()) << written.message();
  const std::vector<std::string> newest_first = {"e", "d2", "d4", "d1", "d3", "u3", "u1", "u2"};
  for (int limit : {1, 2, 3, 8}) {
    std::vector<std::string> walked;
    for (int page = 1; static_cast<int>(walked.size()) < 8; ++page) {
      UserQuery q;
      q.page = {page, limit};
      Page<UserSummary> got = Users(q);
      ASSERT_EQ(got.total_items, 8);
      ASSERT_FALSE(got.items.empty()) << "page " << page << " of " << limit;
      for (const auto& u : got.items) walked.push_back(u.user_id);
    }
    EXPECT_EQ(walked, newest_first) << "pages of " << limit;
  }
  UserQuery oldest_first;
  oldest_first.order_by = "firstSeen";
  oldest_first.descending = false;
  oldest_first.page = {2, 3};
  // First seen: u1 0 s, d1 5 s, u2 10 s, u3 200 s, then d3, d4, d2, e.
  EXPECT_EQ(UserIds(Users(oldest_first)), (std::vector<std::string>{"u3", "d3", "d4"}));
}

TEST_F(SummaryTest, UsersSortAndPage) {
  UserQuery by_count;
  by_count.order_by = "traceCount";
  // Ties keep user id order.
  EXPECT_EQ(UserIds(Users(by_count)), (std::vector<std::string>{"u1", "u2", "u3"}));
  UserQuery by_id;
  by_id.order_by = "userId";
  EXPECT_EQ(UserIds(Users(by_id)), (std::vector<std::string>{"u3", "u2", "u1"}));
  UserQuery first_seen;
  first_seen.order_by = "firstSeen";
  first_seen.descending = false;
  EXPECT_EQ(UserIds(Users(first_seen)), (std::vector<std::string>{"u1", "u2", "u3"}));

  UserQuery second;
  second.page = {2, 2};
  Page<UserSummary> page = Users(second);
  EXPECT_EQ(page.total_items, 3);
  EXPECT_EQ(UserIds(page), std::vector<std::string>{"u2"});

  UserQuery unknown;
  unknown.order_by = "totalCost";
  auto refused = store_->ListUsers("p1", unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SummaryTest, UsersStayInTheirProject) {
  Page<UserSummary> page = Users(UserQuery{}, "p2");
  EXPECT_EQ(page.total_items, 1);
  ASSERT_EQ(UserIds(page), std::vector<std::string>{"u1"});
  EXPECT_EQ(page.items[0].totals.trace_count, 1);
  EXPECT_DOUBLE_EQ(page.items[0].totals.total_cost, 9.0);

  auto u1 = store_->GetUserSummary("p1", "u1", 100);
  ASSERT_TRUE(u1.ok() && u1->has_value());
  EXPECT_EQ((*u1)->totals.trace_count, 2);
  EXPECT_DOUBLE_EQ((*u1)->totals.total_cost, 0.5);
  auto absent = store_->GetUserSummary("p2", "u2", 100);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
  EXPECT_EQ(Users(UserQuery{}, "p3").total_items, 0);
}

}  // namespace
}  // namespace lanterne
