// bench/loadgen.cc
//
// lanterne-loadgen: drives POST /api/public/ingestion with RAG-shaped Langfuse
// batches (or, with --otlp, POST /api/public/otel/v1/traces with the same traces
// as OTLP protobuf exports) and reports throughput and latency as one JSON line.
// In --otlp mode "observations" counts accepted spans.
//
// One thread per connection, synchronous Boost.Beast client, HTTP/1.1
// keep-alive. Request bodies are built before the clock starts, as templates
// with fixed-width placeholders for ids and timestamps; each request only
// writes fresh ids and timestamps into its template in place, so the generator
// spends its CPU on the socket rather than on JSON.
//
// Usage:
//   lanterne-loadgen --url http://127.0.0.1:3000 --public-key pk --secret-key sk
//                    [--connections 32] [--duration 10] [--traces-per-batch 4]
//                    [--rate 0] [--pool 8] [--otlp] [--spread-days 0] [--variety]
//
// --spread-days D stamps each request up to D days in the past (uniformly), so that a load
// fills a month of dashboards instead of one hour; --variety draws each trace's name,
// environment, release, model and guardrail level from small sets, as a project with
// several features and models would send.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>

#include "bench_text.h"
#include "otlp_template.h"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using lanterne::bench::Rng;

constexpr int kObservationsPerTrace = 6;
constexpr int kEventsPerTrace = kObservationsPerTrace + 1;
constexpr size_t kUuidLen = 36;
constexpr size_t kTimeLen = 24;  // 2024-06-01T12:34:56.789Z

// ---------------------------------------------------------------------------
// Options

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "3000";
  std::string path_prefix;
  std::string public_key;
  std::string secret_key;
  int connections = 32;
  double duration_s = 10;
  int traces_per_batch = 4;
  double rate = 0;    // batches per second over all connections; 0 = unlimited
  int pool = 8;       // body templates per connection
  bool otlp = false;  // OTLP protobuf exports instead of ingestion batches
  // GET this path (e.g. a prompt fetch) instead of posting batches; a 200 counts as one
  // success in "observations".
  std::string get_path;
  int64_t spread_ms = 0;  // each request's timestamps moved back by up to this much
  bool variety = false;   // names, environments, releases, models and levels drawn per trace
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "lanterne-loadgen: %s\n"
               "usage: lanterne-loadgen --url http://HOST:PORT --public-key PK --secret-key SK\n"
               "       [--connections C] [--duration S] [--traces-per-batch T] [--rate R]"
               " [--pool P] [--otlp | --get PATH] [--spread-days D] [--variety]\n",
               why);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value");
      return argv[++i];
    };
    if (a == "--url") {
      url = value();
    } else if (a == "--public-key") {
      o.public_key = value();
    } else if (a == "--secret-key") {
      o.secret_key = value();
    } else if (a == "--connections") {
      o.connections = std::atoi(value().c_str());
    } else if (a == "--duration") {
      o.duration_s = std::atof(value().c_str());
    } else if (a == "--traces-per-batch") {
      o.traces_per_batch = std::atoi(value().c_str());
    } else if (a == "--rate") {
      o.rate = std::atof(value().c_str());
    } else if (a == "--pool") {
      o.pool = std::atoi(value().c_str());
    } else if (a == "--otlp") {
      o.otlp = true;
    } else if (a == "--get") {
      o.get_path = value();
    } else if (a == "--spread-days") {
      o.spread_ms = static_cast<int64_t>(std::atof(value().c_str()) * 86400000.0);
    } else if (a == "--variety") {
      o.variety = true;
    } else {
      Usage("unknown argument");
    }
  }
  if (url.rfind("http://", 0) != 0) Usage("--url must start with http://");
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) o.path_prefix = rest.substr(slash);
  while (!o.path_prefix.empty() && o.path_prefix.back() == '/') o.path_prefix.pop_back();
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    o.host = authority;
    o.port = "80";
  } else {
    o.host = authority.substr(0, colon);
    o.port = authority.substr(colon + 1);
  }
  if (o.host.empty() || o.public_key.empty() || o.secret_key.empty()) Usage("missing option");
  if (o.connections < 1 || o.duration_s <= 0 || o.traces_per_batch < 1 || o.rate < 0 ||
      o.pool < 1 || o.spread_ms < 0) {
    Usage("bad value");
  }
  return o;
}

std::string Base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += kTable[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kTable[(n >> 18) & 63];
    out += kTable[(n >> 12) & 63];
    out += kTable[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

// ---------------------------------------------------------------------------
// Timestamps

// Writes `ms` since the epoch as YYYY-MM-DDTHH:MM:SS.sssZ (24 chars) at `out`.
void FormatIso(int64_t ms, char* out) {
  int64_t days = ms / 86400000;
  int64_t in_day = ms % 86400000;
  // civil_from_days (H. Hinnant), valid for dates after 1970.
  int64_t z = days + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  auto put = [](char* p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(out, y, 4);
  out[4] = '-';
  put(out + 5, m, 2);
  out[7] = '-';
  put(out + 8, d, 2);
  out[10] = 'T';
  put(out + 11, in_day / 3600000, 2);
  out[13] = ':';
  put(out + 14, (in_day / 60000) % 60, 2);
  out[16] = ':';
  put(out + 17, (in_day / 1000) % 60, 2);
  out[19] = '.';
  put(out + 20, in_day % 1000, 3);
  out[23] = 'Z';
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------
// Body templates

// How the first hex digit of an event envelope id is constrained: trace-create
// envelopes start with 8-f, observation envelopes with 0-7, so the response's
// `successes` ids tell which kind was acknowledged.
enum class IdKind : uint8_t { kEntity, kTraceEnvelope, kObservationEnvelope };

enum class SlotKind : uint8_t { kId, kTime, kUser };

struct Slot {
  uint32_t offset;
  SlotKind kind;
  uint32_t arg;  // id group, or milliseconds before the request time
};

constexpr size_t kUserLen = 10;  // user-01234
constexpr uint64_t kUsers = 5000;

struct Template {
  std::string body;
  std::vector<Slot> slots;
  std::vector<IdKind> groups;
};

class TemplateBuilder {
 public:
  int Group(IdKind kind) {
    t_.groups.push_back(kind);
    return static_cast<int>(t_.groups.size() - 1);
  }
  TemplateBuilder& Raw(std::string_view s) {
    t_.body.append(s);
    return *this;
  }
  TemplateBuilder& Id(int group) {
    t_.slots.push_back(
        {static_cast<uint32_t>(t_.body.size()), SlotKind::kId, static_cast<uint32_t>(group)});
    t_.body.append(kUuidLen, '0');
    return *this;
  }
  TemplateBuilder& Time(uint32_t ms_ago) {
    t_.slots.push_back({static_cast<uint32_t>(t_.body.size()), SlotKind::kTime, ms_ago});
    t_.body.append(kTimeLen, '0');
    return *this;
  }
  // One of kUsers user ids, drawn anew for every request.
  TemplateBuilder& User() {
    t_.slots.push_back({static_cast<uint32_t>(t_.body.size()), SlotKind::kUser, 0});
    t_.body.append(kUserLen, '0');
    return *this;
  }
  TemplateBuilder& Text(Rng& rng, size_t bytes) {
    lanterne::bench::AppendWords(rng, t_.body, bytes);
    return *this;
  }
  Template Take() { return std::move(t_); }

 private:
  Template t_;
};

// One trace of a retrieval-augmented answer: trace-create, a retrieval span,
// an embedding generation, a rerank span, the LLM generation, a guardrail
// event, and the span-update that ends the rerank span.
struct TraceShape {
  std::string name = "rag-query";
  std::string environment = "production";
  std::string release = "v1.4.2";
  std::string model = "gpt-4o";
  std::string guardrail_level = "DEFAULT";
};

// With --variety, what a project with a few features, two environments and several
// models sends; repeated entries make some values common and others rare.
TraceShape DrawShape(Rng& rng, bool variety) {
  TraceShape s;
  if (!variety) return s;
  static constexpr const char* kNames[] = {"rag-query", "rag-query", "chat",     "chat",
                                           "summarize", "classify",  "agent-run"};
  static constexpr const char* kModels[] = {"gpt-4o",
                                            "gpt-4o",
                                            "gpt-4o-mini",
                                            "gpt-4o-mini",
                                            "gpt-4.1-mini",
                                            "claude-3-5-sonnet-20241022",
                                            "claude-3-5-haiku-20241022",
                                            "gemini-1.5-pro",
                                            "mistral-large-latest",
                                            "deepseek-chat"};
  s.name = kNames[rng.Below(std::size(kNames))];
  s.environment = rng.Below(4) ? "production" : "staging";
  s.release = rng.Below(3) ? "v1.4.2" : "v1.5.0";
  s.model = kModels[rng.Below(std::size(kModels))];
  const uint64_t level = rng.Below(100);
  s.guardrail_level = level < 3 ? "ERROR" : level < 10 ? "WARNING" : "DEFAULT";
  return s;
}

void AppendTrace(TemplateBuilder& b, Rng& rng, int session_group, bool first,
                 const TraceShape& shape) {
  const int trace = b.Group(IdKind::kEntity);
  const int retrieval = b.Group(IdKind::kEntity);
  const int embed = b.Group(IdKind::kEntity);
  const int rerank = b.Group(IdKind::kEntity);
  const int llm = b.Group(IdKind::kEntity);
  const int event = b.Group(IdKind::kEntity);
  auto envelope = [&](IdKind kind, const char* type, uint32_t ms_ago) {
    b.Raw(first ? "{\"id\":\"" : ",{\"id\":\"").Id(b.Group(kind)).Raw("\",\"timestamp\":\"");
    b.Time(ms_ago).Raw("\",\"type\":\"").Raw(type).Raw("\",\"body\":{");
    first = false;
  };
  const int prompt_tokens = 600 + static_cast<int>(rng.Below(600));
  const int completion_tokens = 120 + static_cast<int>(rng.Below(300));

  envelope(IdKind::kTraceEnvelope, "trace-create", 2990);
  b.Raw("\"id\":\"").Id(trace).Raw("\",\"timestamp\":\"").Time(3000);
  b.Raw("\",\"name\":\"").Raw(shape.name).Raw("\",\"userId\":\"").User();
  b.Raw("\",\"sessionId\":\"").Id(session_group);
  b.Raw("\",\"release\":\"").Raw(shape.release);
  b.Raw("\",\"environment\":\"").Raw(shape.environment).Raw("\"");
  b.Raw(",\"tags\":[\"rag\",\"support\",\"eu\"]");
  b.Raw(",\"metadata\":{\"app\":\"support-bot\",\"region\":\"eu-west-1\",\"experiment\":\"B\"");
  b.Raw(",\"tenant\":\"acme\",\"channel\":\"web\"}");
  b.Raw(",\"input\":{\"question\":\"").Text(rng, 1000);
  b.Raw("\"},\"output\":{\"answer\":\"").Text(rng, 1000).Raw("\"}}}");

  envelope(IdKind::kObservationEnvelope, "span-create", 2980);
  b.Raw("\"id\":\"").Id(retrieval).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"name\":\"retrieve-documents\",\"startTime\":\"").Time(2980);
  b.Raw("\",\"endTime\":\"")
      .Time(2700)
      .Raw("\",\"environment\":\"")
      .Raw(shape.environment)
      .Raw("\"");
  b.Raw(",\"metadata\":{\"index\":\"kb-v3\",\"topK\":8}");
  b.Raw(",\"input\":{\"query\":\"").Text(rng, 1000).Raw("\"},\"output\":{\"documents\":[");
  for (int i = 0; i < 3; ++i) {
    b.Raw(i ? ",{\"id\":\"doc-" : "{\"id\":\"doc-").Raw(std::to_string(rng.Below(100000)));
    b.Raw("\",\"score\":0.").Raw(std::to_string(500 + rng.Below(499)));
    b.Raw(",\"text\":\"").Text(rng, 300).Raw("\"}");
  }
  b.Raw("]}}}");

  envelope(IdKind::kObservationEnvelope, "generation-create", 2970);
  b.Raw("\"id\":\"").Id(embed).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"parentObservationId\":\"").Id(retrieval);
  b.Raw("\",\"name\":\"embed-query\",\"startTime\":\"").Time(2970);
  b.Raw("\",\"endTime\":\"")
      .Time(2900)
      .Raw("\",\"environment\":\"")
      .Raw(shape.environment)
      .Raw("\"");
  b.Raw(",\"model\":\"text-embedding-3-small\",\"input\":\"").Text(rng, 1000);
  b.Raw("\",\"output\":{\"embedding\":[");
  for (int i = 0; i < 120; ++i) {
    char num[16];
    std::snprintf(num, sizeof num, "%s%s0.%04u", i ? "," : "", rng.Below(2) ? "-" : "",
                  static_cast<unsigned>(rng.Below(10000)));
    b.Raw(num);
  }
  b.Raw("]},\"usage\":{\"input\":").Raw(std::to_string(prompt_tokens / 3));
  b.Raw(",\"output\":0,\"total\":").Raw(std::to_string(prompt_tokens / 3));
  b.Raw(",\"unit\":\"TOKENS\"}}}");

  envelope(IdKind::kObservationEnvelope, "span-create", 2690);
  b.Raw("\"id\":\"").Id(rerank).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"parentObservationId\":\"").Id(retrieval);
  b.Raw("\",\"name\":\"rerank\",\"startTime\":\"").Time(2690);
  b.Raw("\",\"environment\":\"").Raw(shape.environment);
  b.Raw("\",\"metadata\":{\"reranker\":\"cross-encoder-v2\"}");
  b.Raw(",\"input\":{\"query\":\"").Text(rng, 1000).Raw("\",\"candidates\":8}}}");

  envelope(IdKind::kObservationEnvelope, "generation-create", 2400);
  b.Raw("\"id\":\"").Id(llm).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"name\":\"llm-answer\",\"startTime\":\"").Time(2500);
  b.Raw("\",\"completionStartTime\":\"").Time(1900).Raw("\",\"endTime\":\"").Time(400);
  b.Raw("\",\"environment\":\"").Raw(shape.environment);
  b.Raw("\",\"model\":\"").Raw(shape.model).Raw("\"");
  b.Raw(",\"modelParameters\":{\"temperature\":0.2,\"max_tokens\":512,\"top_p\":1}");
  b.Raw(",\"input\":[{\"role\":\"system\",\"content\":\"").Text(rng, 300);
  b.Raw("\"},{\"role\":\"user\",\"content\":\"").Text(rng, 700);
  b.Raw("\"}],\"output\":{\"role\":\"assistant\",\"content\":\"").Text(rng, 1000);
  b.Raw("\"},\"usage\":{\"input\":").Raw(std::to_string(prompt_tokens));
  b.Raw(",\"output\":").Raw(std::to_string(completion_tokens));
  b.Raw(",\"total\":").Raw(std::to_string(prompt_tokens + completion_tokens));
  b.Raw("},\"metadata\":{\"provider\":\"openai\",\"cached\":false}}}");

  envelope(IdKind::kObservationEnvelope, "event-create", 380);
  b.Raw("\"id\":\"").Id(event).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"parentObservationId\":\"").Id(llm);
  b.Raw("\",\"name\":\"guardrail-check\",\"startTime\":\"").Time(380);
  b.Raw("\",\"environment\":\"").Raw(shape.environment);
  b.Raw("\",\"level\":\"").Raw(shape.guardrail_level).Raw("\"");
  b.Raw(",\"input\":{\"text\":\"").Text(rng, 1000);
  b.Raw("\"},\"output\":{\"verdict\":\"pass\",\"details\":\"").Text(rng, 1000).Raw("\"}}}");

  envelope(IdKind::kObservationEnvelope, "span-update", 2600);
  b.Raw("\"id\":\"").Id(rerank).Raw("\",\"traceId\":\"").Id(trace);
  b.Raw("\",\"endTime\":\"").Time(2600).Raw("\",\"output\":{\"ranked\":[");
  for (int i = 0; i < 8; ++i) {
    b.Raw(i ? ",\"doc-" : "\"doc-").Raw(std::to_string(rng.Below(100000))).Raw("\"");
  }
  b.Raw("],\"summary\":\"").Text(rng, 1000).Raw("\"}}}");
}

Template BuildTemplate(Rng& rng, int traces, bool variety) {
  TemplateBuilder b;
  const int session = b.Group(IdKind::kEntity);
  b.Raw("{\"batch\":[");
  for (int i = 0; i < traces; ++i) AppendTrace(b, rng, session, i == 0, DrawShape(rng, variety));
  b.Raw("],\"metadata\":{\"batch_size\":").Raw(std::to_string(traces * kEventsPerTrace));
  b.Raw(",\"sdk_name\":\"lanterne-loadgen\",\"sdk_version\":\"0.1.0\",\"sdk_integration\":");
  b.Raw("\"DEFAULT\",\"sdk_variant\":\"lanterne-loadgen\"}}");
  return b.Take();
}

// Writes fresh ids and timestamps into `t.body`.
void Patch(Template& t, Rng& rng, std::vector<uint32_t>& first_offset, int64_t spread_ms) {
  first_offset.assign(t.groups.size(), UINT32_MAX);
  const int64_t now =
      NowMs() - (spread_ms > 0 ? static_cast<int64_t>(rng.Below(uint64_t(spread_ms))) : 0);
  char* body = t.body.data();
  for (const Slot& s : t.slots) {
    char* at = body + s.offset;
    if (s.kind == SlotKind::kTime) {
      FormatIso(now - s.arg, at);
    } else if (s.kind == SlotKind::kUser) {
      char user[kUserLen + 1];
      std::snprintf(user, sizeof user, "user-%05u", static_cast<unsigned>(rng.Below(kUsers)));
      std::memcpy(at, user, kUserLen);
    } else if (first_offset[s.arg] == UINT32_MAX) {
      first_offset[s.arg] = s.offset;
      switch (t.groups[s.arg]) {
        case IdKind::kEntity:
          lanterne::bench::WriteUuid(rng, at);
          break;
        case IdKind::kTraceEnvelope:
          lanterne::bench::WriteUuid(rng, at, 0x7, 0x8);
          break;
        case IdKind::kObservationEnvelope:
          lanterne::bench::WriteUuid(rng, at, 0x7, 0x0);
          break;
      }
    } else {
      std::memcpy(at, body + first_offset[s.arg], kUuidLen);
    }
  }
}

// ---------------------------------------------------------------------------
// Response parsing (just enough of JSON for {"successes":[...],"errors":[...]})

struct Ack {
  int trace_successes = 0;
  int observation_successes = 0;
  int errors = 0;
  bool ok = false;
};

// Skips a JSON string starting at s[i] == '"'; returns the index after it.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  return i;
}

// Scans the array at s[i] == '['. For every element object, calls
// on_id(first character of its "id" value, or 0). Returns the element count,
// or -1 if malformed.
template <typename F>
int ScanArray(std::string_view s, size_t i, F on_id) {
  if (i >= s.size() || s[i] != '[') return -1;
  int depth = 0;
  int elements = 0;
  bool id_next = false;
  bool saw_id = false;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      size_t end = SkipString(s, i);
      if (depth == 2) {
        size_t after = SkipSpace(s, end);
        bool is_key = after < s.size() && s[after] == ':';
        if (id_next && !is_key) {
          on_id(end - i > 2 ? s[i + 1] : '\0');
          saw_id = true;
          id_next = false;
        } else if (is_key) {
          id_next = s.substr(i, end - i) == "\"id\"";
        }
      }
      i = end;
      continue;
    }
    if (c == '[' || c == '{') {
      ++depth;
      if (depth == 2 && c == '{') {
        ++elements;
        saw_id = false;
        id_next = false;
      }
    } else if (c == ']' || c == '}') {
      if (depth == 2 && c == '}' && !saw_id) on_id('\0');
      if (--depth == 0) return elements;
    }
    ++i;
  }
  return -1;
}

// Finds the top-level key `"name"` and returns the index of its value.
size_t FindKey(std::string_view s, std::string_view quoted_name) {
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') return std::string_view::npos;
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      size_t end = SkipString(s, i);
      if (depth == 1 && s.substr(i, end - i) == quoted_name) {
        size_t after = SkipSpace(s, end);
        if (after < s.size() && s[after] == ':') return SkipSpace(s, after + 1);
      }
      i = end;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ++i;
  }
  return std::string_view::npos;
}

Ack ParseAck(std::string_view body) {
  Ack ack;
  size_t successes = FindKey(body, "\"successes\"");
  size_t errors = FindKey(body, "\"errors\"");
  if (successes == std::string_view::npos || errors == std::string_view::npos) return ack;
  int n = ScanArray(body, successes, [&](char first) {
    if (first >= '8' && first <= 'f' && !(first > '9' && first < 'a')) {
      ++ack.trace_successes;
    } else {
      ++ack.observation_successes;
    }
  });
  int e = ScanArray(body, errors, [](char) {});
  if (n < 0 || e < 0) return ack;
  ack.errors = e;
  ack.ok = true;
  return ack;
}

// ---------------------------------------------------------------------------
// Workers

struct Stats {
  uint64_t requests = 0;
  uint64_t failed_requests = 0;
  uint64_t observations = 0;
  uint64_t traces = 0;
  uint64_t error_events = 0;
  uint64_t bytes = 0;
  std::vector<uint32_t> latencies_us;
  Clock::time_point finished;
};

struct Shared {
  const Options* options = nullptr;
  std::string authorization;
  std::string target;
  tcp::resolver::results_type endpoints;
  Clock::time_point start;
  Clock::time_point deadline;
  std::atomic<int> error_samples{0};
};

void ReportSample(Shared& shared, const std::string& what) {
  if (shared.error_samples.fetch_add(1) < 3) {
    std::fprintf(stderr, "lanterne-loadgen: %s\n", what.substr(0, 600).c_str());
  }
}

void Worker(Shared& shared, int index, Stats& stats, std::atomic<int>& fd, std::latch& connected,
            std::latch& go) {
  const Options& o = *shared.options;
  const int events = o.traces_per_batch * kEventsPerTrace;
  Rng text_rng(1000 + static_cast<uint64_t>(index));
  std::random_device seed_source;
  Rng id_rng((static_cast<uint64_t>(seed_source()) << 32) ^ seed_source() ^
             (static_cast<uint64_t>(index) << 48) ^
             static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  std::vector<Template> pool;
  std::vector<lanterne::bench::OtlpTemplate> otlp_pool;
  for (int i = 0; i < (o.get_path.empty() ? o.pool : 0); ++i) {
    if (o.otlp) {
      otlp_pool.push_back(lanterne::bench::BuildOtlpTemplate(text_rng, o.traces_per_batch));
    } else {
      pool.push_back(BuildTemplate(text_rng, o.traces_per_batch, o.variety));
    }
  }
  std::vector<uint32_t> scratch;

  asio::io_context io;
  tcp::socket socket(io);
  auto connect = [&]() -> bool {
    beast::error_code ec;
    if (socket.is_open()) socket.close(ec);
    asio::connect(socket, shared.endpoints, ec);
    if (ec) {
      fd.store(-1);
      return false;
    }
    socket.set_option(tcp::no_delay(true), ec);
    fd.store(socket.native_handle());
    return true;
  };
  bool up = connect();
  connected.count_down();
  go.wait();

  const bool get = !o.get_path.empty();
  http::request<http::string_body> req{get ? http::verb::get : http::verb::post, shared.target, 11};
  req.set(http::field::host, o.host + ":" + o.port);
  req.set(http::field::user_agent, "lanterne-loadgen/0.1");
  req.set(http::field::content_type, o.otlp ? "application/x-protobuf" : "application/json");
  req.set(http::field::authorization, shared.authorization);
  req.keep_alive(true);
  beast::flat_buffer buffer;

  // With --rate, each connection sends on its own fixed schedule (open loop).
  const double interval_s = o.rate > 0 ? o.connections / o.rate : 0;
  Clock::time_point next = shared.start;
  if (interval_s > 0) {
    next += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(interval_s * index / o.connections));
  }
  size_t slot = 0;
  while (true) {
    if (interval_s > 0) {
      if (next >= shared.deadline) break;
      std::this_thread::sleep_until(next);
      next +=
          std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
    }
    if (Clock::now() >= shared.deadline) break;
    if (!up) {
      up = connect();
      if (!up) {
        ReportSample(shared, "cannot connect to " + o.host + ":" + o.port);
        ++stats.failed_requests;
        stats.error_events += static_cast<uint64_t>(events);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
    }
    std::string empty_body;
    std::string* body = &empty_body;
    int spans = 0;
    if (get) {
      // nothing to build
    } else if (o.otlp) {
      auto& t = otlp_pool[slot++ % otlp_pool.size()];
      lanterne::bench::PatchOtlpIds(t, id_rng);
      body = &t.body;
      spans = t.spans;
    } else {
      Template& t = pool[slot++ % pool.size()];
      Patch(t, id_rng, scratch, o.spread_ms);
      body = &t.body;
    }
    const size_t body_size = body->size();
    req.body() = std::move(*body);
    req.prepare_payload();

    const Clock::time_point sent = Clock::now();
    beast::error_code ec;
    http::write(socket, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(socket, buffer, res, ec);
    const Clock::time_point done = Clock::now();
    *body = std::move(req.body());
    ++stats.requests;
    stats.bytes += body_size;

    if (ec) {
      ++stats.failed_requests;
      stats.error_events += static_cast<uint64_t>(events);
      if (done < shared.deadline) ReportSample(shared, "connection error: " + ec.message());
      buffer.clear();
      up = false;
      continue;
    }
    stats.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(
        UINT32_MAX, std::chrono::duration_cast<std::chrono::microseconds>(done - sent).count())));
    if (get) {
      if (res.result_int() == 200) {
        ++stats.observations;
      } else {
        ++stats.failed_requests;
        ++stats.error_events;
        ReportSample(shared, "HTTP " + std::to_string(res.result_int()) + ": " + res.body());
      }
    } else if (o.otlp) {
      const int64_t rejected =
          res.result_int() == 200 ? lanterne::bench::OtlpRejectedSpans(res.body()) : -1;
      if (rejected < 0) {
        ++stats.failed_requests;
        stats.error_events += static_cast<uint64_t>(spans);
        ReportSample(shared, "HTTP " + std::to_string(res.result_int()) + ": " + res.body());
      } else {
        stats.observations += static_cast<uint64_t>(spans - rejected);
        stats.error_events += static_cast<uint64_t>(rejected);
        if (rejected > 0) ReportSample(shared, "rejected spans: " + std::to_string(rejected));
      }
    } else if (res.result_int() != 207) {
      ++stats.failed_requests;
      stats.error_events += static_cast<uint64_t>(events);
      ReportSample(shared, "HTTP " + std::to_string(res.result_int()) + ": " + res.body());
    } else {
      Ack ack = ParseAck(res.body());
      if (!ack.ok) {
        ++stats.failed_requests;
        stats.error_events += static_cast<uint64_t>(events);
        ReportSample(shared, "unparsable 207 body: " + res.body());
      } else {
        stats.traces += static_cast<uint64_t>(ack.trace_successes);
        stats.observations += static_cast<uint64_t>(ack.observation_successes);
        stats.error_events += static_cast<uint64_t>(ack.errors);
        if (ack.errors > 0) ReportSample(shared, "per-event errors: " + res.body());
      }
    }
    if (!res.keep_alive()) up = false;
  }
  stats.finished = Clock::now();
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  fd.store(-1);
}

double Percentile(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  Shared shared;
  shared.options = &o;
  shared.authorization = "Basic " + Base64(o.public_key + ":" + o.secret_key);
  shared.target = o.path_prefix + (!o.get_path.empty() ? o.get_path
                                   : o.otlp            ? "/api/public/otel/v1/traces"
                                                       : "/api/public/ingestion");
  {
    asio::io_context io;
    tcp::resolver resolver(io);
    beast::error_code ec;
    shared.endpoints = resolver.resolve(o.host, o.port, ec);
    if (ec) {
      std::fprintf(stderr, "lanterne-loadgen: cannot resolve %s: %s\n", o.host.c_str(),
                   ec.message().c_str());
      return 1;
    }
  }

  const size_t n = static_cast<size_t>(o.connections);
  std::vector<Stats> stats(n);
  std::vector<std::atomic<int>> fds(n);
  for (auto& fd : fds) fd.store(-1);
  std::latch connected(static_cast<std::ptrdiff_t>(n));
  std::latch go(1);
  std::vector<std::thread> threads;
  std::mutex done_mutex;
  std::condition_variable done_cv;
  size_t done = 0;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Worker(shared, static_cast<int>(i), stats[i], fds[i], connected, go);
      std::lock_guard lock(done_mutex);
      ++done;
      done_cv.notify_all();
    });
  }
  connected.wait();
  rusage usage_before{};
  getrusage(RUSAGE_SELF, &usage_before);
  shared.start = Clock::now() + std::chrono::milliseconds(20);
  shared.deadline = shared.start + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(o.duration_s));
  go.count_down();

  // A worker stuck on a silent server is unblocked by shutting its socket down.
  {
    std::unique_lock lock(done_mutex);
    if (!done_cv.wait_until(lock, shared.deadline + std::chrono::seconds(30),
                            [&] { return done == n; })) {
      std::fprintf(stderr, "lanterne-loadgen: server stopped answering; aborting requests\n");
      for (auto& fd : fds) {
        int f = fd.load();
        if (f >= 0) ::shutdown(f, SHUT_RDWR);
      }
    }
  }
  for (auto& t : threads) t.join();
  rusage usage_after{};
  getrusage(RUSAGE_SELF, &usage_after);

  Stats total;
  Clock::time_point end = shared.start;
  for (auto& s : stats) {
    total.requests += s.requests;
    total.failed_requests += s.failed_requests;
    total.observations += s.observations;
    total.traces += s.traces;
    total.error_events += s.error_events;
    total.bytes += s.bytes;
    total.latencies_us.insert(total.latencies_us.end(), s.latencies_us.begin(),
                              s.latencies_us.end());
    end = std::max(end, s.finished);
  }
  std::sort(total.latencies_us.begin(), total.latencies_us.end());
  const double seconds = std::chrono::duration<double>(end - shared.start).count();
  auto cpu_s = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  std::printf(
      "{\"connections\":%d,\"seconds\":%.3f,\"requests\":%llu,\"observations\":%llu,"
      "\"observations_per_s\":%.0f,\"events_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
      "\"errors\":%llu,\"failed_requests\":%llu,\"traces\":%llu,\"traces_per_batch\":%d,"
      "\"events_per_batch\":%d,\"batches_per_s\":%.1f,\"target_rate\":%.1f,"
      "\"bytes_per_request\":%.0f,\"p90_ms\":%.2f,\"p999_ms\":%.2f,\"max_ms\":%.2f,"
      "\"client_cpu_s\":%.2f}\n",
      o.connections, seconds, static_cast<unsigned long long>(total.requests),
      static_cast<unsigned long long>(total.observations),
      static_cast<double>(total.observations) / seconds,
      static_cast<double>(total.observations + total.traces) / seconds,
      Percentile(total.latencies_us, 0.50), Percentile(total.latencies_us, 0.99),
      static_cast<unsigned long long>(total.error_events),
      static_cast<unsigned long long>(total.failed_requests),
      static_cast<unsigned long long>(total.traces), o.traces_per_batch,
      o.traces_per_batch * kEventsPerTrace, static_cast<double>(total.requests) / seconds, o.rate,
      total.requests ? static_cast<double>(total.bytes) / static_cast<double>(total.requests) : 0,
      Percentile(total.latencies_us, 0.90), Percentile(total.latencies_us, 0.999),
      total.latencies_us.empty() ? 0 : total.latencies_us.back() / 1000.0,
      cpu_s(usage_after) - cpu_s(usage_before));
  return 0;
}
