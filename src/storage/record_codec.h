// The cold part of each record (input, output, metadata and other wide or rarely filtered
// fields) is stored as one compressed blob; hot fields are typed columns. This keeps rows
// narrow for the indexes and listings, and cuts the bytes written per observation.
#pragma once

#include <string>

#include "domain/records.h"

namespace lanterne {

std::string EncodeTracePayload(const TraceRecord& trace);
// Fills the payload fields of `trace`; false when the blob is corrupt.
bool DecodeTracePayload(std::string_view blob, TraceRecord* trace);

std::string EncodeObservationPayload(const ObservationRecord& observation);
bool DecodeObservationPayload(std::string_view blob, ObservationRecord* observation);

}  // namespace lanterne
