// Full-text search: the text taken from JSON, query validation and escaping, and the
// background index (catch-up, updates, deletes, restart, project isolation).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.h"

#include "storage/payload_log.h"
#include "storage/search_text.h"
#include "storage/sqlite/connection.h"
#include "storage/sqlite/search_index.h"
#include "storage/store.h"

namespace lanterne {
namespace {

constexpr int64_t kT0 = 1'710'498'600'000'000;  // 2024-03-15T10:30:00Z

TEST(SearchTextTest, TakesStringLeavesNotKeysNumbersOrPunctuation) {
  std::string out;
  AppendSearchText(
      R"({"messages":[{"role":"user","content":"Bonjour l'\u00e9l\u00e8ve"}],"n":42,"ok":true})",
      out);
  EXPECT_EQ(out, "user\nBonjour l'élève\n");
  EXPECT_EQ(out.find("messages"), std::string::npos);
  EXPECT_EQ(out.find("42"), std::string::npos);
}

TEST(SearchTextTest, KeepsJsonStringsAndPlainText) {
  std::string out;
  AppendSearchText(R"("東京は日本の首都です 😀")", out);
  AppendSearchText("not json {", out);
  AppendSearchText("[]", out);
  EXPECT_EQ(out, "東京は日本の首都です 😀\nnot json {\n");
}

TEST(SearchTextTest, StopsAtTheLimitOnACharacterBoundary) {
  std::string text = "\"";
  for (int i = 0; i < 100; ++i) text += "é";  // 2 bytes each
  text += "\"";
  std::string out;
  AppendSearchText(text, out, 51);
  EXPECT_EQ(out.size(), 51u);  // 25 characters and the newline
  EXPECT_EQ(out.substr(0, 50), std::string(text.substr(1, 50)));
  AppendSearchText(R"("more")", out, 51);
  EXPECT_EQ(out.size(), 51u);
}

TEST(SearchQueryTest, NormalizesAndRejectsBadInputNamingTheField) {
  EXPECT_EQ(*NormalizeSearchQuery("  élève \n"), "élève");
  EXPECT_EQ(*NormalizeSearchQuery("   "), "");
  EXPECT_EQ(*NormalizeSearchQuery("東京"), "東京");
  for (std::string bad : {std::string("\xff"), std::string("\xC0\xAF"), std::string("a\0b", 3),
                          std::string("\xED\xA0\x80"), std::string(1001, 'a')}) {
    auto r = NormalizeSearchQuery(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message().rfind("search: ", 0), 0u) << r.status().message();
  }
}

TEST(SearchQueryTest, CountsCharactersAndQuotesPhrases) {
  EXPECT_EQ(CodePointCount("東京"), 2u);
  EXPECT_EQ(CodePointCount("élève"), 5u);
  EXPECT_EQ(CodePointCount("😀"), 1u);
  EXPECT_FALSE(UsesTrigramIndex("東京"));
  EXPECT_TRUE(UsesTrigramIndex("日本語"));
  EXPECT_EQ(FtsPhrase(R"(say "hi" AND x*)"), R"("say ""hi"" AND x*")");
}

TEST(SearchQueryTest, MatchesTrigramsSpreadOverTheQuery) {
  EXPECT_EQ(FtsTrigramQuery("abc"), R"("abc")");
  EXPECT_EQ(FtsTrigramQuery(R"(a"bcd)"), R"("a""b" AND """bc" AND "bcd")");
  EXPECT_EQ(FtsTrigramQuery("élève"), R"("élè" AND "lèv" AND "ève")");
  EXPECT_EQ(FtsTrigramQuery("aaaaaa"), R"("aaa")");  // each trigram once
  std::string query = "the quick brown fox jumps over the lazy dog";
  std::string match = FtsTrigramQuery(query);
  EXPECT_EQ(match.rfind(R"("the" AND )", 0), 0u) << match;  // the first and the last
  EXPECT_NE(match.find(R"( AND "dog")"), std::string::npos) << match;
  EXPECT_LE(std::count(match.begin(), match.end(), '"'), 2 * int(kMaxQueryTrigrams)) << match;
}

TEST(SearchTextTest, ContainsIgnoringCaseInAnyScript) {
  EXPECT_TRUE(SearchTextContains("Error Code 42", SearchFold("error CODE")));
  EXPECT_FALSE(SearchTextContains("error for code", SearchFold("error code")));
  EXPECT_TRUE(SearchTextContains("L'ÉLÈVE est là", SearchFold("élève")));
  EXPECT_FALSE(SearchTextContains("eleve", SearchFold("élève")));  // accents kept
  EXPECT_TRUE(SearchTextContains("ΣΟΦΊΑ και ζωή", SearchFold("σοφία")));
  EXPECT_TRUE(SearchTextContains("ПРИВЕТ мир", SearchFold("привет")));
  EXPECT_TRUE(SearchTextContains("東京の天気", SearchFold("京の天")));
  EXPECT_TRUE(SearchTextContains("ＡＢＣ全角", SearchFold("ａｂｃ")));
  EXPECT_TRUE(SearchTextContains("a \xC3 b", SearchFold("\xC3 b")));  // not UTF-8: bytes kept
  EXPECT_FALSE(SearchTextContains("short", SearchFold("shorter")));
}

// The text check must fold at least every character the index folds, or it would drop
// true matches: each character's fold is read back from SQLite's trigram tokenizer (one
// document per character; its first trigram through fts5vocab) and compared.
TEST(SearchTextTest, FoldsEveryCharacterAsTheTrigramTokenizerDoes) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  auto exec = [&](const char* sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
  };
  exec("CREATE VIRTUAL TABLE f USING fts5(b, tokenize = 'trigram')");
  exec("CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)");
  auto utf8 = [](uint32_t c) {
    std::string out;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    } else if (c < 0x10000) {
      out += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
              static_cast<char>(0x80 | (c & 0x3F))};
    } else {
      out += {static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
              static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
    }
    return out;
  };
  // The Basic Multilingual Plane and the next (the one non-BMP fold, Deseret, is there).
  auto is_character = [](uint32_t c) {
    return (c < 0xD800 || c > 0xDFFF) && (c & 0xFFFE) != 0xFFFE;
  };
  exec("BEGIN");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO f (rowid, b) VALUES (?, ?)", -1, &insert, nullptr);
  for (uint32_t c = 0x20; c < 0x20000; ++c) {
    if (!is_character(c)) continue;
    std::string doc = utf8(c) + "ab";
    sqlite3_bind_int64(insert, 1, c);
    sqlite3_bind_text(insert, 2, doc.data(), static_cast<int>(doc.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  exec("COMMIT");
  sqlite3_stmt* terms = nullptr;
  sqlite3_prepare_v2(db, "SELECT doc, term FROM v WHERE offset = 0", -1, &terms, nullptr);
  int checked = 0, folded = 0;
  while (sqlite3_step(terms) == SQLITE_ROW) {
    auto c = static_cast<uint32_t>(sqlite3_column_int64(terms, 0));
    std::string term(reinterpret_cast<const char*>(sqlite3_column_text(terms, 1)),
                     sqlite3_column_bytes(terms, 1));
    std::string expected = term.substr(0, term.size() - 2);  // the trigram less "ab"
    ASSERT_EQ(SearchFold(utf8(c)), expected) << "U+" << std::hex << c;
    ++checked;
    folded += expected != utf8(c);
  }
  sqlite3_finalize(terms);
  sqlite3_close(db);
  EXPECT_GT(checked, 120000);
  EXPECT_GT(folded, 1000);
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void Open(int interval_ms = 0, int match_docs = 20000, int wal_restart_pages = 32768) {
    store_.reset();
    SqliteOptions options;
    options.search_index_interval_ms = interval_ms;
    options.search_match_docs = match_docs;
    options.wal_restart_pages = wal_restart_pages;
    auto store = OpenSqliteStore(dir_.path(), options);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }

  void PutTrace(const std::string& project, const std::string& id, std::optional<std::string> input,
                std::optional<std::string> output, bool is_new = true, int64_t offset_s = 0) {
    TraceRecord t;
    t.project_id = project;
    t.id = id;
    t.timestamp_us = kT0 + offset_s * 1'000'000;
    t.name = "chat";
    t.input = std::move(input);
    t.output = std::move(output);
    t.environment = "default";
    Status s = store_->RunWrite([&](WriteTxn& txn) { return txn.PutTrace(t, is_new); });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  void PutObservation(const std::string& project, const std::string& id,
                      const std::string& trace_id, std::string input) {
    ObservationRecord o;
    o.project_id = project;
    o.id = id;
    o.trace_id = trace_id;
    o.type = ObservationType::kGeneration;
    o.start_time_us = kT0;
    o.input = std::move(input);
    o.environment = "default";
    Status s = store_->RunWrite([&](WriteTxn& txn) { return txn.PutObservation(o, true); });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  Page<TraceRecord> SearchPage(const std::string& project, const std::string& text,
                               TraceQuery q = {}) {
    q.search = *NormalizeSearchQuery(text);
    auto page = store_->ListTraces(project, q);
    EXPECT_TRUE(page.ok()) << page.status().message();
    return page.ok() ? std::move(page).value() : Page<TraceRecord>{};
  }

  std::vector<std::string> Search(const std::string& project, const std::string& text) {
    std::vector<std::string> ids;
    for (const auto& t : SearchPage(project, text).items) ids.push_back(t.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  void CatchUp() {
    Status s = store_->CatchUpSearchIndex();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  int64_t CountRows(const char* sql) {
    sqlite3* db = nullptr;
    sqlite3_open_v2((dir_.path() + "/lanterne.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    // The index's tables (search_text, search_docs, search_marks) are in search.db.
    sqlite3_exec(db, ("ATTACH '" + dir_.path() + "/search.db' AS search").c_str(), nullptr, nullptr,
                 nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
    int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }

  // Stops the store and deletes search.db, as a person may while the server is stopped.
  void DeleteSearchFile() {
    store_.reset();
    for (const char* file : {"/search.db", "/search.db-wal", "/search.db-shm"}) {
      std::filesystem::remove(dir_.path() + file);
    }
  }

  // An indexer of the test's own beside the open store (whose indexer thread is off), on a
  // connection of its own, so a test runs steps of the size it chooses and acts between
  // them; it knows the ids the store has not merged to disk yet.
  void OpenTestIndexer() {
    ASSERT_TRUE(test_db_.Open(dir_.path() + "/lanterne.db", false).ok());
    ASSERT_TRUE(
        sqlite::AttachSearchDatabase(test_db_.get(), dir_.path() + "/search.db", true).ok());
    auto payloads = PayloadLog::Open(dir_.path() + "/payloads");
    ASSERT_TRUE(payloads.ok()) << payloads.status().message();
    test_payloads_ = std::move(payloads).value();
    ASSERT_TRUE(test_indexer_.Prepare(test_db_.get(), test_payloads_.get()).ok());
    ASSERT_TRUE(sqlite::LoadRecentIds(test_db_.get(), sqlite::kTraceIds, test_recent_).ok());
  }
  // One step of the test's indexer in a transaction of its own; `before_commit` runs while
  // its documents are written but not committed.
  sqlite::SearchIndexer::StepResult TestStep(int max_rows,
                                             const std::function<void()>& before_commit = {}) {
    EXPECT_TRUE(test_db_.Exec("BEGIN").ok());
    auto step = test_indexer_.Step(test_recent_, max_rows);
    EXPECT_TRUE(step.ok()) << step.status().message();
    if (before_commit) before_commit();
    EXPECT_TRUE(test_db_.Exec("COMMIT").ok());
    return step.ok() ? *step : sqlite::SearchIndexer::StepResult{};
  }

  using Ids = std::vector<std::string>;
  TempDir dir_;
  std::unique_ptr<Store> store_;
  sqlite::Connection test_db_;
  std::unique_ptr<PayloadLog> test_payloads_;
  sqlite::SearchIndexer test_indexer_;
  sqlite::RecentIds test_recent_;
};

TEST_F(SearchIndexTest, FindsAnyLanguageCaseInsensitively) {
  Open();
  PutTrace("p", "fr", R"({"q":"Où est l'élève ?"})", R"("Dans la CLASSE")");
  PutTrace("p", "ja", R"([{"role":"user","content":"東京の天気"}])", R"("日本語のテキストです 😀")");
  PutTrace("p", "en", R"("hello world")", std::nullopt);
  CatchUp();
  EXPECT_EQ(Search("p", "élève"), Ids{"fr"});
  EXPECT_EQ(Search("p", "ÉLÈVE"), Ids{"fr"});  // trigram folding covers accented letters
  EXPECT_EQ(Search("p", "classe"), Ids{"fr"});
  EXPECT_EQ(Search("p", "eleve"), Ids{});     // accents matter: a substring search
  EXPECT_EQ(Search("p", "東京"), Ids{"ja"});  // two characters: the short-query scan
  EXPECT_EQ(Search("p", "日本語のテキスト"), Ids{"ja"});
  EXPECT_EQ(Search("p", "😀"), Ids{"ja"});
  EXPECT_EQ(Search("p", "テキストです 😀"), Ids{"ja"});
  EXPECT_EQ(Search("p", "LO W"), Ids{"en"});
  EXPECT_EQ(Search("p", "Wo"), Ids{"en"});                  // short ASCII queries ignore case too
  EXPECT_EQ(Search("p", "chat"), (Ids{"en", "fr", "ja"}));  // the trace name
  EXPECT_EQ(Search("p", "role"), Ids{});                    // keys are not text
  EXPECT_EQ(Search("p", "京都"), Ids{});
}

// The index knows which trigrams a text has, not where: a text holding every trigram of
// the query but not the query itself is not an answer.
TEST_F(SearchIndexTest, FindsTheQueryNotJustItsTrigrams) {
  Open();
  PutTrace("p", "phrase", R"("ERROR CODE 42")", std::nullopt);
  PutTrace("p", "scattered", R"("an error for code review")", std::nullopt);
  PutObservation("p", "o-scattered", "scattered", R"("the error for code")");
  PutTrace("p", "accents", R"("Un ÉLÈVE MODÈLE")", std::nullopt);
  PutTrace("p", "accents-apart", R"("élève, un modèle")", std::nullopt);
  CatchUp();
  EXPECT_EQ(Search("p", "error code"), Ids{"phrase"});
  EXPECT_EQ(Search("p", "Error Code"), Ids{"phrase"});
  EXPECT_EQ(Search("p", "for code"), Ids{"scattered"});
  EXPECT_EQ(Search("p", "élève modèle"), Ids{"accents"});
  EXPECT_EQ(Search("p", "ror"), (Ids{"phrase", "scattered"}));  // one trigram: the index alone
}

// Schema 17 moved the index out of lanterne.db into search.db: a store indexed in the old
// place (as schema 16 left it) loses those tables and is indexed again in the new one.
TEST_F(SearchIndexTest, AnIndexInTheMainFileIsBuiltAgainInItsOwn) {
  Open();
  PutTrace("p", "a", R"("kept in the payload")", std::nullopt);
  PutObservation("p", "o", "a", R"("observation words")");
  CatchUp();
  DeleteSearchFile();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
  const char* rewind = R"sql(
    DROP TRIGGER traces_search_update;
    DROP TABLE search_dirty;
    CREATE TABLE search_dirty (doc INTEGER PRIMARY KEY);
    CREATE TRIGGER traces_search_update AFTER UPDATE OF name, payload ON traces
      BEGIN INSERT OR IGNORE INTO search_dirty (doc) VALUES (NEW.seq * 2); END;
    CREATE VIRTUAL TABLE search_text USING fts5(body, tokenize = 'trigram', detail = none);
    CREATE TABLE search_docs (
      doc INTEGER PRIMARY KEY, project_id TEXT NOT NULL, trace_id TEXT NOT NULL, trace_seq INTEGER);
    INSERT INTO search_docs VALUES (2, 'p', 'a', 1);
    INSERT INTO search_text (rowid, body) VALUES (2, 'stale words');
    INSERT INTO index_watermarks (name, seq) VALUES ('search_traces', 1), ('search_observations', 1);
    PRAGMA user_version = 16;)sql";
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, rewind, nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_close(db);

  testing::internal::CaptureStderr();  // an upgrade says what it does and how long it took
  Open();
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("upgrading the store from schema 16 to 17"), std::string::npos) << log;
  EXPECT_NE(log.find("schema 17 of 17 applied in "), std::string::npos) << log;
  CatchUp();
  EXPECT_EQ(Search("p", "stale"), Ids{});
  EXPECT_EQ(Search("p", "the payload"), Ids{"a"});
  EXPECT_EQ(Search("p", "observation words"), Ids{"a"});
  EXPECT_EQ(CountRows("SELECT count(*) FROM search.search_text"), 2);
  EXPECT_EQ(CountRows("SELECT count(*) FROM main.sqlite_master WHERE name IN ('search_text', "
                      "'search_docs') OR name LIKE 'search_text_%'"),
            0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM main.index_watermarks WHERE name LIKE 'search%'"), 0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM search.sqlite_master WHERE name = 'search_text' AND "
                      "sql LIKE '%detail = none%'"),
            1);
  // The new log follows updates again.
  PutTrace("p", "a", R"("rewritten later")", std::nullopt, /*is_new=*/false);
  CatchUp();
  EXPECT_EQ(Search("p", "rewritten later"), Ids{"a"});
  EXPECT_EQ(Search("p", "the payload"), Ids{});
}

// search.db is derived: deleted while the server is stopped, it is built again.
TEST_F(SearchIndexTest, ADeletedSearchFileIsBuiltAgain) {
  Open();
  PutTrace("p", "a", R"("rebuilt from the rows")", std::nullopt);
  PutTrace("p", "b", R"("first words")", std::nullopt);
  CatchUp();
  PutTrace("p", "b", R"("second words")", std::nullopt, /*is_new=*/false);
  DeleteSearchFile();
  Open();
  EXPECT_EQ(Search("p", "rebuilt"), Ids{});
  CatchUp();
  EXPECT_EQ(Search("p", "rebuilt from"), Ids{"a"});
  EXPECT_EQ(Search("p", "second words"), Ids{"b"});
  EXPECT_EQ(Search("p", "first words"), Ids{});
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs"), 2);
}

TEST_F(SearchIndexTest, QueriesAreTextNotSyntax) {
  Open();
  PutTrace("p", "q", R"("she said \"hello\" AND (x*) NEAR: ^start")", std::nullopt);
  PutTrace("p", "other", R"("hello there")", std::nullopt);
  CatchUp();
  EXPECT_EQ(Search("p", R"("hello")"), Ids{"q"});
  EXPECT_EQ(Search("p", "AND (x*)"), Ids{"q"});
  EXPECT_EQ(Search("p", "NEAR: ^st"), Ids{"q"});
  EXPECT_EQ(Search("p", R"(hello" OR "there)"), Ids{});
  EXPECT_EQ(Search("p", "\""), Ids{"q"});
  EXPECT_EQ(Search("p", "%"), Ids{});
  EXPECT_EQ(Search("p", "*"), Ids{"q"});
}

TEST_F(SearchIndexTest, ObservationTextFindsItsTraceWithFiltersAndExactTotals) {
  Open();
  for (int i = 0; i < 5; ++i) {
    std::string id = "t" + std::to_string(i);
    PutTrace("p", id, std::nullopt, std::nullopt, true, i);
    PutObservation("p", "o" + std::to_string(i), id, R"({"doc":"needle in observation"})");
  }
  PutObservation("p", "orphan", "later", R"("needle in observation")");  // trace comes after
  PutTrace("p", "unrelated", R"("haystack")", std::nullopt);
  CatchUp();
  TraceQuery q;
  q.page.limit = 2;
  q.page.page = 2;
  auto page = SearchPage("p", "NEEDLE in", q);
  EXPECT_EQ(page.total_items, 5);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].id, "t2");  // newest first
  EXPECT_EQ(page.items[1].id, "t1");
  TraceQuery named;
  named.name = "other-name";
  EXPECT_EQ(SearchPage("p", "needle", named).total_items, 0);
  TraceQuery ranged;
  ranged.from_us = kT0 + 3'000'000;
  EXPECT_EQ(SearchPage("p", "needle", ranged).total_items, 2);

  PutTrace("p", "later", std::nullopt, std::nullopt, true, 10);
  CatchUp();
  EXPECT_EQ(SearchPage("p", "needle").total_items, 6);
  EXPECT_EQ(SearchPage("p", "needle").items[0].id, "later");
}

TEST_F(SearchIndexTest, UpdatesAndDeletesFollow) {
  Open();
  PutTrace("p", "a", R"("first draft")", std::nullopt);
  PutTrace("p", "b", R"("first draft")", std::nullopt);
  CatchUp();
  EXPECT_EQ(Search("p", "first draft"), (Ids{"a", "b"}));
  PutTrace("p", "a", R"("second version")", R"("la réponse définitive")", /*is_new=*/false);
  Status deleted = store_->RunWrite([&](WriteTxn& txn) -> Status {
    auto n = txn.DeleteTraces("p", {"b"});
    return n.ok() ? Status::Ok() : n.status();
  });
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(Search("p", "first draft"), Ids{"a"});  // a deleted trace is never answered
  CatchUp();
  EXPECT_EQ(Search("p", "first draft"), Ids{});
  EXPECT_EQ(Search("p", "second version"), Ids{"a"});
  EXPECT_EQ(Search("p", "DÉFINITIVE"), Ids{"a"});
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs"), 1);
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_text"), 1);
  // The log is handled past its last row, and trimmed to that row.
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_dirty WHERE id > "
                      "(SELECT seq FROM search_marks WHERE name = 'dirty')"),
            0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_dirty"), 1);
}

// A deleted project's documents go when the indexer reads the row its deletion added to the
// log; deleting it again later leaves the row at the indexer's mark, so the log goes on past
// it and later changes are still followed.
TEST_F(SearchIndexTest, ADeletedProjectsDocumentsGoWithTheNextStep) {
  Open();
  PutTrace("p", "gone", R"("project words")", std::nullopt);
  PutTrace("q", "kept", R"("project words")", std::nullopt);
  CatchUp();
  auto delete_p = [&] {
    Status s = store_->RunWrite([](WriteTxn& txn) { return txn.DeleteProject("p"); });
    ASSERT_TRUE(s.ok()) << s.message();
  };
  delete_p();
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs WHERE project_id = 'p'"), 1);
  CatchUp();
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs WHERE project_id = 'p'"), 0);
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_text"), 1);
  delete_p();  // its log row was the last handled: the mark's
  CatchUp();
  EXPECT_GE(CountRows("SELECT max(id) FROM search_dirty"),
            CountRows("SELECT seq FROM search_marks WHERE name = 'dirty'"));
  PutTrace("q", "kept", R"("changed afterwards")", std::nullopt, /*is_new=*/false);
  CatchUp();
  EXPECT_EQ(Search("q", "changed afterwards"), Ids{"kept"});
  EXPECT_EQ(Search("q", "project words"), Ids{});
}

TEST_F(SearchIndexTest, ASearchNeverAnswersAnotherProjectsTraces) {
  Open();
  PutTrace("p1", "mine", R"("secret recipe 秘密")", std::nullopt);
  PutTrace("p2", "theirs", R"("secret recipe 秘密")", std::nullopt);
  PutObservation("p2", "obs", "mine", R"("only in p2 observation")");  // same trace id, p2
  CatchUp();
  EXPECT_EQ(Search("p1", "secret recipe"), Ids{"mine"});
  EXPECT_EQ(Search("p2", "secret recipe"), Ids{"theirs"});
  EXPECT_EQ(Search("p1", "秘密"), Ids{"mine"});
  EXPECT_EQ(Search("p2", "秘密"), Ids{"theirs"});
  EXPECT_EQ(Search("p1", "only in p2"), Ids{});
  EXPECT_EQ(Search("p3", "secret"), Ids{});
}

// A search answers from the project's newest matching documents, however many match: the
// newest traces' texts and the newest observations' texts, as many of each (half the
// limit), listed in the order asked and counted among those. Another project's matches,
// newer still, take nothing from the project's share; a rare text is found wherever it is.
TEST_F(SearchIndexTest, AnswersFromTheNewestMatchingDocuments) {
  Open(/*interval_ms=*/0, /*match_docs=*/6);  // 3 traces', 3 observations'
  for (int i = 0; i < 6; ++i) {
    PutTrace("p1", "t" + std::to_string(i), R"("common word")", std::nullopt, true, 10 * i);
  }
  // Observations (their own seqs) on old traces, and many more than traces, as ingestion has.
  for (int i = 0; i < 8; ++i) {
    PutObservation("p1", "o" + std::to_string(i), i < 6 ? "t0" : "t1", R"("common word")");
  }
  PutTrace("p2", "other", R"("common word")", std::nullopt, true, 100);
  PutObservation("p2", "o-other", "other", R"("common word")");
  CatchUp();
  // Newest trace texts: t5, t4, t3; newest observation texts: o7, o6 (t1), o5 (t0).
  Page<TraceRecord> page = SearchPage("p1", "common");
  std::vector<std::string> ids;
  for (const auto& t : page.items) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"t5", "t4", "t3", "t1", "t0"}));
  EXPECT_EQ(page.total_items, 5);
  PutTrace("p1", "old-rare", R"("zebra")", std::nullopt, true, -100);
  CatchUp();
  EXPECT_EQ(Search("p1", "zebra"), Ids{"old-rare"});
  EXPECT_EQ(Search("p2", "common"), Ids{"other"});
}

TEST_F(SearchIndexTest, IndexesInTheBackground) {
  Open(/*interval_ms=*/20);
  PutTrace("p", "bg", R"("indexed by the background thread")", std::nullopt);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Search("p", "background thread").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Search("p", "background thread"), Ids{"bg"});
  PutTrace("p", "bg", R"("changed later")", std::nullopt, /*is_new=*/false);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (Search("p", "changed later").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Search("p", "changed later"), Ids{"bg"});
  EXPECT_EQ(Search("p", "background thread"), Ids{});
}

// A rebuilt index (after an upgrade, or a deleted search.db) takes new rows as they come
// and the rows that were there newest first; until it is done, the older ones are counted
// as not searchable yet, and a change to one of them is indexed as it is when reached.
TEST_F(SearchIndexTest, ARebuildIndexesTheNewestRowsFirst) {
  Open();
  for (int i = 0; i < 6; ++i) {
    PutTrace("p", "t" + std::to_string(i), R"("rebuild words")", std::nullopt, true, i);
  }
  CatchUp();
  DeleteSearchFile();
  Open();
  PutTrace("p", "late", R"("arrived after the restart")", std::nullopt, true, 10);
  OpenTestIndexer();
  EXPECT_EQ(TestStep(/*max_rows=*/3).rows, 3);
  EXPECT_EQ(Search("p", "arrived after"), Ids{"late"});
  EXPECT_EQ(Search("p", "rebuild words"), (Ids{"t4", "t5"}));
  auto lag = store_->SearchIndexLag("p");
  ASSERT_TRUE(lag.ok()) << lag.status().message();
  EXPECT_EQ(lag->traces, 4);
  PutTrace("p", "t0", R"("changed while waiting")", std::nullopt, /*is_new=*/false);
  CatchUp();
  EXPECT_EQ(Search("p", "rebuild words"), (Ids{"t1", "t2", "t3", "t4", "t5"}));
  EXPECT_EQ(Search("p", "changed while"), Ids{"t0"});
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs"), 7);  // nothing indexed twice
  lag = store_->SearchIndexLag("p");
  ASSERT_TRUE(lag.ok());
  EXPECT_EQ(lag->traces, 0);
}

// New traces and observations share each step, so observations are not starved while
// traces keep coming; a kind with nothing new leaves the whole step to the other.
TEST_F(SearchIndexTest, NewTracesAndObservationsShareAStep) {
  Open();
  for (int i = 0; i < 4; ++i) {
    PutTrace("p", "t" + std::to_string(i), R"("shared step")", {});
    PutObservation("p", "o" + std::to_string(i), "t" + std::to_string(i), R"("observed")");
  }
  OpenTestIndexer();
  auto step = [&](int rows) { TestStep(rows); };
  auto docs = [&](int kind) {
    return CountRows(
        ("SELECT count(*) FROM search_docs WHERE doc % 2 = " + std::to_string(kind)).c_str());
  };
  step(4);
  EXPECT_EQ(docs(0), 2);  // traces
  EXPECT_EQ(docs(1), 2);  // observations
  PutTrace("p", "t4", R"("shared step")", {});
  step(4);  // 3 traces, 2 observations left: 2 and 2
  EXPECT_EQ(docs(0), 4);
  EXPECT_EQ(docs(1), 4);
  step(4);  // one trace left, nothing else: it takes the step
  EXPECT_EQ(docs(0), 5);
  EXPECT_EQ(Search("p", "observed").size(), 4u);
  EXPECT_EQ(Search("p", "shared step").size(), 5u);
}

// A step holds search.db's lock, not lanterne.db's: a write commits while a step that has
// written documents is still open. Steps of two rows leave the rest to the next, none
// indexed twice, none lost.
TEST_F(SearchIndexTest, AStepNeverHoldsUpAWrite) {
  Open();
  for (int i = 0; i < 7; ++i) PutTrace("p", "t" + std::to_string(i), R"("steps of two")", {});
  PutObservation("p", "o1", "t1", R"("observation text")");
  OpenTestIndexer();
  sqlite3_busy_timeout(test_db_.get(), 0);
  std::vector<int> steps;
  for (int round = 0; round < 10; ++round) {
    auto step = TestStep(/*max_rows=*/2, [&] {
      if (round != 0) return;
      // The store's writer, while this step holds its documents uncommitted.
      auto started = std::chrono::steady_clock::now();
      PutTrace("p", "written-meanwhile", R"("not waiting")", {});
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    });
    steps.push_back(step.rows);
    if (step.caught_up) break;
  }
  // 8 traces and 1 observation, two rows a step; the last step finds one left.
  EXPECT_EQ(steps, (std::vector<int>{2, 2, 2, 2, 1}));
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs"), 9);
  EXPECT_EQ(Search("p", "steps of two").size(), 7u);
  EXPECT_EQ(Search("p", "observation text"), Ids{"t1"});
  EXPECT_EQ(Search("p", "not waiting"), Ids{"written-meanwhile"});
}

// Building the index is a long run of the writer's transactions with no write between
// them: the WAL must still start over past its bound, as it does under ingestion.
TEST_F(SearchIndexTest, BuildingTheIndexKeepsTheWalBounded) {
  Open(/*interval_ms=*/0, /*match_docs=*/20000, /*wal_restart_pages=*/64);
  std::string text = "\"bounded log ";
  while (text.size() < 8000) text += "lorem ipsum dolor sit amet ";
  text += "\"";
  for (int i = 0; i < 600; ++i) PutTrace("p", "w" + std::to_string(i), text, {});
  CatchUp();  // some 600 pages of copied text alone, in steps of 32 documents
  EXPECT_EQ(SearchPage("p", "bounded log").total_items, 600);
  for (const char* wal : {"/search.db-wal", "/lanterne.db-wal"}) {
    std::error_code ec;
    auto wal_bytes = std::filesystem::file_size(dir_.path() + wal, ec);
    ASSERT_FALSE(ec) << wal << ": " << ec.message();
    EXPECT_LT(wal_bytes, 300u * 4104u) << wal;
  }
}

TEST_F(SearchIndexTest, CountsWhatIsNotSearchableYetPerProject) {
  Open();
  auto lag = [&](const std::string& project) {
    auto counted = store_->SearchIndexLag(project);
    EXPECT_TRUE(counted.ok()) << counted.status().message();
    return counted.ok() ? std::make_pair(counted->traces, counted->observations)
                        : std::make_pair(int64_t{-1}, int64_t{-1});
  };
  using Lag = std::pair<int64_t, int64_t>;
  for (int i = 0; i < 3; ++i) PutTrace("p", "t" + std::to_string(i), R"("text")", {});
  PutTrace("q", "other", R"("text")", {});
  PutObservation("p", "o1", "t0", R"("more")");
  PutObservation("p", "o2", "t1", R"("more")");
  EXPECT_EQ(lag("p"), (Lag{3, 2}));
  EXPECT_EQ(lag("q"), (Lag{1, 0}));
  EXPECT_EQ(lag("nobody"), (Lag{0, 0}));
  CatchUp();
  EXPECT_EQ(lag("p"), (Lag{0, 0}));
  EXPECT_EQ(lag("q"), (Lag{0, 0}));
  PutTrace("p", "late", R"("text")", {});
  EXPECT_EQ(lag("p"), (Lag{1, 0}));
}

TEST_F(SearchIndexTest, ARestartResumesFromTheWatermark) {
  Open();
  for (int i = 0; i < 3; ++i) PutTrace("p", "old" + std::to_string(i), R"("resume me")", {});
  CatchUp();
  for (int i = 0; i < 2; ++i) PutTrace("p", "new" + std::to_string(i), R"("resume me")", {});
  Open();  // closes without indexing the two new traces
  EXPECT_EQ(Search("p", "resume me").size(), 3u);
  CatchUp();
  EXPECT_EQ(Search("p", "resume me"), (Ids{"new0", "new1", "old0", "old1", "old2"}));
  EXPECT_EQ(CountRows("SELECT count(*) FROM search_docs"), 5);  // nothing indexed twice
  EXPECT_EQ(CountRows("SELECT seq FROM search_marks WHERE name = 'traces'"),
            CountRows("SELECT max(seq) FROM traces"));
}

}  // namespace
}  // namespace lanterne
