// The payloads of traces and observations (input, output, metadata: ~95% of the bytes) are
// appended to segment files beside the database instead of living in its rows. SQLite then
// keeps ~200-byte rows, and the single writer puts one sequential write per transaction
// through the file system where it used to push every payload byte through the WAL in
// 4 KiB frames and again through the checkpoint. A row stores a short reference (segment,
// offset, length) in its `payload` column; rows written before keep their inline blob, and
// both are read alike.
//
// Durability: the writer appends before its COMMIT, and Sync() syncs the segments written
// since the last sync before the store syncs the WAL, so an acknowledged row never points
// at bytes that are not on disk. Each start writes a new segment: a tail lost in a power
// failure (unacknowledged rows only) is never overwritten by later payloads, and such a row
// reads as `kLost` rather than as someone else's bytes.
//
// Space: a payload replaced by an update or removed by a delete is punched out of its file
// (fallocate PUNCH_HOLE) once the change is synced, after a grace period for updates so
// that a reader still on an older snapshot finds the bytes it was promised. Deleted data
// is thereby gone from disk, not just unreferenced.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace lanterne {

struct PayloadLogOptions {
  // A segment is closed and a new one started past this size.
  uint64_t max_segment_bytes = uint64_t{1} << 30;
  // How long an updated row's old payload stays readable after the update is synced.
  int64_t free_grace_us = 30'000'000;
};

class PayloadLog {
 public:
  // Opens (creating) the directory of segments. Nothing is written until the first Append.
  static Result<std::unique_ptr<PayloadLog>> Open(const std::string& dir,
                                                  PayloadLogOptions options = {});
  ~PayloadLog();
  PayloadLog(const PayloadLog&) = delete;
  PayloadLog& operator=(const PayloadLog&) = delete;

  // True when `stored` (a row's payload column) is a reference into the log.
  static bool IsRef(std::string_view stored);

  // --- writer thread only ---
  // Buffers `payload` for the next Flush and returns the reference to store in its row.
  Result<std::string> Append(std::string_view payload);
  // Writes everything appended since the last Flush. Must precede the COMMIT of the rows
  // that reference it and any Read of those references.
  Status Flush();

  // --- any thread ---
  enum class ReadResult { kInline, kRead, kLost };
  // `stored` is a row's payload column. An inline blob is returned as is in `*out`
  // (kInline, no copy); a reference is read into `*buffer` and `*out` views it (kRead).
  // kLost: the reference points past what survived a crash (see above); an I/O error is
  // an error.
  Result<ReadResult> Read(std::string_view stored, std::string* buffer,
                          std::string_view* out) const;
  // Makes every flushed payload durable.
  Status Sync();
  // After the commit of the change that dropped them: these references' bytes may go.
  // `at_once` for deletes; otherwise after the grace period.
  void Free(const std::vector<std::string>& refs, bool at_once);
  // Frees registered so far. The store takes it before syncing its WAL and reclaims up to it
  // after, so bytes are punched only once the change that dropped them is durable.
  uint64_t FreedMark();
  // Punches the due ranges freed before `mark`; `ignore_grace` at a clean stop, when no
  // reader remains.
  Status Reclaim(uint64_t mark, bool ignore_grace = false);

  // The sizes on disk, for tests and `docs/benchmarks.md`: bytes appended this run.
  uint64_t appended_bytes() const { return appended_bytes_; }

 private:
  struct Freed {
    uint32_t segment;
    uint64_t offset;
    uint64_t length;
    int64_t due_us;
    uint64_t number;  // order of registration, compared with a FreedMark
  };
  PayloadLog(std::string dir, PayloadLogOptions options, uint32_t next_segment);
  Status StartSegment();
  int SegmentFd(uint32_t segment) const;  // -1 when it cannot be opened
  Status Punch(const Freed& range);

  std::string dir_;
  PayloadLogOptions options_;

  // Writer state.
  uint32_t next_segment_;
  uint32_t active_segment_ = 0;  // 0: none started yet
  int active_fd_ = -1;
  uint64_t active_end_ = 0;     // bytes written to the active segment
  uint64_t buffered_from_ = 0;  // offset of buffer_[0] in the active segment
  std::string buffer_;
  uint64_t appended_bytes_ = 0;

  // Segments written since the last Sync (the active one, and any closed since).
  std::mutex sync_mu_;
  std::vector<int> unsynced_fds_;
  std::vector<Freed> freed_;
  uint64_t freed_count_ = 0;

  // Open descriptors of every segment read or written, by number.
  mutable std::shared_mutex fds_mu_;
  mutable std::map<uint32_t, int> fds_;
};

}  // namespace lanterne
