// Random valid wire values for property tests, built from a seeded Rng so
// a failure replays. Each generator returns values whose payload spans
// point into storage owned by the caller-visible struct.
#pragma once

#include <memory>
#include <vector>

#include "base/rng.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace ws::testing {

using Frame = std::vector<std::uint8_t>;

inline MacAddress random_mac(Rng& r) {
  std::array<std::uint8_t, 6> b;
  r.fill(b);
  b[0] &= 0xfe;  // unicast
  return MacAddress(b);
}

inline Ipv4Address random_ip(Rng& r) { return Ipv4Address(r.next_u32()); }

// Owns the bytes a value's spans point at.
struct Storage {
  std::vector<std::unique_ptr<Frame>> chunks;
  Bytes keep(Frame f) {
    chunks.push_back(std::make_unique<Frame>(std::move(f)));
    return *chunks.back();
  }
  Bytes random_bytes(Rng& r, std::size_t n) {
    Frame f(n);
    r.fill(f);
    return keep(std::move(f));
  }
};

inline ArpPacket random_arp(Rng& r) {
  return ArpPacket{r.chance(0.5) ? ArpOp::Request : ArpOp::Reply, random_mac(r), random_ip(r),
                   random_mac(r), random_ip(r)};
}

inline Ipv4Header random_ipv4(Rng& r, Storage& s, std::uint8_t protocol, std::size_t payload_len) {
  Ipv4Header h;
  h.dscp = static_cast<std::uint8_t>(r.below(64));
  h.ecn = static_cast<std::uint8_t>(r.below(4));
  h.ident = static_cast<std::uint16_t>(r.next_u32());
  h.dont_frag = r.chance(0.5);
  h.ttl = static_cast<std::uint8_t>(r.range(1, 255));
  h.protocol = protocol;
  h.src = random_ip(r);
  h.dst = random_ip(r);
  h.payload_len = static_cast<std::uint16_t>(payload_len);
  if (r.chance(0.2)) h.options = s.random_bytes(r, 4 * r.range(1, 10));
  return h;
}

inline TcpSegment random_tcp(Rng& r, Storage& s) {
  TcpSegment t;
  t.src_port = static_cast<std::uint16_t>(r.next_u32());
  t.dst_port = static_cast<std::uint16_t>(r.next_u32());
  t.seq = SeqNum(r.next_u32());
  // Any flag mix except SYN with RST or FIN (rejected by design).
  std::uint8_t bits = static_cast<std::uint8_t>(r.next_u32());
  if ((bits & TcpFlags::kSyn) != 0) bits &= static_cast<std::uint8_t>(~(TcpFlags::kRst | TcpFlags::kFin));
  t.flags.bits = bits;
  if (t.flags.ack()) t.ack = SeqNum(r.next_u32());
  t.window = static_cast<std::uint16_t>(r.next_u32());
  t.urgent_ptr = static_cast<std::uint16_t>(r.next_u32());
  TcpOptions& o = t.options;
  if (r.chance(0.5)) o.mss = static_cast<std::uint16_t>(r.next_u32());
  if (r.chance(0.5)) o.window_scale = static_cast<std::uint8_t>(r.below(15));
  o.sack_permitted = r.chance(0.5);
  if (r.chance(0.5)) o.timestamps = TcpTimestamps{r.next_u32(), r.next_u32()};
  while (o.encoded_len() + 12 <= TcpOptions::kMaxLen && o.sack_count < TcpOptions::kMaxSackBlocks &&
         r.chance(0.4)) {
    const SeqNum left(r.next_u32());
    o.sack_blocks[o.sack_count++] = SackBlock{left, left + static_cast<std::uint32_t>(r.range(1, 100000))};
  }
  t.payload = s.random_bytes(r, r.chance(0.3) ? 0 : r.below(1400));
  return t;
}

inline UdpDatagram random_udp(Rng& r, Storage& s) {
  return UdpDatagram{static_cast<std::uint16_t>(r.next_u32()), static_cast<std::uint16_t>(r.next_u32()),
                     s.random_bytes(r, r.below(1400))};
}

// Emits an IPv4 header with the given payload bytes into a whole frame.
inline Frame ipv4_frame(Rng& r, const Ipv4Header& ip, Bytes l4) {
  Frame f(14 + ip.header_len() + l4.size());
  EthernetHeader{random_mac(r), random_mac(r), ethertype::kIpv4}.emit(f);
  ip.emit(MutBytes(f).subspan(14));
  std::copy(l4.begin(), l4.end(), f.begin() + 14 + static_cast<std::ptrdiff_t>(ip.header_len()));
  return f;
}

inline IcmpMessage random_icmp(Rng& r, Storage& s) {
  switch (r.below(4)) {
    case 0: return IcmpMessage::echo_request(static_cast<std::uint16_t>(r.next_u32()),
                                             static_cast<std::uint16_t>(r.next_u32()), s.random_bytes(r, r.below(200)));
    case 1: return IcmpMessage::echo_reply(static_cast<std::uint16_t>(r.next_u32()),
                                           static_cast<std::uint16_t>(r.next_u32()), s.random_bytes(r, r.below(200)));
    default: {
      // Quote a real UDP datagram's IP header and its first bytes.
      const Bytes data = s.random_bytes(r, 8 + r.below(64));
      Ipv4Header orig = random_ipv4(r, s, ipproto::kUdp, data.size());
      Frame quoted(orig.header_len() + data.size());
      orig.emit(quoted);
      std::copy(data.begin(), data.end(), quoted.begin() + static_cast<std::ptrdiff_t>(orig.header_len()));
      const Bytes q = s.keep(std::move(quoted));
      if (r.chance(0.5)) return IcmpMessage::time_exceeded(static_cast<std::uint8_t>(r.below(2)), q);
      const auto code = static_cast<std::uint8_t>(r.below(16));
      return IcmpMessage::dest_unreachable(
          code, q, code == icmp_unreach::kFragNeeded ? static_cast<std::uint16_t>(r.range(68, 65535)) : 0);
    }
  }
}

// A random valid Ethernet frame of any supported kind: ARP, or IPv4 with
// ICMP, UDP or TCP inside. `kind` (0..3) picks which.
inline Frame random_frame(Rng& r, int kind) {
  Storage s;
  if (kind == 0) {
    Frame f(42);
    EthernetHeader{r.chance(0.5) ? MacAddress::broadcast() : random_mac(r), random_mac(r), ethertype::kArp}.emit(f);
    random_arp(r).emit(MutBytes(f).subspan(14));
    return f;
  }
  if (kind == 1) {
    IcmpMessage m = random_icmp(r, s);
    Frame l4(m.buffer_len());
    m.emit(l4);
    return ipv4_frame(r, random_ipv4(r, s, ipproto::kIcmp, l4.size()), l4);
  }
  if (kind == 2) {
    UdpDatagram u = random_udp(r, s);
    Ipv4Header ip = random_ipv4(r, s, ipproto::kUdp, u.buffer_len());
    Frame l4(u.buffer_len());
    u.emit(l4, ip.src, ip.dst);
    return ipv4_frame(r, ip, l4);
  }
  TcpSegment t = random_tcp(r, s);
  Ipv4Header ip = random_ipv4(r, s, ipproto::kTcp, t.buffer_len());
  Frame l4(t.buffer_len());
  t.emit(l4, ip.src, ip.dst);
  return ipv4_frame(r, ip, l4);
}

// Parses a frame through every layer; the first error, or nullopt if the
// whole frame is valid.
inline std::optional<WireError> parse_all_layers(Bytes frame) {
  auto eth = EthernetView::check(frame);
  if (!eth) return eth.error();
  if (eth->ethertype() == ethertype::kArp) {
    auto a = ArpPacket::parse(eth->payload());
    return a ? std::nullopt : std::optional(a.error());
  }
  auto ip = Ipv4Header::parse(eth->payload());
  if (!ip) return ip.error();
  const Bytes l4 = Ipv4View::check(eth->payload())->payload();
  switch (ip->protocol) {
    case ipproto::kIcmp: {
      auto m = IcmpMessage::parse(l4);
      return m ? std::nullopt : std::optional(m.error());
    }
    case ipproto::kUdp: {
      auto u = UdpDatagram::parse(l4, ip->src, ip->dst);
      return u ? std::nullopt : std::optional(u.error());
    }
    case ipproto::kTcp: {
      auto t = TcpSegment::parse(l4, ip->src, ip->dst);
      return t ? std::nullopt : std::optional(t.error());
    }
    default: return std::nullopt;
  }
}

}  // namespace ws::testing
