#include "wire/describe.hpp"

#include <fmt/format.h>

#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace ws {

namespace {

std::string describe_tcp_options(const TcpOptions& o) {
  std::string s;
  auto add = [&s](const std::string& item) {
    if (!s.empty()) s += ',';
    s += item;
  };
  if (o.mss) add(fmt::format("mss {}", *o.mss));
  if (o.sack_permitted) add("sackOK");
  if (o.timestamps) add(fmt::format("TS val {} ecr {}", o.timestamps->tsval, o.timestamps->tsecr));
  if (o.window_scale) add(fmt::format("wscale {}", *o.window_scale));
  if (o.sack_count > 0) {
    std::string blocks = fmt::format("sack {}", o.sack_count);
    for (std::size_t i = 0; i < o.sack_count; ++i) {
      blocks += fmt::format(" {{{}:{}}}", o.sack_blocks[i].left.raw(), o.sack_blocks[i].right.raw());
    }
    add(blocks);
  }
  return s;
}

std::string describe_tcp(const Ipv4Header& ip, Bytes payload) {
  auto t = TcpSegment::parse(payload, ip.src, ip.dst);
  if (!t) return fmt::format("IP {} > {}: TCP bad: {}", ip.src.to_string(), ip.dst.to_string(), to_string(t.error()));
  std::string s = fmt::format("IP {}.{} > {}.{}: Flags [{}], seq {}", ip.src.to_string(), t->src_port,
                              ip.dst.to_string(), t->dst_port, t->flags.to_string(), t->seq.raw());
  if (t->ack) s += fmt::format(", ack {}", t->ack->raw());
  s += fmt::format(", win {}", t->window);
  const std::string opts = describe_tcp_options(t->options);
  if (!opts.empty()) s += fmt::format(", options [{}]", opts);
  s += fmt::format(", length {}", t->payload.size());
  return s;
}

std::string describe_icmp(const Ipv4Header& ip, Bytes payload) {
  const std::string prefix = fmt::format("IP {} > {}: ICMP", ip.src.to_string(), ip.dst.to_string());
  auto m = IcmpMessage::parse(payload);
  if (!m) return fmt::format("{} bad: {}", prefix, to_string(m.error()));
  switch (m->type) {
    case IcmpType::EchoRequest:
    case IcmpType::EchoReply:
      return fmt::format("{} echo {}, id {}, seq {}, length {}", prefix,
                         m->type == IcmpType::EchoRequest ? "request" : "reply", m->ident, m->seq,
                         payload.size());
    case IcmpType::DestUnreachable:
    case IcmpType::TimeExceeded: break;
  }
  auto q = m->quoted();
  std::string about = q ? fmt::format("{} > {} proto {}", q->header.src.to_string(), q->header.dst.to_string(),
                                      q->header.protocol)
                        : "?";
  if (q && q->data.size() >= 4 &&
      (q->header.protocol == ipproto::kUdp || q->header.protocol == ipproto::kTcp)) {
    about = fmt::format("{} {} port {}", q->header.dst.to_string(),
                        q->header.protocol == ipproto::kUdp ? "udp" : "tcp", load_be16(q->data.data() + 2));
  }
  if (m->type == IcmpType::TimeExceeded) {
    return fmt::format("{} time exceeded {} ({})", prefix,
                       m->code == icmp_time_exceeded::kTtl ? "in-transit" : "reassembly", about);
  }
  switch (m->code) {
    case icmp_unreach::kNet: return fmt::format("{} net {} unreachable", prefix, q ? q->header.dst.to_string() : "?");
    case icmp_unreach::kHost: return fmt::format("{} host {} unreachable", prefix, q ? q->header.dst.to_string() : "?");
    case icmp_unreach::kPort: return fmt::format("{} {} unreachable", prefix, about);
    case icmp_unreach::kFragNeeded:
      return fmt::format("{} {} unreachable - need to frag (mtu {})", prefix,
                         q ? q->header.dst.to_string() : "?", m->next_hop_mtu);
    default: return fmt::format("{} unreachable code {} ({})", prefix, m->code, about);
  }
}

std::string describe_ipv4(Bytes packet) {
  auto ip = Ipv4Header::parse(packet);
  if (!ip) return fmt::format("IP bad: {}", to_string(ip.error()));
  auto v = Ipv4View::check(packet);  // cannot fail after parse succeeded
  const Bytes payload = v->payload();
  if (ip->is_fragment()) {
    return fmt::format("IP {} > {}: frag id {} offset {}{} proto {} length {}", ip->src.to_string(),
                       ip->dst.to_string(), ip->ident, ip->frag_offset, ip->more_frags ? "+" : "",
                       ip->protocol, ip->payload_len);
  }
  switch (ip->protocol) {
    case ipproto::kTcp: return describe_tcp(*ip, payload);
    case ipproto::kIcmp: return describe_icmp(*ip, payload);
    case ipproto::kUdp: {
      auto u = UdpDatagram::parse(payload, ip->src, ip->dst);
      if (!u) return fmt::format("IP {} > {}: UDP bad: {}", ip->src.to_string(), ip->dst.to_string(), to_string(u.error()));
      return fmt::format("IP {}.{} > {}.{}: UDP, length {}", ip->src.to_string(), u->src_port,
                         ip->dst.to_string(), u->dst_port, u->payload.size());
    }
    default:
      return fmt::format("IP {} > {}: proto {} length {}", ip->src.to_string(), ip->dst.to_string(),
                         ip->protocol, ip->payload_len);
  }
}

std::string describe_arp(Bytes packet) {
  auto a = ArpPacket::parse(packet);
  if (!a) return fmt::format("ARP bad: {}", to_string(a.error()));
  if (a->op == ArpOp::Request) {
    if (a->sender_ip == a->target_ip) return fmt::format("ARP, Announcement {} is-at {}", a->sender_ip.to_string(), a->sender_mac.to_string());
    return fmt::format("ARP, Request who-has {} tell {}", a->target_ip.to_string(), a->sender_ip.to_string());
  }
  return fmt::format("ARP, Reply {} is-at {}", a->sender_ip.to_string(), a->sender_mac.to_string());
}

}  // namespace

std::string describe_frame(Bytes frame, bool link_level) {
  auto eth = EthernetView::check(frame);
  if (!eth) return fmt::format("Ethernet bad: {}", to_string(eth.error()));
  std::string body;
  switch (eth->ethertype()) {
    case ethertype::kArp: body = describe_arp(eth->payload()); break;
    case ethertype::kIpv4: body = describe_ipv4(eth->payload()); break;
    default: body = fmt::format("ethertype 0x{:04x}, length {}", eth->ethertype(), frame.size()); break;
  }
  if (!link_level) return body;
  return fmt::format("{} > {}, {}", eth->src().to_string(), eth->dst().to_string(), body);
}

}  // namespace ws
