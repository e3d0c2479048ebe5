// Writes stored records in Langfuse's public API shapes (LANGFUSE_API.md section 5):
// every documented key present, null when empty, dates as ISO strings with milliseconds.
#pragma once

#include <vector>

#include "core/json.h"
#include "domain/records.h"
#include "storage/store.h"

namespace lanterne {

// The Trace fields alone; the caller adds the detail fields and closes the object.
void WriteTraceFields(JsonWriter& w, const TraceRecord& trace);
// TraceWithDetails for listings: observation and score ids, latency, total cost. Without
// `with_metrics`, latency and totalCost are -1, as Langfuse answers when `fields` omits them.
void WriteTraceSummary(JsonWriter& w, const TraceRecord& trace, const TraceRollup& rollup,
                       bool with_metrics = true, const TraceTableExtras* extras = nullptr);
// The web UI traces table's extra keys (inputTokens, outputTokens, totalTokens,
// scoreAggregates; docs/ui-api.md), inside the trace's object.
void WriteTraceTableExtras(JsonWriter& w, const TraceTableExtras& extras);
void WriteObservation(JsonWriter& w, const ObservationRecord& observation);
// `trace` adds the v1 listing's {userId, tags, environment} block when given.
void WriteScore(JsonWriter& w, const ScoreRecord& score, const TraceRecord* trace = nullptr,
                bool with_session_in_trace = false);
void WriteSession(JsonWriter& w, const SessionRecord& session);

void WriteTimestamp(JsonWriter& w, int64_t unix_us);
void WriteOptTimestamp(JsonWriter& w, const std::optional<int64_t>& unix_us);

// Seconds between the first start and last end of a trace's observations (0 when none).
double TraceLatencySeconds(const TraceRollup& rollup);

}  // namespace lanterne
