// Ethernet header plus the whole-frame describer (which walks every parser).
#include <vector>

#include "roundtrip.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ws::Bytes in(data, size);
  (void)ws::describe_frame(in, true);
  auto h = ws::EthernetHeader::parse(in);
  if (!h) return 0;
  std::vector<std::uint8_t> out(ws::EthernetHeader::header_len());
  h->emit(out);
  auto again = ws::EthernetHeader::parse(out);
  WS_FUZZ_CHECK(again && *again == *h);
  return 0;
}
