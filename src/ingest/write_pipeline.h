// The durable write path: request threads hand validated events to a bounded queue; one
// writer thread drains everything queued into a single transaction (group commit), applies
// the merge rules, commits, and only then answers each request. So an acknowledged event
// is on disk, and many concurrent requests share one sync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "ingest/batch_decoder.h"
#include "storage/store.h"

namespace lanterne {

// Fills what the server derives from a merged observation before it is stored: usage by
// tokenization, cost from model prices. Called on request threads (for observations a
// request creates alone) and on the writer (after merges), so it must be thread-safe.
using ObservationFinalizer =
    std::function<void(const std::string& project_id, ObservationRecord& observation)>;

struct WritePipelineOptions {
  // Events allowed to wait for the writer; past this, Submit answers ResourceExhausted
  // instead of letting memory grow.
  size_t max_queued_events = 200000;
  // Upper bound of events in one transaction, so one commit never grows without end.
  size_t max_events_per_commit = 20000;
  ObservationFinalizer finalize_observation;  // optional
};

class WritePipeline {
 public:
  WritePipeline(Store& store, WritePipelineOptions options);
  ~WritePipeline();
  WritePipeline(const WritePipeline&) = delete;
  WritePipeline& operator=(const WritePipeline&) = delete;

  // Applies `events` of `project_id` and returns once they are committed (or failed).
  // Thread-safe. ResourceExhausted when the queue is full; Unavailable after Shutdown.
  Status Submit(const std::string& project_id, std::vector<IngestEvent> events);

  // Runs an arbitrary write (deletes, admin changes) in order with ingestion.
  Status SubmitWrite(std::function<Status(WriteTxn&)> write);

  // Stops taking new work, commits everything already queued, and joins the writer.
  void Shutdown();

 private:
  struct Job {
    std::string project_id;
    // Owned by the submitting thread, which waits until the job is done; so the writer
    // never frees the events, and the submitter can prepare them beforehand.
    std::vector<IngestEvent>* events = nullptr;
    // Each entity's stored encoding as this job alone would create it (entity id → bytes);
    // for observations also the finalized derived fields, which live in row columns too.
    struct PreparedObservation {
      std::string encoding;
      ObservationRecord derived;
    };
    std::unordered_map<std::string, std::string> prepared_traces;
    std::unordered_map<std::string, PreparedObservation> prepared_observations;
    std::function<Status(WriteTxn&)> write;
    std::promise<Status> done;
  };

  Status Enqueue(std::unique_ptr<Job> job, size_t weight);
  void WriterLoop();
  void SyncLoop();
  Status ApplyJobs(WriteTxn& txn, std::vector<std::unique_ptr<Job>>& jobs);

  Store& store_;
  WritePipelineOptions options_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  size_t queued_events_ = 0;
  bool stopping_ = false;
  // Jobs committed but not yet synced; the syncer answers them after one fdatasync.
  std::mutex sync_mu_;
  std::condition_variable sync_wake_;
  std::vector<std::unique_ptr<Job>> committed_;
  bool writer_done_ = false;
  std::thread writer_;
  std::thread syncer_;
};

}  // namespace lanterne
