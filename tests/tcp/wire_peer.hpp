// Packet-level harness for a whole Stack on one wire (docs/principles.md
// "Packet-level tests"): the test plays everything beyond the interface —
// the router 192.0.2.1 (its ARP, its ICMP errors) and, behind it, the TCP
// peer 198.51.100.20:8000. It injects exact frames and reads the exact
// datagrams the stack sends; time moves only when the test says so, and
// every frame both ways is printed on failure (trace()).
//
//   wirestack 192.0.2.2/24 ── eth0 (MTU 1500) ── router 192.0.2.1 ── peer 198.51.100.20
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "socket/stack.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/arp.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws::testing {

inline constexpr Ipv4Address kWsAddr{192, 0, 2, 2};
inline constexpr Ipv4Address kRouterAddr{192, 0, 2, 1};
inline constexpr Ipv4Address kPeerAddr{198, 51, 100, 20};
inline constexpr std::uint16_t kPeerPort = 8000;
inline constexpr std::uint32_t kPeerIss = 5000;

// A TCP datagram the stack sent: its IP header, the segment (payload
// emptied; its length is `len`), and the whole datagram for quoting.
struct SentTcp {
  Ipv4Header ip;
  TcpSegment seg;
  std::size_t len = 0;
  std::vector<std::uint8_t> datagram;
  std::uint32_t seq() const { return seg.seq.raw(); }
};

class WirePeerTest : public ::testing::Test {
 protected:
  WirePeerTest() : ws(stack_config()) {
    Host& h = ws.host();
    h.add_interface({"eth0", ws_mac, 1500});
    h.add_address(now, 0, Ipv4Cidr(kWsAddr, 24));
    h.set_default_gateway(kRouterAddr, 0);
    // The router introduces itself (an ARP request for our address), so
    // our first segment needs no ARP exchange.
    std::vector<std::uint8_t> f(EthernetHeader::header_len() + ArpPacket::buffer_len());
    EthernetHeader{MacAddress::broadcast(), router_mac, ethertype::kArp}.emit(f);
    ArpPacket{ArpOp::Request, router_mac, kRouterAddr, MacAddress(), kWsAddr}.emit(
        MutBytes(f).subspan(EthernetHeader::header_len()));
    ws.receive(now, 0, f);
    (void)take();
  }

  static StackConfig stack_config() {
    StackConfig c;
    c.host.name = "ws";
    return c;
  }

  // --- what the stack sent -------------------------------------------------
  // The TCP datagrams sent since the last call (other frames are logged).
  std::vector<SentTcp> take() {
    std::vector<SentTcp> out;
    while (auto tx = ws.pop_transmit()) {
      const Bytes frame = tx->frame->bytes();
      log.push_back(fmt::format("{} ws → {}", now.to_string(), describe_frame(frame)));
      const Bytes packet = frame.subspan(EthernetHeader::header_len());
      auto ip = Ipv4Header::parse(packet);
      if (!ip || ip->protocol != ipproto::kTcp) continue;
      const Bytes datagram = packet.first(ip->total_len());
      auto seg = TcpSegment::parse(datagram.subspan(ip->header_len()), ip->src, ip->dst);
      if (!seg) continue;
      if (seg->options.timestamps) last_tsval = seg->options.timestamps->tsval;
      SentTcp s{*ip, *seg, seg->payload.size(), {datagram.begin(), datagram.end()}};
      s.seg.payload = {};
      s.ip.options = {};
      out.push_back(std::move(s));
    }
    return out;
  }
  std::string trace() const {
    std::string t = "\n";
    for (const auto& l : log) t += "  " + l + "\n";
    return t;
  }

  // --- frames from beyond the interface ---------------------------------------
  void from_router(Ipv4Address src, std::uint8_t protocol, Bytes payload) {
    Ipv4Header ip;
    ip.protocol = protocol;
    ip.src = src;
    ip.dst = kWsAddr;
    ip.ident = ++ident;
    ip.payload_len = static_cast<std::uint16_t>(payload.size());
    std::vector<std::uint8_t> f(EthernetHeader::header_len() + ip.total_len());
    const MutBytes m(f);
    EthernetHeader{ws_mac, router_mac, ethertype::kIpv4}.emit(m);
    ip.emit(m.subspan(EthernetHeader::header_len(), ip.header_len()));
    std::copy(payload.begin(), payload.end(), f.begin() + static_cast<std::ptrdiff_t>(EthernetHeader::header_len() + ip.header_len()));
    log.push_back(fmt::format("{} → ws {}", now.to_string(), describe_frame(f)));
    ws.receive(now, 0, f);
  }
  // A segment from the peer to our connection.
  void peer(TcpSegment seg, Bytes data = {}) {
    seg.src_port = kPeerPort;
    seg.dst_port = local_port;
    seg.payload = data;
    if (ts_on && !seg.flags.rst()) seg.options.timestamps = TcpTimestamps{++peer_tsval, last_tsval};
    std::vector<std::uint8_t> b(seg.buffer_len());
    seg.emit(b, kPeerAddr, kWsAddr);
    from_router(kPeerAddr, ipproto::kTcp, b);
  }
  void peer_ack(std::uint32_t ack, std::uint16_t window = 65535) {
    TcpSegment s;
    s.seq = SeqNum(kPeerIss + 1);
    s.ack = SeqNum(ack);
    s.flags.bits = TcpFlags::kAck;
    s.window = window;
    peer(s);
  }
  // An ICMP error from the router quoting `offending` (as a router would:
  // the header and up to 576 bytes in all, RFC 1812 §4.3.2.3).
  void icmp(IcmpType type, std::uint8_t code, Bytes offending, std::uint16_t mtu = 0) {
    const Bytes quote = offending.first(icmp_quote_len(offending));
    const IcmpMessage m = type == IcmpType::TimeExceeded ? IcmpMessage::time_exceeded(code, quote)
                                                         : IcmpMessage::dest_unreachable(code, quote, mtu);
    std::vector<std::uint8_t> b(m.buffer_len());
    m.emit(b);
    from_router(kRouterAddr, ipproto::kIcmp, b);
  }
  void frag_needed(Bytes offending, std::uint16_t mtu) {
    icmp(IcmpType::DestUnreachable, icmp_unreach::kFragNeeded, offending, mtu);
  }
  // A copy of `datagram` whose quoted TCP header says otherwise (a forgery:
  // the quote's checksums are not checked by anyone).
  static std::vector<std::uint8_t> with_ports(std::vector<std::uint8_t> d, std::uint16_t src, std::uint16_t dst) {
    store_be16(d.data() + 20, src);
    store_be16(d.data() + 22, dst);
    return d;
  }
  static std::vector<std::uint8_t> with_seq(std::vector<std::uint8_t> d, std::uint32_t seq) {
    store_be32(d.data() + 24, seq);
    return d;
  }

  // --- a connection --------------------------------------------------------------
  // connect() and the peer's SYN-ACK (MSS 1460); with `options`, SACK and
  // timestamps are offered by both.
  void establish(bool options = false) {
    ws.tcp().defaults().sack = options;
    ws.tcp().defaults().timestamps = options;
    sock = *ws.socket(SocketType::Stream);
    ASSERT_EQ(ws.connect(now, sock, {kPeerAddr, kPeerPort}).error(), SockError::InProgress);
    auto syn = take();
    ASSERT_EQ(syn.size(), 1u) << trace();
    iss = syn[0].seq();
    local_port = syn[0].seg.src_port;
    TcpSegment sa;
    sa.seq = SeqNum(kPeerIss);
    sa.ack = SeqNum(iss + 1);
    sa.flags.bits = TcpFlags::kSyn | TcpFlags::kAck;
    sa.window = 65535;
    sa.options.mss = 1460;
    if (options) {
      sa.options.sack_permitted = true;
      ts_on = true;
      last_tsval = syn[0].seg.options.timestamps ? syn[0].seg.options.timestamps->tsval : 0;
    }
    peer(sa);
    (void)take();  // our ACK
    ASSERT_EQ(conn().state(), tcp::State::Established) << trace();
  }
  // Writes `n` bytes; returns the segments that left at once.
  std::vector<SentTcp> send(std::size_t n) {
    std::vector<std::uint8_t> data(n);
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    auto r = ws.send_to(now, sock, data);
    EXPECT_TRUE(r && *r == n) << trace();
    return take();
  }
  const tcp::Connection& conn() { return *ws.tcp().connection(sock); }
  const TcpStats& stats() { return ws.tcp().stats(); }
  // Runs the stack's timers up to now + d.
  void advance(Duration d) {
    const Instant until = now + d;
    while (ws.poll_at() <= until) {
      now = std::max(now, ws.poll_at());
      ws.poll(now);
    }
    now = until;
  }

  Instant now = Instant::zero();
  MacAddress ws_mac{{0x02, 0, 0, 0, 0, 0x02}};
  MacAddress router_mac{{0x02, 0, 0, 0, 0, 0x01}};
  Stack ws;
  SocketId sock = 0;
  std::uint32_t iss = 0;
  std::uint16_t local_port = 0;
  bool ts_on = false;
  std::uint32_t peer_tsval = 1000;
  std::uint32_t last_tsval = 0;
  std::uint16_t ident = 0;
  std::vector<std::string> log;
};

}  // namespace ws::testing
