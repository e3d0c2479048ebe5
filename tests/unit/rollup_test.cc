// Rollups (storage/sqlite/rollup_rows.h) against a full recomputation from the raw rows
// after randomized ingestion, and the sketch's accuracy (domain/sketch.h).
#include "domain/rollup.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.h"

#include "api/metrics_query.h"
#include "core/time.h"
#include "domain/sketch.h"
#include "ingest/batch_decoder.h"
#include "ingest/write_pipeline.h"
#include "storage/sqlite/rollup_rows.h"
#include "storage/store.h"

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'710'498'600'000'000;  // 2024-03-15T10:30:00Z
constexpr int64_t kSecond = 1'000'000;

// Linear interpolation between the ranks around q·(n−1) (ClickHouse's and numpy's
// definition), and how far a sketch with 1% relative accuracy may be from it: 1% of the
// larger of the two values it interpolates.
struct Exact {
  double value;
  double tolerance;
};
Exact ExactQuantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(position));
  const size_t upper = std::min(lower + 1, values.size() - 1);
  const double value =
      values[lower] + (position - static_cast<double>(lower)) * (values[upper] - values[lower]);
  return {value, 0.01 * std::max(std::fabs(values[lower]), std::fabs(values[upper])) + 1e-9};
}

TEST(Sketch, QuantilesWithinOnePercentOfExact) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(6.0, 1.5);  // ms: ~400 median, long tail
  std::normal_distribution<double> score(0.2, 3.0);       // both signs
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> values;
    Sketch sketch;
    const int n = 1 + static_cast<int>(rng() % 20000);
    for (int i = 0; i < n; ++i) {
      double v = trial % 2 ? latency(rng) : score(rng);
      values.push_back(v);
      sketch.Add(v);
    }
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0}) {
      Exact exact = ExactQuantile(values, q);
      double estimate = *sketch.Quantile(q);
      EXPECT_LE(std::fabs(estimate - exact.value), exact.tolerance)
          << "trial " << trial << " q " << q << " exact " << exact.value << " estimate "
          << estimate;
    }
  }
}

TEST(Sketch, SmallSamplesInterpolateBetweenRanks) {
  Sketch sketch;
  for (double v : {500.0, 600.0, 700.0}) sketch.Add(v);
  EXPECT_NEAR(*sketch.Quantile(0.5), 600.0, 6.0);
  EXPECT_NEAR(*sketch.Quantile(0.99), 698.0, 7.0);
  EXPECT_NEAR(*sketch.Quantile(0.25), 550.0, 6.0);
  EXPECT_NEAR(*sketch.Quantile(1.0), 700.0, 7.0);
  EXPECT_NEAR(*sketch.Quantile(0.0), 500.0, 5.0);
}

TEST(Sketch, RemovingWhatWasAddedRestoresItExactly) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> any(-1000, 1000);
  Sketch base, changed;
  std::vector<double> extra;
  for (int i = 0; i < 500; ++i) base.Add(any(rng));
  changed = base;
  for (int i = 0; i < 300; ++i) extra.push_back(any(rng));
  for (double v : extra) changed.Add(v);
  EXPECT_NE(changed, base);
  for (double v : extra) changed.Add(v, -1);
  EXPECT_EQ(changed, base);
  EXPECT_EQ(changed.Encode(), base.Encode());
  Sketch decoded;
  ASSERT_TRUE(Sketch::Decode(base.Encode(), &decoded));
  EXPECT_EQ(decoded, base);
  EXPECT_FALSE(Sketch::Decode("\xff", &decoded));
}

TEST(RollupValues, EncodeDecodeAndZero) {
  RollupValues v = RollupValues::For(RollupTable::kObservations);
  EXPECT_TRUE(v.IsZero());
  v.sums[obs_sum::kCount] = 3;
  v.sketches[obs_sum::kLatencySketch].Add(12.5);
  RollupValues decoded;
  ASSERT_TRUE(RollupValues::Decode(v.Encode(), &decoded));
  EXPECT_EQ(decoded, v);
  decoded.Add(v, -1);
  EXPECT_TRUE(decoded.IsZero());
  RollupKey key = {std::string("a"), std::nullopt, std::string("")};
  RollupKey back;
  ASSERT_TRUE(DecodeRollupKey(EncodeRollupKey(key), &back));
  EXPECT_EQ(back, key);
}

// Randomized ingestion through the real write pipeline.
class RandomWorkload {
 public:
  explicit RandomWorkload(uint64_t seed) : rng_(seed) {}

  std::string Pick(const std::vector<std::string>& from) { return from[rng_() % from.size()]; }
  int64_t Time() {
    return kT0 + static_cast<int64_t>(rng_() % (3 * 86400)) * kSecond - 86400 * kSecond;
  }
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  IngestEvent Trace(const std::string& id) {
    IngestEvent e;
    e.kind = EventKind::kTrace;
    e.timestamp_us = Time();
    e.trace.id = id;
    if (Chance(70)) e.trace.timestamp_us = Time();
    if (Chance(70)) e.trace.name.Set(Pick({"chat", "rag", "agent"}));
    if (Chance(50)) e.trace.user_id.Set(Pick({"u1", "u2", "u3"}));
    if (Chance(30)) e.trace.release.Set(Pick({"r1", "r2"}));
    if (Chance(30)) e.trace.version.Set(Pick({"v1", "v2"}));
    if (Chance(40)) e.trace.tags = {Pick({"a", "b", "c"})};
    if (Chance(30)) e.trace.environment = Pick({"default", "prod"});
    return e;
  }

  IngestEvent Observation(const std::string& id, const std::vector<std::string>& traces) {
    IngestEvent e;
    e.kind = EventKind::kObservation;
    e.timestamp_us = Time();
    ObservationPatch& p = e.observation;
    p.id = id;
    p.is_update = Chance(40);
    p.type = Chance(60) ? ObservationType::kGeneration : ObservationType::kSpan;
    if (Chance(70)) p.trace_id = Pick(traces);
    int64_t start = Time();
    if (Chance(70)) p.start_time_us = start;
    if (Chance(60)) p.end_time_us = start + static_cast<int64_t>(rng_() % 5000000);
    if (Chance(30)) p.completion_start_time_us = start + static_cast<int64_t>(rng_() % 900000);
    if (Chance(50)) p.name.Set(Pick({"llm", "retrieve", "tool"}));
    if (Chance(50)) p.model.Set(Pick({"gpt-4o", "claude-3", "gpt-4o-mini"}));
    if (Chance(20))
      p.level.Set(Pick({"ERROR", "WARNING", "DEFAULT"}) == "ERROR" ? Level::kError
                                                                   : Level::kWarning);
    if (Chance(40)) {
      p.usage_details = {{"input", static_cast<int64_t>(rng_() % 1000)},
                         {"output", static_cast<int64_t>(rng_() % 500)}};
      if (Chance(30)) p.usage_details["input_cached_tokens"] = static_cast<int64_t>(rng_() % 100);
      if (Chance(20)) p.usage_details["output_reasoning"] = static_cast<int64_t>(rng_() % 100);
      int64_t total = 0;
      for (const auto& [k, v] : p.usage_details) total += v;
      p.usage_details["total"] = total;
    }
    if (Chance(40)) {
      p.cost_details = {{"input", static_cast<double>(rng_() % 1000) * 1.7e-6},
                        {"output", static_cast<double>(rng_() % 1000) * 3.1e-6}};
    }
    if (Chance(20)) p.environment = Pick({"default", "prod"});
    if (Chance(20)) p.version = Pick({"ov1", "ov2"});
    return e;
  }

  IngestEvent Score(const std::string& id, const std::vector<std::string>& traces) {
    IngestEvent e;
    e.kind = EventKind::kScore;
    e.timestamp_us = Time();
    ScoreRecord& s = e.score;
    s.id = id;
    s.timestamp_us = Time();
    s.name = Pick({"quality", "toxicity", "label"});
    s.source = Pick({"API", "EVAL"});
    int kind = static_cast<int>(rng_() % 3);
    if (kind == 0) {
      s.data_type = ScoreDataType::kNumeric;
      s.value = static_cast<double>(static_cast<int>(rng_() % 2000) - 1000) / 37.0;
    } else if (kind == 1) {
      s.data_type = ScoreDataType::kCategorical;
      s.string_value = Pick({"good", "bad", "meh"});
    } else {
      s.data_type = ScoreDataType::kBoolean;
      s.value = static_cast<double>(rng_() % 2);
      s.string_value = s.value ? "True" : "False";
    }
    if (Chance(80)) s.trace_id = Pick(traces);
    if (Chance(20)) s.environment = "prod";
    return e;
  }

  uint64_t Next() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

using Expected = std::map<sqlite::StoredRollupKey, RollupValues>;

void Add(Expected& expected, const Contribution& c, const std::string& project) {
  for (RollupGrain grain : {RollupGrain::kHour, RollupGrain::kDay}) {
    sqlite::StoredRollupKey key{c.table, project, grain, BucketStart(c.time_us, grain),
                                EncodeRollupKey(c.key)};
    auto it = expected.find(key);
    if (it == expected.end()) it = expected.emplace(key, RollupValues::For(c.table)).first;
    it->second.Add(c.values);
  }
}

// What the rollups must hold: every stored record's contribution, read back through the
// store's ordinary reads.
Expected Recompute(Store& store, const std::vector<std::string>& projects) {
  Expected expected;
  for (const auto& project : projects) {
    ObservationQuery oq;
    oq.page.limit = 1'000'000;
    auto observations = store.ListObservations(project, oq);
    EXPECT_TRUE(observations.ok());
    std::map<std::string, TraceAggregate> aggregates;
    for (const auto& o : observations->items) {
      Add(expected, ObservationContribution(o), project);
      AddToTraceAggregate(aggregates[o.trace_id], o.start_time_us, o.end_time_us, o.total_cost(),
                          o.total_tokens());
    }
    TraceQuery tq;
    tq.page.limit = 1'000'000;
    auto traces = store.ListTraces(project, tq);
    EXPECT_TRUE(traces.ok());
    for (const auto& t : traces->items) {
      for (const auto& c : TraceContributions(TraceDimsOf(t), aggregates[t.id])) {
        Add(expected, c, project);
      }
    }
    ScoreQuery sq;
    sq.page.limit = 1'000'000;
    auto scores = store.ListScores(project, sq);
    EXPECT_TRUE(scores.ok());
    for (const auto& s : scores->items) Add(expected, ScoreContribution(s), project);
  }
  for (auto it = expected.begin(); it != expected.end();) {
    it = it->second.IsZero() ? expected.erase(it) : std::next(it);
  }
  return expected;
}

Expected Stored(const std::string& dir) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((dir + "/lanterne.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  auto rows = sqlite::ReadAllRollups(db);
  sqlite3_close(db);
  EXPECT_TRUE(rows.ok()) << rows.status().message();
  return rows.ok() ? *rows : Expected{};
}

std::string Describe(const Expected& rows) {
  std::string out;
  for (const auto& [k, v] : rows) {
    out += std::string(RollupTableName(k.table)) + " " + k.project_id + " g" +
           std::to_string(static_cast<int>(k.grain)) + " " + std::to_string(k.bucket_us) + " [";
    for (auto s : v.sums) out += std::to_string(s) + ",";
    out += "]\n";
  }
  return out;
}

void ExpectSame(const Expected& stored, const Expected& expected) {
  EXPECT_EQ(stored.size(), expected.size());
  int shown = 0;
  for (const auto& [k, v] : expected) {
    auto it = stored.find(k);
    if (it == stored.end()) {
      if (shown++ < 5) ADD_FAILURE() << "missing rollup row: " << Describe({{k, v}});
      continue;
    }
    if (!(it->second == v) && shown++ < 5) {
      ADD_FAILURE() << "rollup row differs.\nexpected " << Describe({{k, v}}) << "stored   "
                    << Describe({{k, it->second}});
    }
  }
  for (const auto& [k, v] : stored) {
    if (!expected.count(k) && shown++ < 5)
      ADD_FAILURE() << "extra rollup row: " << Describe({{k, v}});
  }
}

// Pending limits: every transaction folds; folds now and then; never folds here.
constexpr size_t kPendingLimits[] = {0, 30, size_t{1} << 30};

TEST(Rollups, EqualFullRecomputationAfterRandomizedIngestion) {
  for (uint64_t seed : {1u, 2u, 3u})
    for (size_t pending_limit : kPendingLimits) {
      SCOPED_TRACE("seed " + std::to_string(seed) + ", pending limit " +
                   std::to_string(pending_limit));
      TempDir dir;
      SqliteOptions options;
      options.id_merge_rows = 64;  // exercise the on-disk id indexes too
      options.search_index_interval_ms = 0;
      options.rollup_pending_entries = pending_limit;
      auto opened = OpenSqliteStore(dir.path(), options);
      ASSERT_TRUE(opened.ok()) << opened.status().message();
      auto store = std::move(opened).value();
      RandomWorkload w(seed);
      const std::vector<std::string> projects = {"p1", "p2"};
      std::vector<std::string> traces, observations, scores;
      for (int i = 0; i < 25; ++i) traces.push_back("t" + std::to_string(i));
      for (int i = 0; i < 70; ++i) observations.push_back("o" + std::to_string(i));
      for (int i = 0; i < 30; ++i) scores.push_back("s" + std::to_string(i));
      {
        WritePipeline pipeline(*store, WritePipelineOptions{});
        for (int round = 0; round < 120; ++round) {
          // A few requests at once, so that one commit merges several of them.
          std::vector<std::future<Status>> inflight;
          const int requests = 1 + static_cast<int>(w.Next() % 3);
          for (int r = 0; r < requests; ++r) {
            const std::string project = projects[w.Next() % 2];
            const uint64_t op = w.Next() % 100;
            if (op < 6) {
              std::vector<std::string> ids = {w.Pick(traces)};
              if (w.Chance(30)) ids.push_back(w.Pick(traces));
              inflight.push_back(std::async(std::launch::async, [&pipeline, project, ids] {
                return pipeline.SubmitWrite([project, ids](WriteTxn& txn) -> Status {
                  auto deleted = txn.DeleteTraces(project, ids);
                  return deleted.ok() ? Status::Ok() : deleted.status();
                });
              }));
              continue;
            }
            if (op < 9) {
              std::string id = w.Pick(scores);
              inflight.push_back(std::async(std::launch::async, [&pipeline, project, id] {
                return pipeline.SubmitWrite([project, id](WriteTxn& txn) -> Status {
                  auto deleted = txn.DeleteScore(project, id);
                  return deleted.ok() ? Status::Ok() : deleted.status();
                });
              }));
              continue;
            }
            std::vector<IngestEvent> batch;
            const int events = 1 + static_cast<int>(w.Next() % 12);
            for (int e = 0; e < events; ++e) {
              const uint64_t kind = w.Next() % 10;
              if (kind < 3) {
                batch.push_back(w.Trace(w.Pick(traces)));
              } else if (kind < 8) {
                batch.push_back(w.Observation(w.Pick(observations), traces));
              } else {
                batch.push_back(w.Score(w.Pick(scores), traces));
              }
            }
            const bool resend = w.Chance(15);
            inflight.push_back(
                std::async(std::launch::async, [&pipeline, project, batch, resend]() mutable {
                  Status s = pipeline.Submit(project, batch);
                  if (s.ok() && resend) s = pipeline.Submit(project, batch);  // an SDK retry
                  return s;
                }));
          }
          for (auto& f : inflight) ASSERT_TRUE(f.get().ok());
          if (round % 40 == 39) ExpectSame(Stored(dir.path()), Recompute(*store, projects));
        }
      }
      ExpectSame(Stored(dir.path()), Recompute(*store, projects));
      // Reopening keeps them (nothing rebuilt, nothing lost).
      store.reset();
      opened = OpenSqliteStore(dir.path(), options);
      ASSERT_TRUE(opened.ok());
      store = std::move(opened).value();
      ExpectSame(Stored(dir.path()), Recompute(*store, projects));
    }
}

TEST(Rollups, RebuiltFromRawRowsWhenMissing) {
  TempDir dir;
  SqliteOptions options;
  options.search_index_interval_ms = 0;
  auto store = std::move(OpenSqliteStore(dir.path(), options)).value();
  RandomWorkload w(11);
  std::vector<std::string> traces = {"t1", "t2", "t3"};
  {
    WritePipeline pipeline(*store, WritePipelineOptions{});
    std::vector<IngestEvent> batch;
    for (const auto& t : traces) batch.push_back(w.Trace(t));
    for (int i = 0; i < 20; ++i) batch.push_back(w.Observation("o" + std::to_string(i), traces));
    for (int i = 0; i < 5; ++i) batch.push_back(w.Score("s" + std::to_string(i), traces));
    ASSERT_TRUE(pipeline.Submit("p1", batch).ok());
  }
  const Expected before = Stored(dir.path());
  ASSERT_FALSE(before.empty());
  store.reset();
  {  // As a store from before rollups: no rows, mark 0.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "DELETE FROM rollup_observations; DELETE FROM rollup_traces; DELETE "
                           "FROM rollup_trace_users; DELETE FROM rollup_scores; DELETE FROM "
                           "rollup_trace_state; DELETE FROM rollup_pending; UPDATE "
                           "index_watermarks SET seq = 0 WHERE name = 'rollups';",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  store = std::move(OpenSqliteStore(dir.path(), options)).value();
  EXPECT_EQ(Stored(dir.path()), before);
  ExpectSame(Stored(dir.path()), Recompute(*store, {"p1"}));
}

// Rounds of random batches through the write pipeline: per round, trace events on `traces`,
// observation events among `observation_ids` ids and score events among `score_ids` ids.
struct Rounds {
  int rounds = 20, traces = 10, observations = 30, scores = 10;
  int observation_ids = 200, score_ids = 50;
  std::string observation_prefix = "o", score_prefix = "s";
};
void SubmitRounds(Store& store, RandomWorkload& w, const std::vector<std::string>& traces,
                  const Rounds& r) {
  WritePipeline pipeline(store, WritePipelineOptions{});
  for (int round = 0; round < r.rounds; ++round) {
    std::vector<IngestEvent> batch;
    for (int i = 0; i < r.traces; ++i) batch.push_back(w.Trace(w.Pick(traces)));
    for (int i = 0; i < r.observations; ++i) {
      batch.push_back(w.Observation(
          r.observation_prefix + std::to_string(w.Next() % r.observation_ids), traces));
    }
    for (int i = 0; i < r.scores; ++i) {
      batch.push_back(w.Score(r.score_prefix + std::to_string(w.Next() % r.score_ids), traces));
    }
    ASSERT_TRUE(pipeline.Submit("p1", batch).ok());
  }
}

// The same query answered from rollups and from raw rows gives the same JSON (sums, counts
// and percentiles: the raw values land in the same sketch buckets).
TEST(MetricsQuery, RollupsAndRawRowsAgree) {
  TempDir dir;
  SqliteOptions options;
  options.search_index_interval_ms = 0;
  auto store = std::move(OpenSqliteStore(dir.path(), options)).value();
  RandomWorkload w(5);
  std::vector<std::string> traces;
  for (int i = 0; i < 10; ++i) traces.push_back("t" + std::to_string(i));
  SubmitRounds(*store, w, traces, Rounds{});
  const std::string range =
      R"("fromTimestamp":"2024-03-10T00:00:00.000Z","toTimestamp":"2024-03-20T00:00:00.000Z")";
  struct Case {
    std::string view, body, forcing_filter;
  };
  const std::vector<Case> cases = {
      {"observations",
       R"("dimensions":[{"field":"providedModelName"},{"field":"level"}],"metrics":[{"measure":"count","aggregation":"count"},{"measure":"totalCost","aggregation":"sum"},{"measure":"inputTokens","aggregation":"sum"},{"measure":"latency","aggregation":"p95"},{"measure":"timeToFirstToken","aggregation":"avg"}],"timeDimension":{"granularity":"hour"})",
       R"({"column":"userId","operator":"none of","value":["nobody"],"type":"stringOptions"})"},
      {"traces",
       R"("dimensions":[{"field":"name"}],"metrics":[{"measure":"count","aggregation":"count"},{"measure":"totalCost","aggregation":"sum"},{"measure":"latency","aggregation":"p50"},{"measure":"totalTokens","aggregation":"avg"}],"timeDimension":{"granularity":"day"})",
       // No trace here has a session: "is null" keeps them all, and only raw rows know it.
       R"({"column":"sessionId","operator":"is null","type":"null"})"},
      {"scores-numeric",
       R"("dimensions":[{"field":"name"}],"metrics":[{"measure":"value","aggregation":"avg"},{"measure":"value","aggregation":"p90"}])",
       R"({"column":"userId","operator":"none of","value":["nobody"],"type":"stringOptions"})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.view);
    const std::string head = R"({"view":")" + c.view + R"(",)" + c.body + "," + range;
    auto rollup_query = ParseMetricsQuery(head + R"(,"filters":[]})", false);
    ASSERT_TRUE(rollup_query.ok()) << rollup_query.status().message();
    MetricsPlan rollup_plan, raw_plan;
    auto from_rollups = RunMetricsQuery(*store, "p1", *rollup_query, &rollup_plan);
    ASSERT_TRUE(from_rollups.ok()) << from_rollups.status().message();
    EXPECT_TRUE(rollup_plan.from_rollups);
    EXPECT_EQ(rollup_plan.raw_rows, 0u);
    EXPECT_GT(rollup_plan.rollup_rows, 0u);
    auto raw_query = ParseMetricsQuery(head + R"(,"filters":[)" + c.forcing_filter + "]}", false);
    ASSERT_TRUE(raw_query.ok()) << raw_query.status().message();
    auto from_raw = RunMetricsQuery(*store, "p1", *raw_query, &raw_plan);
    ASSERT_TRUE(from_raw.ok()) << from_raw.status().message();
    EXPECT_FALSE(raw_plan.from_rollups);
    EXPECT_GT(raw_plan.raw_rows, 0u);
    EXPECT_EQ(*from_raw, *from_rollups);
  }
}

// Partial days at a range's edges are read as their hours in the range, or as the day row
// minus the hours outside it; merged reads without a time dimension are kept between
// queries and dropped when a write changes a day of their range. Every way agrees with the
// raw rows, before and after such a write.
TEST(MetricsQuery, PartialDaysAndKeptReadsAgreeWithRawRows) {
  for (size_t pending_limit : kPendingLimits) {
    SCOPED_TRACE("pending limit " + std::to_string(pending_limit));
    TempDir dir;
    SqliteOptions options;
    options.search_index_interval_ms = 0;
    options.rollup_pending_entries = pending_limit;
    auto store = std::move(OpenSqliteStore(dir.path(), options)).value();
    RandomWorkload w(23);
    std::vector<std::string> traces;
    for (int i = 0; i < 12; ++i) traces.push_back("t" + std::to_string(i));
    auto load = [&](int rounds, const std::string& prefix) {
      SubmitRounds(*store, w, traces, Rounds{rounds, 6, 30, 8, 300, 60, prefix, prefix + "s"});
    };
    load(25, "o");
    // The data spans 2024-03-14T10:30 to 2024-03-17T10:30.
    const std::vector<std::pair<std::string, std::string>> ranges = {
        // 21 hours in at each end: day rows minus 3 hours each.
        {"2024-03-15T03:00:00.000Z", "2024-03-16T20:59:59.999Z"},
        // 4 hours in at each end: hour rows.
        {"2024-03-14T20:00:00.000Z", "2024-03-16T03:59:59.999Z"},
        // Not on whole hours: raw rows at the edges too.
        {"2024-03-14T22:17:00.000Z", "2024-03-16T21:40:00.000Z"},
    };
    struct Case {
      std::string body, forcing_filter;
    };
    const std::string keep_all_users =
        R"({"column":"userId","operator":"none of","value":["nobody"],"type":"stringOptions"})";
    const std::vector<Case> cases = {
        {R"("view":"observations","dimensions":[{"field":"providedModelName"},{"field":"level"}],"metrics":[{"measure":"count","aggregation":"count"},{"measure":"totalCost","aggregation":"sum"},{"measure":"latency","aggregation":"p95"},{"measure":"latency","aggregation":"p50"}])",
         keep_all_users},
        {R"("view":"traces","dimensions":[{"field":"name"}],"metrics":[{"measure":"count","aggregation":"count"},{"measure":"latency","aggregation":"p50"}],"timeDimension":{"granularity":"day"})",
         R"({"column":"sessionId","operator":"is null","type":"null"})"},
        {R"("view":"traces","dimensions":[{"field":"userId"}],"metrics":[{"measure":"totalCost","aggregation":"sum"},{"measure":"count","aggregation":"count"}])",
         R"({"column":"sessionId","operator":"is null","type":"null"})"},
        {R"("view":"scores-numeric","dimensions":[{"field":"name"}],"metrics":[{"measure":"value","aggregation":"avg"},{"measure":"value","aggregation":"histogram"}])",
         keep_all_users},
    };
    auto run = [&](const std::string& json, MetricsPlan* plan) -> std::string {
      auto q = ParseMetricsQuery(json, false);
      EXPECT_TRUE(q.ok()) << q.status().message();
      if (!q.ok()) return "";
      auto answer = RunMetricsQuery(*store, "p1", *q, plan);
      EXPECT_TRUE(answer.ok()) << answer.status().message();
      return answer.ok() ? *answer : "";
    };
    auto check_all = [&] {
      for (const auto& [from, to] : ranges) {
        for (const auto& c : cases) {
          SCOPED_TRACE(c.body + " from " + from + " to " + to);
          const std::string head =
              "{" + c.body + R"(,"fromTimestamp":")" + from + R"(","toTimestamp":")" + to + R"(")";
          MetricsPlan rollup_plan, again_plan, raw_plan;
          const std::string from_rollups = run(head + R"(,"filters":[]})", &rollup_plan);
          EXPECT_TRUE(rollup_plan.from_rollups);
          EXPECT_EQ(run(head + R"(,"filters":[]})", &again_plan), from_rollups);
          const std::string from_raw =
              run(head + R"(,"filters":[)" + c.forcing_filter + "]}", &raw_plan);
          EXPECT_FALSE(raw_plan.from_rollups);
          EXPECT_NE(from_raw, R"({"data":[]})");
          EXPECT_EQ(from_raw, from_rollups);
        }
      }
    };
    check_all();
    // Late data into the days already read (and kept): the answers follow.
    load(5, "late");
    check_all();
  }
}

// The per-user read of the dashboard presets' whole past days is made ahead of the first
// page load: after WarmRollupReads a query over those days is answered from memory, even
// with the rollup rows gone from disk behind the store's back; a range not warmed is not.
TEST(MetricsQuery, WarmedReadsAnswerTheDashboardPresetsFromMemory) {
  TempDir dir;
  SqliteOptions options;
  options.search_index_interval_ms = 0;
  options.warm_rollup_reads = false;  // warmed below, when the test says
  auto store = std::move(OpenSqliteStore(dir.path(), options)).value();
  const int64_t now = NowMicros();
  const int64_t today = BucketStart(now, RollupGrain::kDay);
  {
    WritePipeline pipeline(*store, WritePipelineOptions{});
    ASSERT_TRUE(pipeline
                    .SubmitWrite([&](WriteTxn& txn) -> Status {
                      LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(Organization{"o1", "O1"}));
                      return txn.UpsertProject(Project{"p1", "o1", "P1", now});
                    })
                    .ok());
    std::vector<IngestEvent> batch;
    for (int i = 0; i < 30; ++i) {
      IngestEvent e;
      e.kind = EventKind::kTrace;
      e.timestamp_us = now;
      e.trace.id = "w" + std::to_string(i);
      e.trace.timestamp_us = today - (i % 20 + 1) * kDayUs + 3600 * kSecond;
      e.trace.user_id.Set("u" + std::to_string(i % 3));
      batch.push_back(std::move(e));
    }
    ASSERT_TRUE(pipeline.Submit("p1", batch).ok());
  }
  // As the web UI asks: from a UTC midnight to the end of the current hour.
  // A range to midnight tonight (the presets' end from 23:00 UTC on) too.
  const int64_t end_of_hour = BucketStart(now, RollupGrain::kHour) + kHourUs - 1000;
  auto query = [&](int days, bool raw, int64_t to = 0) {
    if (to == 0) to = end_of_hour;
    const std::string json =
        R"({"view":"traces","dimensions":[{"field":"userId"}],"metrics":[{"measure":"count","aggregation":"count"}],"fromTimestamp":")" +
        FormatIsoMillis(today - days * kDayUs) + R"(","toTimestamp":")" + FormatIsoMillis(to) +
        R"(","filters":[)" +
        (raw ? R"({"column":"sessionId","operator":"is null","type":"null"})" : "") + "]}";
    auto q = ParseMetricsQuery(json, false);
    EXPECT_TRUE(q.ok()) << q.status().message();
    MetricsPlan plan;
    auto answer = RunMetricsQuery(*store, "p1", *q, &plan);
    EXPECT_TRUE(answer.ok()) << answer.status().message();
    EXPECT_EQ(plan.from_rollups, !raw);
    return answer.ok() ? *answer : "";
  };
  const std::string expected_30 = query(30, true), expected_14 = query(14, true);
  ASSERT_NE(expected_30, R"({"data":[]})");
  ASSERT_NE(expected_14, R"({"data":[]})");
  store->WarmRollupReads();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DELETE FROM rollup_trace_users; DELETE FROM rollup_pending;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  EXPECT_EQ(query(30, false), expected_30);  // kept since the warm-up
  EXPECT_EQ(query(30, false, today + kDayUs - 1000), expected_30);
  EXPECT_EQ(query(14, false), R"({"data":[]})");  // not a preset: read from disk
}

TEST(MetricsQuery, BadInputNamesTheField) {
  const std::string range =
      R"("fromTimestamp":"2024-03-10T00:00:00Z","toTimestamp":"2024-03-11T00:00:00Z")";
  auto message = [](const Result<MetricsQuery>& r) {
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(message(ParseMetricsQuery(R"({"view":"observations","metrics":[]})", false))
                .find("fromTimestamp"),
            std::string::npos);
  EXPECT_NE(message(ParseMetricsQuery(R"({"view":"nope",)" + range + "}", false)).find("view"),
            std::string::npos);
  EXPECT_NE(message(ParseMetricsQuery(R"({"view":"traces",)" + range + "}", true)).find("v2"),
            std::string::npos);
  EXPECT_NE(
      message(ParseMetricsQuery(
                  R"({"view":"traces","dimensions":[{"field":"model"}],)" + range + "}", false))
          .find("'model'"),
      std::string::npos);
  EXPECT_NE(
      message(ParseMetricsQuery(
                  R"({"view":"traces","metrics":[{"measure":"count","aggregation":"uniq"}],)" +
                      range + "}",
                  false))
          .find("aggregation"),
      std::string::npos);
  EXPECT_NE(
      message(
          ParseMetricsQuery(
              R"({"view":"traces","fromTimestamp":"2024-03-11T00:00:00Z","toTimestamp":"2024-03-10T00:00:00Z"})",
              false))
          .find("before"),
      std::string::npos);
  auto ok = ParseMetricsQuery(
      R"({"view":"observations","timeDimension":{"granularity":"auto"},)" + range + "}", false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->granularity, std::optional<std::string>("hour"));
}

}  // namespace
}  // namespace lanterne
