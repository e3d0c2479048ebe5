// The merge rules of ingestion (LANGFUSE_API.md 3.6): the same id may arrive many times,
// in any order; a later non-null value wins, metadata merges by key, tags union, and a
// few fields are fixed by the first write. Every storage engine applies these functions,
// so the rules live here once.
#pragma once

#include <cstdint>

#include "domain/records.h"

namespace lanterne {

// `is_new` is true when nothing was stored for this id yet; `event_time_us` is the
// envelope timestamp, the default for the entity's own start time.
void ApplyTracePatch(TraceRecord& record, const TracePatch& patch, int64_t event_time_us,
                     bool is_new, int64_t now_us);
void ApplyObservationPatch(ObservationRecord& record, const ObservationPatch& patch,
                           int64_t event_time_us, bool is_new, int64_t now_us);
// Copies what the server derived for an observation (final usage and cost, pricing fields,
// and whether they were computed) from one copy of the record to another.
void CopyDerivedFields(const ObservationRecord& from, ObservationRecord& to);
void MoveDerivedFields(ObservationRecord&& from, ObservationRecord& to);

void ApplyScorePatch(ScoreRecord& record, const ScorePatch& patch, bool is_new, int64_t now_us);

}  // namespace lanterne
