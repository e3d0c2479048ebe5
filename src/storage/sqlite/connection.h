// Thin RAII wrappers over the SQLite C API: a connection and a prepared statement.
// SQLite errors become Status values with the failing statement's purpose in the message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "core/status.h"

namespace lanterne::sqlite {

// Process-wide settings, which SQLite takes only before its first use in the process:
// Connection::Open calls it first; code that uses SQLite otherwise calls it before.
void ConfigureSqliteOnce();

class Connection {
 public:
  Connection() = default;
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status Open(const std::string& path, bool read_only);
  Status Exec(const char* sql);
  sqlite3* get() const { return db_; }
  std::string LastError() const { return db_ ? sqlite3_errmsg(db_) : "not open"; }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  bool ok() const { return stmt_ != nullptr; }
  const std::string& prepare_error() const { return prepare_error_; }

  // Binding uses 1-based indexes, as SQLite does. Text is copied only when transient.
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, const std::optional<std::string>& text);
  // Binds text without copying it: `text` must stay alive until the statement is stepped
  // and reset. For the writer's row inserts, where the copies (an allocation and a memcpy
  // per column) were a tenth of its instructions.
  Statement& BindNoCopy(int index, std::string_view text);
  Statement& BindNoCopy(int index, const std::optional<std::string>& text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindBlob(int index, std::string_view blob);
  // Binds without copying: `blob` must stay alive until the statement is stepped and
  // reset. For the large payloads of the write path, where the copy showed up.
  Statement& BindBlobNoCopy(int index, std::string_view blob);
  Statement& BindNull(int index);

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  void Reset();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const { return sqlite3_column_double(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string Text(int column) const;
  std::optional<std::string> OptText(int column) const;
  std::optional<int64_t> OptInt(int column) const;
  std::string_view Blob(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;
};

// The error of a failed step or exec, as a Status: busy, locked, full and I/O errors are
// Unavailable (worth a retry), anything else Internal. `what` names the operation.
Status StepError(sqlite3* db, const char* what);

// Prepares `sql` into `s`; an Internal error naming SQLite's complaint when it fails.
Status PrepareStatement(sqlite3* db, Statement& s, std::string_view sql);

// Several statements of one read seeing one snapshot (BEGIN … COMMIT). Inside a transaction
// already open on the connection it does nothing: the outer one holds the snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) {
    if (!sqlite3_get_autocommit(db_)) {
      nested_ = true;
      return;
    }
    began_ = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~ReadTransaction() {
    if (began_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  Status status() const {
    return began_ || nested_ ? Status::Ok() : StepError(db_, "begin a read");
  }

 private:
  sqlite3* db_;
  bool began_ = false;
  bool nested_ = false;
};

}  // namespace lanterne::sqlite
