// bench/otlp_template.cc: see otlp_template.h.

#include "otlp_template.h"

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "otlp_trace.pb.h"

namespace lanterne::bench {
namespace {

using lanterne::otlp::ExportTraceServiceRequest;
using lanterne::otlp::ExportTraceServiceResponse;
using lanterne::otlp::Span;

std::string RandomBytes(Rng& rng, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng.Next();
    std::memcpy(out.data() + i, &v, std::min<size_t>(8, n - i));
  }
  // Placeholders must never contain text bytes, so they cannot match the payload by chance.
  for (char& c : out) c = static_cast<char>(static_cast<unsigned char>(c) | 0x80);
  return out;
}

void Str(Span* span, const char* key, std::string value) {
  auto* kv = span->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(std::move(value));
}

// Appends pieces into one string (chains of operator+ trip g++ 12's -Wrestrict).
std::string Concat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

std::string JsonText(Rng& rng, const char* key, size_t bytes) {
  return Concat({"{\"", key, "\":\"", Words(rng, bytes), "\"}"});
}

}  // namespace

OtlpTemplate BuildOtlpTemplate(Rng& rng, int traces) {
  ExportTraceServiceRequest request;
  auto* resource_spans = request.add_resource_spans();
  auto* resource_attr = resource_spans->mutable_resource()->add_attributes();
  resource_attr->set_key("service.name");
  resource_attr->mutable_value()->set_string_value("support-bot");
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name("langfuse-sdk");
  scope_spans->mutable_scope()->set_version("3.6.0");

  const uint64_t now_ns =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  const uint64_t ms = 1'000'000;
  std::vector<std::string> placeholders;
  std::vector<uint32_t> lengths;
  auto id = [&](size_t n) {
    placeholders.push_back(RandomBytes(rng, n));
    lengths.push_back(static_cast<uint32_t>(n));
    return placeholders.back();
  };
  const std::string session = Concat({"session-", std::to_string(rng.Below(100000))});

  for (int t = 0; t < traces; ++t) {
    const std::string trace_id = id(16);
    const std::string root_id = id(8);
    auto span = [&](const std::string& span_id, const std::string& parent, const char* name,
                    uint64_t start_ago_ms, uint64_t end_ago_ms, const char* type) {
      Span* s = scope_spans->add_spans();
      s->set_trace_id(trace_id);
      s->set_span_id(span_id);
      if (!parent.empty()) s->set_parent_span_id(parent);
      s->set_name(name);
      s->set_kind(1);
      s->set_start_time_unix_nano(now_ns - start_ago_ms * ms);
      s->set_end_time_unix_nano(now_ns - end_ago_ms * ms);
      Str(s, "langfuse.observation.type", type);
      Str(s, "langfuse.environment", "production");
      Str(s, "langfuse.release", "v1.4.2");
      return s;
    };

    Span* root = span(root_id, "", "rag-query", 3000, 10, "span");
    Str(root, "langfuse.trace.name", "rag-query");
    Str(root, "user.id", Concat({"user-", std::to_string(rng.Below(5000))}));
    Str(root, "session.id", session);
    Str(root, "langfuse.trace.tags", "[\"rag\",\"support\",\"eu\"]");
    Str(root, "langfuse.trace.metadata.app", "support-bot");
    Str(root, "langfuse.trace.metadata.region", "eu-west-1");
    Str(root, "langfuse.observation.input", JsonText(rng, "question", 1000));
    Str(root, "langfuse.observation.output", JsonText(rng, "answer", 1000));

    const std::string retrieval_id = id(8);
    Span* retrieval = span(retrieval_id, root_id, "retrieve-documents", 2980, 2700, "retriever");
    Str(retrieval, "langfuse.observation.metadata.index", "kb-v3");
    Str(retrieval, "langfuse.observation.input", JsonText(rng, "query", 1000));
    Str(retrieval, "langfuse.observation.output", JsonText(rng, "documents", 900));

    const int prompt_tokens = 600 + static_cast<int>(rng.Below(600));
    const int completion_tokens = 120 + static_cast<int>(rng.Below(300));
    Span* embed = span(id(8), retrieval_id, "embed-query", 2970, 2900, "embedding");
    Str(embed, "langfuse.observation.model.name", "text-embedding-3-small");
    Str(embed, "langfuse.observation.usage_details",
        Concat({"{\"input\":", std::to_string(prompt_tokens / 3), "}"}));
    Str(embed, "langfuse.observation.input", Concat({"\"", Words(rng, 1000), "\""}));
    Str(embed, "langfuse.observation.output", JsonText(rng, "embedding", 800));

    Span* rerank = span(id(8), retrieval_id, "rerank", 2690, 2600, "span");
    Str(rerank, "langfuse.observation.metadata.reranker", "cross-encoder-v2");
    Str(rerank, "langfuse.observation.input", JsonText(rng, "query", 1000));
    Str(rerank, "langfuse.observation.output", JsonText(rng, "summary", 1000));

    Span* llm = span(id(8), root_id, "llm-answer", 2500, 400, "generation");
    Str(llm, "langfuse.observation.model.name", "gpt-4o");
    Str(llm, "langfuse.observation.model.parameters",
        "{\"temperature\":0.2,\"max_tokens\":512,\"top_p\":1}");
    Str(llm, "langfuse.observation.usage_details",
        Concat({"{\"input\":", std::to_string(prompt_tokens),
                ",\"output\":", std::to_string(completion_tokens), "}"}));
    Str(llm, "langfuse.observation.input",
        Concat({"[{\"role\":\"system\",\"content\":\"", Words(rng, 300),
                "\"},{\"role\":\"user\",\"content\":\"", Words(rng, 700), "\"}]"}));
    Str(llm, "langfuse.observation.output",
        Concat({"{\"role\":\"assistant\",\"content\":\"", Words(rng, 1000), "\"}"}));

    Span* guard = span(id(8), root_id, "guardrail-check", 380, 380, "guardrail");
    Str(guard, "langfuse.observation.input", JsonText(rng, "text", 1000));
    Str(guard, "langfuse.observation.output", JsonText(rng, "details", 1000));
  }

  OtlpTemplate out;
  out.body = request.SerializeAsString();
  out.spans = scope_spans->spans_size();
  for (size_t i = 0; i < placeholders.size(); ++i) {
    OtlpTemplate::Id entry{lengths[i], {}};
    for (size_t at = out.body.find(placeholders[i]); at != std::string::npos;
         at = out.body.find(placeholders[i], at + 1)) {
      entry.offsets.push_back(static_cast<uint32_t>(at));
    }
    if (entry.offsets.empty()) throw std::logic_error("an id placeholder vanished");
    out.ids.push_back(std::move(entry));
  }
  return out;
}

void PatchOtlpIds(OtlpTemplate& t, Rng& rng) {
  char fresh[16];
  for (const auto& id : t.ids) {
    uint64_t a = rng.Next(), b = rng.Next();
    std::memcpy(fresh, &a, 8);
    std::memcpy(fresh + 8, &b, 8);
    fresh[0] |= 1;  // never all zeroes
    for (uint32_t offset : id.offsets) std::memcpy(t.body.data() + offset, fresh, id.length);
  }
}

int64_t OtlpRejectedSpans(const std::string& response_body) {
  ExportTraceServiceResponse response;
  if (!response.ParseFromString(response_body)) return -1;
  return response.partial_success().rejected_spans();
}

}  // namespace lanterne::bench
