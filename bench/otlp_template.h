// bench/otlp_template.h
//
// OTLP/HTTP protobuf export bodies for lanterne-loadgen's --otlp mode: the same
// RAG-shaped traces as the batch mode (a root span carrying the trace attributes,
// then retrieval, embedding, rerank, LLM generation and guardrail spans), with
// the attributes the Langfuse Python SDK sends. Like the batch templates, a body
// is serialized once; each request only overwrites its trace and span ids in place.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench_text.h"

namespace lanterne::bench {

struct OtlpTemplate {
  std::string body;
  // For each id (a trace id of 16 bytes or a span id of 8), every offset where it occurs.
  struct Id {
    uint32_t length;
    std::vector<uint32_t> offsets;
  };
  std::vector<Id> ids;
  int spans = 0;
};

inline constexpr int kOtlpSpansPerTrace = 6;

OtlpTemplate BuildOtlpTemplate(Rng& rng, int traces);

// Writes fresh random ids into the body.
void PatchOtlpIds(OtlpTemplate& t, Rng& rng);

// The number of spans the server refused, from an ExportTraceServiceResponse body;
// -1 when the body is not one.
int64_t OtlpRejectedSpans(const std::string& response_body);

}  // namespace lanterne::bench
