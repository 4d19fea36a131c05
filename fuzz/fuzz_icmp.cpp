#include <vector>

#include "roundtrip.hpp"
#include "base/checksum.hpp"
#include "wire/icmp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = ws::IcmpMessage::parse(ws::Bytes(data, size));
  if (!m) {
    // Also exercise everything behind the checksum: fix it up and retry.
    if (size < 8) return 0;
    std::vector<std::uint8_t> fixed(data, data + size);
    fixed[2] = fixed[3] = 0;
    const std::uint16_t sum = ws::internet_checksum(fixed);
    ws::store_be16(fixed.data() + 2, sum);
    auto m2 = ws::IcmpMessage::parse(fixed);
    if (m2 && m2->is_error()) WS_FUZZ_CHECK(m2->quoted().ok());
    return 0;
  }
  if (m->is_error()) WS_FUZZ_CHECK(m->quoted().ok());
  std::vector<std::uint8_t> out(m->buffer_len());
  m->emit(out);
  auto again = ws::IcmpMessage::parse(out);
  WS_FUZZ_CHECK(again && *again == *m);
  return 0;
}
