#include "ingest/otlp/span_mapping.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "core/ids.h"
#include "core/json.h"
#include "core/text.h"
#include "core/time.h"
#include "ingest/otlp/span_attributes.h"
#include "ingest/usage.h"

namespace lanterne {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Builds a JSON object from keys and JSON texts; a later Set of a key wins.
class JsonObject {
 public:
  void Set(std::string key, std::string json_text) {
    fields_[std::move(key)] = std::move(json_text);
  }
  bool empty() const { return fields_.empty(); }
  std::string Text() const {
    JsonBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    for (const auto& [key, value] : fields_) {
      w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      WriteRaw(w, value);
    }
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  }

 private:
  std::map<std::string, std::string> fields_;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsTrue(const otlp::AnyValue* value) {
  if (!value) return false;
  if (value->value_case() == otlp::AnyValue::kBoolValue) return value->bool_value();
  return value->value_case() == otlp::AnyValue::kStringValue &&
         AsciiLower(value->string_value()) == "true";
}

// Everything one span is read from: its own attributes, its resource's and its scope's.
struct SpanContext {
  const otlp::Span& span;
  const SpanAttributes& attrs;
  const SpanAttributes& resource;
  const otlp::InstrumentationScope& scope;
  // The `resourceAttributes` and `scope` metadata values, shared by every span of the
  // scope; empty when there is nothing to record.
  const std::string& resource_json;
  const std::string& scope_json;

  bool FromLangfuseSdk() const { return StartsWith(scope.name(), "langfuse-sdk"); }
  // A span attribute, else the resource's (environment and release are set either way).
  std::optional<std::string> SpanOrResource(std::string_view key) const {
    if (auto v = attrs.Text(key)) return v;
    return resource.Text(key);
  }
};

// ---- Observation type (4.5) -------------------------------------------------------------

std::optional<ObservationType> TypeFromOpenInferenceKind(std::string_view kind) {
  std::string k = AsciiLower(kind);
  if (k == "llm") return ObservationType::kGeneration;
  if (k == "chain") return ObservationType::kChain;
  if (k == "retriever") return ObservationType::kRetriever;
  if (k == "embedding") return ObservationType::kEmbedding;
  if (k == "agent") return ObservationType::kAgent;
  if (k == "tool") return ObservationType::kTool;
  if (k == "guardrail") return ObservationType::kGuardrail;
  if (k == "evaluator") return ObservationType::kEvaluator;
  return std::nullopt;
}

std::optional<ObservationType> TypeFromGenAiOperation(std::string_view operation) {
  for (std::string_view generation :
       {"chat", "completion", "text_completion", "generate_content", "generate"}) {
    if (operation == generation) return ObservationType::kGeneration;
  }
  if (operation == "embeddings") return ObservationType::kEmbedding;
  if (operation == "invoke_agent" || operation == "create_agent") return ObservationType::kAgent;
  if (operation == "execute_tool") return ObservationType::kTool;
  return std::nullopt;
}

bool HasModelAttribute(const SpanAttributes& a) {
  for (std::string_view key : {"langfuse.observation.model.name", "gen_ai.request.model",
                               "gen_ai.response.model", "llm.model_name", "model"}) {
    if (a.Has(key)) return true;
  }
  return false;
}

ObservationType TypeOf(const SpanContext& c) {
  const SpanAttributes& a = c.attrs;
  if (auto t = a.Text("langfuse.observation.type")) {
    // Only the lowercase names are Langfuse's; anything else falls through to the other rules.
    if (*t == AsciiLower(*t)) {
      std::string upper = *t;
      for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (auto parsed = ParseObservationType(upper)) return *parsed;
    }
  }
  if (auto kind = a.Text("openinference.span.kind")) {
    if (auto t = TypeFromOpenInferenceKind(*kind)) return *t;
  }
  if (auto op = a.Text("gen_ai.operation.name")) {
    if (auto t = TypeFromGenAiOperation(*op)) return *t;
  }
  // Vercel AI SDK spans name their operation in `ai.operationId`.
  if (auto op = a.Text("ai.operationId")) {
    bool has_model = HasModelAttribute(a) || a.Has("ai.model.id");
    for (std::string_view generation :
         {"ai.generateText.doGenerate", "ai.streamText.doStream", "ai.generateObject.doGenerate",
          "ai.streamObject.doStream"}) {
      if (*op == generation && has_model) return ObservationType::kGeneration;
    }
    if ((*op == "ai.embed.doEmbed" || *op == "ai.embedMany.doEmbed") && has_model) {
      return ObservationType::kEmbedding;
    }
    if (*op == "ai.toolCall") return ObservationType::kTool;
  }
  if (a.Has("gen_ai.tool.name") || a.Has("gen_ai.tool.call.id")) return ObservationType::kTool;
  if (HasModelAttribute(a)) return ObservationType::kGeneration;
  return ObservationType::kSpan;
}

// ---- Input and output (4.6) -------------------------------------------------------------

struct InputOutput {
  std::optional<std::string> input, output;  // JSON text
  bool found() const { return input || output; }
};

InputOutput FromKeys(const SpanAttributes& a, std::string_view input_key,
                     std::string_view output_key) {
  InputOutput io;
  if (const auto* v = a.Find(input_key)) io.input = ParsedValueJson(*v);
  if (const auto* v = a.Find(output_key)) io.output = ParsedValueJson(*v);
  return io;
}

// Rebuilds nested JSON from flattened keys (`gen_ai.prompt.0.role`): numeric segments
// become array positions, the others object keys.
class FlatTree {
 public:
  void Add(std::string_view path, const otlp::AnyValue* value) {
    Node* node = &root_;
    size_t start = 0;
    // Real keys are a few levels deep (`0.tool_calls.1.function.name`). Past kMaxDepth the
    // rest of the key stays one segment: a hostile key of thousands of dots would otherwise
    // make NodeJson and ~Node recurse once per level, until the stack overflows.
    for (int depth = 1; start <= path.size(); ++depth) {
      size_t dot = depth < kMaxDepth ? path.find('.', start) : std::string_view::npos;
      std::string_view segment =
          path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (segment == "__proto__" || segment == "constructor" || segment == "prototype") return;
      node = &node->children[std::string(segment)];
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    node->value = value;
  }
  bool empty() const { return root_.children.empty(); }
  std::string Json() const { return NodeJson(root_); }

 private:
  static constexpr int kMaxDepth = 32;

  struct Node {
    std::map<std::string, Node> children;
    const otlp::AnyValue* value = nullptr;
  };

  static std::optional<size_t> Index(const std::string& key) {
    if (key.empty() || key.size() > 4) return std::nullopt;  // at most 10,000 slots
    size_t n = 0;
    for (char c : key) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n;
  }

  static std::string NodeJson(const Node& node) {
    if (node.children.empty()) return node.value ? ParsedValueJson(*node.value) : "null";
    bool is_array = true;
    for (const auto& [key, child] : node.children) is_array = is_array && Index(key).has_value();
    JsonBuffer buffer;
    JsonWriter w(buffer);
    if (is_array) {
      std::vector<std::pair<size_t, const Node*>> items;
      for (const auto& [key, child] : node.children) items.emplace_back(*Index(key), &child);
      std::sort(items.begin(), items.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      w.StartArray();
      for (const auto& item : items) WriteRaw(w, NodeJson(*item.second));
      w.EndArray();
    } else {
      w.StartObject();
      for (const auto& [key, child] : node.children) {
        w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
        WriteRaw(w, NodeJson(child));
      }
      w.EndObject();
    }
    return std::string(buffer.GetString(), buffer.GetSize());
  }

  Node root_;
};

std::optional<std::string> Unflatten(const SpanAttributes& a, std::string_view prefix) {
  FlatTree tree;
  std::string dotted = std::string(prefix) + ".";
  for (const auto& [key, value] : a.WithPrefix(dotted)) tree.Add(key.substr(dotted.size()), value);
  if (tree.empty()) return std::nullopt;
  return tree.Json();
}

// OTel GenAI messages; the system instructions join the input as a system message when the
// input has none.
InputOutput FromGenAiMessages(const SpanAttributes& a) {
  InputOutput io = FromKeys(a, "gen_ai.input.messages", "gen_ai.output.messages");
  if (const auto* system = a.Find("gen_ai.system_instructions")) {
    std::string messages = io.input.value_or("[]");
    bool has_system = messages.find("\"role\":\"system\"") != std::string::npos;
    if (!has_system && !messages.empty() && messages.front() == '[') {
      std::string system_message =
          "{\"role\":\"system\",\"content\":" + ParsedValueJson(*system) + "}";
      io.input = messages == "[]" ? "[" + system_message + "]"
                                  : "[" + system_message + "," + messages.substr(1);
    }
  }
  if (io.found()) return io;
  return FromKeys(a, "gen_ai.tool.call.arguments", "gen_ai.tool.call.result");
}

// Span events of the GenAI conventions: one event per message, or one event carrying the
// whole exchange.
InputOutput FromGenAiEvents(const otlp::Span& span) {
  InputOutput io;
  std::vector<std::string> input, output;
  for (const auto& event : span.events()) {
    const std::string& name = event.name();
    SpanAttributes attrs(event.attributes());
    if (name == "gen_ai.client.inference.operation.details") {
      InputOutput details = FromGenAiMessages(attrs);
      if (details.found()) return details;
      continue;
    }
    std::string role;
    if (name == "gen_ai.system.message") role = "system";
    if (name == "gen_ai.user.message") role = "user";
    if (name == "gen_ai.assistant.message") role = "assistant";
    if (name == "gen_ai.tool.message") role = "tool";
    bool choice = name == "gen_ai.choice";
    if (role.empty() && !choice) continue;
    JsonObject message;
    if (!role.empty()) message.Set("role", JsonQuote(role));
    for (const auto& [key, value] : attrs.entries()) {
      std::string_view k = key;
      if (StartsWith(k, "gen_ai.")) k = k.substr(7);
      if (k == "system") continue;
      message.Set(std::string(k), ParsedValueJson(*value));
    }
    (choice ? output : input).push_back(message.Text());
  }
  auto join = [](const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
    return out + "]";
  };
  if (!input.empty()) io.input = join(input);
  if (output.size() == 1) io.output = output.front();
  if (output.size() > 1) io.output = join(output);
  return io;
}

InputOutput ObservationInputOutput(const SpanContext& c) {
  const SpanAttributes& a = c.attrs;
  InputOutput io = FromKeys(a, "langfuse.observation.input", "langfuse.observation.output");
  if (io.found()) return io;
  if ((io = FromGenAiEvents(c.span)).found()) return io;
  if ((io = FromKeys(a, "mlflow.spanInputs", "mlflow.spanOutputs")).found()) return io;
  if ((io = FromKeys(a, "traceloop.entity.input", "traceloop.entity.output")).found()) return io;
  if ((io = FromKeys(a, "input.value", "output.value")).found()) return io;
  if ((io = FromKeys(a, "input", "output")).found()) return io;
  io.input = Unflatten(a, "gen_ai.prompt");
  io.output = Unflatten(a, "gen_ai.completion");
  if (io.found()) return io;
  io.input = Unflatten(a, "llm.input_messages");
  io.output = Unflatten(a, "llm.output_messages");
  if (io.found()) return io;
  return FromGenAiMessages(a);
}

bool IsInputOutputKey(std::string_view key) {
  static constexpr std::array<std::string_view, 18> kKeys = {"langfuse.observation.input",
                                                             "langfuse.observation.output",
                                                             "langfuse.trace.input",
                                                             "langfuse.trace.output",
                                                             "mlflow.spanInputs",
                                                             "mlflow.spanOutputs",
                                                             "traceloop.entity.input",
                                                             "traceloop.entity.output",
                                                             "input.value",
                                                             "output.value",
                                                             "input",
                                                             "output",
                                                             "gen_ai.input.messages",
                                                             "gen_ai.output.messages",
                                                             "gen_ai.system_instructions",
                                                             "gen_ai.tool.call.arguments",
                                                             "gen_ai.tool.call.result",
                                                             "ai.prompt.messages"};
  if (std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end()) return true;
  for (std::string_view prefix :
       {"gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.",
        "langfuse.trace.metadata", "langfuse.observation.metadata", "ai.telemetry.metadata"}) {
    if (StartsWith(key, prefix)) return true;
  }
  return false;
}

// ---- Model, parameters, usage, cost (4.7) -----------------------------------------------

std::optional<std::string> ModelName(const SpanAttributes& a) {
  return a.FirstText({"langfuse.observation.model.name", "gen_ai.response.model", "ai.model.id",
                      "gen_ai.request.model", "llm.response.model", "llm.model_name", "model"});
}

// A JSON object text from a string attribute, when it holds one.
std::optional<std::string> JsonObjectAttribute(const SpanAttributes& a, std::string_view key) {
  const auto* value = a.Find(key);
  if (!value) return std::nullopt;
  if (value->value_case() == otlp::AnyValue::kKvlistValue) return AnyValueJson(*value);
  if (value->value_case() != otlp::AnyValue::kStringValue) return std::nullopt;
  std::string json = JsonFromText(value->string_value());
  if (json.empty() || json.front() != '{') return std::nullopt;
  return json;
}

// Parameter values are kept as strings or numbers; anything else as its JSON text.
std::string ParameterJson(const otlp::AnyValue& value) {
  switch (value.value_case()) {
    case otlp::AnyValue::kStringValue:
    case otlp::AnyValue::kIntValue:
    case otlp::AnyValue::kDoubleValue:
      return AnyValueJson(value);
    default:
      return JsonQuote(AnyValueJson(value));
  }
}

std::optional<std::string> ModelParameters(const SpanAttributes& a) {
  if (auto json = JsonObjectAttribute(a, "langfuse.observation.model.parameters")) return json;
  if (auto json = JsonObjectAttribute(a, "llm.invocation_parameters")) return json;
  JsonObject params;
  for (const auto& [key, value] : a.WithPrefix("gen_ai.request.")) {
    std::string_view name = key.substr(15);
    if (name == "model") continue;
    params.Set(std::string(name), ParameterJson(*value));
  }
  for (const auto& [key, value] : a.WithPrefix("llm.invocation_parameters.")) {
    params.Set(std::string(key.substr(26)), ParameterJson(*value));
  }
  if (params.empty()) return std::nullopt;
  return params.Text();
}

// Token counts of the GenAI conventions and OpenInference (`gen_ai.usage.input_tokens`,
// `llm.token_count.prompt`, ...) under Langfuse's usage keys; cached, cache-creation,
// reasoning and audio tokens become keys of their own and leave the input/output counts.
std::optional<std::string> GenericUsage(const SpanAttributes& a) {
  std::map<std::string, double> raw;
  for (std::string_view prefix : {"gen_ai.usage.", "llm.token_count."}) {
    for (const auto& [key, value] : a.WithPrefix(prefix)) {
      std::string name(key.substr(prefix.size()));
      if (name == "cost") continue;
      if (auto n = a.Number(key)) raw[name] = *n;
    }
  }
  if (raw.empty()) return std::nullopt;
  auto take = [&](std::initializer_list<const char*> names) -> std::optional<double> {
    std::optional<double> found;
    for (const char* name : names) {
      auto it = raw.find(name);
      if (it == raw.end()) continue;
      if (!found) found = it->second;
      raw.erase(it);
    }
    return found;
  };
  auto input = take({"prompt_tokens", "input_tokens", "prompt"});
  auto output = take({"completion_tokens", "output_tokens", "completion"});
  auto total = take({"total_tokens", "total"});
  auto cached = take({"cache_read.input_tokens", "cache_read_input_tokens", "cache_read_tokens",
                      "details.cache_read", "prompt_details.cache_read"});
  auto creation = take({"cache_creation.input_tokens", "cache_creation_input_tokens",
                        "cache_write_tokens", "details.cache_write", "prompt_details.cache_write"});
  auto reasoning = take({"reasoning.output_tokens", "reasoning_tokens",
                         "completion_details.reasoning", "details.reasoning"});
  auto audio = take({"completion_details.audio"});
  JsonObject usage;
  // Counts saturate below INT64_MAX: converting a larger double (a hostile 1e300, or an
  // int_value of INT64_MAX, which rounds up on its way to double) to int64 is undefined.
  auto set = [&](const std::string& key, double value) {
    double count = value > 0 ? std::min(value, 9e18) : 0.0;
    usage.Set(key, std::to_string(static_cast<int64_t>(count)));
  };
  if (input) set("input", *input - cached.value_or(0) - creation.value_or(0));
  if (output) set("output", *output - reasoning.value_or(0) - audio.value_or(0));
  if (total) set("total", *total);
  if (cached) set("input_cached_tokens", *cached);
  if (creation) set("input_cache_creation", *creation);
  if (reasoning) set("output_reasoning_tokens", *reasoning);
  if (audio) set("output_audio_tokens", *audio);
  for (const auto& [key, value] : raw) {
    set(StartsWith(key, "details.") ? key.substr(8) : key, value);
  }
  return usage.Text();
}

void FillUsageAndCost(const SpanAttributes& a, ObservationPatch& p) {
  thread_local simdjson::dom::parser usage_parser, cost_parser;
  UsageInput in;
  std::optional<std::string> usage_json =
      JsonObjectAttribute(a, "langfuse.observation.usage_details");
  if (!usage_json && a.Has("langfuse.observation.usage_details")) usage_json = "{}";
  if (!usage_json) usage_json = GenericUsage(a);
  element usage_element, cost_element;
  if (usage_json && usage_parser.parse(usage_json->data(), usage_json->size()).get(usage_element) ==
                        simdjson::SUCCESS) {
    in.usage_details = usage_element;
  }
  std::optional<std::string> cost_json =
      JsonObjectAttribute(a, "langfuse.observation.cost_details");
  if (!cost_json) {
    auto total = a.Number("gen_ai.usage.cost");
    if (!total) total = a.Number("llm.cost.total");
    if (total) {
      otlp::AnyValue value;
      value.set_double_value(*total);
      cost_json = "{\"total\":" + AnyValueJson(value) + "}";
    }
  }
  if (cost_json && cost_parser.parse(cost_json->data(), cost_json->size()).get(cost_element) ==
                       simdjson::SUCCESS) {
    in.cost_details = cost_element;
  }
  // Malformed counts are dropped rather than failing the span: OTel spans arrive complete
  // and cannot be resent corrected, so the rest of the span is worth keeping.
  if (!NormalizeUsage(in, &p.usage_details, &p.cost_details, &p.usage_unit).empty()) {
    p.usage_details.clear();
    p.cost_details.clear();
    p.usage_unit.reset();
  }
}

// ---- Metadata (4.10) --------------------------------------------------------------------

// `<prefix>` holding a JSON object is spread; each `<prefix>.<key>` becomes `key`.
void AddPrefixedMetadata(const SpanAttributes& a, std::string_view prefix, JsonObject& out) {
  thread_local simdjson::dom::parser parser;
  if (const auto* whole = a.Find(prefix)) {
    std::string json = ParsedValueJson(*whole);
    simdjson::dom::object obj;
    if (!json.empty() && json.front() == '{' &&
        parser.parse(json.data(), json.size()).get(obj) == simdjson::SUCCESS) {
      for (auto field : obj) out.Set(std::string(field.key), ToJsonText(field.value));
    }
  }
  std::string dotted = std::string(prefix) + ".";
  for (const auto& [key, value] : a.WithPrefix(dotted)) {
    out.Set(std::string(key.substr(dotted.size())), ParsedValueJson(*value));
  }
}

// Attribute values in metadata are strings: strings as they are, the rest as JSON text.
std::string AttributeMapJson(const std::vector<SpanAttributes::Entry>& entries) {
  JsonObject out;
  for (const auto& [key, value] : entries) {
    out.Set(std::string(key), value->value_case() == otlp::AnyValue::kStringValue
                                  ? JsonQuote(value->string_value())
                                  : JsonQuote(AnyValueJson(*value)));
  }
  return out.Text();
}

std::string ScopeJson(const otlp::InstrumentationScope& scope) {
  JsonObject out;
  out.Set("name", JsonQuote(scope.name()));
  out.Set("version", JsonQuote(scope.version()));
  out.Set("attributes", AttributeMapJson(SpanAttributes(scope.attributes()).entries()));
  return out.Text();
}

// The span attributes that no field took, for the `attributes` metadata key.
std::vector<SpanAttributes::Entry> UnmappedAttributes(const SpanContext& c) {
  std::vector<SpanAttributes::Entry> out;
  for (const auto& entry : c.attrs.entries()) {
    if (IsInputOutputKey(entry.first)) continue;
    // Langfuse SDK spans carry only `langfuse.*` keys that map to fields.
    if (c.FromLangfuseSdk() && StartsWith(entry.first, "langfuse.")) continue;
    out.push_back(entry);
  }
  return out;
}

void AddContextMetadata(const SpanContext& c, JsonObject& out) {
  if (!c.resource_json.empty()) out.Set("resourceAttributes", c.resource_json);
  if (!c.scope_json.empty()) out.Set("scope", c.scope_json);
}

std::string ObservationMetadata(const SpanContext& c) {
  JsonObject out;
  AddPrefixedMetadata(c.resource, "langfuse.trace.metadata", out);
  AddPrefixedMetadata(c.attrs, "langfuse.metadata", out);
  AddPrefixedMetadata(c.attrs, "langfuse.observation.metadata", out);
  auto unmapped = UnmappedAttributes(c);
  if (!unmapped.empty()) out.Set("attributes", AttributeMapJson(unmapped));
  AddContextMetadata(c, out);
  return out.Text();
}

// ---- Levels, times ----------------------------------------------------------------------

std::optional<Level> LevelAlias(std::string_view text) {
  std::string l = AsciiLower(text);
  for (std::string_view debug : {"trace", "verbose", "debug"}) {
    if (l == debug) return Level::kDebug;
  }
  for (std::string_view def : {"info", "log", "notice", "ok", "success", "default"}) {
    if (l == def) return Level::kDefault;
  }
  if (l == "warn" || l == "warning") return Level::kWarning;
  for (std::string_view error : {"error", "fatal", "critical"}) {
    if (l == error) return Level::kError;
  }
  return std::nullopt;
}

std::optional<int64_t> CompletionStart(const SpanAttributes& a, int64_t start_us) {
  if (auto text = a.Text("langfuse.observation.completion_start_time")) {
    std::string_view t = *text;
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    if (auto parsed = ParseLenientTimestamp(t)) return parsed;
  }
  for (std::string_view key : {"ai.response.msToFirstChunk", "ai.stream.msToFirstChunk"}) {
    // Only offsets a span can have (0 to ~30 years): converting a larger double to int64 is
    // undefined behaviour, and the sum must not overflow either.
    auto ms = a.Number(key);
    if (ms && *ms >= 0 && *ms <= 1e12) return start_us + static_cast<int64_t>(*ms * 1000);
  }
  return std::nullopt;
}

// ---- Trace attributes (4.3, 4.9) --------------------------------------------------------

bool CarriesTraceAttributes(const SpanAttributes& a) {
  for (std::string_view key :
       {"langfuse.trace.name", "langfuse.trace.input", "langfuse.trace.output",
        "langfuse.trace.tags", "langfuse.trace.public", "user.id", "session.id", "langfuse.user.id",
        "langfuse.session.id", "langfuse.observation.metadata.langfuse_user_id",
        "langfuse.observation.metadata.langfuse_session_id",
        "langfuse.observation.metadata.langfuse_tags", "ai.telemetry.metadata.sessionId",
        "ai.telemetry.metadata.userId", "ai.telemetry.metadata.tags", "tag.tags"}) {
    if (a.Has(key)) return true;
  }
  return !a.WithPrefix("langfuse.trace.metadata").empty();
}

// Tags arrive as a string array, a JSON array in a string, a comma-separated string or
// a single string.
std::vector<std::string> TagsOf(const otlp::AnyValue& value) {
  std::vector<std::string> tags;
  if (value.value_case() == otlp::AnyValue::kArrayValue) {
    for (const auto& item : value.array_value().values()) tags.push_back(AnyValueText(item));
  } else if (value.value_case() == otlp::AnyValue::kStringValue) {
    const std::string& s = value.string_value();
    thread_local simdjson::dom::parser parser;
    simdjson::dom::array arr;
    if (!s.empty() && s.front() == '[' &&
        parser.parse(s.data(), s.size()).get(arr) == simdjson::SUCCESS) {
      for (element item : arr) {
        std::string_view text;
        if (item.get_string().get(text) == simdjson::SUCCESS) {
          tags.emplace_back(text);
        } else {
          tags.push_back(ToJsonText(item));
        }
      }
    } else {
      size_t start = 0;
      while (start <= s.size()) {
        size_t comma = s.find(',', start);
        std::string tag =
            s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        tag.erase(0, tag.find_first_not_of(' '));
        tag.erase(tag.find_last_not_of(' ') + 1);
        if (!tag.empty()) tags.push_back(tag);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
  } else if (value.value_case() != otlp::AnyValue::VALUE_NOT_SET) {
    tags.push_back(AnyValueText(value));
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

void FillTraceAttributes(const SpanContext& c, TracePatch& t) {
  const SpanAttributes& a = c.attrs;
  if (auto user = a.FirstText(
          {"langfuse.user.id", "user.id", "langfuse.observation.metadata.langfuse_user_id",
           "langfuse.trace.metadata.langfuse_user_id", "ai.telemetry.metadata.userId"})) {
    t.user_id.Set(*user);
  }
  if (auto session = a.FirstText({"langfuse.session.id", "session.id", "gen_ai.conversation.id",
                                  "langfuse.observation.metadata.langfuse_session_id",
                                  "langfuse.trace.metadata.langfuse_session_id",
                                  "ai.telemetry.metadata.sessionId"})) {
    t.session_id.Set(*session);
  }
  for (std::string_view key :
       {"langfuse.trace.tags", "langfuse.tags", "langfuse.observation.metadata.langfuse_tags",
        "langfuse.trace.metadata.langfuse_tags", "ai.telemetry.metadata.tags", "tag.tags"}) {
    if (const auto* value = a.Find(key)) {
      auto tags = TagsOf(*value);
      t.tags.insert(t.tags.end(), tags.begin(), tags.end());
    }
  }
  if (a.Has("langfuse.trace.public") || a.Has("langfuse.public")) {
    t.is_public = IsTrue(a.Find("langfuse.trace.public")) || IsTrue(a.Find("langfuse.public"));
  }
  if (auto name = a.Text("langfuse.trace.name")) t.name.Set(*name);
  InputOutput io = FromKeys(a, "langfuse.trace.input", "langfuse.trace.output");
  if (io.input) t.input = io.input;
  if (io.output) t.output = io.output;
}

// ---- One span ---------------------------------------------------------------------------

struct SpanTimes {
  int64_t start_us, end_us;
};

SpanTimes TimesOf(const otlp::Span& span, int64_t now_us) {
  int64_t start = static_cast<int64_t>(span.start_time_unix_nano() / 1000);
  int64_t end = static_cast<int64_t>(span.end_time_unix_nano() / 1000);
  if (start == 0) start = end;
  if (end == 0) end = start;
  if (start == 0) start = end = now_us;
  return {start, end};
}

std::string IdProblem(const otlp::Span& span) {
  if (span.trace_id().size() != 16) return "traceId must be 16 bytes (32 hex characters)";
  if (span.span_id().size() != 8) return "spanId must be 8 bytes (16 hex characters)";
  if (!span.parent_span_id().empty() && span.parent_span_id().size() != 8) {
    return "parentSpanId must be empty or 8 bytes (16 hex characters)";
  }
  if (span.trace_id() == std::string(16, '\0') || span.span_id() == std::string(8, '\0')) {
    return "traceId and spanId must not be all zeroes";
  }
  return "";
}

// What an export says about one trace beyond its spans' own trace events.
struct TraceSeen {
  int64_t earliest_start_us;
  std::optional<std::string> environment;
  std::string first_span_id;
  bool has_trace_event = false;
};

void MapSpan(const SpanContext& c, int64_t now_us, std::vector<IngestEvent>& events,
             std::map<std::string, TraceSeen>& traces) {
  const otlp::Span& span = c.span;
  const SpanAttributes& a = c.attrs;
  const std::string trace_id = HexEncode(span.trace_id());
  const std::string span_id = HexEncode(span.span_id());
  const SpanTimes times = TimesOf(span, now_us);
  const bool is_root = span.parent_span_id().empty() || IsTrue(a.Find("langfuse.internal.as_root"));

  std::optional<std::string> environment;
  for (std::string_view key :
       {"langfuse.environment", "deployment.environment.name", "deployment.environment"}) {
    if (auto env = c.SpanOrResource(key)) {
      environment = NormalizeEnvironment(*env);
      break;
    }
  }
  std::optional<std::string> release = c.SpanOrResource("langfuse.release");
  std::optional<std::string> version = a.Text("langfuse.version");
  if (!version) version = c.resource.Text("service.version");

  IngestEvent obs_event;
  obs_event.event_id = span_id;
  obs_event.timestamp_us = now_us;
  obs_event.kind = EventKind::kObservation;
  ObservationPatch& o = obs_event.observation;
  o.id = span_id;
  o.trace_id = trace_id;
  o.type = TypeOf(c);
  o.start_time_us = times.start_us;
  o.end_time_us = times.end_us;
  o.completion_start_time_us = CompletionStart(a, times.start_us);
  if (!span.parent_span_id().empty()) o.parent_observation_id = HexEncode(span.parent_span_id());
  if (auto tool = a.Text("gen_ai.tool.name")) {
    o.name.Set(*tool);
  } else if (!span.name().empty()) {
    o.name.Set(span.name());
  }
  if (auto level = a.Text("langfuse.observation.level"); level && LevelAlias(*level)) {
    o.level.Set(*LevelAlias(*level));
  } else if (span.status().code() == 2) {
    o.level.Set(Level::kError);
  } else {
    o.level.Set(Level::kDefault);
  }
  if (auto message = a.Text("langfuse.observation.status_message")) {
    o.status_message = message;
  } else if (!span.status().message().empty()) {
    o.status_message = span.status().message();
  }
  o.version = version;
  o.environment = environment;
  if (auto model = ModelName(a)) o.model.Set(*model);
  o.model_parameters = ModelParameters(a);
  if (!(a.Has("ai.operationId") && (a.Text("gen_ai.operation.name") == "invoke_agent" ||
                                    a.Text("gen_ai.operation.name") == "agent_step"))) {
    FillUsageAndCost(a, o);
  }
  if (o.type == ObservationType::kGeneration) {
    auto name = a.FirstText({"langfuse.observation.prompt.name", "langfuse.prompt.name"});
    auto prompt_version = a.Number("langfuse.observation.prompt.version").has_value()
                              ? a.Number("langfuse.observation.prompt.version")
                              : a.Number("langfuse.prompt.version");
    // A version beyond int64 is not one (and converting it would be undefined behaviour).
    if (name && prompt_version && *prompt_version > -9e18 && *prompt_version < 9e18) {
      o.prompt_name = name;
      o.prompt_version = static_cast<int64_t>(*prompt_version);
    }
  }
  InputOutput io = ObservationInputOutput(c);
  o.input = io.input;
  o.output = io.output;
  o.metadata = ObservationMetadata(c);

  // Roots and spans with trace attributes fill their trace; every other span only makes
  // sure it exists, which one event per trace and export does (see MapOtlpExport).
  auto [seen, first] =
      traces.try_emplace(trace_id, TraceSeen{times.start_us, environment, span_id});
  if (!first)
    seen->second.earliest_start_us = std::min(seen->second.earliest_start_us, times.start_us);
  const bool has_trace_attributes = CarriesTraceAttributes(a);
  if (!is_root && !has_trace_attributes) {
    events.push_back(std::move(obs_event));
    return;
  }
  seen->second.has_trace_event = true;
  IngestEvent trace_event;
  trace_event.event_id = span_id;
  trace_event.timestamp_us = now_us;
  trace_event.kind = EventKind::kTrace;
  TracePatch& t = trace_event.trace;
  t.id = trace_id;
  t.earliest_timestamp_us = times.start_us;
  t.environment = environment;
  FillTraceAttributes(c, t);
  if (release) t.release.Set(*release);
  if (version) t.version.Set(*version);
  JsonObject metadata;
  AddPrefixedMetadata(c.resource, "langfuse.trace.metadata", metadata);
  AddPrefixedMetadata(a, "langfuse.trace.metadata", metadata);
  if (is_root) {
    if (t.name.absent() && o.name.is_set()) t.name.Set(o.name.value);
    if (!t.input) t.input = io.input;
    if (!t.output) t.output = io.output;
    AddPrefixedMetadata(a, "langfuse.observation.metadata", metadata);
    auto unmapped = UnmappedAttributes(c);
    if (!unmapped.empty()) metadata.Set("attributes", AttributeMapJson(unmapped));
  }
  AddContextMetadata(c, metadata);
  t.metadata = metadata.Text();
  events.push_back(std::move(trace_event));
  events.push_back(std::move(obs_event));
}

// The text an event holds, which is what a mapped export costs in memory.
size_t MappedBytes(const IngestEvent& e) {
  auto size = [](const std::optional<std::string>& s) { return s ? s->size() : 0; };
  if (e.kind == EventKind::kTrace) {
    return size(e.trace.input) + size(e.trace.output) + size(e.trace.metadata) + 64;
  }
  const ObservationPatch& o = e.observation;
  return size(o.input) + size(o.output) + size(o.metadata) + size(o.model_parameters) +
         o.name.value.size() + 128;
}

}  // namespace

Status CheckOtlpSpanIds(const OtlpExportRequest& request) {
  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const auto& scopes = request.resource_spans(r).scope_spans();
    for (int s = 0; s < scopes.size(); ++s) {
      for (int i = 0; i < scopes[s].spans_size(); ++i) {
        const otlp::Span& span = scopes[s].spans(i);
        const char* missing = span.trace_id().empty()  ? "traceId"
                              : span.span_id().empty() ? "spanId"
                                                       : nullptr;
        if (!missing) continue;
        return Status::InvalidArgument("Invalid OTLP trace export: resourceSpans[" +
                                       std::to_string(r) + "].scopeSpans[" + std::to_string(s) +
                                       "].spans[" + std::to_string(i) + "] (\"" + span.name() +
                                       "\") has no " + missing);
      }
    }
  }
  return Status::Ok();
}

OtlpMappedExport MapOtlpExport(const OtlpExportRequest& request, int64_t now_us,
                               size_t max_mapped_bytes) {
  OtlpMappedExport out;
  std::map<std::string, TraceSeen> traces;
  size_t mapped_bytes = 0;
  for (const auto& resource_spans : request.resource_spans()) {
    SpanAttributes resource(resource_spans.resource().attributes());
    const std::string resource_json =
        resource.entries().empty() ? "" : AttributeMapJson(resource.entries());
    for (const auto& scope_spans : resource_spans.scope_spans()) {
      const auto& scope = scope_spans.scope();
      const std::string scope_json =
          scope.name().empty() && scope.attributes_size() == 0 ? "" : ScopeJson(scope);
      for (const auto& span : scope_spans.spans()) {
        std::string problem = IdProblem(span);
        if (!problem.empty()) {
          if (out.rejected_spans++ == 0)
            out.rejection_message = "span \"" + span.name() + "\": " + problem;
          continue;
        }
        if (mapped_bytes > max_mapped_bytes) {
          if (out.rejected_spans++ == 0) {
            out.rejection_message = "span \"" + span.name() +
                                    "\" and the rest of the export: the mapped spans exceed " +
                                    std::to_string(max_mapped_bytes >> 20) +
                                    " MB; send smaller exports";
          }
          continue;
        }
        SpanAttributes attrs(span.attributes());
        SpanContext context{span, attrs, resource, scope, resource_json, scope_json};
        const size_t first_new = out.events.size();
        MapSpan(context, now_us, out.events, traces);
        for (size_t i = first_new; i < out.events.size(); ++i)
          mapped_bytes += MappedBytes(out.events[i]);
        ++out.accepted_spans;
      }
    }
  }
  // A trace starts with its earliest span, whichever event arrives first.
  for (IngestEvent& event : out.events) {
    if (event.kind == EventKind::kTrace) {
      event.trace.earliest_timestamp_us = traces.at(event.trace.id).earliest_start_us;
    }
  }
  for (auto& [trace_id, seen] : traces) {
    if (seen.has_trace_event) continue;
    IngestEvent shallow;
    shallow.event_id = seen.first_span_id;
    shallow.timestamp_us = now_us;
    shallow.kind = EventKind::kTrace;
    shallow.trace.id = trace_id;
    shallow.trace.earliest_timestamp_us = seen.earliest_start_us;
    shallow.trace.environment = seen.environment;
    out.events.push_back(std::move(shallow));
  }
  return out;
}

}  // namespace lanterne
