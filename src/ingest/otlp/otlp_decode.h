// Decodes an OTLP/HTTP trace export body, in either of its encodings, into the same
// protobuf messages, so span mapping has one input shape. Structural problems (not
// protobuf, not JSON, a list that is not a list) fail the whole export with
// InvalidArgument and a message naming the field; span-level problems (bad ids) are left
// to the mapping, which rejects those spans alone.
#pragma once

#include <string_view>

#include "otlp_trace.pb.h"

#include "core/status.h"

namespace lanterne {

using OtlpExportRequest = otlp::ExportTraceServiceRequest;

enum class OtlpEncoding { kProtobuf, kJson };

// From a Content-Type header value (parameters allowed); nullopt when it is neither.
std::optional<OtlpEncoding> OtlpEncodingFromContentType(std::string_view content_type);

Status DecodeOtlpProtobuf(std::string_view body, OtlpExportRequest* out);

// OTLP/JSON: lowerCamelCase field names (snake_case accepted too), ids as hex strings,
// 64-bit integers as numbers or decimal strings, enums as integers.
Status DecodeOtlpJson(std::string_view body, OtlpExportRequest* out);

}  // namespace lanterne
