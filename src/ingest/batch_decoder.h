// Decodes and validates a Langfuse ingestion batch (POST /api/public/ingestion) into
// patches for the merge rules. Each event is checked alone: a bad event becomes an error
// entry for the 207 answer and never fails its neighbours.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/records.h"

namespace lanterne {

enum class EventKind { kTrace, kObservation, kScore };

struct IngestEvent {
  std::string event_id;
  int64_t timestamp_us = 0;
  EventKind kind = EventKind::kTrace;
  TracePatch trace;
  ObservationPatch observation;
  ScorePatch score;
};

struct EventError {
  std::string id;  // the envelope id, or "unknown"
  int status = 400;
  std::string message;
  std::string error;
};

struct DecodedBatch {
  std::vector<IngestEvent> events;        // valid events, in batch order
  std::vector<std::string> acknowledged;  // envelope ids answered 201 (events + id-less traces)
  std::vector<EventError> errors;
};

// What the caller's credentials allow: a public key alone (browser `LangfuseWeb`) may
// only send scores.
enum class IngestAccess { kProject, kScoresOnly };

// Whole-request failures (body not JSON, `batch` missing or not an array) are returned as
// InvalidArgument; everything else is reported per event in the DecodedBatch.
Result<DecodedBatch> DecodeIngestionBatch(std::string_view body, IngestAccess access);

// Parses one score body (POST /api/public/scores uses the same rules as score-create).
// `fallback_id` names the score when the body has no id.
Result<ScorePatch> DecodeScoreBody(std::string_view body, std::string fallback_id,
                                   int64_t timestamp_us);

// Lowercases, strips `langfuse` prefixes, truncates to 40 characters, and falls back to
// "default" when the result is empty or has characters outside [a-z0-9_-].
std::string NormalizeEnvironment(std::string_view environment);

}  // namespace lanterne
