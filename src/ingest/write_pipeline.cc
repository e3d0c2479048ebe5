#include "ingest/write_pipeline.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/ids.h"
#include "core/thread_name.h"
#include "core/time.h"
#include "domain/merge.h"

namespace lanterne {
namespace {

using Key = std::pair<std::string, std::string>;  // project, id

struct KeyHash {
  size_t operator()(const Key& key) const noexcept {
    return std::hash<std::string>{}(key.second) * 31 + std::hash<std::string>{}(key.first);
  }
};

// What one transaction touched, found by key and kept in the order first touched, so rows
// are written (and get their seqs) in the order their events arrived. Hashing, not a
// sorted map: comparing 36-character ids was 7% of the writer's instructions.
template <typename Value>
class Touched {
 public:
  using Entry = std::pair<const Key, Value>;
  Entry* Find(const Key& key) {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &*it;
  }
  // Adds `value` under `key` unless the key is there already; either way returns the entry.
  Entry* Emplace(Key key, Value value) {
    auto [it, inserted] = by_key_.try_emplace(std::move(key), std::move(value));
    if (inserted) order_.push_back(&*it);
    return &*it;
  }
  const std::vector<Entry*>& InOrder() const { return order_; }
  void Clear() {
    by_key_.clear();
    order_.clear();
  }

 private:
  std::unordered_map<Key, Value, KeyHash> by_key_;
  std::vector<Entry*> order_;  // element pointers stay valid when the map rehashes
};

// Records touched by one transaction, merged in memory and written once at the end, so an
// entity created and updated in the same group commit costs one row write.
template <typename Record>
struct Pending {
  Record record;
  bool is_new = false;
  const void* only_job = nullptr;  // the one job whose events built it, or null
};

// Finds the pending record for `id`, loading it from the store on first touch. Sets
// `*first_write` while nothing has been applied to a record that is new to the store.
template <typename Record, typename Find>
Result<Pending<Record>*> Touch(Touched<Pending<Record>>& pending, const std::string& project,
                               const std::string& id, const void* job, Find find,
                               bool* first_write) {
  Key key{project, id};
  auto* entry = pending.Find(key);
  if (!entry) {
    auto found = find(project, id);
    if (!found.ok()) return found.status();
    Pending<Record> p;
    p.is_new = !found->has_value();
    if (!p.is_new) p.record = std::move(**found);
    p.record.project_id = project;
    p.only_job = job;
    entry = pending.Emplace(std::move(key), std::move(p));
  } else if (entry->second.only_job != job) {
    entry->second.only_job = nullptr;
  }
  *first_write = entry->second.is_new && entry->second.record.id.empty();
  return &entry->second;
}

bool IsUpdate(const IngestEvent& e) {
  return e.kind == EventKind::kObservation && e.observation.is_update;
}

// Within a request: creates before updates, each in timestamp order (LANGFUSE_API 3.6).
void SortForMerge(std::vector<IngestEvent>& events) {
  std::vector<size_t> order(events.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_tuple(IsUpdate(events[a]), events[a].timestamp_us) <
           std::make_tuple(IsUpdate(events[b]), events[b].timestamp_us);
  });
  bool sorted = true;
  for (size_t i = 0; i < order.size() && sorted; ++i) sorted = order[i] == i;
  if (sorted) return;
  std::vector<IngestEvent> reordered;
  reordered.reserve(events.size());
  for (size_t i : order) reordered.push_back(std::move(events[i]));
  events = std::move(reordered);
}

// What each entity of the request would be stored as if it is new and no other request
// touches it in the same commit: the common case. Computed on the request thread, it
// spares the single writer the encoding and compression, which would otherwise dominate
// its time; the writer falls back to encoding itself whenever the assumption fails.
template <typename Record, typename Patch, typename Apply, typename Encode>
void PrepareEncodings(const std::vector<const IngestEvent*>& events, Patch IngestEvent::*member,
                      Apply apply, Encode encode) {
  std::unordered_map<std::string, Record> records;
  for (const IngestEvent* event : events) {
    const Patch& patch = event->*member;
    auto [it, inserted] = records.try_emplace(patch.id);
    apply(it->second, patch, event->timestamp_us, inserted, int64_t{0});
  }
  for (auto& [id, record] : records) encode(id, record);
}

}  // namespace

WritePipeline::WritePipeline(Store& store, WritePipelineOptions options)
    : store_(store),
      options_(options),
      writer_([this] { WriterLoop(); }),
      syncer_([this] { SyncLoop(); }) {}

WritePipeline::~WritePipeline() { Shutdown(); }

Status WritePipeline::Submit(const std::string& project_id, std::vector<IngestEvent> events) {
  if (events.empty()) return Status::Ok();
  auto job = std::make_unique<Job>();
  job->project_id = project_id;
  SortForMerge(events);
  std::vector<const IngestEvent*> traces, observations;
  for (const IngestEvent& e : events) {
    if (e.kind == EventKind::kTrace) traces.push_back(&e);
    if (e.kind == EventKind::kObservation) observations.push_back(&e);
  }
  PrepareEncodings<TraceRecord>(traces, &IngestEvent::trace, ApplyTracePatch,
                                [&](const std::string& id, const TraceRecord& r) {
                                  job->prepared_traces.emplace(id, store_.EncodeTrace(r));
                                });
  PrepareEncodings<ObservationRecord>(
      observations, &IngestEvent::observation, ApplyObservationPatch,
      [&](const std::string& id, ObservationRecord& r) {
        if (options_.finalize_observation) options_.finalize_observation(project_id, r);
        Job::PreparedObservation prepared{store_.EncodeObservation(r), {}};
        MoveDerivedFields(std::move(r), prepared.derived);
        job->prepared_observations.emplace(id, std::move(prepared));
      });
  job->events = &events;
  return Enqueue(std::move(job), events.size());
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
  {
    std::lock_guard lock(sync_mu_);
    writer_done_ = true;
  }
  sync_wake_.notify_one();
  if (syncer_.joinable()) syncer_.join();
}

void WritePipeline::SyncLoop() {
  NameThisThread("lanterne-sync");
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock lock(sync_mu_);
      sync_wake_.wait(lock, [&] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;
      jobs.swap(committed_);
    }
    // One sync covers every commit before it: all these jobs are durable together.
    Status synced = store_.Sync();
    for (auto& job : jobs) job->done.set_value(synced);
  }
}

void WritePipeline::WriterLoop() {
  NameThisThread("lanterne-writer");
  for (;;) {
    std::vector<std::unique_ptr<Job>> jobs;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is written
      size_t events = 0;
      while (!queue_.empty() && (jobs.empty() || events < options_.max_events_per_commit)) {
        size_t weight = queue_.front()->write ? 1 : queue_.front()->events->size();
        events += weight;
        queued_events_ -= weight;
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    Status status =
        store_.RunWrite([&](WriteTxn& txn) { return ApplyJobs(txn, jobs); }, /*durable=*/false);
    if (status.ok()) {
      {
        std::lock_guard lock(sync_mu_);
        for (auto& job : jobs) committed_.push_back(std::move(job));
      }
      sync_wake_.notify_one();
      continue;
    }
    if (jobs.size() > 1) {
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
  Touched<Pending<TraceRecord>> traces;
  Touched<Pending<ObservationRecord>> observations;
  Touched<Pending<ScoreRecord>> scores;
  Touched<SessionRecord> sessions;

  auto prepared = [](const auto& pending, const auto Job::*map, const std::string& id) {
    using Value = typename std::remove_reference_t<
        decltype(static_cast<const Job*>(nullptr)->*map)>::mapped_type;
    if (!pending.is_new || !pending.only_job) return static_cast<const Value*>(nullptr);
    const auto& encodings = static_cast<const Job*>(pending.only_job)->*map;
    auto it = encodings.find(id);
    return it == encodings.end() ? nullptr : &it->second;
  };
  auto flush = [&]() -> Status {
    for (auto* entry : traces.InOrder()) {
      auto& [key, p] = *entry;
      LANTERNE_RETURN_IF_ERROR(
          txn.PutTrace(p.record, p.is_new, prepared(p, &Job::prepared_traces, key.second)));
    }
    for (auto* entry : observations.InOrder()) {
      auto& [key, p] = *entry;
      const Job::PreparedObservation* ready = prepared(p, &Job::prepared_observations, key.second);
      if (ready) {
        // Copied, not moved: a failed group is retried job by job with the same preparation.
        CopyDerivedFields(ready->derived, p.record);
      } else if (options_.finalize_observation) {
        options_.finalize_observation(key.first, p.record);
      }
      LANTERNE_RETURN_IF_ERROR(
          txn.PutObservation(p.record, p.is_new, ready ? &ready->encoding : nullptr));
    }
    for (auto* entry : scores.InOrder()) {
      LANTERNE_RETURN_IF_ERROR(txn.PutScore(entry->second.record, entry->second.is_new));
    }
    for (auto* entry : sessions.InOrder())
      LANTERNE_RETURN_IF_ERROR(txn.EnsureSession(entry->second));
    traces.Clear();
    observations.Clear();
    scores.Clear();
    sessions.Clear();
    return Status::Ok();
  };

  for (auto& job : jobs) {
    if (job->write) {
      // Arbitrary writes (deletes) must see everything merged before them.
      LANTERNE_RETURN_IF_ERROR(flush());
      LANTERNE_RETURN_IF_ERROR(job->write(txn));
      continue;
    }
    const std::string& project = job->project_id;
    for (const IngestEvent& event : *job->events) {
      switch (event.kind) {
        case EventKind::kTrace: {
          bool first_write = false;
          auto touched = Touch(
              traces, project, event.trace.id, job.get(),
              [&](const std::string& p, const std::string& id) { return txn.FindTrace(p, id); },
              &first_write);
          if (!touched.ok()) return touched.status();
          auto* pending = *touched;
          ApplyTracePatch(pending->record, event.trace, event.timestamp_us, first_write, now);
          const TraceRecord& t = pending->record;
          if (t.session_id) {
            sessions.Emplace(Key{project, *t.session_id},
                             SessionRecord{project, *t.session_id, now, t.environment});
          }
          break;
        }
        case EventKind::kObservation: {
          bool first_write = false;
          auto touched = Touch(
              observations, project, event.observation.id, job.get(),
              [&](const std::string& p, const std::string& id) {
                return txn.FindObservation(p, id);
              },
              &first_write);
          if (!touched.ok()) return touched.status();
          auto* pending = *touched;
          ApplyObservationPatch(pending->record, event.observation, event.timestamp_us, first_write,
                                now);
          // Langfuse gives an observation without a trace a trace id of its own.
          if (pending->record.trace_id.empty()) pending->record.trace_id = RandomUuid();
          break;
        }
        case EventKind::kScore: {
          bool first_write = false;
          auto touched = Touch(
              scores, project, event.score.id, job.get(),
              [&](const std::string& p, const std::string& id) { return txn.FindScore(p, id); },
              &first_write);
          if (!touched.ok()) return touched.status();
          auto* pending = *touched;
          ApplyScorePatch(pending->record, event.score, first_write, now);
          break;
        }
      }
    }
  }
  return flush();
}

}  // namespace lanterne
