// Frame ingress: arbitrary frames fed to a router-host whose ARP cache,
// pending ARP queue, routes and reassembly buffers are all in use. Any
// input must leave the host consistent: no crash, no leak (ASan), the
// transmit queue and reassembly memory within their limits.
//
// Input: a sequence of records [ctl][len_hi][len_lo][frame bytes...]; ctl
// bit 0 picks the interface, bits 1..7 advance the clock (×50 ms) before
// the frame is delivered. Every frame also goes out pre-fixed with valid
// checksums half of the time, so the fuzzer reaches the code behind them.
#include <vector>

#include "base/checksum.hpp"
#include "ip/host.hpp"
#include "roundtrip.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace {

using ws::Bytes;
using ws::Ipv4Address;
using ws::Ipv4Cidr;

// Recomputes the IPv4 header checksum of an Ethernet/IPv4 frame in place.
void fix_checksums(std::vector<std::uint8_t>& f) {
  if (f.size() < 34 || f[12] != 0x08 || f[13] != 0x00) return;
  const std::size_t ihl = std::size_t{f[14] & 0x0fu} * 4;
  if (ihl < 20 || 14 + ihl > f.size()) return;
  f[24] = f[25] = 0;
  ws::store_be16(f.data() + 24, ws::internet_checksum(Bytes(f.data() + 14, ihl)));
}

std::unique_ptr<ws::Host> make_host(ws::Instant now) {
  ws::HostConfig cfg;
  cfg.name = "fuzz";
  cfg.forwarding = true;
  cfg.tx_queue_limit = 64;
  cfg.reassembly.memory_limit = 64 * 1024;
  cfg.reassembly.max_datagrams = 8;
  auto h = std::make_unique<ws::Host>(cfg);
  h->logger().set_level(ws::LogLevel::Off);
  h->add_interface({"eth0", *ws::MacAddress::parse("02:00:00:00:00:01"), 1500});
  h->add_interface({"eth1", *ws::MacAddress::parse("02:00:00:00:00:02"), 576});
  h->add_address(now, 0, Ipv4Cidr(Ipv4Address(192, 0, 2, 1), 24));
  h->add_address(now, 1, Ipv4Cidr(Ipv4Address(198, 51, 100, 1), 24));
  h->add_route(Ipv4Cidr(Ipv4Address(203, 0, 113, 0), 24), Ipv4Address(198, 51, 100, 254), 1);
  // Pending ARP resolution with queued packets.
  (void)h->send_ping(now, Ipv4Address(192, 0, 2, 77), 1, 1);
  (void)h->send_ping(now, Ipv4Address(203, 0, 113, 5), 1, 2, 1000);
  while (h->pop_transmit()) {
  }
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ws::Instant now = ws::Instant::zero();
  auto host = make_host(now);
  std::size_t pos = 0;
  int fix = 0;
  while (pos + 3 <= size) {
    const std::uint8_t ctl = data[pos];
    const std::size_t len = std::size_t{data[pos + 1]} << 8 | data[pos + 2];
    pos += 3;
    const std::size_t take = std::min(len, size - pos);
    std::vector<std::uint8_t> frame(data + pos, data + pos + take);
    pos += take;
    now += ws::Duration::millis(50) * (ctl >> 1);
    if ((fix++ & 1) != 0) fix_checksums(frame);
    host->poll(now);
    host->receive(now, ctl & 1, frame);
    WS_FUZZ_CHECK(host->pending_transmit() <= 64);
    while (auto tx = host->pop_transmit()) {
      WS_FUZZ_CHECK(tx->frame->size() >= ws::EthernetView::kHeaderLen);
      WS_FUZZ_CHECK(tx->frame->size() <= 14 + 1500);
    }
  }
  host->poll(now + ws::Duration::seconds(60));
  while (host->pop_transmit()) {
  }
  WS_FUZZ_CHECK(host->poll_at() > now);
  return 0;
}
