#include "storage/sqlite/rollup_pending.h"

#include "core/byte_codec.h"

namespace lanterne::sqlite {

void AppendPendingEntry(std::string& out, int64_t hour_us, std::string_view key,
                        const RollupValues& values) {
  AppendVarint(out, ZigZag(hour_us));
  AppendVarint(out, key.size());
  out.append(key);
  const std::string encoded = values.Encode();
  AppendVarint(out, encoded.size());
  out += encoded;
}

bool ForEachPendingEntry(
    std::string_view data, bool with_sketches,
    const std::function<void(int64_t hour_us, std::string_view key, RollupValues& values)>& each) {
  RollupValues values;
  while (!data.empty()) {
    uint64_t hour = 0, key_size = 0, values_size = 0;
    if (!ConsumeVarint(data, &hour) || !ConsumeVarint(data, &key_size) || key_size > data.size()) {
      return false;
    }
    const std::string_view key = data.substr(0, key_size);
    data.remove_prefix(key_size);
    if (!ConsumeVarint(data, &values_size) || values_size > data.size() ||
        !RollupValues::Decode(data.substr(0, values_size), &values, with_sketches)) {
      return false;
    }
    data.remove_prefix(values_size);
    each(UnZigZag(hour), key, values);
  }
  return true;
}

}  // namespace lanterne::sqlite
