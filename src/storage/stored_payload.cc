#include "storage/stored_payload.h"

#include "storage/record_codec.h"

namespace lanterne {
namespace {

template <typename Record, typename Decode>
Status DecodeStored(const PayloadLog& payloads, std::string_view stored, Record* record,
                    const char* kind, Decode decode) {
  thread_local std::string buffer;
  std::string_view bytes;
  auto read = payloads.Read(stored, &buffer, &bytes);
  if (!read.ok()) return read.status();
  if (*read == PayloadLog::ReadResult::kLost) return Status::Ok();
  if (!decode(bytes, record)) {
    return Status::Internal(std::string("stored ") + kind + " " + record->id + " is corrupt");
  }
  return Status::Ok();
}

}  // namespace

Status DecodeStoredTrace(const PayloadLog& payloads, std::string_view stored, TraceRecord* trace) {
  return DecodeStored(payloads, stored, trace, "trace", DecodeTracePayload);
}

Status DecodeStoredObservation(const PayloadLog& payloads, std::string_view stored,
                               ObservationRecord* observation) {
  return DecodeStored(payloads, stored, observation, "observation", DecodeObservationPayload);
}

}  // namespace lanterne
