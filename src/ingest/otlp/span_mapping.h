// Turns OTLP spans into the same trace and observation patches that batch ingestion
// produces (LANGFUSE_API.md section 4): span ids become observation ids, root spans and
// spans carrying trace attributes update their trace, and the attributes of the Langfuse
// SDKs (`langfuse.*`), of the OpenTelemetry GenAI conventions (`gen_ai.*`), of
// OpenInference (`input.value`, `llm.*`) and of OpenLLMetry (`traceloop.*`) fill the
// observation's fields. Attributes that map to no field are kept in metadata.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch_decoder.h"
#include "ingest/otlp/otlp_decode.h"

namespace lanterne {

struct OtlpMappedExport {
  std::vector<IngestEvent> events;
  int64_t accepted_spans = 0;
  // Spans refused one by one (ids of the wrong length); the rest of the export is kept.
  int64_t rejected_spans = 0;
  std::string rejection_message;  // the first refusal's reason, "" when none
};

// Langfuse refuses a whole export when any span has no trace or span id at all (the mark
// of OTLP logs or metrics sent to the traces URL): InvalidArgument naming the span.
Status CheckOtlpSpanIds(const OtlpExportRequest& request);

// `now_us` is the processing time: the merge order of the events, and the time of spans
// that carry none. Mapping can multiply an export's size (every span's metadata repeats
// its resource's attributes), so once the mapped text passes `max_mapped_bytes` the
// remaining spans are refused with a message instead of letting memory grow.
inline constexpr size_t kDefaultMaxMappedBytes = 64u << 20;
OtlpMappedExport MapOtlpExport(const OtlpExportRequest& request, int64_t now_us,
                               size_t max_mapped_bytes = kDefaultMaxMappedBytes);

}  // namespace lanterne
