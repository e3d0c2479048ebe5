// Decoding a row's `payload` column, wherever its bytes are: inline in the row (rows written
// before the payload log) or in the payload log.
#pragma once

#include <string_view>

#include "core/status.h"
#include "domain/records.h"
#include "storage/payload_log.h"

namespace lanterne {

// Ok: the payload fields of the record are filled. A payload lost with an unacknowledged
// tail in a machine crash leaves them empty (the row's typed columns still answer) rather
// than failing every read that touches the row. Internal when the bytes are corrupt.
Status DecodeStoredTrace(const PayloadLog& payloads, std::string_view stored, TraceRecord* trace);
Status DecodeStoredObservation(const PayloadLog& payloads, std::string_view stored,
                               ObservationRecord* observation);

}  // namespace lanterne
