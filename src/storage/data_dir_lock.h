// One `lanterne serve` per data directory. Two servers on one store would each keep their
// own in-memory state (recent ids, pending rollups, the search indexer's place) and
// overwrite the other's; SQLite alone only made the second one wait and then fail with
// "database is locked". The server holds an advisory lock (flock) on
// `<data-dir>/lanterne.lock` for its lifetime, so a second one stops at once, naming the
// first one's pid. The kernel drops the lock when the process dies, even by kill -9.
// One-shot commands (`lanterne admin ...`) do not take it: they may run beside a server.
#pragma once

#include <string>

#include "core/status.h"

namespace lanterne {

class DataDirLock {
 public:
  // Creates the directory if needed. Fails with Unavailable when another process
  // holds the lock.
  static Result<DataDirLock> Acquire(const std::string& data_dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace lanterne
