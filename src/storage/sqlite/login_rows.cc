#include "storage/sqlite/login_rows.h"

#include "storage/sqlite/connection.h"

namespace lanterne::sqlite {

Status RecordLoginFailureRow(sqlite3* db, const LoginFailure& failure, int64_t forget_before_us) {
  Statement prune(db, "DELETE FROM login_failures WHERE at < ?1");
  prune.Bind(1, forget_before_us);
  if (prune.Step() != SQLITE_DONE) return StepError(db, "prune login failures");
  Statement insert(db, "INSERT INTO login_failures (email, ip, at) VALUES (?1, ?2, ?3)");
  insert.Bind(1, std::string_view(failure.email))
      .Bind(2, std::string_view(failure.ip))
      .Bind(3, failure.at_us);
  if (insert.Step() != SQLITE_DONE) return StepError(db, "record login failure");
  return Status::Ok();
}

Status ClearLoginFailureRows(sqlite3* db, const std::string& email) {
  // The rows stay for the address's count, as in memory; only the email is forgotten.
  Statement s(db, "UPDATE login_failures SET email = '' WHERE email = ?1");
  s.Bind(1, std::string_view(email));
  if (s.Step() != SQLITE_DONE) return StepError(db, "clear login failures");
  return Status::Ok();
}

Result<std::vector<LoginFailure>> LoginFailureRowsSince(sqlite3* db, int64_t since_us) {
  Statement s(db, "SELECT email, ip, at FROM login_failures WHERE at >= ?1 ORDER BY at");
  if (!s.ok()) return Status::Internal(s.prepare_error());
  s.Bind(1, since_us);
  std::vector<LoginFailure> rows;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) rows.push_back({s.Text(0), s.Text(1), s.Int(2)});
  if (rc != SQLITE_DONE) return StepError(db, "read login failures");
  return rows;
}

}  // namespace lanterne::sqlite
