// A small binary encoding for stored records: varints and length-prefixed strings, then
// LZ4 for anything large. Storage engines keep hot columns typed and the rest in one blob.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lanterne {

// The varint and zigzag encodings ByteWriter and ByteReader use, for code that appends to
// a string of its own or consumes a view as it reads (the rollup and sketch encodings).
void AppendVarint(std::string& out, uint64_t v);
// False when `in` ends inside the varint; `in` then holds what was left.
bool ConsumeVarint(std::string_view& in, uint64_t* v);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

class ByteWriter {
 public:
  void PutVarint(uint64_t v);
  void PutSigned(int64_t v);
  void PutDouble(double v);
  void PutString(std::string_view s);
  void PutOptString(const std::optional<std::string>& s);
  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what ByteWriter wrote; every getter returns false once the input is exhausted or
// malformed, so a corrupt blob is reported, never read past its end.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  bool GetVarint(uint64_t* v);
  bool GetSigned(int64_t* v);
  bool GetDouble(double* v);
  bool GetString(std::string* s);
  bool GetOptString(std::optional<std::string>* s);
  bool AtEnd() const { return pos_ == in_.size(); }
  size_t Remaining() const { return in_.size() - pos_; }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// First byte says how the rest is stored: raw (small blobs), LZ4, or zstd (blobs written
// by earlier versions; read, never written).
std::string CompressBlob(std::string_view raw);
std::optional<std::string> DecompressBlob(std::string_view stored);

}  // namespace lanterne
