#include "core/byte_codec.h"

#include <cstring>
#include <memory>

#include <zstd.h>

namespace lanterne {
namespace {
constexpr char kRaw = 'r';
constexpr char kZstd = 'z';
// One compression and one decompression context per thread, freed when the thread ends.
struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
ZSTD_CCtx* ThreadCompressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDecompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}
// Below this size zstd's frame overhead outweighs what it saves.
constexpr size_t kCompressThreshold = 192;
}  // namespace

void ByteWriter::PutVarint(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ByteWriter::PutSigned(int64_t v) {
  PutVarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

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

std::string CompressBlob(std::string_view raw) {
  std::string out;
  if (raw.size() < kCompressThreshold) {
    out.reserve(raw.size() + 1);
    out.push_back(kRaw);
    out.append(raw);
    return out;
  }
  ZSTD_CCtx* cctx = ThreadCompressor();
  out.resize(ZSTD_compressBound(raw.size()) + 1);
  out[0] = kZstd;
  size_t n = ZSTD_compressCCtx(cctx, out.data() + 1, out.size() - 1, raw.data(), raw.size(), 1);
  if (ZSTD_isError(n) || n + 1 >= raw.size() + 1) {
    out.assign(1, kRaw);
    out.append(raw);
    return out;
  }
  out.resize(n + 1);
  return out;
}

std::optional<std::string> DecompressBlob(std::string_view stored) {
  if (stored.empty()) return std::nullopt;
  if (stored[0] == kRaw) return std::string(stored.substr(1));
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
