#include "storage/data_dir_lock.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace lanterne {

Result<DataDirLock> DataDirLock::Acquire(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::Internal("data directory " + data_dir + ": " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "lanterne.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Internal(path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    ::close(fd);
    if (error != EWOULDBLOCK) return Status::Internal(path + ": " + std::strerror(error));
    std::string holder = n > 0 ? " (pid " + std::string(pid, strcspn(pid, "\n")) + ")" : "";
    return Status::Unavailable("data directory " + data_dir +
                               " is in use by another lanterne serve" + holder +
                               "; stop it first, or pass another --data-dir");
  }
  // The pid, for the message above; the lock itself is what counts.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // Not fatal: the lock is held; only the other server's message loses the pid.
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace lanterne
