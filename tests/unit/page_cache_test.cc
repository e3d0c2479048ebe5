// The page cache wrapper (storage/sqlite/page_cache.h) skips truncations that would find
// nothing; these check that the ones that must drop pages still do, through rollbacks of
// transactions that grew the file and through the page swaps of B-tree balancing.
#include "storage/sqlite/page_cache.h"

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "temp_dir.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {
namespace {

// Other tests open databases with sqlite3_open directly; the wrapper is installed before
// any test runs, as the server does before it opens its store.
const bool kConfigured = (ConfigureSqliteOnce(), true);

int64_t Count(Connection& db, const char* sql) {
  Statement s(db.get(), sql);
  EXPECT_EQ(s.Step(), SQLITE_ROW) << sql;
  return s.Int(0);
}

// Inserts rows with keys `first`..`last` into t (k, v), v computed by `value_sql`.
std::string InsertKeys(int first, int last, const std::string& value_sql) {
  return "WITH RECURSIVE n(value) AS (SELECT " + std::to_string(first) +
         " UNION ALL SELECT value + 1 FROM n WHERE value < " + std::to_string(last) +
         ") INSERT INTO t SELECT value, " + value_sql + " FROM n";
}

// A new database file `name` in `dir`.
void OpenNew(const TempDir& dir, const std::string& name, Connection& db) {
  std::filesystem::create_directories(dir.path());
  ASSERT_TRUE(db.Open(dir.path() + "/" + name, false).ok());
}

std::string IntegrityCheck(Connection& db) {
  Statement s(db.get(), "PRAGMA integrity_check");
  EXPECT_EQ(s.Step(), SQLITE_ROW);
  return std::string(s.Text(0));
}

TEST(PageCache, WrapperIsInstalledByTheFirstConnection) {
  TempDir dir;
  Connection db;
  OpenNew(dir, "first.db", db);
  EXPECT_TRUE(PageCacheWrapperInstalled());
}

TEST(PageCache, RolledBackGrowthLeavesNoStalePages) {
  TempDir dir;
  Connection db;
  OpenNew(dir, "cache.db", db);
  ASSERT_TRUE(db.Exec("PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536;"
                      "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB);"
                      "CREATE INDEX t_by_v ON t (v);")
                  .ok());
  ASSERT_TRUE(db.Exec(InsertKeys(1, 2000, "randomblob(300)").c_str()).ok());
  const int64_t pages_before = Count(db, "PRAGMA page_count");
  // Grow the file by thousands of pages, then roll back: the cache must drop them, or the
  // next growth would find their old contents under the same page numbers.
  ASSERT_TRUE(db.Exec("BEGIN").ok());
  ASSERT_TRUE(db.Exec(InsertKeys(2001, 30000, "randomblob(300)").c_str()).ok());
  ASSERT_GT(Count(db, "PRAGMA page_count"), pages_before + 1000);
  ASSERT_TRUE(db.Exec("ROLLBACK").ok());
  EXPECT_EQ(Count(db, "PRAGMA page_count"), pages_before);
  ASSERT_TRUE(db.Exec(InsertKeys(5001, 9000, "zeroblob(200)").c_str()).ok());
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 6000);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t WHERE k > 5000 AND v = zeroblob(200)"), 4000);
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

TEST(PageCache, ShrunkFileRegrowsWithItsNewContent) {
  TempDir dir;
  Connection db;
  OpenNew(dir, "shrink.db", db);
  // A rollback journal and auto-vacuum: a commit that deletes rows cuts the file, and the
  // pages past its new end must leave the cache.
  ASSERT_TRUE(db.Exec("PRAGMA auto_vacuum = FULL; PRAGMA journal_mode = DELETE;"
                      "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB);")
                  .ok());
  ASSERT_TRUE(db.Exec(InsertKeys(1, 20000, "randomblob(200)").c_str()).ok());
  const int64_t grown = Count(db, "PRAGMA page_count");
  ASSERT_TRUE(db.Exec("DELETE FROM t WHERE k > 1000").ok());
  ASSERT_LT(Count(db, "PRAGMA page_count"), grown / 4);
  ASSERT_TRUE(db.Exec("BEGIN").ok());
  ASSERT_TRUE(db.Exec(InsertKeys(50001, 60000, "zeroblob(150)").c_str()).ok());
  ASSERT_TRUE(db.Exec("ROLLBACK").ok());
  ASSERT_TRUE(db.Exec(InsertKeys(20001, 30000, "zeroblob(100)").c_str()).ok());
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), 11000);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t WHERE v = zeroblob(100)"), 10000);
  EXPECT_EQ(IntegrityCheck(db), "ok");
}

TEST(PageCache, RandomInsertsAcrossManyCommitsStayConsistent) {
  TempDir dir;
  Connection db;
  OpenNew(dir, "cache.db", db);
  ASSERT_TRUE(db.Exec("PRAGMA journal_mode = WAL;"
                      "CREATE TABLE t (k INTEGER NOT NULL, v TEXT NOT NULL, PRIMARY KEY (k, v))"
                      " WITHOUT ROWID;")
                  .ok());
  // Random keys split pages all over the tree, so balancing swaps page numbers through
  // its temporary one in nearly every commit; some commits roll back.
  std::mt19937_64 random(7);
  int64_t kept = 0;
  for (int commit = 0; commit < 200; ++commit) {
    ASSERT_TRUE(db.Exec("BEGIN").ok());
    Statement insert(db.get(), "INSERT INTO t (k, v) VALUES (?1, ?2)");
    for (int i = 0; i < 100; ++i) {
      insert.Reset();
      const std::string value(40 + random() % 80, static_cast<char>('a' + random() % 26));
      insert.Bind(1, static_cast<int64_t>(random() >> 1)).Bind(2, std::string_view(value));
      ASSERT_EQ(insert.Step(), SQLITE_DONE);
    }
    insert.Reset();
    const bool roll_back = commit % 7 == 3;
    ASSERT_TRUE(db.Exec(roll_back ? "ROLLBACK" : "COMMIT").ok());
    if (!roll_back) kept += 100;
  }
  EXPECT_EQ(Count(db, "SELECT count(*) FROM t"), kept);
  EXPECT_EQ(IntegrityCheck(db), "ok");
  // A second connection reads the same rows from the file.
  Connection reader;
  ASSERT_TRUE(reader.Open(dir.path() + "/cache.db", true).ok());
  EXPECT_EQ(Count(reader, "SELECT count(*) FROM t"), kept);
}

}  // namespace
}  // namespace lanterne::sqlite
