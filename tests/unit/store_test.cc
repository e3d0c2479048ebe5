#include "storage/store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "temp_dir.h"

#include "core/time.h"
#include "ingest/batch_decoder.h"
#include "ingest/write_pipeline.h"

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'710'498'600'000'000;  // 2024-03-15T10:30:00Z
constexpr int64_t kSecond = 1'000'000;

std::unique_ptr<Store> Open(const TempDir& dir) {
  auto store = OpenSqliteStore(dir.path());
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open store: " << store.status().message();
    return nullptr;
  }
  return std::move(store).value();
}

TraceRecord FullTrace(const std::string& project, const std::string& id) {
  TraceRecord t;
  t.project_id = project;
  t.id = id;
  t.timestamp_us = kT0;
  t.name = "chat";
  t.user_id = "user-1";
  t.session_id = "session-1";
  t.release = "r1";
  t.version = "v1";
  t.input = R"({"messages":[{"role":"user","content":"h\u00e9llo \ud83c\udf0d"}]})";
  t.output = R"("answer \u65e5\u672c")";
  t.metadata = R"({"k":"v","nested":{"n":1}})";
  t.tags = {"alpha", "beta"};
  t.is_public = true;
  t.bookmarked = true;
  t.environment = "prod";
  t.created_at_us = kT0 + 1;
  t.updated_at_us = kT0 + 2;
  return t;
}

ObservationRecord FullObservation(const std::string& project, const std::string& id,
                                  const std::string& trace_id) {
  ObservationRecord o;
  o.project_id = project;
  o.id = id;
  o.trace_id = trace_id;
  o.type = ObservationType::kGeneration;
  o.start_time_us = kT0 + kSecond;
  o.end_time_us = kT0 + 3 * kSecond;
  o.completion_start_time_us = kT0 + 2 * kSecond;
  o.name = "llm-call";
  o.status_message = "ok";
  o.parent_observation_id = "root-span";
  o.version = "v2";
  o.model = "gpt-4o";
  o.input = R"([{"role":"user","content":"q"}])";
  o.output = R"({"content":"a"})";
  o.metadata = R"({"m":[1,2,3]})";
  o.model_parameters = R"({"temperature":0.2})";
  o.level = Level::kWarning;
  o.environment = "prod";
  o.usage_details = {{"input", 70}, {"input_cached_tokens", 30}, {"output", 50}, {"total", 150}};
  o.cost_details = {{"input", 0.0007}, {"output", 0.0015}, {"total", 0.0022}};
  o.usage_unit = "TOKENS";
  o.prompt_name = "greeting";
  o.prompt_version = 4;
  o.created_at_us = kT0 + 5;
  o.updated_at_us = kT0 + 6;
  return o;
}

ScoreRecord FullScore(const std::string& project, const std::string& id,
                      const std::string& trace_id) {
  ScoreRecord s;
  s.project_id = project;
  s.id = id;
  s.timestamp_us = kT0 + 4 * kSecond;
  s.name = "correctness";
  s.value = 1;
  s.string_value = "True";
  s.data_type = ScoreDataType::kBoolean;
  s.source = "EVAL";
  s.trace_id = trace_id;
  s.observation_id = "obs-1";
  s.comment = "looks right";
  s.config_id = "cfg-1";
  s.queue_id = "queue-1";
  s.author_user_id = "author-1";
  s.metadata = R"({"judge":"model"})";
  s.environment = "prod";
  s.created_at_us = kT0 + 7;
  s.updated_at_us = kT0 + 8;
  return s;
}

void ExpectTraceEq(const TraceRecord& a, const TraceRecord& b) {
  EXPECT_EQ(a.project_id, b.project_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.timestamp_us, b.timestamp_us);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.is_public, b.is_public);
  EXPECT_EQ(a.bookmarked, b.bookmarked);
  EXPECT_EQ(a.environment, b.environment);
  EXPECT_EQ(a.created_at_us, b.created_at_us);
  EXPECT_EQ(a.updated_at_us, b.updated_at_us);
}

void ExpectObservationEq(const ObservationRecord& a, const ObservationRecord& b) {
  EXPECT_EQ(a.project_id, b.project_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.start_time_us, b.start_time_us);
  EXPECT_EQ(a.end_time_us, b.end_time_us);
  EXPECT_EQ(a.completion_start_time_us, b.completion_start_time_us);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.status_message, b.status_message);
  EXPECT_EQ(a.parent_observation_id, b.parent_observation_id);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.input, b.input);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.model_parameters, b.model_parameters);
  EXPECT_EQ(a.level, b.level);
  EXPECT_EQ(a.environment, b.environment);
  EXPECT_EQ(a.usage_details, b.usage_details);
  EXPECT_EQ(a.cost_details, b.cost_details);
  EXPECT_EQ(a.usage_unit, b.usage_unit);
  EXPECT_EQ(a.prompt_name, b.prompt_name);
  EXPECT_EQ(a.prompt_version, b.prompt_version);
  EXPECT_EQ(a.created_at_us, b.created_at_us);
  EXPECT_EQ(a.updated_at_us, b.updated_at_us);
}

void ExpectScoreEq(const ScoreRecord& a, const ScoreRecord& b) {
  EXPECT_EQ(a.project_id, b.project_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.timestamp_us, b.timestamp_us);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.string_value, b.string_value);
  EXPECT_EQ(a.data_type, b.data_type);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.trace_id, b.trace_id);
  EXPECT_EQ(a.observation_id, b.observation_id);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.dataset_run_id, b.dataset_run_id);
  EXPECT_EQ(a.comment, b.comment);
  EXPECT_EQ(a.config_id, b.config_id);
  EXPECT_EQ(a.queue_id, b.queue_id);
  EXPECT_EQ(a.author_user_id, b.author_user_id);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.environment, b.environment);
  EXPECT_EQ(a.created_at_us, b.created_at_us);
  EXPECT_EQ(a.updated_at_us, b.updated_at_us);
}

std::vector<std::string> Ids(const std::vector<TraceRecord>& traces) {
  std::vector<std::string> ids;
  for (const auto& t : traces) ids.push_back(t.id);
  return ids;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Open(dir_);
    ASSERT_NE(store_, nullptr);
  }

  void Write(const std::function<Status(WriteTxn&)>& body) {
    Status status = store_->RunWrite(body);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  std::vector<std::string> ListIds(const std::string& project, const TraceQuery& query) {
    auto page = store_->ListTraces(project, query);
    if (!page.ok()) {
      ADD_FAILURE() << page.status().message();
      return {};
    }
    return Ids(page->items);
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

// Closing a store stops its background threads at once, even one stopped while it was
// busy: the rollup warm-up, asked to stop mid-read, used to miss the notice and sleep out
// its 30 s wait first.
TEST(StoreLifecycle, ClosesAtOnceRightAfterOpening) {
  TempDir dir;
  {
    auto store = OpenSqliteStore(dir.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    Status s = (*store)->RunWrite([](WriteTxn& txn) -> Status {
      LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(Organization{"o", "Org"}));
      LANTERNE_RETURN_IF_ERROR(txn.UpsertProject(Project{"p", "o", "Project", NowMicros()}));
      TraceRecord t;
      t.project_id = "p";
      t.id = "t1";
      t.timestamp_us = NowMicros();
      t.environment = "default";
      return txn.PutTrace(t, true);
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto store = OpenSqliteStore(dir.path());  // the warm-up starts reading the project
    ASSERT_TRUE(store.ok()) << store.status().message();
  }  // ... and each store is closed at once
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(StoreTest, ReadsReturnExactlyWhatWasWritten) {
  TraceRecord trace = FullTrace("p1", "trace-1");
  ObservationRecord observation = FullObservation("p1", "obs-1", "trace-1");
  ScoreRecord score = FullScore("p1", "score-1", "trace-1");
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(trace, true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(observation, true));
    return txn.PutScore(score, true);
  });

  auto got_trace = store_->GetTrace("p1", "trace-1");
  ASSERT_TRUE(got_trace.ok());
  ASSERT_TRUE(got_trace->has_value());
  ExpectTraceEq(**got_trace, trace);

  auto got_observation = store_->GetObservation("p1", "obs-1");
  ASSERT_TRUE(got_observation.ok());
  ASSERT_TRUE(got_observation->has_value());
  ExpectObservationEq(**got_observation, observation);

  auto of_trace = store_->ObservationsOfTrace("p1", "trace-1");
  ASSERT_TRUE(of_trace.ok());
  ASSERT_EQ(of_trace->size(), 1u);
  ExpectObservationEq(of_trace->front(), observation);

  auto got_score = store_->GetScore("p1", "score-1");
  ASSERT_TRUE(got_score.ok());
  ASSERT_TRUE(got_score->has_value());
  ExpectScoreEq(**got_score, score);

  auto scores = store_->ScoresOfTrace("p1", "trace-1");
  ASSERT_TRUE(scores.ok());
  ASSERT_EQ(scores->size(), 1u);
  ExpectScoreEq(scores->front(), score);

  auto listed = store_->ListTraces("p1", TraceQuery{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  ExpectTraceEq(listed->items[0], trace);
}

TEST_F(StoreTest, MinimalRecordsKeepTheirNulls) {
  TraceRecord trace;
  trace.project_id = "p1";
  trace.id = "bare";
  trace.timestamp_us = kT0;
  ObservationRecord observation;
  observation.project_id = "p1";
  observation.id = "bare-obs";
  observation.trace_id = "bare";
  observation.start_time_us = kT0;
  ScoreRecord score;
  score.project_id = "p1";
  score.id = "bare-score";
  score.name = "n";
  score.session_id = "s";
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(trace, true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(observation, true));
    return txn.PutScore(score, true);
  });
  auto t = store_->GetTrace("p1", "bare");
  ASSERT_TRUE(t.ok() && t->has_value());
  ExpectTraceEq(**t, trace);
  auto o = store_->GetObservation("p1", "bare-obs");
  ASSERT_TRUE(o.ok() && o->has_value());
  ExpectObservationEq(**o, observation);
  EXPECT_FALSE((*o)->total_cost().has_value());
  auto s = store_->GetScore("p1", "bare-score");
  ASSERT_TRUE(s.ok() && s->has_value());
  ExpectScoreEq(**s, score);
}

TEST_F(StoreTest, UpdateReplacesTheStoredRow) {
  TraceRecord trace = FullTrace("p1", "t");
  Write([&](WriteTxn& txn) { return txn.PutTrace(trace, true); });
  trace.name = "renamed";
  trace.input.reset();
  trace.tags = {"gamma"};
  trace.metadata = R"({"new":true})";
  Write([&](WriteTxn& txn) -> Status {
    auto found = txn.FindTrace("p1", "t");
    if (!found.ok()) return found.status();
    EXPECT_TRUE(found->has_value());
    return txn.PutTrace(trace, false);
  });
  auto got = store_->GetTrace("p1", "t");
  ASSERT_TRUE(got.ok() && got->has_value());
  ExpectTraceEq(**got, trace);
  auto page = store_->ListTraces("p1", TraceQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_items, 1);
}

TEST_F(StoreTest, WriteTransactionSeesItsOwnWritesAndRollsBackOnError) {
  Status status = store_->RunWrite([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p1", "doomed"), true));
    auto found = txn.FindTrace("p1", "doomed");
    EXPECT_TRUE(found.ok() && found->has_value());
    return Status::Internal("abandon");
  });
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  auto got = store_->GetTrace("p1", "doomed");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

class TraceListingTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    auto make = [](std::string id, std::string name, std::string user,
                   std::vector<std::string> tags, std::string env, int64_t offset) {
      TraceRecord t;
      t.project_id = "p1";
      t.id = std::move(id);
      t.name = std::move(name);
      t.user_id = std::move(user);
      t.tags = std::move(tags);
      t.environment = std::move(env);
      t.timestamp_us = kT0 + offset * kSecond;
      return t;
    };
    std::vector<TraceRecord> traces = {
        make("t1", "charlie", "u1", {"a", "b"}, "prod", 1),
        make("t2", "alpha", "u2", {"a"}, "dev", 2),
        make("t3", "bravo", "u1", {"b"}, "default", 3),
    };
    TraceRecord other = make("t9", "zulu", "u1", {"a", "b"}, "prod", 2);
    other.project_id = "p2";
    traces.push_back(other);
    Write([&](WriteTxn& txn) -> Status {
      for (const auto& t : traces) LANTERNE_RETURN_IF_ERROR(txn.PutTrace(t, true));
      return Status::Ok();
    });
  }
};

TEST_F(TraceListingTest, DefaultOrderIsNewestFirst) {
  EXPECT_EQ(ListIds("p1", TraceQuery{}), (std::vector<std::string>{"t3", "t2", "t1"}));
}

TEST_F(TraceListingTest, FiltersByUserId) {
  TraceQuery q;
  q.user_id = "u1";
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t3", "t1"}));
  q.user_id = "nobody";
  EXPECT_TRUE(ListIds("p1", q).empty());
}

TEST_F(TraceListingTest, TagsMustAllBePresent) {
  TraceQuery q;
  q.tags = {"a", "b"};
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t1"}));
  q.tags = {"a"};
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t2", "t1"}));
  q.tags = {"a", "missing"};
  EXPECT_TRUE(ListIds("p1", q).empty());
}

TEST_F(TraceListingTest, EnvironmentsMatchAnyOf) {
  TraceQuery q;
  q.environments = {"prod", "dev"};
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t2", "t1"}));
  q.environments = {"default"};
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t3"}));
}

TEST_F(TraceListingTest, FromIsInclusiveAndToIsExclusive) {
  TraceQuery q;
  q.from_us = kT0 + 2 * kSecond;
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t3", "t2"}));
  q = TraceQuery{};
  q.to_us = kT0 + 2 * kSecond;
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t1"}));
  q.from_us = kT0 + 2 * kSecond;
  q.to_us = kT0 + 3 * kSecond;
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t2"}));
}

TEST_F(TraceListingTest, OrdersByNameAscending) {
  TraceQuery q;
  q.order_by = "name";
  q.descending = false;
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t2", "t3", "t1"}));
  q.descending = true;
  EXPECT_EQ(ListIds("p1", q), (std::vector<std::string>{"t1", "t3", "t2"}));
}

TEST_F(TraceListingTest, PagesReportTheTotal) {
  TraceQuery q;
  q.page.limit = 2;
  q.page.page = 1;
  auto first = store_->ListTraces("p1", q);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->total_items, 3);
  EXPECT_EQ(Ids(first->items), (std::vector<std::string>{"t3", "t2"}));
  q.page.page = 2;
  auto second = store_->ListTraces("p1", q);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->total_items, 3);
  EXPECT_EQ(Ids(second->items), (std::vector<std::string>{"t1"}));
  q.page.page = 3;
  auto third = store_->ListTraces("p1", q);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->total_items, 3);
  EXPECT_TRUE(third->items.empty());

  TraceQuery filtered;
  filtered.user_id = "u1";
  filtered.page.limit = 1;
  auto page = store_->ListTraces("p1", filtered);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_items, 2);
  EXPECT_EQ(page->items.size(), 1u);
}

TEST_F(StoreTest, RowsOfOneProjectAreInvisibleToAnother) {
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("pA", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(FullObservation("pA", "o1", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutScore(FullScore("pA", "s1", "t1"), true));
    return txn.EnsureSession(SessionRecord{"pA", "session-1", kT0, "prod"});
  });
  // Project A sees everything.
  ASSERT_TRUE(store_->GetTrace("pA", "t1")->has_value());
  ASSERT_TRUE(store_->GetObservation("pA", "o1")->has_value());
  ASSERT_TRUE(store_->GetScore("pA", "s1")->has_value());
  ASSERT_TRUE(store_->GetSession("pA", "session-1")->has_value());
  ASSERT_EQ(store_->TracesOfSession("pA", "session-1")->size(), 1u);

  // Project B sees nothing, through every read.
  const std::string b = "pB";
  EXPECT_FALSE(store_->GetTrace(b, "t1")->has_value());
  EXPECT_EQ(store_->ListTraces(b, TraceQuery{})->total_items, 0);
  EXPECT_TRUE(store_->ListTraces(b, TraceQuery{})->items.empty());
  auto rollups = store_->RollupTraces(b, {"t1"});
  ASSERT_TRUE(rollups.ok());
  ASSERT_EQ(rollups->size(), 1u);
  EXPECT_TRUE(rollups->front().observation_ids.empty());
  EXPECT_TRUE(rollups->front().score_ids.empty());
  EXPECT_EQ(rollups->front().total_cost, 0);
  EXPECT_TRUE(store_->ObservationsOfTrace(b, "t1")->empty());
  EXPECT_FALSE(store_->GetObservation(b, "o1")->has_value());
  ObservationQuery oq;
  EXPECT_EQ(store_->ListObservations(b, oq)->total_items, 0);
  oq.trace_id = "t1";
  EXPECT_TRUE(store_->ListObservations(b, oq)->items.empty());
  EXPECT_FALSE(store_->GetSession(b, "session-1")->has_value());
  EXPECT_EQ(store_->ListSessions(b, SessionQuery{})->total_items, 0);
  EXPECT_TRUE(store_->TracesOfSession(b, "session-1")->empty());
  EXPECT_FALSE(store_->GetScore(b, "s1")->has_value());
  EXPECT_EQ(store_->ListScores(b, ScoreQuery{})->total_items, 0);
  ScoreQuery by_user;
  by_user.user_id = "user-1";
  EXPECT_EQ(store_->ListScores(b, by_user)->total_items, 0);
  EXPECT_TRUE(store_->ScoresOfTrace(b, "t1")->empty());

  // Writes in B cannot see or touch A either.
  Write([&](WriteTxn& txn) -> Status {
    auto trace = txn.FindTrace(b, "t1");
    EXPECT_TRUE(trace.ok() && !trace->has_value());
    auto observation = txn.FindObservation(b, "o1");
    EXPECT_TRUE(observation.ok() && !observation->has_value());
    auto score = txn.FindScore(b, "s1");
    EXPECT_TRUE(score.ok() && !score->has_value());
    auto deleted = txn.DeleteTraces(b, {"t1"});
    EXPECT_TRUE(deleted.ok());
    if (deleted.ok()) {
      EXPECT_EQ(*deleted, 0);
    }
    auto deleted_score = txn.DeleteScore(b, "s1");
    EXPECT_TRUE(deleted_score.ok());
    if (deleted_score.ok()) {
      EXPECT_FALSE(*deleted_score);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(store_->GetTrace("pA", "t1")->has_value());
  EXPECT_TRUE(store_->GetObservation("pA", "o1")->has_value());
  EXPECT_TRUE(store_->GetScore("pA", "s1")->has_value());
}

TEST_F(StoreTest, SameIdInTwoProjectsIsTwoRows) {
  TraceRecord a = FullTrace("pA", "shared");
  TraceRecord b = FullTrace("pB", "shared");
  b.name = "b's trace";
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(a, true));
    return txn.PutTrace(b, true);
  });
  EXPECT_EQ((*store_->GetTrace("pA", "shared"))->name, "chat");
  EXPECT_EQ((*store_->GetTrace("pB", "shared"))->name, "b's trace");
}

TEST_F(StoreTest, RollupSummarizesObservationsAndScores) {
  ObservationRecord first = FullObservation("p1", "o1", "t1");
  first.start_time_us = kT0 + 2 * kSecond;
  first.end_time_us = kT0 + 9 * kSecond;
  first.cost_details = {{"total", 0.25}};
  ObservationRecord second = FullObservation("p1", "o2", "t1");
  second.start_time_us = kT0 + kSecond;
  second.end_time_us.reset();
  second.cost_details = {{"input", 0.5}, {"output", 0.25}};
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p1", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(first, true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(second, true));
    return txn.PutScore(FullScore("p1", "s1", "t1"), true);
  });
  auto rollups = store_->RollupTraces("p1", {"t1", "missing"});
  ASSERT_TRUE(rollups.ok());
  ASSERT_EQ(rollups->size(), 2u);
  const TraceRollup& r = (*rollups)[0];
  EXPECT_EQ(r.observation_ids, (std::vector<std::string>{"o2", "o1"}));
  EXPECT_EQ(r.score_ids, std::vector<std::string>{"s1"});
  EXPECT_EQ(r.first_start_us, kT0 + kSecond);
  EXPECT_EQ(r.last_end_us, kT0 + 9 * kSecond);
  EXPECT_DOUBLE_EQ(r.total_cost, 1.0);
  EXPECT_TRUE((*rollups)[1].observation_ids.empty());
}

TEST_F(StoreTest, DeleteTracesRemovesObservationsAndScores) {
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p1", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p1", "t2"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(FullObservation("p1", "o1", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(FullObservation("p1", "o2", "t2"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutScore(FullScore("p1", "s1", "t1"), true));
    return txn.PutScore(FullScore("p1", "s2", "t2"), true);
  });
  Write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteTraces("p1", {"t1", "never-existed"});
    if (!deleted.ok()) return deleted.status();
    EXPECT_EQ(*deleted, 1);
    return Status::Ok();
  });
  EXPECT_FALSE(store_->GetTrace("p1", "t1")->has_value());
  EXPECT_FALSE(store_->GetObservation("p1", "o1")->has_value());
  EXPECT_FALSE(store_->GetScore("p1", "s1")->has_value());
  EXPECT_TRUE(store_->ObservationsOfTrace("p1", "t1")->empty());
  EXPECT_TRUE(store_->ScoresOfTrace("p1", "t1")->empty());
  // The other trace is untouched.
  EXPECT_TRUE(store_->GetTrace("p1", "t2")->has_value());
  EXPECT_TRUE(store_->GetObservation("p1", "o2")->has_value());
  EXPECT_TRUE(store_->GetScore("p1", "s2")->has_value());
  EXPECT_EQ(store_->ListTraces("p1", TraceQuery{})->total_items, 1);
}

TEST_F(StoreTest, DeleteScoreRemovesOnlyThatScore) {
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutScore(FullScore("p1", "s1", "t1"), true));
    return txn.PutScore(FullScore("p1", "s2", "t1"), true);
  });
  Write([&](WriteTxn& txn) -> Status {
    auto deleted = txn.DeleteScore("p1", "s1");
    EXPECT_TRUE(deleted.ok() && *deleted);
    auto again = txn.DeleteScore("p1", "s1");
    EXPECT_TRUE(again.ok() && !*again);
    return Status::Ok();
  });
  EXPECT_FALSE(store_->GetScore("p1", "s1")->has_value());
  EXPECT_TRUE(store_->GetScore("p1", "s2")->has_value());
}

TEST_F(StoreTest, SessionIsCreatedOnceAndListed) {
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(SessionRecord{"p1", "s1", kT0, "prod"}));
    LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(SessionRecord{"p1", "s1", kT0 + 5, "dev"}));
    return txn.EnsureSession(SessionRecord{"p1", "s2", kT0 + 10, "dev"});
  });
  auto s1 = store_->GetSession("p1", "s1");
  ASSERT_TRUE(s1.ok() && s1->has_value());
  EXPECT_EQ((*s1)->created_at_us, kT0);
  EXPECT_EQ((*s1)->environment, "prod");
  auto page = store_->ListSessions("p1", SessionQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_items, 2);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "s2");
  SessionQuery by_env;
  by_env.environments = {"prod"};
  EXPECT_EQ(store_->ListSessions("p1", by_env)->total_items, 1);
}

TEST(StoreReopen, DataPersistsAcrossReopen) {
  TempDir dir;
  TraceRecord trace = FullTrace("p1", "t1");
  ObservationRecord observation = FullObservation("p1", "o1", "t1");
  ScoreRecord score = FullScore("p1", "s1", "t1");
  {
    auto store = Open(dir);
    ASSERT_NE(store, nullptr);
    Status status = store->RunWrite([&](WriteTxn& txn) -> Status {
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(trace, true));
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(observation, true));
      LANTERNE_RETURN_IF_ERROR(txn.PutScore(score, true));
      return txn.EnsureSession(SessionRecord{"p1", "session-1", kT0, "prod"});
    });
    ASSERT_TRUE(status.ok()) << status.message();
  }
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  auto t = store->GetTrace("p1", "t1");
  ASSERT_TRUE(t.ok() && t->has_value());
  ExpectTraceEq(**t, trace);
  auto o = store->GetObservation("p1", "o1");
  ASSERT_TRUE(o.ok() && o->has_value());
  ExpectObservationEq(**o, observation);
  auto s = store->GetScore("p1", "s1");
  ASSERT_TRUE(s.ok() && s->has_value());
  ExpectScoreEq(**s, score);
  EXPECT_TRUE(store->GetSession("p1", "session-1")->has_value());
}

// ---- Write pipeline ---------------------------------------------------------------------------

std::vector<IngestEvent> DecodeEvents(const std::string& body) {
  auto batch = DecodeIngestionBatch(body, IngestAccess::kProject);
  if (!batch.ok()) {
    ADD_FAILURE() << batch.status().message();
    return {};
  }
  EXPECT_TRUE(batch->errors.empty()) << batch->errors.front().error;
  return std::move(batch->events);
}

// One request: a trace and five spans beneath it.
std::string TraceWithSpans(const std::string& trace_id) {
  std::string body =
      R"({"batch":[{"id":"e-)" + trace_id +
      R"(","type":"trace-create","timestamp":"2024-03-15T10:30:00Z","body":{"id":")" + trace_id +
      R"(","name":"request","userId":"u","input":{"n":1}}})";
  for (int i = 0; i < 5; ++i) {
    std::string obs_id = trace_id + "-o" + std::to_string(i);
    body += R"(,{"id":"e-)" + obs_id +
            R"(","type":"span-create","timestamp":"2024-03-15T10:30:01Z","body":{"id":")" + obs_id +
            R"(","traceId":")" + trace_id + R"(","name":"step","metadata":{"i":)" +
            std::to_string(i) + "}}}";
  }
  return body + "]}";
}

TEST(WritePipeline, ConcurrentSubmitsAreAllDurableAndReadable) {
  TempDir dir;
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 50;
  {
    WritePipeline pipeline(*store, WritePipelineOptions{});
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int r = 0; r < kRequestsPerThread; ++r) {
          std::string trace_id = "t" + std::to_string(t) + "-" + std::to_string(r);
          std::vector<IngestEvent> events = DecodeEvents(TraceWithSpans(trace_id));
          if (events.size() != 6 || !pipeline.Submit("p1", std::move(events)).ok()) {
            ++failures[t];
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  }
  for (int t = 0; t < kThreads; ++t) {
    for (int r = 0; r < kRequestsPerThread; ++r) {
      std::string trace_id = "t" + std::to_string(t) + "-" + std::to_string(r);
      auto trace = store->GetTrace("p1", trace_id);
      ASSERT_TRUE(trace.ok() && trace->has_value()) << trace_id;
      EXPECT_EQ((*trace)->input, R"({"n":1})");
      auto observations = store->ObservationsOfTrace("p1", trace_id);
      ASSERT_TRUE(observations.ok());
      ASSERT_EQ(observations->size(), 5u) << trace_id;
      for (const auto& o : *observations) EXPECT_EQ(o.trace_id, trace_id);
    }
  }
  EXPECT_EQ(store->ListTraces("p1", TraceQuery{})->total_items, kThreads * kRequestsPerThread);
  EXPECT_EQ(store->ListObservations("p1", ObservationQuery{})->total_items,
            kThreads * kRequestsPerThread * 5);
}

// Every stored field except updated_at, which records when the last write happened.
std::string Render(Store& store, const std::string& project) {
  std::ostringstream out;
  auto traces = store.ListTraces(project, TraceQuery{});
  if (!traces.ok()) return "error: " + traces.status().message();
  auto opt = [](const auto& v) {
    std::ostringstream s;
    if (v) {
      s << *v;
    } else {
      s << "<null>";
    }
    return s.str();
  };
  for (const TraceRecord& t : traces->items) {
    out << "trace " << t.id << " ts=" << t.timestamp_us << " name=" << opt(t.name)
        << " user=" << opt(t.user_id) << " session=" << opt(t.session_id)
        << " release=" << opt(t.release) << " version=" << opt(t.version)
        << " input=" << opt(t.input) << " output=" << opt(t.output) << " meta=" << t.metadata
        << " public=" << t.is_public << " env=" << t.environment << " created=" << t.created_at_us
        << " tags=";
    for (const auto& tag : t.tags) out << tag << ",";
    out << "\n";
    auto observations = store.ObservationsOfTrace(project, t.id);
    if (!observations.ok()) return "error";
    for (const ObservationRecord& o : *observations) {
      out << "  obs " << o.id << " type=" << ObservationTypeName(o.type)
          << " start=" << o.start_time_us << " end=" << opt(o.end_time_us)
          << " cst=" << opt(o.completion_start_time_us) << " name=" << opt(o.name)
          << " status=" << opt(o.status_message) << " parent=" << opt(o.parent_observation_id)
          << " version=" << opt(o.version) << " model=" << opt(o.model) << " input=" << opt(o.input)
          << " output=" << opt(o.output) << " meta=" << o.metadata
          << " params=" << opt(o.model_parameters) << " level=" << LevelName(o.level)
          << " env=" << o.environment << " unit=" << opt(o.usage_unit)
          << " prompt=" << opt(o.prompt_name) << "@" << opt(o.prompt_version)
          << " created=" << o.created_at_us << " usage=";
      for (const auto& [k, v] : o.usage_details) out << k << ":" << v << ",";
      out << " cost=";
      for (const auto& [k, v] : o.cost_details) out << k << ":" << v << ",";
      out << "\n";
    }
    auto scores = store.ScoresOfTrace(project, t.id);
    if (!scores.ok()) return "error";
    for (const ScoreRecord& s : *scores) {
      out << "  score " << s.id << " ts=" << s.timestamp_us << " name=" << s.name
          << " value=" << s.value << " sv=" << opt(s.string_value)
          << " type=" << ScoreDataTypeName(s.data_type) << " obs=" << opt(s.observation_id)
          << " comment=" << opt(s.comment) << " meta=" << s.metadata << " env=" << s.environment
          << " created=" << s.created_at_us << "\n";
    }
  }
  return out.str();
}

TEST(WritePipeline, SameBatchTwiceConvergesToIdenticalRecords) {
  const std::string batch = R"({"batch":[
    {"id":"e1","type":"trace-create","timestamp":"2024-03-15T10:30:00Z","body":{
      "id":"t1","name":"chat","userId":"u1","sessionId":"sess","tags":["b","a"],
      "metadata":{"a":{"x":1}},"input":"hello","environment":"prod","public":true}},
    {"id":"e2","type":"generation-create","timestamp":"2024-03-15T10:30:01Z","body":{
      "id":"g1","traceId":"t1","name":"llm","model":"gpt-4o","startTime":"2024-03-15T10:30:01Z",
      "usageDetails":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15},
      "costDetails":{"total":0.01},"promptName":"p","promptVersion":2,"metadata":{"k":1}}},
    {"id":"e3","type":"generation-update","timestamp":"2024-03-15T10:30:02Z","body":{
      "id":"g1","endTime":"2024-03-15T10:30:02Z","output":{"text":"hi"},"level":"WARNING",
      "metadata":{"k2":2}}},
    {"id":"e4","type":"span-create","timestamp":"2024-03-15T10:30:01Z","body":{
      "id":"s1","traceId":"t1","parentObservationId":"g1","input":[1,2]}},
    {"id":"e5","type":"trace-create","timestamp":"2024-03-15T10:30:03Z","body":{
      "id":"t1","tags":["c"],"metadata":{"a":{"y":2}},"output":"bye"}},
    {"id":"e6","type":"score-create","timestamp":"2024-03-15T10:30:04Z","body":{
      "id":"sc1","traceId":"t1","observationId":"g1","name":"ok","value":1,
      "dataType":"BOOLEAN","comment":"c"}}
  ]})";
  TempDir dir;
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  WritePipeline pipeline(*store, WritePipelineOptions{});
  ASSERT_TRUE(pipeline.Submit("p1", DecodeEvents(batch)).ok());
  std::string once = Render(*store, "p1");
  ASSERT_TRUE(pipeline.Submit("p1", DecodeEvents(batch)).ok());
  std::string twice = Render(*store, "p1");
  EXPECT_EQ(once, twice);

  // And the merged result is what the rules say.
  auto trace = store->GetTrace("p1", "t1");
  ASSERT_TRUE(trace.ok() && trace->has_value());
  EXPECT_EQ((*trace)->tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ((*trace)->metadata, R"({"a":{"x":1,"y":2}})");
  EXPECT_EQ((*trace)->input, R"("hello")");
  EXPECT_EQ((*trace)->output, R"("bye")");
  EXPECT_EQ((*trace)->environment, "prod");
  EXPECT_EQ((*trace)->name, "chat");
  // The second trace-create had no `public`: it writes false.
  EXPECT_FALSE((*trace)->is_public);
  EXPECT_EQ((*trace)->timestamp_us, ParseIsoTimestamp("2024-03-15T10:30:00Z"));
  auto generation = store->GetObservation("p1", "g1");
  ASSERT_TRUE(generation.ok() && generation->has_value());
  EXPECT_EQ((*generation)->type, ObservationType::kGeneration);
  EXPECT_EQ((*generation)->level, Level::kWarning);
  EXPECT_EQ((*generation)->output, R"({"text":"hi"})");
  EXPECT_EQ((*generation)->metadata, R"({"k":1,"k2":2})");
  EXPECT_EQ((*generation)->end_time_us, ParseIsoTimestamp("2024-03-15T10:30:02Z"));
  EXPECT_EQ((*generation)->usage_details, (UsageMap{{"input", 10}, {"output", 5}, {"total", 15}}));
  EXPECT_EQ((*generation)->prompt_name, "p");
  EXPECT_EQ((*generation)->prompt_version, 2);
  auto score = store->GetScore("p1", "sc1");
  ASSERT_TRUE(score.ok() && score->has_value());
  EXPECT_EQ((*score)->string_value, "True");
  EXPECT_TRUE(store->GetSession("p1", "sess")->has_value());
  EXPECT_EQ(store->ListObservations("p1", ObservationQuery{})->total_items, 2);
}

TEST(WritePipeline, UpdateBeforeCreateMergesIntoOneObservation) {
  TempDir dir;
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  WritePipeline pipeline(*store, WritePipelineOptions{});
  ASSERT_TRUE(pipeline
                  .Submit("p1", DecodeEvents(R"({"batch":[{"id":"u","type":"span-update",
      "timestamp":"2024-03-15T10:30:05Z","body":{"id":"o1","traceId":"t1","output":"done"}}]})"))
                  .ok());
  ASSERT_TRUE(pipeline
                  .Submit("p1", DecodeEvents(R"({"batch":[{"id":"c","type":"agent-create",
      "timestamp":"2024-03-15T10:30:00Z","body":{"id":"o1","traceId":"t1","input":"go",
      "startTime":"2024-03-15T10:30:00Z"}}]})"))
                  .ok());
  auto o = store->GetObservation("p1", "o1");
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ((*o)->type, ObservationType::kAgent);
  EXPECT_EQ((*o)->input, R"("go")");
  EXPECT_EQ((*o)->output, R"("done")");
  // The update came first and pinned startTime to its event time.
  EXPECT_EQ((*o)->start_time_us, ParseIsoTimestamp("2024-03-15T10:30:05Z"));
}

// Two requests create and update the same new observation in one group commit: neither
// request's prepared encoding is the merged record, so the writer merges and encodes it
// itself, with both requests' fields.
TEST(WritePipeline, ObservationOfTwoRequestsInOneCommitKeepsBothRequestsFields) {
  TempDir dir;
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  WritePipeline pipeline(*store, WritePipelineOptions{});
  // Holds the writer in a transaction while both requests queue behind it, so that the next
  // transaction takes them together.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread blocker([&] {
    EXPECT_TRUE(pipeline
                    .SubmitWrite([&](WriteTxn&) {
                      released.wait();
                      return Status::Ok();
                    })
                    .ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread create([&] {
    EXPECT_TRUE(pipeline
                    .Submit("p1", DecodeEvents(R"({"batch":[{"id":"c","type":"generation-create",
      "timestamp":"2024-03-15T10:30:00Z","body":{"id":"g","traceId":"t1","input":"first",
      "metadata":{"a":1},"modelParameters":{"t":0.5},"startTime":"2024-03-15T10:30:00Z"}}]})"))
                    .ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::thread update([&] {
    EXPECT_TRUE(pipeline
                    .Submit("p1", DecodeEvents(R"({"batch":[{"id":"u","type":"generation-update",
      "timestamp":"2024-03-15T10:30:01Z","body":{"id":"g","output":"second","metadata":{"b":2}}}]})"))
                    .ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  release.set_value();
  blocker.join();
  create.join();
  update.join();
  auto o = store->GetObservation("p1", "g");
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ((*o)->input, R"("first")");
  EXPECT_EQ((*o)->output, R"("second")");
  EXPECT_EQ((*o)->metadata, R"({"a":1,"b":2})");
  EXPECT_EQ((*o)->model_parameters, R"({"t":0.5})");
}

TEST(WritePipeline, ArbitraryWritesRunInOrderWithIngestion) {
  TempDir dir;
  auto store = Open(dir);
  ASSERT_NE(store, nullptr);
  WritePipeline pipeline(*store, WritePipelineOptions{});
  ASSERT_TRUE(pipeline.Submit("p1", DecodeEvents(TraceWithSpans("doomed"))).ok());
  Status deleted = pipeline.SubmitWrite([](WriteTxn& txn) -> Status {
    auto n = txn.DeleteTraces("p1", {"doomed"});
    return n.ok() ? Status::Ok() : n.status();
  });
  ASSERT_TRUE(deleted.ok()) << deleted.message();
  EXPECT_FALSE(store->GetTrace("p1", "doomed")->has_value());
  EXPECT_TRUE(store->ObservationsOfTrace("p1", "doomed")->empty());

  Status failed = pipeline.SubmitWrite([](WriteTxn&) { return Status::Internal("boom"); });
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
  pipeline.Shutdown();
  EXPECT_EQ(pipeline.Submit("p1", DecodeEvents(TraceWithSpans("late"))).code(),
            StatusCode::kUnavailable);
}

// Ids are found through memory until merged into the on-disk index; a tiny merge
// threshold makes every path run: lookups before and after merges, updates and deletes of
// merged rows, a second store instance rebuilding its memory from the rows past the
// watermark, and a reopen after a clean close.
TEST(StoreIdIndex, RowsStayFindableAcrossMerges) {
  TempDir dir;
  SqliteOptions options;
  options.id_merge_rows = 7;
  auto opened = OpenSqliteStore(dir.path(), options);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto store = std::move(opened).value();
  const int kTraces = 60;
  for (int batch = 0; batch < kTraces / 5; ++batch) {
    Status s = store->RunWrite([&](WriteTxn& txn) -> Status {
      for (int i = batch * 5; i < batch * 5 + 5; ++i) {
        std::string id = "t-" + std::to_string(i);
        LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p", id), true));
        LANTERNE_RETURN_IF_ERROR(
            txn.PutObservation(FullObservation("p", "o-" + std::to_string(i), id), true));
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  auto expect_all = [&](Store& st, const char* when) {
    for (int i = 0; i < kTraces; ++i) {
      auto t = st.GetTrace("p", "t-" + std::to_string(i));
      ASSERT_TRUE(t.ok() && t->has_value()) << when << ": trace " << i;
      auto o = st.GetObservation("p", "o-" + std::to_string(i));
      ASSERT_TRUE(o.ok() && o->has_value()) << when << ": observation " << i;
      EXPECT_EQ((*o)->trace_id, "t-" + std::to_string(i));
      auto of_trace = st.ObservationsOfTrace("p", "t-" + std::to_string(i));
      ASSERT_TRUE(of_trace.ok()) << of_trace.status().message();
      ASSERT_EQ(of_trace->size(), 1u) << when << ": observations of trace " << i;
      EXPECT_EQ(of_trace->front().id, "o-" + std::to_string(i));
      auto other = st.GetTrace("q", "t-" + std::to_string(i));
      ASSERT_TRUE(other.ok());
      EXPECT_FALSE(other->has_value()) << when << ": another project sees trace " << i;
    }
  };
  expect_all(*store, "after writes");

  // A second instance rebuilds its memory from the rows the index does not hold yet.
  {
    auto second = OpenSqliteStore(dir.path(), options);
    ASSERT_TRUE(second.ok()) << second.status().message();
    expect_all(**second, "second instance");
  }

  // Updating merged rows finds them through the index and changes them in place.
  Status updated = store->RunWrite([&](WriteTxn& txn) -> Status {
    for (int i = 0; i < kTraces; i += 3) {
      auto found = txn.FindTrace("p", "t-" + std::to_string(i));
      if (!found.ok()) return found.status();
      if (!found->has_value()) return Status::NotFound("t-" + std::to_string(i));
      TraceRecord t = **found;
      t.name = "renamed";
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(t, false));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok()) << updated.message();
  auto renamed = store->GetTrace("p", "t-0");
  ASSERT_TRUE(renamed.ok() && renamed->has_value());
  EXPECT_EQ((*renamed)->name, "renamed");
  auto page = store->ListTraces("p", TraceQuery{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_items, kTraces) << "an update must not add a row";

  Status deleted = store->RunWrite([&](WriteTxn& txn) -> Status {
    auto n = txn.DeleteTraces("p", {"t-1", "t-2"});
    if (!n.ok()) return n.status();
    return *n == 2 ? Status::Ok() : Status::Internal("deleted " + std::to_string(*n));
  });
  ASSERT_TRUE(deleted.ok()) << deleted.message();
  auto gone = store->GetTrace("p", "t-1");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto gone_observation = store->GetObservation("p", "o-1");
  ASSERT_TRUE(gone_observation.ok());
  EXPECT_FALSE(gone_observation->has_value()) << "deleting a trace deletes its observations";

  store.reset();  // a clean close merges everything
  auto reopened = OpenSqliteStore(dir.path(), options);
  ASSERT_TRUE(reopened.ok());
  for (int i = 0; i < kTraces; ++i) {
    auto t = (*reopened)->GetTrace("p", "t-" + std::to_string(i));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->has_value(), i != 1 && i != 2) << "trace " << i << " after reopen";
  }
}

// An update may move an observation to another trace, long after both were merged into
// the on-disk indexes; the move must survive a restart that skips the clean-close merge.
TEST(StoreIdIndex, ObservationMovedToAnotherTraceIsFoundThereAfterRestart) {
  TempDir dir;
  SqliteOptions options;
  options.id_merge_rows = 3;
  auto opened = OpenSqliteStore(dir.path(), options);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  auto store = std::move(opened).value();
  for (int i = 0; i < 20; ++i) {
    Status s = store->RunWrite([&](WriteTxn& txn) -> Status {
      std::string trace = "t-" + std::to_string(i);
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(FullTrace("p", trace), true));
      return txn.PutObservation(FullObservation("p", "o-" + std::to_string(i), trace), true);
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  Status moved = store->RunWrite([&](WriteTxn& txn) -> Status {
    auto found = txn.FindObservation("p", "o-0");
    if (!found.ok()) return found.status();
    if (!found->has_value()) return Status::NotFound("o-0");
    ObservationRecord o = **found;
    o.trace_id = "t-19";
    return txn.PutObservation(o, false);
  });
  ASSERT_TRUE(moved.ok()) << moved.message();

  auto check = [](Store& st, const char* when) {
    auto old_trace = st.ObservationsOfTrace("p", "t-0");
    ASSERT_TRUE(old_trace.ok());
    EXPECT_TRUE(old_trace->empty()) << when;
    auto new_trace = st.ObservationsOfTrace("p", "t-19");
    ASSERT_TRUE(new_trace.ok());
    std::vector<std::string> ids;
    for (const auto& o : *new_trace) ids.push_back(o.id);
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<std::string>{"o-0", "o-19"})) << when;
    ObservationQuery q;
    q.trace_id = "t-19";
    auto listed = st.ListObservations("p", q);
    ASSERT_TRUE(listed.ok());
    EXPECT_EQ(listed->total_items, 2) << when;
  };
  check(*store, "same instance");
  // Opened beside the first, as after a crash: only the rows and the index tables count.
  auto second = OpenSqliteStore(dir.path(), options);
  ASSERT_TRUE(second.ok()) << second.status().message();
  check(**second, "second instance");
}

}  // namespace
}  // namespace lanterne
