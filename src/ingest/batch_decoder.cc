#include "ingest/batch_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "core/ids.h"
#include "core/json.h"
#include "core/time.h"
#include "ingest/raw_values.h"
#include "ingest/usage.h"

namespace lanterne {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr size_t kMaxIdLength = 800;
constexpr size_t kMaxTraceNameLength = 1000;

// Reads typed fields from one JSON object, remembering the first problem as a message that
// names the field ("body.userId: expected a string or null").
class FieldReader {
 public:
  // `raw`: the client's text of input, output and metadata, when found (raw_values.h).
  FieldReader(object obj, std::string prefix, const RawBodyValues* raw = nullptr)
      : obj_(obj), prefix_(std::move(prefix)), raw_(raw) {}

  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

  std::optional<element> Get(std::string_view key) {
    element value;
    if (obj_.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
  }

  // Absent → absent, null → null, string → value; anything else is an error.
  Patch<std::string> NullableString(std::string_view key, size_t max_length = 0) {
    Patch<std::string> out;
    auto value = Get(key);
    if (!value) return out;
    if (value->is_null()) {
      out.SetNull();
      return out;
    }
    std::string_view s;
    if (value->get_string().get(s) != simdjson::SUCCESS) {
      Fail(key, "expected a string or null");
      return out;
    }
    if (max_length && s.size() > max_length) {
      Fail(key, "must be at most " + std::to_string(max_length) + " characters");
      return out;
    }
    out.Set(std::string(s));
    return out;
  }

  std::optional<std::string> String(std::string_view key, size_t max_length = 0) {
    auto p = NullableString(key, max_length);
    if (p.is_set()) return std::move(p.value);
    return std::nullopt;
  }

  std::optional<int64_t> Timestamp(std::string_view key) {
    auto s = String(key);
    if (!s) return std::nullopt;
    auto t = ParseIsoTimestamp(*s);
    if (!t) Fail(key, "expected an ISO 8601 datetime with a time zone, got \"" + *s + "\"");
    return t;
  }

  std::optional<bool> Bool(std::string_view key) {
    auto value = Get(key);
    if (!value || value->is_null()) return std::nullopt;
    bool b;
    if (value->get_bool().get(b) != simdjson::SUCCESS) {
      Fail(key, "expected a boolean");
      return std::nullopt;
    }
    return b;
  }

  // Any JSON value except null and the falsy values Langfuse ignores for input/output.
  std::optional<std::string> AnyJson(std::string_view key) {
    auto value = Get(key);
    if (!value || value->is_null() || IsFalsy(*value)) return std::nullopt;
    return Text(key, *value);
  }

  // Metadata: objects as they are, anything else wrapped as {"metadata": value}.
  std::optional<std::string> Metadata(std::string_view key) {
    auto value = Get(key);
    if (!value || value->is_null()) return std::nullopt;
    std::string text = Text(key, *value);
    if (value->type() == element_type::OBJECT) return text;
    return "{\"metadata\":" + text + "}";
  }

  std::optional<std::string> Object(std::string_view key) {
    auto value = Get(key);
    if (!value || value->is_null()) return std::nullopt;
    if (value->type() != element_type::OBJECT) {
      Fail(key, "expected an object or null");
      return std::nullopt;
    }
    return ToJsonText(*value);
  }

  std::vector<std::string> StringArray(std::string_view key) {
    std::vector<std::string> out;
    auto value = Get(key);
    if (!value || value->is_null()) return out;
    simdjson::dom::array arr;
    if (value->get_array().get(arr) != simdjson::SUCCESS) {
      Fail(key, "expected an array of strings");
      return out;
    }
    for (element item : arr) {
      std::string_view s;
      if (item.get_string().get(s) != simdjson::SUCCESS) {
        Fail(key, "expected an array of strings");
        return {};
      }
      out.emplace_back(s);
    }
    return out;
  }

  std::optional<int64_t> Integer(std::string_view key) {
    auto value = Get(key);
    if (!value || value->is_null()) return std::nullopt;
    int64_t i;
    double d;
    if (value->get_int64().get(i) == simdjson::SUCCESS) return i;
    if (value->get_double().get(d) == simdjson::SUCCESS && std::floor(d) == d &&
        std::fabs(d) < 9e15) {
      return static_cast<int64_t>(d);
    }
    Fail(key, "expected an integer");
    return std::nullopt;
  }

  void Fail(std::string_view key, std::string_view what) {
    if (error_.empty()) error_ = prefix_ + std::string(key) + ": " + std::string(what);
  }

 private:
  // The value's JSON text: the client's own, without whitespace, when `raw_` has it (and
  // it is the value parsed: same kind); else written from the parsed value.
  std::string Text(std::string_view key, element value) const {
    const std::string_view* slot = raw_ ? raw_->Of(key) : nullptr;
    const std::string_view raw = slot ? *slot : std::string_view();
    if (!raw.empty() && StartsLike(raw.front(), value.type())) {
      if (auto text = MinifyRawJson(raw)) return std::move(*text);
    }
    return ToJsonText(value);
  }

  static bool StartsLike(char first, element_type type) {
    switch (type) {
      case element_type::OBJECT:
        return first == '{';
      case element_type::ARRAY:
        return first == '[';
      case element_type::STRING:
        return first == '"';
      case element_type::BOOL:
        return first == 't' || first == 'f';
      case element_type::NULL_VALUE:
        return first == 'n';
      default:  // numbers
        return first == '-' || (first >= '0' && first <= '9');
    }
  }

  // The values Langfuse ignores for input and output: false, "", 0.
  static bool IsFalsy(element value) {
    bool b;
    if (value.get_bool().get(b) == simdjson::SUCCESS) return !b;
    std::string_view s;
    if (value.get_string().get(s) == simdjson::SUCCESS) return s.empty();
    double d;
    if (value.get_double().get(d) == simdjson::SUCCESS) return d == 0;
    return false;
  }

  object obj_;
  std::string prefix_;
  const RawBodyValues* raw_ = nullptr;
  std::string error_;
};

struct EventTypeInfo {
  std::string_view name;
  EventKind kind;
  ObservationType observation_type;
  bool is_update;
};

constexpr EventTypeInfo kEventTypes[] = {
    {"trace-create", EventKind::kTrace, ObservationType::kSpan, false},
    {"span-create", EventKind::kObservation, ObservationType::kSpan, false},
    {"span-update", EventKind::kObservation, ObservationType::kSpan, true},
    {"generation-create", EventKind::kObservation, ObservationType::kGeneration, false},
    {"generation-update", EventKind::kObservation, ObservationType::kGeneration, true},
    {"event-create", EventKind::kObservation, ObservationType::kEvent, false},
    {"agent-create", EventKind::kObservation, ObservationType::kAgent, false},
    {"tool-create", EventKind::kObservation, ObservationType::kTool, false},
    {"chain-create", EventKind::kObservation, ObservationType::kChain, false},
    {"retriever-create", EventKind::kObservation, ObservationType::kRetriever, false},
    {"evaluator-create", EventKind::kObservation, ObservationType::kEvaluator, false},
    {"embedding-create", EventKind::kObservation, ObservationType::kEmbedding, false},
    {"guardrail-create", EventKind::kObservation, ObservationType::kGuardrail, false},
    {"observation-create", EventKind::kObservation, ObservationType::kSpan, false},
    {"observation-update", EventKind::kObservation, ObservationType::kSpan, true},
    {"score-create", EventKind::kScore, ObservationType::kSpan, false},
};

const EventTypeInfo* FindEventType(std::string_view name) {
  for (const auto& info : kEventTypes) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string DecodeTrace(object body, const RawBodyValues* raw, TracePatch& p, bool* has_id) {
  FieldReader r(body, "body.", raw);
  auto id = r.String("id", kMaxIdLength);
  if (id && id->empty()) r.Fail("id", "must not be empty");
  *has_id = id.has_value();
  if (id) p.id = std::move(*id);
  p.timestamp_us = r.Timestamp("timestamp");
  p.name = r.NullableString("name", kMaxTraceNameLength);
  p.user_id = r.NullableString("userId");
  p.session_id = r.NullableString("sessionId");
  p.release = r.NullableString("release");
  p.version = r.NullableString("version");
  p.input = r.AnyJson("input");
  p.output = r.AnyJson("output");
  p.metadata = r.Metadata("metadata");
  p.tags = r.StringArray("tags");
  // Every trace-create without `public` writes false, as Langfuse does.
  p.is_public = r.Bool("public").value_or(false);
  if (auto env = r.String("environment")) p.environment = NormalizeEnvironment(*env);
  return r.error();
}

std::string DecodeObservation(object body, const RawBodyValues* raw, const EventTypeInfo& info,
                              ObservationPatch& p) {
  FieldReader r(body, "body.", raw);
  auto id = r.String("id", kMaxIdLength);
  if ((!id || id->empty()) && r.ok()) r.Fail("id", "required, a non-empty string");
  if (id) p.id = std::move(*id);
  p.is_update = info.is_update;
  p.type = info.observation_type;
  if (info.name.starts_with("observation-")) {
    auto type = r.String("type");
    auto parsed = type ? ParseObservationType(*type) : std::nullopt;
    if (!parsed || (*parsed != ObservationType::kSpan && *parsed != ObservationType::kGeneration &&
                    *parsed != ObservationType::kEvent)) {
      r.Fail("type", "expected SPAN, GENERATION or EVENT");
    } else {
      p.type = *parsed;
    }
  }
  p.trace_id = r.String("traceId", kMaxIdLength);
  p.name = r.NullableString("name");
  p.start_time_us = r.Timestamp("startTime");
  p.end_time_us = r.Timestamp("endTime");
  p.completion_start_time_us = r.Timestamp("completionStartTime");
  p.metadata = r.Metadata("metadata");
  p.input = r.AnyJson("input");
  p.output = r.AnyJson("output");
  auto level = r.NullableString("level");
  if (level.is_set()) {
    auto parsed = ParseLevel(level.value);
    if (!parsed) {
      r.Fail("level", "expected DEBUG, DEFAULT, WARNING or ERROR");
    } else {
      p.level.Set(*parsed);
    }
  } else if (level.is_null()) {
    p.level.SetNull();
  }
  p.status_message = r.String("statusMessage");
  p.parent_observation_id = r.String("parentObservationId", kMaxIdLength);
  p.version = r.String("version");
  if (auto env = r.String("environment")) p.environment = NormalizeEnvironment(*env);
  p.model = r.NullableString("model");
  p.model_parameters = r.Object("modelParameters");
  p.prompt_name = r.String("promptName");
  p.prompt_version = r.Integer("promptVersion");
  if (r.ok() && p.prompt_name.has_value() != p.prompt_version.has_value()) {
    r.Fail("promptName", "promptName and promptVersion must be given together");
  }
  if (r.ok()) {
    UsageInput usage;
    usage.usage = r.Get("usage");
    usage.usage_details = r.Get("usageDetails");
    usage.cost_details = r.Get("costDetails");
    std::string usage_error =
        NormalizeUsage(usage, &p.usage_details, &p.cost_details, &p.usage_unit);
    if (!usage_error.empty()) r.Fail("", usage_error);
  }
  return r.error();
}

std::string FormatNumber(double number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", number);
  return buf;
}

std::string DecodeScore(object body, ScorePatch& s, const std::string& fallback_id) {
  FieldReader r(body, "body.");
  auto id = r.String("id", kMaxIdLength);
  s.id = id && !id->empty() ? std::move(*id) : fallback_id;
  auto name = r.String("name");
  if (!name || name->empty()) {
    if (r.ok()) r.Fail("name", "required, a non-empty string");
  } else {
    s.name = std::move(*name);
  }
  s.trace_id = r.String("traceId", kMaxIdLength);
  s.observation_id = r.String("observationId", kMaxIdLength);
  s.session_id = r.String("sessionId", kMaxIdLength);
  s.dataset_run_id = r.String("datasetRunId", kMaxIdLength);
  s.comment = r.String("comment");
  s.config_id = r.String("configId");
  s.queue_id = r.String("queueId");
  if (auto metadata = r.Metadata("metadata")) s.metadata = *metadata;
  if (auto env = r.String("environment")) s.environment = NormalizeEnvironment(*env);
  if (auto source = r.String("source")) {
    if (*source != "API" && *source != "ANNOTATION" && *source != "EVAL") {
      r.Fail("source", "expected API, ANNOTATION or EVAL");
    } else {
      s.source = *source;
    }
  }
  std::optional<ScoreDataType> data_type;
  if (auto dt = r.String("dataType")) {
    data_type = ParseScoreDataType(*dt);
    if (!data_type)
      r.Fail("dataType", "expected NUMERIC, CATEGORICAL, BOOLEAN, TEXT or CORRECTION");
  }
  if (!r.ok()) return r.error();

  int subjects = (s.trace_id ? 1 : 0) + (s.session_id ? 1 : 0) + (s.dataset_run_id ? 1 : 0);
  if (subjects != 1) {
    return "body: exactly one of traceId, sessionId or datasetRunId is required";
  }
  if (s.observation_id && !s.trace_id) return "body.observationId: requires traceId";

  auto value = r.Get("value");
  if (!value || value->is_null()) return "body.value: required, a number or a string";
  double number;
  std::string_view text;
  bool is_number = value->get_double().get(number) == simdjson::SUCCESS;
  if (!is_number) {
    int64_t i;
    if (value->get_int64().get(i) == simdjson::SUCCESS) {
      number = static_cast<double>(i);
      is_number = true;
    }
  }
  bool is_string = !is_number && value->get_string().get(text) == simdjson::SUCCESS;
  if (!is_number && !is_string) return "body.value: expected a number or a string";
  if (!data_type) data_type = is_number ? ScoreDataType::kNumeric : ScoreDataType::kCategorical;
  s.data_type = *data_type;
  switch (*data_type) {
    case ScoreDataType::kNumeric:
      if (!is_number) return "body.value: NUMERIC scores need a number";
      if (!std::isfinite(number)) return "body.value: must be finite";
      s.value = number;
      break;
    case ScoreDataType::kBoolean:
      if (!is_number || (number != 0 && number != 1)) {
        return "body.value: BOOLEAN scores need 0 or 1";
      }
      s.value = number;
      s.string_value = number == 1 ? "True" : "False";
      break;
    case ScoreDataType::kCategorical:
      if (is_string) {
        s.value = 0;
        s.string_value = std::string(text);
      } else {
        s.value = number;
        s.string_value = FormatNumber(number);
      }
      break;
    case ScoreDataType::kText:
    case ScoreDataType::kCorrection:
      if (!is_string) return "body.value: TEXT and CORRECTION scores need a string";
      if (*data_type == ScoreDataType::kText && (text.empty() || text.size() > 500)) {
        return "body.value: TEXT scores need 1 to 500 characters";
      }
      s.value = 0;
      s.string_value = std::string(text);
      break;
  }
  return "";
}

EventError MakeError(std::string id, int status, std::string message, std::string error) {
  return EventError{std::move(id), status, std::move(message), std::move(error)};
}

}  // namespace

std::string NormalizeEnvironment(std::string_view environment) {
  std::string env;
  env.reserve(environment.size());
  for (char c : environment) {
    env.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (std::string_view prefix : {"langfuse-", "langfuse_", "langfuse"}) {
      if (env.starts_with(prefix)) {
        env.erase(0, prefix.size());
        stripped = true;
        break;
      }
    }
  }
  if (env.size() > 40) env.resize(40);
  if (env.empty()) return "default";
  for (char c : env) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
      return "default";
    }
  }
  return env;
}

Result<DecodedBatch> DecodeIngestionBatch(std::string_view body, IngestAccess access) {
  thread_local simdjson::dom::parser parser;
  element doc;
  std::string widened;  // the body, when numbers out of simdjson's range had to be rewritten
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    auto retry = err == simdjson::NUMBER_ERROR ? WidenOutOfRangeNumbers(body) : std::nullopt;
    if (!retry || parser.parse(retry->data(), retry->size()).get(doc) != simdjson::SUCCESS) {
      return Status::InvalidArgument(std::string("Invalid JSON body: ") +
                                     simdjson::error_message(err));
    }
    widened = std::move(*retry);
    body = widened;
  }
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    return Status::InvalidArgument("body: expected an object with a \"batch\" array");
  }
  simdjson::dom::array batch;
  if (root.at_key("batch").get_array().get(batch) != simdjson::SUCCESS) {
    return Status::InvalidArgument("batch: required, an array of events");
  }

  const std::vector<RawBodyValues> raw = FindRawBodyValues(body);
  const bool have_raw = raw.size() == batch.size();

  DecodedBatch out;
  out.events.reserve(batch.size());
  size_t index = 0;
  for (element item : batch) {
    const RawBodyValues* item_raw = have_raw ? &raw[index] : nullptr;
    ++index;
    object event;
    if (item.get_object().get(event) != simdjson::SUCCESS) {
      out.errors.push_back(
          MakeError("unknown", 400, "Invalid request data", "event: expected an object"));
      continue;
    }
    std::string_view id_view;
    std::string event_id = event.at_key("id").get_string().get(id_view) == simdjson::SUCCESS
                               ? std::string(id_view)
                               : "unknown";
    auto fail = [&](int status, std::string message, std::string error) {
      out.errors.push_back(MakeError(event_id, status, std::move(message), std::move(error)));
    };
    if (event_id == "unknown" || event_id.empty() || event_id.size() > kMaxIdLength ||
        event_id.find('\r') != std::string::npos) {
      fail(400, "Invalid request data", "id: required, a string of 1 to 800 characters");
      continue;
    }
    std::string_view type_name;
    if (event.at_key("type").get_string().get(type_name) != simdjson::SUCCESS) {
      fail(400, "Invalid request data", "type: required, a string");
      continue;
    }
    if (type_name == "sdk-log") continue;  // logged by SDKs for debugging; never stored
    const EventTypeInfo* info = FindEventType(type_name);
    if (!info) {
      fail(400, "Invalid request data",
           "type: unknown event type \"" + std::string(type_name) + "\"");
      continue;
    }
    if (access == IngestAccess::kScoresOnly && info->kind != EventKind::kScore) {
      fail(401, "Access Scope Denied",
           "a public key alone may only send score-create events; use the secret key");
      continue;
    }
    std::string_view ts_text;
    std::optional<int64_t> timestamp;
    if (event.at_key("timestamp").get_string().get(ts_text) == simdjson::SUCCESS) {
      timestamp = ParseIsoTimestamp(ts_text);
    }
    if (!timestamp) {
      fail(400, "Invalid request data",
           "timestamp: required, an ISO 8601 datetime with a time zone");
      continue;
    }
    object body_obj;
    if (event.at_key("body").get_object().get(body_obj) != simdjson::SUCCESS) {
      fail(400, "Invalid request data", "body: required, an object");
      continue;
    }

    IngestEvent decoded;
    decoded.event_id = event_id;
    decoded.timestamp_us = *timestamp;
    decoded.kind = info->kind;
    std::string error;
    bool store = true;
    switch (info->kind) {
      case EventKind::kTrace:
        error = DecodeTrace(body_obj, item_raw, decoded.trace, &store);
        break;
      case EventKind::kObservation:
        error = DecodeObservation(body_obj, item_raw, *info, decoded.observation);
        break;
      case EventKind::kScore:
        error = DecodeScore(body_obj, decoded.score, event_id);
        decoded.score.timestamp_us = *timestamp;
        break;
    }
    if (!error.empty()) {
      fail(400, "Invalid request data", error);
      continue;
    }
    out.acknowledged.push_back(event_id);
    if (store) out.events.push_back(std::move(decoded));
  }
  return out;
}

Result<ScorePatch> DecodeScoreBody(std::string_view body, std::string fallback_id,
                                   int64_t timestamp_us) {
  thread_local simdjson::dom::parser parser;
  element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("Invalid JSON body: ") +
                                   simdjson::error_message(err));
  }
  object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("body: expected an object");
  }
  ScorePatch score;
  std::string error = DecodeScore(obj, score, fallback_id);
  if (!error.empty()) return Status::InvalidArgument(error);
  score.timestamp_us = timestamp_us;
  return score;
}

}  // namespace lanterne
