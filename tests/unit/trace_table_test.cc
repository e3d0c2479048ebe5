// The web UI traces table's store parts: token and score columns, the metadata filter index,
// deleting a project's data, and login failures that outlive a restart.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.h"

#include "auth/api_keys.h"
#include "auth/ui_sessions.h"
#include "storage/sqlite/trace_metadata.h"
#include "storage/store.h"

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'710'498'600'000'000;
constexpr int64_t kSecond = 1'000'000;

class TraceTableTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(SqliteOptions options = {}) {
    store_.reset();
    options.search_index_interval_ms = 0;  // CatchUpSearchIndex instead
    auto store = OpenSqliteStore(dir_.path(), options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void Write(const std::function<Status(WriteTxn&)>& body) {
    Status s = store_->RunWrite(body);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  static TraceRecord Trace(const std::string& project, const std::string& id,
                           const std::string& metadata = "{}", int64_t offset = 0) {
    TraceRecord t;
    t.project_id = project;
    t.id = id;
    t.name = "chat " + id;
    t.timestamp_us = kT0 + offset * kSecond;
    t.metadata = metadata;
    t.session_id = "session-" + project;
    t.input = R"("searchable words here")";
    return t;
  }
  static ObservationRecord Observation(const std::string& project, const std::string& id,
                                       const std::string& trace_id, UsageMap usage,
                                       ObservationType type = ObservationType::kGeneration) {
    ObservationRecord o;
    o.project_id = project;
    o.id = id;
    o.trace_id = trace_id;
    o.type = type;
    o.start_time_us = kT0;
    o.usage_details = std::move(usage);
    o.input = R"("observation words")";
    return o;
  }
  static ScoreRecord Score(const std::string& project, const std::string& id,
                           const std::string& trace_id, const std::string& name, ScoreDataType type,
                           double value, std::optional<std::string> text = std::nullopt) {
    ScoreRecord s;
    s.project_id = project;
    s.id = id;
    s.trace_id = trace_id;
    s.name = name;
    s.data_type = type;
    s.value = value;
    s.string_value = std::move(text);
    s.source = "API";
    s.timestamp_us = kT0;
    return s;
  }
  std::vector<std::string> Ids(const std::string& project, const TraceQuery& q) {
    auto page = store_->ListTraces(project, q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& t : page->items) ids.push_back(t.id);
    }
    return ids;
  }
  static TraceQuery Metadata(std::vector<MetadataFilter> filters) {
    TraceQuery q;
    q.order_by = "id";
    q.descending = false;
    q.metadata = std::move(filters);
    return q;
  }
  // Rows of a table for `project_id`, read straight from the database file.
  int64_t RawCount(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(
        sqlite3_open_v2((dir_.path() + "/lanterne.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
        SQLITE_OK);
    // The search index's tables are in search.db.
    EXPECT_EQ(sqlite3_exec(db, ("ATTACH '" + dir_.path() + "/search.db' AS search").c_str(),
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
    int64_t n = -1;
    if (s && sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TraceTableTest, SumsTokensAndAggregatesScoresPerTraceInOrder) {
  Write([&](WriteTxn& txn) -> Status {
    for (const char* id : {"t1", "t2"})
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", id), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p2", "t1"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutObservation(
        Observation("p1", "g1", "t1", {{"input", 10}, {"output", 5}, {"total", 15}}), true));
    // No "total": the units are summed.
    LANTERNE_RETURN_IF_ERROR(
        txn.PutObservation(Observation("p1", "g2", "t1", {{"input", 3}, {"output", 2}}), true));
    LANTERNE_RETURN_IF_ERROR(
        txn.PutObservation(Observation("p1", "s1", "t1", {}, ObservationType::kSpan), true));
    // Same trace id in another project: not counted.
    LANTERNE_RETURN_IF_ERROR(
        txn.PutObservation(Observation("p2", "x1", "t1", {{"input", 1000}}), true));
    using T = ScoreDataType;
    for (const auto& s : {Score("p1", "a", "t1", "quality", T::kNumeric, 0.5),
                          Score("p1", "b", "t1", "quality", T::kNumeric, 1.0),
                          Score("p1", "c", "t1", "helpful", T::kBoolean, 1),
                          Score("p1", "d", "t1", "helpful", T::kBoolean, 0),
                          Score("p1", "e", "t1", "tone", T::kCategorical, 0, "calm"),
                          Score("p1", "f", "t1", "tone", T::kCategorical, 1, "angry"),
                          Score("p1", "g", "t1", "tone", T::kCategorical, 0, "calm"),
                          Score("p1", "h", "t1", "note", T::kText, 0, "free text"),
                          Score("p2", "i", "t1", "quality", T::kNumeric, 9)}) {
      LANTERNE_RETURN_IF_ERROR(txn.PutScore(s, true));
    }
    return Status::Ok();
  });

  auto columns = store_->TraceTableColumns("p1", {"t2", "t1", "missing"});
  ASSERT_TRUE(columns.ok()) << columns.status().message();
  ASSERT_EQ(columns->size(), 3u);
  const TraceTableExtras& t2 = (*columns)[0];
  EXPECT_EQ(t2.total_tokens, 0);
  EXPECT_TRUE(t2.scores.empty());
  const TraceTableExtras& t1 = (*columns)[1];
  EXPECT_EQ(t1.input_tokens, 13);
  EXPECT_EQ(t1.output_tokens, 7);
  EXPECT_EQ(t1.total_tokens, 20);
  ASSERT_EQ(t1.scores.size(), 3u);  // by name; the text score is left out
  EXPECT_EQ(t1.scores[0].name, "helpful");
  EXPECT_EQ(t1.scores[0].data_type, ScoreDataType::kBoolean);
  EXPECT_DOUBLE_EQ(t1.scores[0].average, 0.5);
  EXPECT_EQ(t1.scores[1].name, "quality");
  EXPECT_EQ(t1.scores[1].count, 2);
  EXPECT_DOUBLE_EQ(t1.scores[1].average, 0.75);
  EXPECT_EQ(t1.scores[2].name, "tone");
  ASSERT_EQ(t1.scores[2].values.size(), 2u);
  EXPECT_EQ(t1.scores[2].values[0], (std::pair<std::string, int64_t>{"calm", 2}));
  EXPECT_EQ(t1.scores[2].values[1], (std::pair<std::string, int64_t>{"angry", 1}));
  EXPECT_EQ((*columns)[2].total_tokens, 0);

  auto other = store_->TraceTableColumns("p2", {"t1"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)[0].input_tokens, 1000);
  ASSERT_EQ((*other)[0].scores.size(), 1u);
  EXPECT_DOUBLE_EQ((*other)[0].scores[0].average, 9);
}

TEST(TraceMetadataTest, IndexesTopLevelScalarsOnly) {
  auto rows = sqlite::IndexedMetadata(
      R"({"region":"eu","tier":3,"ratio":0.25,"beta":true,"none":null,"nested":{"a":1},"list":[1]})");
  std::vector<std::pair<std::string, std::string>> expected = {
      {"region", "eu"}, {"tier", "3"}, {"ratio", "0.25"}, {"beta", "true"}};
  EXPECT_EQ(rows, expected);
  EXPECT_TRUE(sqlite::IndexedMetadata("{}").empty());
  EXPECT_TRUE(sqlite::IndexedMetadata("[1,2]").empty());
  EXPECT_TRUE(sqlite::IndexedMetadata("not json").empty());
  // Cut on a character boundary: 'é' is two bytes, so 200 bytes would split the 101st.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "é";
  auto cut = sqlite::TruncateMetadataValue("x" + accents);
  EXPECT_EQ(cut.size(), 199u);
  EXPECT_EQ(sqlite::TruncateMetadataValue("short"), "short");
}

TEST_F(TraceTableTest, FiltersOnMetadataAndFollowsMergesAndDeletes) {
  std::string long_value(300, 'z');
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(
        Trace("p1", "t1", R"({"region":"eu","tier":3,"beta":true,"note":"hello world"})"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(
        Trace("p1", "t2", R"({"region":"us","tier":3,"nested":{"region":"eu"}})"), true));
    LANTERNE_RETURN_IF_ERROR(
        txn.PutTrace(Trace("p1", "t3", R"({"long":")" + long_value + R"("})"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "t4"), true));
    return txn.PutTrace(Trace("p2", "t9", R"({"region":"eu"})"), true);
  });
  using F = MetadataFilter;
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "eu"}})), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(Ids("p2", Metadata({F{"region", "eu"}})), (std::vector<std::string>{"t9"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"tier", "3"}})), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"tier", "3"}, F{"region", "us"}})),
            (std::vector<std::string>{"t2"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"beta", "true"}})), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"note", "world", true}})), (std::vector<std::string>{"t1"}));
  EXPECT_TRUE(Ids("p1", Metadata({F{"note", "World", true}})).empty());  // case-sensitive
  EXPECT_TRUE(Ids("p1", Metadata({F{"nested", "eu"}})).empty());
  EXPECT_EQ(Ids("p1", Metadata({F{"long", long_value}})), (std::vector<std::string>{"t3"}));
  auto page = store_->ListTraces("p1", Metadata({F{"tier", "3"}}));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total_items, 2);

  // A merge that changes the metadata moves the trace between filters; one that leaves it
  // alone (FindTrace then PutTrace, as ingestion does) keeps it.
  Write([&](WriteTxn& txn) -> Status {
    auto found = txn.FindTrace("p1", "t1");
    if (!found.ok()) return found.status();
    TraceRecord t = **found;
    t.metadata = R"({"region":"us","tier":3,"beta":true,"note":"hello world"})";
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(t, false));
    auto same = txn.FindTrace("p1", "t2");
    if (!same.ok()) return same.status();
    (*same)->name = "renamed";
    return txn.PutTrace(**same, false);
  });
  EXPECT_TRUE(Ids("p1", Metadata({F{"region", "eu"}})).empty());
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "us"}})), (std::vector<std::string>{"t1", "t2"}));
  // Without a FindTrace first, the update still rewrites the rows.
  Write(
      [&](WriteTxn& txn) { return txn.PutTrace(Trace("p1", "t4", R"({"region":"eu"})"), false); });
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "eu"}})), (std::vector<std::string>{"t4"}));

  Write([&](WriteTxn& txn) -> Status { return txn.DeleteTraces("p1", {"t1", "t4"}).status(); });
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "us"}})), (std::vector<std::string>{"t2"}));
  EXPECT_TRUE(Ids("p1", Metadata({F{"region", "eu"}})).empty());
  // t2 (region, tier) and t3 (long) are left.
  EXPECT_EQ(RawCount("SELECT count(*) FROM trace_metadata_seqs m JOIN traces t ON t.seq = "
                     "m.trace_seq WHERE t.project_id = 'p1'"),
            3);
  EXPECT_EQ(RawCount("SELECT count(*) FROM trace_metadata_seqs"), 4);  // and p2's t9
}

// Past kSparseMetadataMatches matching traces a filter is tested per trace while the traces
// are walked in order; below it the matches are looked up by seq. Both give the same pages
// and totals, alone and combined.
TEST_F(TraceTableTest, MetadataFiltersAnswerAlikeForManyAndFewMatches) {
  const int n = sqlite::kSparseMetadataMatches + 200;
  Write([&](WriteTxn& txn) -> Status {
    for (int i = 0; i < n; ++i) {
      const std::string rare = i % 50 == 0 ? R"(,"kind":"rare")" : "";
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(
          Trace("p1", "t" + std::to_string(i), R"({"app":"bot")" + rare + "}", i), true));
    }
    // Another project's traces with the same metadata never count.
    for (int i = 0; i < 10; ++i) {
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(
          Trace("p2", "x" + std::to_string(i), R"({"app":"bot","kind":"rare"})", i), true));
    }
    return Status::Ok();
  });
  using F = MetadataFilter;
  auto newest = [&](std::vector<MetadataFilter> filters, int page) {
    TraceQuery q;  // newest first
    q.metadata = std::move(filters);
    q.page = {page, 3};
    auto listed = store_->ListTraces("p1", q);
    EXPECT_TRUE(listed.ok()) << listed.status().message();
    std::vector<std::string> ids;
    for (const auto& t : listed->items) ids.push_back(t.id);
    return std::pair{listed->total_items, ids};
  };
  const std::string last = std::to_string(n - 1);
  auto many = newest({F{"app", "bot"}}, 1);
  EXPECT_EQ(many.first, n);
  EXPECT_EQ(many.second, (std::vector<std::string>{"t" + last, "t" + std::to_string(n - 2),
                                                   "t" + std::to_string(n - 3)}));
  auto many_contains = newest({F{"app", "o", true}}, 2);
  EXPECT_EQ(many_contains.first, n);
  EXPECT_EQ(many_contains.second.front(), "t" + std::to_string(n - 4));
  // Rare: every 50th trace, newest first: n - 1 - ((n - 1) % 50), and so on.
  const int newest_rare = (n - 1) / 50 * 50;
  const std::vector<std::string> rare_page = {"t" + std::to_string(newest_rare),
                                              "t" + std::to_string(newest_rare - 50),
                                              "t" + std::to_string(newest_rare - 100)};
  auto few = newest({F{"kind", "rare"}}, 1);
  EXPECT_EQ(few.first, (n + 49) / 50);
  EXPECT_EQ(few.second, rare_page);
  auto both = newest({F{"app", "bot"}, F{"kind", "ar", true}}, 1);
  EXPECT_EQ(both.first, (n + 49) / 50);
  EXPECT_EQ(both.second, rare_page);
  EXPECT_TRUE(newest({F{"app", "bot"}, F{"kind", "none"}}, 1).second.empty());
}

// Stores written before schema 14 kept one row of texts per value (trace_metadata); opening
// one converts the rows, and the filters and the delete trigger work on them as before.
TEST_F(TraceTableTest, MetadataRowsOfEarlierStoresAreConverted) {
  Write([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(
        txn.PutTrace(Trace("p1", "t1", R"({"region":"eu","note":"hello world"})"), true));
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace("p1", "t2", R"({"region":"us"})"), true));
    return txn.PutTrace(Trace("p2", "t9", R"({"region":"eu"})"), true);
  });
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
  const char* rewind = R"sql(
    CREATE TABLE trace_metadata (
      project_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, trace_seq INTEGER NOT NULL,
      PRIMARY KEY (project_id, key, value, trace_seq)) WITHOUT ROWID;
    CREATE INDEX trace_metadata_by_trace ON trace_metadata (trace_seq);
    INSERT INTO trace_metadata SELECT v.project_id, v.key, v.value, s.trace_seq
      FROM trace_metadata_seqs s JOIN trace_metadata_values v ON v.kv = s.kv;
    DROP TRIGGER traces_metadata_delete;
    DROP TABLE trace_metadata_seqs;
    DROP TABLE trace_metadata_values;
    CREATE TRIGGER traces_metadata_delete AFTER DELETE ON traces
      BEGIN DELETE FROM trace_metadata WHERE trace_seq = OLD.seq; END;
    PRAGMA user_version = 13;)sql";
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, rewind, nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_close(db);
  ASSERT_EQ(RawCount("SELECT count(*) FROM trace_metadata"), 4);

  Reopen();
  using F = MetadataFilter;
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "eu"}})), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"region", "us"}})), (std::vector<std::string>{"t2"}));
  EXPECT_EQ(Ids("p2", Metadata({F{"region", "eu"}})), (std::vector<std::string>{"t9"}));
  EXPECT_EQ(Ids("p1", Metadata({F{"note", "world", true}})), (std::vector<std::string>{"t1"}));
  EXPECT_EQ(RawCount("SELECT count(*) FROM sqlite_master WHERE name = 'trace_metadata'"), 0);
  Write([&](WriteTxn& txn) -> Status { return txn.DeleteTraces("p1", {"t1"}).status(); });
  EXPECT_TRUE(Ids("p1", Metadata({F{"region", "eu"}})).empty());
  EXPECT_EQ(RawCount("SELECT count(*) FROM trace_metadata_seqs"), 2);
}

// Sorted by name, a time range of many traces is read name by name (PageNameByName): its
// pages are those of reading the range and sorting it, in both directions, across empty and
// missing names, another project's names, and when the names to seek run out (the rest is
// one walk).
TEST_F(TraceTableTest, NameSortedPagesOfALargeRangeAreThoseOfTheSortedRange) {
  const std::optional<std::string> names[] = {"bravo", "", std::nullopt, "alpha", "charlie"};
  Write([&](WriteTxn& txn) -> Status {
    for (int i = 0; i < 40; ++i) {
      TraceRecord t = Trace("p1", "t" + std::to_string(i), "{}", i);
      t.name = names[i % 5];
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(t, true));
      TraceRecord other = Trace("p2", "o" + std::to_string(i), "{}", i);
      other.name = i % 2 ? "aardvark" : "zulu";
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(other, true));
    }
    return Status::Ok();
  });
  auto all_pages = [&](bool descending, Counting counting) {
    std::vector<std::string> ids;
    TraceQuery q;
    q.order_by = "name";
    q.descending = descending;
    q.from_us = kT0 + 5 * kSecond;
    q.to_us = kT0 + 35 * kSecond;
    q.counting = counting;
    q.page.limit = 4;
    for (q.page.page = 1; q.page.page <= 10; ++q.page.page) {
      auto page = store_->ListTraces("p1", q);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      for (const auto& t : page->items) ids.push_back(t.id);
      if (counting == Counting::kPageOnly) {
        EXPECT_EQ(page->has_more, ids.size() < 30) << q.page.page;
      } else {
        EXPECT_EQ(page->total_items, 30);
      }
    }
    return ids;
  };
  for (bool descending : {false, true}) {
    SqliteOptions sorted;  // the 30 traces of the range are read and sorted
    Reopen(sorted);
    const std::vector<std::string> expected = all_pages(descending, Counting::kPageAndTotal);
    ASSERT_EQ(expected.size(), 30u);
    // Ascending: no name first, at 7 s; descending: charlie last in time, at 34 s.
    EXPECT_EQ(expected.front(), descending ? "t34" : "t7");
    for (int seeks : {1000, 2, 1}) {
      SqliteOptions by_name;
      by_name.sorted_range_traces = 10;
      by_name.name_seeks = seeks;
      Reopen(by_name);
      EXPECT_EQ(all_pages(descending, Counting::kPageOnly), expected) << seeks;
      EXPECT_EQ(all_pages(descending, Counting::kPageAndTotal), expected) << seeks;
    }
  }
}

TEST_F(TraceTableTest, DeletingAProjectDeletesItsDataAndLeavesOthersAlone) {
  for (const char* project : {"p1", "p2"}) {
    Write([&](WriteTxn& txn) -> Status {
      const std::string p = project;
      LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(Organization{"org-" + p, "Org " + p}));
      LANTERNE_RETURN_IF_ERROR(txn.UpsertProject(Project{p, "org-" + p, "Project " + p, kT0}));
      LANTERNE_RETURN_IF_ERROR(txn.PutApiKey(MakeApiKey(p, "pk-" + p, "sk-" + p, {}).key));
      LANTERNE_RETURN_IF_ERROR(txn.PutTrace(Trace(p, "t1", R"({"region":"eu"})"), true));
      LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(SessionRecord{p, "session-" + p, kT0, "default"}));
      LANTERNE_RETURN_IF_ERROR(
          txn.PutObservation(Observation(p, "o1", "t1", {{"input", 1}}), true));
      LANTERNE_RETURN_IF_ERROR(
          txn.PutScore(Score(p, "s1", "t1", "quality", ScoreDataType::kNumeric, 1), true));
      PromptVersion prompt;
      prompt.project_id = p;
      prompt.id = "prompt-" + p;
      prompt.name = "greeting";
      prompt.version = 1;
      prompt.type = "text";
      prompt.prompt_json = R"("Hi {{name}}")";
      LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(prompt));
      ModelDefinition model;
      model.id = "model-" + p;
      model.project_id = p;
      model.model_name = "my-model";
      model.match_pattern = "(?i)^my-model$";
      PricingTier tier;
      tier.id = "tier-" + p;
      tier.name = "Standard";
      tier.is_default = true;
      tier.prices = {{"input", 1e-6}};
      model.pricing_tiers = {tier};
      return txn.PutModel(model);
    });
  }
  ASSERT_TRUE(store_->CatchUpSearchIndex().ok());
  ASSERT_GT(RawCount("SELECT count(*) FROM search_docs WHERE project_id = 'p1'"), 0);

  Write([&](WriteTxn& txn) { return txn.DeleteProject("p1"); });
  ASSERT_TRUE(store_->CatchUpSearchIndex().ok());

  auto expect_project = [&](const std::string& p, bool present) {
    SCOPED_TRACE(p);
    size_t n = present ? 1 : 0;
    auto trace = store_->GetTrace(p, "t1");
    ASSERT_TRUE(trace.ok());
    EXPECT_EQ(trace->has_value(), present);
    auto list = store_->ListTraces(p, TraceQuery{});
    ASSERT_TRUE(list.ok());
    EXPECT_EQ(list->total_items, present ? 1 : 0);
    TraceQuery search;
    search.search = "searchable";
    EXPECT_EQ(Ids(p, search).size(), n);
    EXPECT_EQ(Ids(p, Metadata({MetadataFilter{"region", "eu"}})).size(), n);
    auto observations = store_->ObservationsOfTrace(p, "t1");
    ASSERT_TRUE(observations.ok());
    EXPECT_EQ(observations->size(), n);
    auto observation = store_->GetObservation(p, "o1");
    ASSERT_TRUE(observation.ok());
    EXPECT_EQ(observation->has_value(), present);
    auto scores = store_->ScoresOfTrace(p, "t1");
    ASSERT_TRUE(scores.ok());
    EXPECT_EQ(scores->size(), n);
    auto sessions = store_->ListSessions(p, SessionQuery{});
    ASSERT_TRUE(sessions.ok());
    EXPECT_EQ(sessions->items.size(), n);
    auto prompts = store_->AllPrompts(p);
    ASSERT_TRUE(prompts.ok());
    EXPECT_EQ(prompts->size(), n);
    auto models = store_->ListAllModels(p);
    ASSERT_TRUE(models.ok());
    EXPECT_EQ(models->size(), n);
    auto keys = store_->ApiKeysOfProject(p);
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->size(), n);
    auto project = store_->GetProject(p);
    ASSERT_TRUE(project.ok());
    EXPECT_EQ(project->has_value(), present);
    // One full-text document for the trace and one for its observation.
    EXPECT_EQ(RawCount("SELECT count(*) FROM search_docs WHERE project_id = '" + p + "'"),
              present ? 2 : 0);
    for (const char* table :
         {"trace_metadata_values", "traces", "observations", "scores", "sessions"}) {
      EXPECT_EQ(RawCount(std::string("SELECT count(*) FROM ") + table + " WHERE project_id = '" +
                         p + "'"),
                static_cast<int64_t>(n))
          << table;
    }
  };
  expect_project("p1", false);
  expect_project("p2", true);
  // Only p2's documents are left in the full-text table.
  EXPECT_EQ(RawCount("SELECT count(*) FROM search_text"),
            RawCount("SELECT count(*) FROM search_docs"));

  // Deleting an organization deletes its projects' data too.
  Write([&](WriteTxn& txn) { return txn.DeleteOrganization("org-p2"); });
  ASSERT_TRUE(store_->CatchUpSearchIndex().ok());  // its search documents go with the next step
  expect_project("p2", false);
  EXPECT_EQ(RawCount("SELECT count(*) FROM traces"), 0);
}

TEST_F(TraceTableTest, LoginFailuresOutliveARestart) {
  int64_t now = kT0;
  auto clock = [&] { return now; };
  auto write = [&](const std::function<Status(WriteTxn&)>& body) { return store_->RunWrite(body); };
  {
    LoginRateLimiter limiter({}, clock, *store_, write);
    for (int i = 0; i < 10; ++i) limiter.RecordFailure("a@x", "1.1.1.1");
    for (int i = 0; i < 5; ++i) limiter.RecordFailure("b@x", "2.2.2.2");
    EXPECT_GT(limiter.RetryAfterSeconds("a@x", "9.9.9.9"), 0);
  }
  Reopen();
  now += 60 * kSecond;
  {
    LoginRateLimiter limiter({}, clock, *store_, write);
    int64_t wait = limiter.RetryAfterSeconds("a@x", "9.9.9.9");
    EXPECT_GT(wait, 0);
    EXPECT_LE(wait, 14 * 60);  // the window started before the restart
    EXPECT_EQ(limiter.RetryAfterSeconds("b@x", "9.9.9.9"), 0);
    // b@x has 5 of 10: five more block it.
    for (int i = 0; i < 5; ++i) limiter.RecordFailure("b@x", "2.2.2.2");
    EXPECT_GT(limiter.RetryAfterSeconds("b@x", "9.9.9.9"), 0);
    limiter.RecordSuccess("b@x");
  }
  Reopen();
  {
    LoginRateLimiter limiter({}, clock, *store_, write);
    EXPECT_GT(limiter.RetryAfterSeconds("a@x", "9.9.9.9"), 0);
    EXPECT_EQ(limiter.RetryAfterSeconds("b@x", "9.9.9.9"), 0);  // its success cleared it
  }
  // Once the window has passed, nothing is loaded back.
  now += 15 * 60 * kSecond;
  Reopen();
  LoginRateLimiter limiter({}, clock, *store_, write);
  EXPECT_EQ(limiter.RetryAfterSeconds("a@x", "1.1.1.1"), 0);
}

}  // namespace
}  // namespace lanterne
