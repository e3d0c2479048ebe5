#include "ingest/otlp/otlp_decode.h"

#include <cmath>
#include <limits>
#include <string>

#include <simdjson.h>

#include "core/ids.h"

namespace lanterne {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Attribute values nest (arrays of key-value lists of arrays...); past this depth the body
// is refused instead of recursing further. Protobuf's own parser stops at 100 too.
constexpr int kMaxValueDepth = 64;

Status Invalid(const std::string& path, std::string_view problem) {
  return Status::InvalidArgument("Invalid OTLP trace export: " + path + " " + std::string(problem));
}

// OTLP/JSON names fields in lowerCamelCase; the protobuf JSON mapping also allows the
// original snake_case names, and some hand-written exporters use them.
std::optional<element> Field(object obj, std::string_view camel, std::string_view snake = {}) {
  element value;
  if (obj.at_key(camel).get(value) == simdjson::SUCCESS && !value.is_null()) return value;
  if (!snake.empty() && obj.at_key(snake).get(value) == simdjson::SUCCESS && !value.is_null()) {
    return value;
  }
  return std::nullopt;
}

class JsonDecoder {
 public:
  Status Request(element root, OtlpExportRequest* out) {
    object obj;
    if (root.get_object().get(obj) != simdjson::SUCCESS) {
      return Invalid("body", "must be a JSON object");
    }
    auto list = Field(obj, "resourceSpans", "resource_spans");
    if (!list) return Status::Ok();
    return ForEach(*list, "resourceSpans", [&](element item, const std::string& path) {
      return ResourceSpans(item, path, out->add_resource_spans());
    });
  }

 private:
  template <typename Fn>
  Status ForEach(element list, const std::string& path, Fn fn) {
    array items;
    if (list.get_array().get(items) != simdjson::SUCCESS) return Invalid(path, "must be an array");
    size_t i = 0;
    for (element item : items) {
      LANTERNE_RETURN_IF_ERROR(fn(item, path + "[" + std::to_string(i++) + "]"));
    }
    return Status::Ok();
  }

  static Status AsObject(element e, const std::string& path, object* out) {
    if (e.get_object().get(*out) != simdjson::SUCCESS) return Invalid(path, "must be an object");
    return Status::Ok();
  }

  static Status String(object obj, std::string_view camel, std::string_view snake,
                       const std::string& path, std::string* out) {
    auto value = Field(obj, camel, snake);
    if (!value) return Status::Ok();
    std::string_view s;
    if (value->get_string().get(s) != simdjson::SUCCESS) {
      return Invalid(path + "." + std::string(camel), "must be a string");
    }
    out->assign(s);
    return Status::Ok();
  }

  // 64-bit integers arrive as JSON numbers or as decimal strings (the proto3 JSON rule).
  static Status Int64(element value, const std::string& path, int64_t* out) {
    int64_t i;
    uint64_t u;
    double d;
    std::string_view s;
    if (value.get_int64().get(i) == simdjson::SUCCESS) {
      *out = i;
    } else if (value.get_uint64().get(u) == simdjson::SUCCESS) {
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Invalid(path, "is out of range");
      }
      *out = static_cast<int64_t>(u);
    } else if (value.get_double().get(d) == simdjson::SUCCESS && std::floor(d) == d &&
               std::fabs(d) < 9.2e18) {
      *out = static_cast<int64_t>(d);
    } else if (value.get_string().get(s) == simdjson::SUCCESS && !s.empty()) {
      errno = 0;
      std::string text(s);
      char* end = nullptr;
      long long parsed = std::strtoll(text.c_str(), &end, 10);
      if (errno != 0 || end != text.c_str() + text.size()) {
        return Invalid(path, "must be an integer");
      }
      *out = parsed;
    } else {
      return Invalid(path, "must be an integer");
    }
    return Status::Ok();
  }

  static Status UnixNano(object obj, std::string_view camel, std::string_view snake,
                         const std::string& path, uint64_t* out) {
    auto value = Field(obj, camel, snake);
    if (!value) return Status::Ok();
    int64_t n = 0;
    LANTERNE_RETURN_IF_ERROR(Int64(*value, path + "." + std::string(camel), &n));
    if (n < 0) return Invalid(path + "." + std::string(camel), "must not be negative");
    *out = static_cast<uint64_t>(n);
    return Status::Ok();
  }

  // Ids are hex in OTLP/JSON. Anything else is kept as the raw text so the mapping can
  // reject that one span by its wrong length, with a message.
  static Status Id(object obj, std::string_view camel, std::string_view snake,
                   const std::string& path, std::string* out) {
    std::string text;
    LANTERNE_RETURN_IF_ERROR(String(obj, camel, snake, path, &text));
    if (text.size() % 2 != 0) {
      *out = text;
      return Status::Ok();
    }
    std::string bytes;
    bytes.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
      int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
      if (hi < 0 || lo < 0) {
        *out = text;
        return Status::Ok();
      }
      bytes.push_back(static_cast<char>(hi * 16 + lo));
    }
    *out = std::move(bytes);
    return Status::Ok();
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  Status ResourceSpans(element e, const std::string& path, otlp::ResourceSpans* out) {
    object obj;
    LANTERNE_RETURN_IF_ERROR(AsObject(e, path, &obj));
    if (auto resource = Field(obj, "resource")) {
      object r;
      LANTERNE_RETURN_IF_ERROR(AsObject(*resource, path + ".resource", &r));
      LANTERNE_RETURN_IF_ERROR(
          Attributes(r, path + ".resource", out->mutable_resource()->mutable_attributes()));
    }
    auto scopes = Field(obj, "scopeSpans", "scope_spans");
    if (!scopes) return Status::Ok();
    return ForEach(*scopes, path + ".scopeSpans", [&](element item, const std::string& p) {
      return ScopeSpans(item, p, out->add_scope_spans());
    });
  }

  Status ScopeSpans(element e, const std::string& path, otlp::ScopeSpans* out) {
    object obj;
    LANTERNE_RETURN_IF_ERROR(AsObject(e, path, &obj));
    if (auto scope = Field(obj, "scope")) {
      object s;
      const std::string scope_path = path + ".scope";
      LANTERNE_RETURN_IF_ERROR(AsObject(*scope, scope_path, &s));
      auto* target = out->mutable_scope();
      LANTERNE_RETURN_IF_ERROR(String(s, "name", {}, scope_path, target->mutable_name()));
      LANTERNE_RETURN_IF_ERROR(String(s, "version", {}, scope_path, target->mutable_version()));
      LANTERNE_RETURN_IF_ERROR(Attributes(s, scope_path, target->mutable_attributes()));
    }
    auto spans = Field(obj, "spans");
    if (!spans) return Status::Ok();
    return ForEach(*spans, path + ".spans", [&](element item, const std::string& p) {
      return Span(item, p, out->add_spans());
    });
  }

  Status Span(element e, const std::string& path, otlp::Span* out) {
    object obj;
    LANTERNE_RETURN_IF_ERROR(AsObject(e, path, &obj));
    LANTERNE_RETURN_IF_ERROR(Id(obj, "traceId", "trace_id", path, out->mutable_trace_id()));
    LANTERNE_RETURN_IF_ERROR(Id(obj, "spanId", "span_id", path, out->mutable_span_id()));
    LANTERNE_RETURN_IF_ERROR(
        Id(obj, "parentSpanId", "parent_span_id", path, out->mutable_parent_span_id()));
    LANTERNE_RETURN_IF_ERROR(String(obj, "name", {}, path, out->mutable_name()));
    if (auto kind = Field(obj, "kind")) {
      int64_t k = 0;
      if (Int64(*kind, path + ".kind", &k).ok()) out->set_kind(static_cast<int32_t>(k));
    }
    uint64_t start = 0, end = 0;
    LANTERNE_RETURN_IF_ERROR(
        UnixNano(obj, "startTimeUnixNano", "start_time_unix_nano", path, &start));
    LANTERNE_RETURN_IF_ERROR(UnixNano(obj, "endTimeUnixNano", "end_time_unix_nano", path, &end));
    out->set_start_time_unix_nano(start);
    out->set_end_time_unix_nano(end);
    LANTERNE_RETURN_IF_ERROR(Attributes(obj, path, out->mutable_attributes()));
    if (auto events = Field(obj, "events")) {
      LANTERNE_RETURN_IF_ERROR(
          ForEach(*events, path + ".events", [&](element item, const std::string& p) {
            object ev;
            LANTERNE_RETURN_IF_ERROR(AsObject(item, p, &ev));
            auto* event = out->add_events();
            uint64_t t = 0;
            LANTERNE_RETURN_IF_ERROR(UnixNano(ev, "timeUnixNano", "time_unix_nano", p, &t));
            event->set_time_unix_nano(t);
            LANTERNE_RETURN_IF_ERROR(String(ev, "name", {}, p, event->mutable_name()));
            return Attributes(ev, p, event->mutable_attributes());
          }));
    }
    if (auto status = Field(obj, "status")) {
      object st;
      LANTERNE_RETURN_IF_ERROR(AsObject(*status, path + ".status", &st));
      auto* target = out->mutable_status();
      LANTERNE_RETURN_IF_ERROR(
          String(st, "message", {}, path + ".status", target->mutable_message()));
      if (auto code = Field(st, "code")) {
        std::string_view name;
        int64_t c = 0;
        if (code->get_string().get(name) == simdjson::SUCCESS && name == "STATUS_CODE_ERROR") {
          c = 2;
        } else if (code->get_string().get(name) == simdjson::SUCCESS && name == "STATUS_CODE_OK") {
          c = 1;
        } else if (!Int64(*code, path + ".status.code", &c).ok()) {
          c = 0;
        }
        target->set_code(static_cast<int32_t>(c));
      }
    }
    return Status::Ok();
  }

  Status Attributes(object obj, const std::string& path,
                    google::protobuf::RepeatedPtrField<otlp::KeyValue>* out) {
    auto list = Field(obj, "attributes");
    if (!list) return Status::Ok();
    return ForEach(*list, path + ".attributes", [&](element item, const std::string& p) {
      return KeyValue(item, p, out->Add(), 0);
    });
  }

  Status KeyValue(element e, const std::string& path, otlp::KeyValue* out, int depth) {
    object obj;
    LANTERNE_RETURN_IF_ERROR(AsObject(e, path, &obj));
    LANTERNE_RETURN_IF_ERROR(String(obj, "key", {}, path, out->mutable_key()));
    auto value = Field(obj, "value");
    if (!value) return Status::Ok();
    return AnyValue(*value, path + ".value", out->mutable_value(), depth);
  }

  Status AnyValue(element e, const std::string& path, otlp::AnyValue* out, int depth) {
    if (depth > kMaxValueDepth) return Invalid(path, "nests too deeply");
    object obj;
    LANTERNE_RETURN_IF_ERROR(AsObject(e, path, &obj));
    if (auto v = Field(obj, "stringValue", "string_value")) {
      std::string_view s;
      if (v->get_string().get(s) != simdjson::SUCCESS) {
        return Invalid(path + ".stringValue", "must be a string");
      }
      out->set_string_value(std::string(s));
    } else if (auto v = Field(obj, "boolValue", "bool_value")) {
      bool b;
      if (v->get_bool().get(b) != simdjson::SUCCESS) {
        return Invalid(path + ".boolValue", "must be a boolean");
      }
      out->set_bool_value(b);
    } else if (auto v = Field(obj, "intValue", "int_value")) {
      int64_t i = 0;
      LANTERNE_RETURN_IF_ERROR(Int64(*v, path + ".intValue", &i));
      out->set_int_value(i);
    } else if (auto v = Field(obj, "doubleValue", "double_value")) {
      double d;
      std::string_view s;
      if (v->get_double().get(d) == simdjson::SUCCESS) {
        out->set_double_value(d);
      } else if (v->get_string().get(s) == simdjson::SUCCESS &&
                 (s == "NaN" || s == "Infinity" || s == "-Infinity")) {
        out->set_double_value(s == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                              : s == "Infinity" ? std::numeric_limits<double>::infinity()
                                                : -std::numeric_limits<double>::infinity());
      } else {
        return Invalid(path + ".doubleValue", "must be a number");
      }
    } else if (auto v = Field(obj, "arrayValue", "array_value")) {
      object arr;
      LANTERNE_RETURN_IF_ERROR(AsObject(*v, path + ".arrayValue", &arr));
      auto* target = out->mutable_array_value();
      if (auto values = Field(arr, "values")) {
        LANTERNE_RETURN_IF_ERROR(
            ForEach(*values, path + ".arrayValue.values", [&](element item, const std::string& p) {
              return AnyValue(item, p, target->add_values(), depth + 1);
            }));
      }
    } else if (auto v = Field(obj, "kvlistValue", "kvlist_value")) {
      object list;
      LANTERNE_RETURN_IF_ERROR(AsObject(*v, path + ".kvlistValue", &list));
      auto* target = out->mutable_kvlist_value();
      if (auto values = Field(list, "values")) {
        LANTERNE_RETURN_IF_ERROR(
            ForEach(*values, path + ".kvlistValue.values", [&](element item, const std::string& p) {
              return KeyValue(item, p, target->add_values(), depth + 1);
            }));
      }
    } else if (auto v = Field(obj, "bytesValue", "bytes_value")) {
      std::string_view s;
      std::optional<std::string> bytes;
      if (v->get_string().get(s) != simdjson::SUCCESS || !(bytes = Base64Decode(s))) {
        return Invalid(path + ".bytesValue", "must be a base64 string");
      }
      out->set_bytes_value(std::move(*bytes));
    }
    return Status::Ok();
  }
};

}  // namespace

std::optional<OtlpEncoding> OtlpEncodingFromContentType(std::string_view content_type) {
  if (content_type.find("application/x-protobuf") != std::string_view::npos ||
      content_type.find("application/protobuf") != std::string_view::npos) {
    return OtlpEncoding::kProtobuf;
  }
  if (content_type.find("application/json") != std::string_view::npos) return OtlpEncoding::kJson;
  return std::nullopt;
}

Status DecodeOtlpProtobuf(std::string_view body, OtlpExportRequest* out) {
  if (body.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !out->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument(
        "Invalid OTLP trace export: the body is not an ExportTraceServiceRequest protobuf "
        "message");
  }
  return Status::Ok();
}

Status DecodeOtlpJson(std::string_view body, OtlpExportRequest* out) {
  thread_local simdjson::dom::parser parser;
  element root;
  auto error = parser.parse(body.data(), body.size()).get(root);
  if (error) {
    return Status::InvalidArgument(
        std::string("Invalid OTLP trace export: the body is not JSON (") +
        simdjson::error_message(error) + ")");
  }
  JsonDecoder decoder;
  return decoder.Request(root, out);
}

}  // namespace lanterne
