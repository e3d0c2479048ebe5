#include "storage/record_codec.h"

#include "core/byte_codec.h"

namespace lanterne {
namespace {
constexpr uint64_t kTracePayloadVersion = 1;
// Version 2 added the pricing fields; version 1 payloads still decode (without them).
constexpr uint64_t kObservationPayloadVersion = 2;

void PutOptDouble(ByteWriter& w, const std::optional<double>& v) {
  w.PutVarint(v ? 1 : 0);
  if (v) w.PutDouble(*v);
}

bool GetOptDouble(ByteReader& r, std::optional<double>* v) {
  uint64_t present;
  if (!r.GetVarint(&present)) return false;
  if (!present) {
    v->reset();
    return true;
  }
  double value;
  if (!r.GetDouble(&value)) return false;
  *v = value;
  return true;
}

void PutOptInt(ByteWriter& w, const std::optional<int64_t>& v) {
  w.PutVarint(v ? 1 : 0);
  if (v) w.PutSigned(*v);
}

bool GetOptInt(ByteReader& r, std::optional<int64_t>* v) {
  uint64_t present;
  if (!r.GetVarint(&present)) return false;
  if (!present) {
    v->reset();
    return true;
  }
  int64_t value;
  if (!r.GetSigned(&value)) return false;
  *v = value;
  return true;
}
}  // namespace

std::string EncodeTracePayload(const TraceRecord& t) {
  ByteWriter w;
  w.PutVarint(kTracePayloadVersion);
  w.PutOptString(t.input);
  w.PutOptString(t.output);
  w.PutString(t.metadata);
  return CompressBlob(w.data());
}

bool DecodeTracePayload(std::string_view blob, TraceRecord* t) {
  auto raw = DecompressBlob(blob);
  if (!raw) return false;
  ByteReader r(*raw);
  uint64_t version;
  return r.GetVarint(&version) && version == kTracePayloadVersion && r.GetOptString(&t->input) &&
         r.GetOptString(&t->output) && r.GetString(&t->metadata);
}

std::string EncodeObservationPayload(const ObservationRecord& o) {
  ByteWriter w;
  w.PutVarint(kObservationPayloadVersion);
  PutOptInt(w, o.completion_start_time_us);
  w.PutOptString(o.status_message);
  w.PutOptString(o.input);
  w.PutOptString(o.output);
  w.PutString(o.metadata);
  w.PutOptString(o.model_parameters);
  w.PutVarint(o.usage_details.size());
  for (const auto& [key, value] : o.usage_details) {
    w.PutString(key);
    w.PutSigned(value);
  }
  w.PutVarint(o.cost_details.size());
  for (const auto& [key, value] : o.cost_details) {
    w.PutString(key);
    w.PutDouble(value);
  }
  w.PutOptString(o.usage_unit);
  w.PutOptString(o.prompt_name);
  PutOptInt(w, o.prompt_version);
  w.PutOptString(o.model_id);
  w.PutOptString(o.pricing_tier_id);
  w.PutOptString(o.pricing_tier_name);
  PutOptDouble(w, o.input_price);
  PutOptDouble(w, o.output_price);
  PutOptDouble(w, o.total_price);
  w.PutVarint((o.usage_calculated ? 1 : 0) | (o.cost_calculated ? 2 : 0));
  return CompressBlob(w.data());
}

bool DecodeObservationPayload(std::string_view blob, ObservationRecord* o) {
  auto raw = DecompressBlob(blob);
  if (!raw) return false;
  ByteReader r(*raw);
  uint64_t version, count;
  if (!r.GetVarint(&version) || version < 1 || version > kObservationPayloadVersion ||
      !GetOptInt(r, &o->completion_start_time_us) || !r.GetOptString(&o->status_message) ||
      !r.GetOptString(&o->input) || !r.GetOptString(&o->output) || !r.GetString(&o->metadata) ||
      !r.GetOptString(&o->model_parameters) || !r.GetVarint(&count)) {
    return false;
  }
  o->usage_details.clear();
  for (uint64_t i = 0; i < count; ++i) {
    std::string key;
    int64_t value;
    if (!r.GetString(&key) || !r.GetSigned(&value)) return false;
    o->usage_details.emplace(std::move(key), value);
  }
  if (!r.GetVarint(&count)) return false;
  o->cost_details.clear();
  for (uint64_t i = 0; i < count; ++i) {
    std::string key;
    double value;
    if (!r.GetString(&key) || !r.GetDouble(&value)) return false;
    o->cost_details.emplace(std::move(key), value);
  }
  if (!r.GetOptString(&o->usage_unit) || !r.GetOptString(&o->prompt_name) ||
      !GetOptInt(r, &o->prompt_version)) {
    return false;
  }
  if (version < 2) return true;
  uint64_t flags;
  if (!r.GetOptString(&o->model_id) || !r.GetOptString(&o->pricing_tier_id) ||
      !r.GetOptString(&o->pricing_tier_name) || !GetOptDouble(r, &o->input_price) ||
      !GetOptDouble(r, &o->output_price) || !GetOptDouble(r, &o->total_price) ||
      !r.GetVarint(&flags)) {
    return false;
  }
  o->usage_calculated = flags & 1;
  o->cost_calculated = flags & 2;
  return true;
}

}  // namespace lanterne
