#include <vector>

#include "roundtrip.hpp"
#include "wire/udp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ws::Ipv4Address src(192, 0, 2, 1);
  const ws::Ipv4Address dst(192, 0, 2, 2);
  const ws::Bytes in(data, size);
  auto checked = ws::UdpDatagram::parse(in, src, dst);
  auto u = ws::UdpDatagram::parse(in, src, dst, /*verify_checksum=*/false);
  WS_FUZZ_CHECK(!checked || (u && *checked == *u));
  if (!u || u->buffer_len() > 0xffff) return 0;
  std::vector<std::uint8_t> out(u->buffer_len());
  u->emit(out, src, dst);
  auto again = ws::UdpDatagram::parse(out, src, dst);
  WS_FUZZ_CHECK(again && *again == *u);
  return 0;
}
