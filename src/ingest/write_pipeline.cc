#include "ingest/write_pipeline.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "core/ids.h"
#include "core/time.h"
#include "domain/merge.h"

namespace lanterne {
namespace {

// Records touched by one transaction, merged in memory and written once at the end, so an
// entity created and updated in the same group commit costs one row write.
template <typename Record>
struct Pending {
  Record record;
  bool is_new = false;
};

using Key = std::pair<std::string, std::string>;  // project, id

}  // namespace

WritePipeline::WritePipeline(Store& store, WritePipelineOptions options)
    : store_(store), options_(options), writer_([this] { WriterLoop(); }) {}

WritePipeline::~WritePipeline() { Shutdown(); }

Status WritePipeline::Submit(const std::string& project_id, std::vector<IngestEvent> events) {
  if (events.empty()) return Status::Ok();
  auto job = std::make_unique<Job>();
  job->project_id = project_id;
  size_t weight = events.size();
  job->events = std::move(events);
  return Enqueue(std::move(job), weight);
}

Status WritePipeline::SubmitWrite(std::function<Status(WriteTxn&)> write) {
  auto job = std::make_unique<Job>();
  job->write = std::move(write);
  return Enqueue(std::move(job), 1);
}

Status WritePipeline::Enqueue(std::unique_ptr<Job> job, size_t weight) {
  std::future<Status> done = job->done.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Status::Unavailable("Lanterne is shutting down; retry shortly");
    if (queued_events_ > 0 && queued_events_ + weight > options_.max_queued_events) {
      return Status::ResourceExhausted("the write queue is full; retry shortly");
    }
    queued_events_ += weight;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return done.get();
}

void WritePipeline::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

void WritePipeline::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      size_t events = 0;
      while (!queue_.empty() && (jobs.empty() || events < options_.max_events_per_commit)) {
        size_t weight = queue_.front()->write ? 1 : queue_.front()->events.size();
        events += weight;
        queued_events_ -= weight;
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Status status = store_.RunWrite([&](WriteTxn& txn) { return ApplyJobs(txn, jobs); });
    if (!status.ok() && jobs.size() > 1) {
      // One job's failure must not fail the others it happened to share a commit with:
      // retry each alone so only the faulty one reports the error.
      for (auto& job : jobs) {
        std::vector<std::unique_ptr<Job>> single;
        single.push_back(std::move(job));
        Status alone = store_.RunWrite([&](WriteTxn& txn) { return ApplyJobs(txn, single); });
        single.front()->done.set_value(alone);
      }
      continue;
    }
    for (auto& job : jobs) job->done.set_value(status);
  }
}

Status WritePipeline::ApplyJobs(WriteTxn& txn, std::vector<std::unique_ptr<Job>>& jobs) {
  const int64_t now = NowMicros();
  std::map<Key, Pending<TraceRecord>> traces;
  std::map<Key, Pending<ObservationRecord>> observations;
  std::map<Key, Pending<ScoreRecord>> scores;
  std::map<Key, SessionRecord> sessions;

  auto flush = [&]() -> Status {
    for (auto& [key, p] : traces) LANTERNE_RETURN_IF_ERROR(txn.PutTrace(p.record, p.is_new));
    for (auto& [key, p] : observations) {
      LANTERNE_RETURN_IF_ERROR(txn.PutObservation(p.record, p.is_new));
    }
    for (auto& [key, p] : scores) LANTERNE_RETURN_IF_ERROR(txn.PutScore(p.record, p.is_new));
    for (auto& [key, s] : sessions) LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(s));
    traces.clear();
    observations.clear();
    scores.clear();
    sessions.clear();
    return Status::Ok();
  };

  for (auto& job : jobs) {
    if (job->write) {
      // Arbitrary writes (deletes) must see everything merged before them.
      LANTERNE_RETURN_IF_ERROR(flush());
      LANTERNE_RETURN_IF_ERROR(job->write(txn));
      continue;
    }
    // Within a request: creates before updates, each in timestamp order (LANGFUSE_API 3.6).
    std::stable_sort(
        job->events.begin(), job->events.end(), [](const IngestEvent& a, const IngestEvent& b) {
          bool a_update = a.kind == EventKind::kObservation && a.observation.is_update;
          bool b_update = b.kind == EventKind::kObservation && b.observation.is_update;
          return std::tie(a_update, a.timestamp_us) < std::tie(b_update, b.timestamp_us);
        });
    const std::string& project = job->project_id;
    for (const IngestEvent& event : job->events) {
      switch (event.kind) {
        case EventKind::kTrace: {
          Key key{project, event.trace.id};
          auto it = traces.find(key);
          if (it == traces.end()) {
            auto found = txn.FindTrace(project, event.trace.id);
            if (!found.ok()) return found.status();
            Pending<TraceRecord> p;
            p.is_new = !found->has_value();
            if (!p.is_new) p.record = std::move(**found);
            p.record.project_id = project;
            it = traces.emplace(key, std::move(p)).first;
          }
          bool first_write = it->second.is_new && it->second.record.id.empty();
          ApplyTracePatch(it->second.record, event.trace, event.timestamp_us, first_write, now);
          const TraceRecord& t = it->second.record;
          if (t.session_id) {
            sessions.try_emplace(Key{project, *t.session_id},
                                 SessionRecord{project, *t.session_id, now, t.environment});
          }
          break;
        }
        case EventKind::kObservation: {
          const ObservationPatch& patch = event.observation;
          Key key{project, patch.id};
          auto it = observations.find(key);
          if (it == observations.end()) {
            auto found = txn.FindObservation(project, patch.id);
            if (!found.ok()) return found.status();
            Pending<ObservationRecord> p;
            p.is_new = !found->has_value();
            if (!p.is_new) p.record = std::move(**found);
            p.record.project_id = project;
            it = observations.emplace(key, std::move(p)).first;
          }
          bool first_write = it->second.is_new && it->second.record.id.empty();
          ApplyObservationPatch(it->second.record, patch, event.timestamp_us, first_write, now);
          // Langfuse gives an observation without a trace a trace id of its own.
          if (it->second.record.trace_id.empty()) it->second.record.trace_id = RandomUuid();
          break;
        }
        case EventKind::kScore: {
          Key key{project, event.score.id};
          auto it = scores.find(key);
          if (it == scores.end()) {
            auto found = txn.FindScore(project, event.score.id);
            if (!found.ok()) return found.status();
            Pending<ScoreRecord> p;
            p.is_new = !found->has_value();
            if (!p.is_new) p.record = std::move(**found);
            p.record.project_id = project;
            it = scores.emplace(key, std::move(p)).first;
          }
          bool first_write = it->second.is_new && it->second.record.id.empty();
          ApplyScorePatch(it->second.record, event.score, first_write, now);
          break;
        }
      }
    }
  }
  return flush();
}

}  // namespace lanterne
