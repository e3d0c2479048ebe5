#include "storage/payload_log.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "temp_dir.h"

#include "core/byte_codec.h"
#include "core/ids.h"
#include "storage/record_codec.h"
#include "storage/store.h"

namespace lanterne {
namespace {

std::unique_ptr<PayloadLog> OpenLog(const std::string& dir, PayloadLogOptions options = {}) {
  auto log = PayloadLog::Open(dir, options);
  EXPECT_TRUE(log.ok()) << log.status().message();
  return std::move(log).value();
}

// What reading `ref` gives: the bytes, or "<lost>".
std::string ReadBack(const PayloadLog& log, const std::string& ref) {
  std::string buffer;
  std::string_view bytes;
  auto read = log.Read(ref, &buffer, &bytes);
  EXPECT_TRUE(read.ok()) << read.status().message();
  if (!read.ok()) return "<error>";
  if (*read == PayloadLog::ReadResult::kLost) return "<lost>";
  return std::string(bytes);
}

std::string AppendOne(PayloadLog& log, const std::string& bytes) {
  auto ref = log.Append(bytes);
  EXPECT_TRUE(ref.ok()) << ref.status().message();
  return *ref;
}

// Every byte of every file under `dir`, concatenated: to look for data that must be gone.
std::string AllBytesUnder(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

// A marker LZ4 leaves as literals (random, so incompressible): found verbatim on disk.
std::string Marker() { return "marker-" + RandomUuid() + RandomUuid(); }

TEST(PayloadLog, AppendedPayloadsReadBackAfterFlushAndAcrossReopens) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> written;
  for (int run = 0; run < 3; ++run) {
    auto log = OpenLog(dir.path());
    for (const auto& [ref, bytes] : written) EXPECT_EQ(ReadBack(*log, ref), bytes);
    for (int i = 0; i < 50; ++i) {
      std::string bytes = "run " + std::to_string(run) + " payload " + std::to_string(i) +
                          std::string(static_cast<size_t>(i * 37), 'x');
      written.emplace_back(AppendOne(*log, bytes), bytes);
    }
    ASSERT_TRUE(log->Flush().ok());
    ASSERT_TRUE(log->Sync().ok());
    for (const auto& [ref, bytes] : written) EXPECT_EQ(ReadBack(*log, ref), bytes);
  }
  // One new segment per start: a tail lost in a crash is never written over.
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/00000003.seg"));
}

TEST(PayloadLog, InlineBlobsPassThroughAndAreNotReferences) {
  TempDir dir;
  auto log = OpenLog(dir.path());
  const std::string inline_blob = CompressBlob("an older row's payload");
  EXPECT_FALSE(PayloadLog::IsRef(inline_blob));
  std::string buffer;
  std::string_view bytes;
  auto read = log->Read(inline_blob, &buffer, &bytes);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, PayloadLog::ReadResult::kInline);
  EXPECT_EQ(bytes, inline_blob);
  EXPECT_TRUE(PayloadLog::IsRef(AppendOne(*log, "x")));
}

TEST(PayloadLog, SegmentsRollOverPastTheirLimit) {
  TempDir dir;
  PayloadLogOptions options;
  options.max_segment_bytes = 1000;
  auto log = OpenLog(dir.path(), options);
  std::vector<std::pair<std::string, std::string>> written;
  for (int i = 0; i < 40; ++i) {
    std::string bytes(100, static_cast<char>('a' + i % 26));
    written.emplace_back(AppendOne(*log, bytes), bytes);
  }
  ASSERT_TRUE(log->Flush().ok());
  for (const auto& [ref, bytes] : written) EXPECT_EQ(ReadBack(*log, ref), bytes);
  size_t segments = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++segments;
    EXPECT_LE(std::filesystem::file_size(entry.path()), 1000u);
  }
  EXPECT_GE(segments, 4u);
}

TEST(PayloadLog, ReferencesIntoALostTailReadAsLostNotAsOtherBytes) {
  TempDir dir;
  std::string kept, cut;
  {
    auto log = OpenLog(dir.path());
    kept = AppendOne(*log, "kept payload");
    cut = AppendOne(*log, "payload whose bytes a power failure took");
    ASSERT_TRUE(log->Flush().ok());
  }
  // The tail never reached the disk: the file ends after the first payload.
  std::filesystem::resize_file(dir.path() + "/00000001.seg", 4 + 12);
  auto log = OpenLog(dir.path());
  // The next start writes elsewhere, so the lost reference cannot find new bytes.
  AppendOne(*log, "payload written after the restart, longer than the lost one");
  ASSERT_TRUE(log->Flush().ok());
  EXPECT_EQ(ReadBack(*log, kept), "kept payload");
  EXPECT_EQ(ReadBack(*log, cut), "<lost>");
  EXPECT_EQ(ReadBack(*log, "p\x01\x00\x05"), "<lost>");  // points at a zeroed range
}

TEST(PayloadLog, FreedRangesArePunchedOnlyOnceDueAndBeforeTheMark) {
  TempDir dir;
  PayloadLogOptions options;
  options.free_grace_us = 3'600'000'000;  // an hour: never due within the test
  auto log = OpenLog(dir.path(), options);
  const std::string deleted_marker = Marker(), replaced_marker = Marker(), late_marker = Marker(),
                    live_marker = Marker();
  std::string deleted = AppendOne(*log, deleted_marker);
  std::string replaced = AppendOne(*log, replaced_marker);
  std::string late = AppendOne(*log, late_marker);
  std::string live = AppendOne(*log, live_marker);
  ASSERT_TRUE(log->Flush().ok());

  log->Free({deleted}, /*at_once=*/true);
  log->Free({replaced}, /*at_once=*/false);
  const uint64_t mark = log->FreedMark();
  log->Free({late}, /*at_once=*/true);  // after the mark: its change is not synced yet
  ASSERT_TRUE(log->Reclaim(mark).ok());
  EXPECT_EQ(ReadBack(*log, deleted), "<lost>");
  EXPECT_EQ(ReadBack(*log, replaced), replaced_marker);  // still in its grace period
  EXPECT_EQ(ReadBack(*log, late), late_marker);
  std::string on_disk = AllBytesUnder(dir.path());
  EXPECT_EQ(on_disk.find(deleted_marker), std::string::npos);
  EXPECT_NE(on_disk.find(replaced_marker), std::string::npos);

  ASSERT_TRUE(log->Reclaim(log->FreedMark(), /*ignore_grace=*/true).ok());
  EXPECT_EQ(ReadBack(*log, replaced), "<lost>");
  EXPECT_EQ(ReadBack(*log, late), "<lost>");
  EXPECT_EQ(ReadBack(*log, live), live_marker);
  on_disk = AllBytesUnder(dir.path());
  EXPECT_EQ(on_disk.find(replaced_marker), std::string::npos);
  EXPECT_EQ(on_disk.find(late_marker), std::string::npos);
  EXPECT_NE(on_disk.find(live_marker), std::string::npos);
}

// The store's side: rows point into the log, deletes erase the bytes, updates replace them,
// and rows written inline by earlier versions still read and update.
TraceRecord TraceWithInput(const std::string& id, const std::string& input) {
  TraceRecord t;
  t.project_id = "p";
  t.id = id;
  t.timestamp_us = 1'700'000'000'000'000;
  t.name = "chat";
  t.input = input;
  t.environment = "default";
  return t;
}

ObservationRecord ObservationWithOutput(const std::string& id, const std::string& trace_id,
                                        const std::string& output) {
  ObservationRecord o;
  o.project_id = "p";
  o.id = id;
  o.trace_id = trace_id;
  o.type = ObservationType::kGeneration;
  o.start_time_us = 1'700'000'000'000'000;
  o.output = output;
  o.environment = "default";
  return o;
}

Status Put(Store& store, const TraceRecord& t, const ObservationRecord& o) {
  return store.RunWrite([&](WriteTxn& txn) -> Status {
    auto found_trace = txn.FindTrace(t.project_id, t.id);
    if (!found_trace.ok()) return found_trace.status();
    LANTERNE_RETURN_IF_ERROR(txn.PutTrace(t, !found_trace->has_value()));
    auto found = txn.FindObservation(o.project_id, o.id);
    if (!found.ok()) return found.status();
    return txn.PutObservation(o, !found->has_value());
  });
}

TEST(StorePayloads, DeletedTraceBytesAreErasedFromDisk) {
  TempDir dir;
  const std::string trace_marker = Marker(), observation_marker = Marker(), other = Marker();
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  ASSERT_TRUE(Put(*store, TraceWithInput("t1", trace_marker),
                  ObservationWithOutput("o1", "t1", observation_marker))
                  .ok());
  ASSERT_TRUE(
      Put(*store, TraceWithInput("t2", other), ObservationWithOutput("o2", "t2", "x")).ok());
  std::string on_disk = AllBytesUnder(dir.path() + "/payloads");
  ASSERT_NE(on_disk.find(trace_marker), std::string::npos);
  ASSERT_NE(on_disk.find(observation_marker), std::string::npos);
  // The database holds references, not the payloads.
  std::string database;
  for (const char* file : {"/lanterne.db", "/lanterne.db-wal"}) {
    std::ifstream in(dir.path() + file, std::ios::binary);
    database.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(database.empty());
  EXPECT_EQ(database.find(trace_marker), std::string::npos);

  auto deleted = store->RunWrite([&](WriteTxn& txn) -> Status {
    auto n = txn.DeleteTraces("p", {"t1"});
    return n.ok() ? Status::Ok() : n.status();
  });
  ASSERT_TRUE(deleted.ok()) << deleted.message();
  on_disk = AllBytesUnder(dir.path());
  EXPECT_EQ(on_disk.find(trace_marker), std::string::npos);
  EXPECT_EQ(on_disk.find(observation_marker), std::string::npos);
  auto kept = store->GetTrace("p", "t2");
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->input, other);
}

TEST(StorePayloads, UpdatesReplaceThePayloadAndTheOldBytesGoAtAStop) {
  TempDir dir;
  const std::string first = Marker(), second = Marker();
  {
    auto store = std::move(OpenSqliteStore(dir.path())).value();
    ASSERT_TRUE(
        Put(*store, TraceWithInput("t1", first), ObservationWithOutput("o1", "t1", first)).ok());
    ASSERT_TRUE(
        Put(*store, TraceWithInput("t1", second), ObservationWithOutput("o1", "t1", second)).ok());
    auto o = store->GetObservation("p", "o1");
    ASSERT_TRUE(o.ok() && o->has_value());
    EXPECT_EQ((*o)->output, second);
    // Readers may still hold the old version for a grace period.
    EXPECT_NE(AllBytesUnder(dir.path()).find(first), std::string::npos);
  }
  std::string on_disk = AllBytesUnder(dir.path());
  EXPECT_EQ(on_disk.find(first), std::string::npos);
  EXPECT_NE(on_disk.find(second), std::string::npos);
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  auto t = store->GetTrace("p", "t1");
  ASSERT_TRUE(t.ok() && t->has_value());
  EXPECT_EQ((*t)->input, second);
}

TEST(StorePayloads, RowsWithInlinePayloadsStillReadAndUpdate) {
  TempDir dir;
  {
    auto store = std::move(OpenSqliteStore(dir.path())).value();
    ASSERT_TRUE(
        Put(*store, TraceWithInput("t1", "new"), ObservationWithOutput("o1", "t1", "new")).ok());
  }
  // What an earlier version wrote: the payload in the row itself.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
    const std::string blob = EncodeObservationPayload(ObservationWithOutput("o1", "t1", "inline"));
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE observations SET payload = ?1", -1, &s, nullptr),
              SQLITE_OK);
    sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
  }
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  auto o = store->GetObservation("p", "o1");
  ASSERT_TRUE(o.ok() && o->has_value()) << o.status().message();
  EXPECT_EQ((*o)->output, "inline");
  ASSERT_TRUE(
      Put(*store, TraceWithInput("t1", "new"), ObservationWithOutput("o1", "t1", "updated")).ok());
  o = store->GetObservation("p", "o1");
  ASSERT_TRUE(o.ok() && o->has_value());
  EXPECT_EQ((*o)->output, "updated");
}

TEST(StorePayloads, ARowWhosePayloadWasLostStillReads) {
  TempDir dir;
  {
    auto store = std::move(OpenSqliteStore(dir.path())).value();
    ASSERT_TRUE(
        Put(*store, TraceWithInput("t1", "lost"), ObservationWithOutput("o1", "t1", "lost")).ok());
  }
  // A machine crash took the payload bytes but kept the rows (never the case for an
  // acknowledged write, which waits for both; possible for one in flight).
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/payloads")) {
    std::filesystem::resize_file(entry.path(), 0);
  }
  auto store = std::move(OpenSqliteStore(dir.path())).value();
  auto t = store->GetTrace("p", "t1");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->name, "chat");
  EXPECT_FALSE((*t)->input.has_value());
  auto of_trace = store->ObservationsOfTrace("p", "t1");
  ASSERT_TRUE(of_trace.ok()) << of_trace.status().message();
  ASSERT_EQ(of_trace->size(), 1u);
  EXPECT_FALSE(of_trace->front().output.has_value());
}

}  // namespace
}  // namespace lanterne
