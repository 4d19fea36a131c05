#include <vector>

#include "roundtrip.hpp"
#include "wire/ipv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ws::Bytes in(data, size);
  (void)ws::parse_quoted_datagram(in);
  // Without the checksum gate, so the fuzzer reaches everything behind it.
  auto h = ws::Ipv4Header::parse(in, /*verify_checksum=*/false);
  if (!h) return 0;
  auto with_sum = ws::Ipv4Header::parse(in);
  WS_FUZZ_CHECK(!with_sum || *with_sum == *h);
  std::vector<std::uint8_t> out(h->total_len());
  h->emit(out);  // header only; the payload bytes stay zero
  auto again = ws::Ipv4Header::parse(out);  // emit() wrote a correct checksum
  WS_FUZZ_CHECK(again && *again == *h);
  return 0;
}
