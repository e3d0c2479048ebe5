#include "storage/payload_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "core/byte_codec.h"
#include "core/time.h"

namespace lanterne {
namespace {

// Not a tag of core/byte_codec's blobs ('r', 'l', 'z'), so a row's payload column says by
// its first byte whether it is inline or a reference.
constexpr char kRefTag = 'p';
// Each payload is preceded by its length, so a reference into a tail that a crash cut or
// zeroed reads as lost instead of as garbage.
constexpr size_t kHeaderBytes = 4;

struct Ref {
  uint32_t segment = 0;
  uint64_t offset = 0;  // of the header
  uint64_t length = 0;  // of the payload, without the header
};

std::string EncodeRef(const Ref& ref) {
  ByteWriter w;
  w.PutVarint(ref.segment);
  w.PutVarint(ref.offset);
  w.PutVarint(ref.length);
  std::string out(1, kRefTag);
  out += w.data();
  return out;
}

bool DecodeRef(std::string_view stored, Ref* ref) {
  if (stored.empty() || stored[0] != kRefTag) return false;
  ByteReader r(stored.substr(1));
  uint64_t segment = 0;
  if (!r.GetVarint(&segment) || !r.GetVarint(&ref->offset) || !r.GetVarint(&ref->length) ||
      !r.AtEnd() || segment == 0 || segment > UINT32_MAX) {
    return false;
  }
  ref->segment = static_cast<uint32_t>(segment);
  return true;
}

std::string SegmentName(uint32_t segment) {
  char name[32];
  snprintf(name, sizeof name, "%08u.seg", segment);
  return name;
}

Status IoError(const std::string& what) {
  return Status::Unavailable(what + ": " + std::string(strerror(errno)));
}

}  // namespace

bool PayloadLog::IsRef(std::string_view stored) { return !stored.empty() && stored[0] == kRefTag; }

Result<std::unique_ptr<PayloadLog>> PayloadLog::Open(const std::string& dir,
                                                     PayloadLogOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  uint32_t highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() != 12 || name.substr(8) != ".seg") continue;
    char* end = nullptr;
    unsigned long number = strtoul(name.c_str(), &end, 10);
    if (end == name.c_str() + 8 && number <= UINT32_MAX) {
      highest = std::max(highest, static_cast<uint32_t>(number));
    }
  }
  if (ec) return Status::Unavailable("cannot list " + dir + ": " + ec.message());
  return std::unique_ptr<PayloadLog>(new PayloadLog(dir, options, highest + 1));
}

PayloadLog::PayloadLog(std::string dir, PayloadLogOptions options, uint32_t next_segment)
    : dir_(std::move(dir)), options_(options), next_segment_(next_segment) {}

PayloadLog::~PayloadLog() {
  for (auto& [segment, fd] : fds_) close(fd);
}

Status PayloadLog::StartSegment() {
  const uint32_t segment = next_segment_++;
  const std::string path = dir_ + "/" + SegmentName(segment);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return IoError("cannot create payload segment " + path);
  // The new name must survive a crash, or the next start would reuse the number.
  int dir_fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || fsync(dir_fd) != 0) {
    Status error = IoError("cannot sync " + dir_);
    if (dir_fd >= 0) close(dir_fd);
    close(fd);
    return error;
  }
  close(dir_fd);
  {
    std::unique_lock lock(fds_mu_);
    fds_[segment] = fd;
  }
  active_segment_ = segment;
  active_fd_ = fd;
  active_end_ = 0;
  return Status::Ok();
}

Result<std::string> PayloadLog::Append(std::string_view payload) {
  const uint64_t pending = active_end_ + buffer_.size();
  if (active_segment_ == 0 ||
      (pending > 0 && pending + kHeaderBytes + payload.size() > options_.max_segment_bytes)) {
    LANTERNE_RETURN_IF_ERROR(Flush());
    LANTERNE_RETURN_IF_ERROR(StartSegment());
  }
  if (payload.size() > UINT32_MAX) return Status::PayloadTooLarge("payload over 4 GiB");
  Ref ref{active_segment_, active_end_ + buffer_.size(), payload.size()};
  const uint32_t length = static_cast<uint32_t>(payload.size());
  unsigned char header[kHeaderBytes] = {
      static_cast<unsigned char>(length), static_cast<unsigned char>(length >> 8),
      static_cast<unsigned char>(length >> 16), static_cast<unsigned char>(length >> 24)};
  buffer_.append(reinterpret_cast<const char*>(header), kHeaderBytes);
  buffer_.append(payload);
  return EncodeRef(ref);
}

Status PayloadLog::Flush() {
  if (buffer_.empty()) return Status::Ok();
  size_t written = 0;
  while (written < buffer_.size()) {
    ssize_t n = pwrite(active_fd_, buffer_.data() + written, buffer_.size() - written,
                       static_cast<off_t>(active_end_ + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return IoError("cannot write payload segment " + SegmentName(active_segment_));
    written += static_cast<size_t>(n);
  }
  active_end_ += written;
  appended_bytes_ += written;
  // A commit of several megabytes must not pin that much memory for good.
  if (buffer_.capacity() > (size_t{16} << 20)) {
    std::string().swap(buffer_);
  } else {
    buffer_.clear();
  }
  std::lock_guard lock(sync_mu_);
  if (std::find(unsynced_fds_.begin(), unsynced_fds_.end(), active_fd_) == unsynced_fds_.end()) {
    unsynced_fds_.push_back(active_fd_);
  }
  return Status::Ok();
}

int PayloadLog::SegmentFd(uint32_t segment) const {
  {
    std::shared_lock lock(fds_mu_);
    auto it = fds_.find(segment);
    if (it != fds_.end()) return it->second;
  }
  std::unique_lock lock(fds_mu_);
  auto it = fds_.find(segment);
  if (it != fds_.end()) return it->second;
  // Read-write: freed ranges are punched through the same descriptor.
  int fd = open((dir_ + "/" + SegmentName(segment)).c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) fds_[segment] = fd;
  return fd;
}

Result<PayloadLog::ReadResult> PayloadLog::Read(std::string_view stored, std::string* buffer,
                                                std::string_view* out) const {
  if (!IsRef(stored)) {
    *out = stored;
    return ReadResult::kInline;
  }
  Ref ref;
  if (!DecodeRef(stored, &ref)) return ReadResult::kLost;
  int fd = SegmentFd(ref.segment);
  if (fd < 0) {
    if (errno == ENOENT) return ReadResult::kLost;
    return IoError("cannot open payload segment " + SegmentName(ref.segment));
  }
  buffer->resize(kHeaderBytes + ref.length);
  size_t got = 0;
  while (got < buffer->size()) {
    ssize_t n =
        pread(fd, buffer->data() + got, buffer->size() - got, static_cast<off_t>(ref.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read payload segment " + SegmentName(ref.segment));
    if (n == 0) return ReadResult::kLost;  // past the end: a tail lost in a crash
    got += static_cast<size_t>(n);
  }
  const auto* h = reinterpret_cast<const unsigned char*>(buffer->data());
  const uint64_t length =
      uint64_t{h[0]} | uint64_t{h[1]} << 8 | uint64_t{h[2]} << 16 | uint64_t{h[3]} << 24;
  if (length != ref.length) return ReadResult::kLost;  // zeroed: punched, or never synced
  *out = std::string_view(*buffer).substr(kHeaderBytes);
  return ReadResult::kRead;
}

Status PayloadLog::Sync() {
  std::vector<int> fds;
  {
    std::lock_guard lock(sync_mu_);
    fds.swap(unsynced_fds_);
  }
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fdatasync(fds[i]) != 0) {
      Status error = IoError("cannot sync payload segment");
      std::lock_guard lock(sync_mu_);
      unsynced_fds_.insert(unsynced_fds_.end(), fds.begin() + static_cast<long>(i), fds.end());
      return error;
    }
  }
  return Status::Ok();
}

void PayloadLog::Free(const std::vector<std::string>& refs, bool at_once) {
  if (refs.empty()) return;
  const int64_t due = at_once ? 0 : NowMicros() + options_.free_grace_us;
  std::lock_guard lock(sync_mu_);
  for (const std::string& stored : refs) {
    Ref ref;
    if (!DecodeRef(stored, &ref)) continue;  // inline blobs went with their row
    freed_.push_back({ref.segment, ref.offset, kHeaderBytes + ref.length, due, freed_count_++});
  }
}

uint64_t PayloadLog::FreedMark() {
  std::lock_guard lock(sync_mu_);
  return freed_count_;
}

Status PayloadLog::Reclaim(uint64_t mark, bool ignore_grace) {
  const int64_t now = NowMicros();
  std::vector<Freed> due;
  {
    std::lock_guard lock(sync_mu_);
    auto keep = std::stable_partition(freed_.begin(), freed_.end(), [&](const Freed& f) {
      return f.number >= mark || (!ignore_grace && f.due_us > now);
    });
    due.assign(keep, freed_.end());
    freed_.erase(keep, freed_.end());
  }
  for (const Freed& range : due) LANTERNE_RETURN_IF_ERROR(Punch(range));
  return Status::Ok();
}

Status PayloadLog::Punch(const Freed& range) {
  int fd = SegmentFd(range.segment);
  if (fd < 0) return Status::Ok();  // the segment is gone already
  if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(range.offset),
                static_cast<off_t>(range.length)) == 0) {
    return Status::Ok();
  }
  if (errno != EOPNOTSUPP) return IoError("cannot free payload bytes");
  // A file system without holes: overwrite with zeros, which erases the data all the same.
  const std::string zeros(range.length, '\0');
  if (pwrite(fd, zeros.data(), zeros.size(), static_cast<off_t>(range.offset)) !=
      static_cast<ssize_t>(zeros.size())) {
    return IoError("cannot erase payload bytes");
  }
  return Status::Ok();
}

}  // namespace lanterne
