#include "storage/sqlite/connection.h"

#include <mutex>
#include <utility>

#include "storage/sqlite/page_cache.h"

namespace lanterne::sqlite {

// Memory statistics (nothing here reads them) cost a global mutex and two counters on
// every allocation: about 7% of the writer's instructions. The page cache wrapper:
// page_cache.h.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    InstallPageCacheWrapper();
  });
}

Connection::~Connection() {
  if (db_) sqlite3_close_v2(db_);
}

Status Connection::Open(const std::string& path, bool read_only) {
  ConfigureSqliteOnce();
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    return Status::Unavailable("cannot open " + path + ": " + LastError());
  }
  sqlite3_busy_timeout(db_, 10000);
  return Status::Ok();
}

Status Connection::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return Status::Internal("SQLite: " + message);
  }
  return Status::Ok();
}

Statement::Statement(sqlite3* db, std::string_view sql) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt_, nullptr) != SQLITE_OK) {
    prepare_error_ = std::string(sqlite3_errmsg(db)) + " in: " + std::string(sql);
    stmt_ = nullptr;
  }
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), prepare_error_(std::move(other.prepare_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    prepare_error_ = std::move(other.prepare_error_);
  }
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNoCopy(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNoCopy(int index, const std::optional<std::string>& text) {
  if (text) return BindNoCopy(index, std::string_view(*text));
  return BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::string>& text) {
  if (text) return Bind(index, std::string_view(*text));
  return BindNull(index);
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindBlobNoCopy(int index, std::string_view blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

int Statement::Step() { return sqlite3_step(stmt_); }

void Statement::Reset() {
  if (!stmt_) return;  // never prepared: nothing bound, nothing to reset
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::optional<std::string> Statement::OptText(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Text(column);
}

std::optional<int64_t> Statement::OptInt(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::string_view Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}

Status PrepareStatement(sqlite3* db, Statement& s, std::string_view sql) {
  s = Statement(db, sql);
  return s.ok() ? Status::Ok() : Status::Internal("prepare: " + s.prepare_error());
}

Status StepError(sqlite3* db, const char* what) {
  int code = sqlite3_errcode(db);
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL || code == SQLITE_IOERR) {
    return Status::Unavailable(message);
  }
  return Status::Internal(message);
}

}  // namespace lanterne::sqlite
