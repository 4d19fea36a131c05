#include <vector>

#include "roundtrip.hpp"
#include "wire/arp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto a = ws::ArpPacket::parse(ws::Bytes(data, size));
  if (!a) return 0;
  std::vector<std::uint8_t> out(ws::ArpPacket::buffer_len());
  a->emit(out);
  auto again = ws::ArpPacket::parse(out);
  WS_FUZZ_CHECK(again && *again == *a);
  return 0;
}
