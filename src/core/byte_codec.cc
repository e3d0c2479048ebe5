#include "core/byte_codec.h"

#include <cstring>
#include <memory>

#include <lz4.h>
#include <zstd.h>

namespace lanterne {
namespace {
constexpr char kRaw = 'r';
constexpr char kZstd = 'z';  // written by Lanterne before 0.2; still read
constexpr char kLz4 = 'l';
// One decompression context per thread, freed when the thread ends.
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}
// Below this size the codec's overhead outweighs what it saves.
constexpr size_t kCompressThreshold = 192;
}  // namespace

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool ConsumeVarint(std::string_view& in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

void ByteWriter::PutVarint(uint64_t v) { AppendVarint(out_, v); }

void ByteWriter::PutSigned(int64_t v) { PutVarint(ZigZag(v)); }

void ByteWriter::PutDouble(double v) {
  char buf[sizeof(double)];
  std::memcpy(buf, &v, sizeof(v));
  out_.append(buf, sizeof(buf));
}

void ByteWriter::PutString(std::string_view s) {
  PutVarint(s.size());
  out_.append(s);
}

void ByteWriter::PutOptString(const std::optional<std::string>& s) {
  if (!s) {
    PutVarint(0);
    return;
  }
  PutVarint(s->size() + 1);
  out_.append(*s);
}

bool ByteReader::GetVarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= in_.size()) return false;
    auto byte = static_cast<unsigned char>(in_[pos_++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool ByteReader::GetSigned(int64_t* v) {
  uint64_t u;
  if (!GetVarint(&u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool ByteReader::GetDouble(double* v) {
  if (in_.size() - pos_ < sizeof(double)) return false;
  std::memcpy(v, in_.data() + pos_, sizeof(double));
  pos_ += sizeof(double);
  return true;
}

bool ByteReader::GetString(std::string* s) {
  uint64_t len;
  if (!GetVarint(&len) || len > in_.size() - pos_) return false;
  s->assign(in_.substr(pos_, len));
  pos_ += len;
  return true;
}

bool ByteReader::GetOptString(std::optional<std::string>* s) {
  uint64_t len;
  if (!GetVarint(&len)) return false;
  if (len == 0) {
    s->reset();
    return true;
  }
  --len;
  if (len > in_.size() - pos_) return false;
  s->emplace(in_.substr(pos_, len));
  pos_ += len;
  return true;
}

// LZ4 rather than zstd: on the records Lanterne stores (~2 KB of JSON and prose) LZ4
// compresses three times faster than zstd level 1 (440 against 150 MB/s), and
// compression was the largest single cost of ingestion. zstd stored a third fewer bytes.
// Layout: kLz4, varint raw size, one LZ4 block.
std::string CompressBlob(std::string_view raw) {
  std::string out;
  if (raw.size() < kCompressThreshold || raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    out.reserve(raw.size() + 1);
    out.push_back(kRaw);
    out.append(raw);
    return out;
  }
  ByteWriter header;
  header.PutVarint(raw.size());
  const std::string& size_prefix = header.data();
  const size_t offset = 1 + size_prefix.size();
  const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
  out.resize(offset + static_cast<size_t>(bound));
  out[0] = kLz4;
  std::memcpy(out.data() + 1, size_prefix.data(), size_prefix.size());
  // One compression state per thread, reset cheaply per blob: LZ4_compress_default clears
  // its 16 KB hash table on every call, which cost more than compressing a 2 KB payload.
  // After LZ4_resetStream_fast each blob is an independent block (no dictionary).
  thread_local std::unique_ptr<LZ4_stream_t, void (*)(LZ4_stream_t*)> stream(
      LZ4_createStream(), [](LZ4_stream_t* s) { LZ4_freeStream(s); });
  int n = 0;
  if (stream) {
    LZ4_resetStream_fast(stream.get());
    n = LZ4_compress_fast_continue(stream.get(), raw.data(), out.data() + offset,
                                   static_cast<int>(raw.size()), bound, 1);
  } else {
    n = LZ4_compress_default(raw.data(), out.data() + offset, static_cast<int>(raw.size()), bound);
  }
  if (n <= 0 || offset + static_cast<size_t>(n) >= raw.size() + 1) {
    out.assign(1, kRaw);
    out.append(raw);
    return out;
  }
  out.resize(offset + static_cast<size_t>(n));
  return out;
}

std::optional<std::string> DecompressBlob(std::string_view stored) {
  if (stored.empty()) return std::nullopt;
  if (stored[0] == kRaw) return std::string(stored.substr(1));
  if (stored[0] == kLz4) {
    ByteReader header(stored.substr(1));
    uint64_t size = 0;
    if (!header.GetVarint(&size) || size > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE)) {
      return std::nullopt;
    }
    const size_t prefix = 1 + (stored.size() - 1 - header.Remaining());
    std::string out(size, '\0');
    const int n =
        LZ4_decompress_safe(stored.data() + prefix, out.data(),
                            static_cast<int>(stored.size() - prefix), static_cast<int>(size));
    if (n < 0 || static_cast<uint64_t>(n) != size) return std::nullopt;
    return out;
  }
  if (stored[0] != kZstd) return std::nullopt;
  std::string_view frame = stored.substr(1);
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ULL << 31)) {
    return std::nullopt;
  }
  std::string out(size, '\0');
  ZSTD_DCtx* dctx = ThreadDecompressor();
  size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) return std::nullopt;
  return out;
}

}  // namespace lanterne
