#include "view/dissect.hpp"

#include <fmt/format.h>

#include "view/conversation.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace ws::view {

namespace {

std::string hex16(std::uint16_t v) { return fmt::format("0x{:04x}", v); }

Layer tcp_layer(Bytes segment, Ipv4Address src, Ipv4Address dst) {
  Layer l{"TCP", {}};
  auto v = TcpView::check(segment);
  if (!v) {
    l.fields.emplace_back("error", std::string(to_string(v.error())));
    return l;
  }
  l.fields.emplace_back("source port", std::to_string(v->src_port()));
  l.fields.emplace_back("destination port", std::to_string(v->dst_port()));
  l.fields.emplace_back("sequence number", std::to_string(v->seq().raw()));
  l.fields.emplace_back("acknowledgment number", std::to_string(v->ack().raw()));
  l.fields.emplace_back("data offset", fmt::format("{} bytes", v->header_len()));
  l.fields.emplace_back("flags", fmt::format("0x{:02x} {} ({})", v->flags().bits, flag_names(v->flags()),
                                             v->flags().to_string()));
  l.fields.emplace_back("window", std::to_string(v->window()));
  l.fields.emplace_back("checksum", hex16(v->checksum()) + (v->checksum_ok(src, dst) ? " (correct)" : " (BAD)"));
  l.fields.emplace_back("urgent pointer", std::to_string(v->urgent_ptr()));
  if (!v->options().empty()) {
    auto o = TcpOptions::parse(v->options());
    if (!o) {
      l.fields.emplace_back("options", std::string("malformed: ") + std::string(to_string(o.error())));
    } else {
      if (o->mss) l.fields.emplace_back("option", fmt::format("mss {}", *o->mss));
      if (o->window_scale) l.fields.emplace_back("option", fmt::format("wscale {}", *o->window_scale));
      if (o->sack_permitted) l.fields.emplace_back("option", "sackOK");
      if (o->timestamps) {
        l.fields.emplace_back("option", fmt::format("TS val {} ecr {}", o->timestamps->tsval, o->timestamps->tsecr));
      }
      for (std::size_t i = 0; i < o->sack_count; ++i) {
        l.fields.emplace_back("option", fmt::format("sack {}-{}", o->sack_blocks[i].left.raw(),
                                                    o->sack_blocks[i].right.raw()));
      }
    }
  }
  l.fields.emplace_back("payload", fmt::format("{} bytes", v->payload().size()));
  return l;
}

Layer ipv4_layer(const Ipv4View& ip) {
  Layer l{"IPv4", {}};
  l.fields.emplace_back("version", std::to_string(ip.version()));
  l.fields.emplace_back("header length", fmt::format("{} bytes", ip.header_len()));
  l.fields.emplace_back("DSCP / ECN", fmt::format("{} / {}", ip.dscp(), ip.ecn()));
  l.fields.emplace_back("total length", std::to_string(ip.total_len()));
  l.fields.emplace_back("identification", hex16(ip.ident()));
  std::string flags = ip.dont_frag() ? "DF" : "";
  if (ip.more_frags()) flags += flags.empty() ? "MF" : ", MF";
  l.fields.emplace_back("flags", flags.empty() ? "none" : flags);
  l.fields.emplace_back("fragment offset", std::to_string(ip.frag_offset()));
  l.fields.emplace_back("TTL", std::to_string(ip.ttl()));
  const std::uint8_t p = ip.protocol();
  l.fields.emplace_back("protocol", fmt::format("{} ({})", p,
                                                p == ipproto::kTcp   ? "TCP"
                                                : p == ipproto::kUdp ? "UDP"
                                                : p == ipproto::kIcmp ? "ICMP"
                                                                      : "other"));
  l.fields.emplace_back("header checksum", hex16(ip.checksum()) + (ip.checksum_ok() ? " (correct)" : " (BAD)"));
  l.fields.emplace_back("source", ip.src().to_string());
  l.fields.emplace_back("destination", ip.dst().to_string());
  return l;
}

}  // namespace

std::vector<Layer> dissect(Bytes frame) {
  std::vector<Layer> out;
  auto eth = EthernetView::check(frame);
  if (!eth) {
    out.push_back(Layer{"Ethernet II", {{"error", std::string(to_string(eth.error()))}}});
    return out;
  }
  const std::uint16_t type = eth->ethertype();
  out.push_back(Layer{"Ethernet II",
                      {{"destination", eth->dst().to_string()},
                       {"source", eth->src().to_string()},
                       {"type", hex16(type) + (type == ethertype::kIpv4  ? " (IPv4)"
                                               : type == ethertype::kArp ? " (ARP)"
                                                                         : "")}}});
  if (type == ethertype::kArp) {
    auto a = ArpView::check(eth->payload());
    if (!a) {
      out.push_back(Layer{"ARP", {{"error", std::string(to_string(a.error()))}}});
      return out;
    }
    out.push_back(Layer{"ARP",
                        {{"hardware type", std::to_string(a->hardware_type())},
                         {"protocol type", hex16(a->protocol_type())},
                         {"operation", a->operation() == 1 ? "1 (request)" : a->operation() == 2 ? "2 (reply)"
                                                                                                   : std::to_string(a->operation())},
                         {"sender MAC", a->sender_mac().to_string()},
                         {"sender IP", a->sender_ip().to_string()},
                         {"target MAC", a->target_mac().to_string()},
                         {"target IP", a->target_ip().to_string()}}});
    return out;
  }
  if (type != ethertype::kIpv4) return out;
  auto ip = Ipv4View::check(eth->payload());
  if (!ip) {
    out.push_back(Layer{"IPv4", {{"error", std::string(to_string(ip.error()))}}});
    return out;
  }
  out.push_back(ipv4_layer(*ip));
  if (ip->frag_offset() != 0) return out;  // a later fragment: no transport header
  switch (ip->protocol()) {
    case ipproto::kTcp: out.push_back(tcp_layer(ip->payload(), ip->src(), ip->dst())); break;
    case ipproto::kUdp: {
      auto u = UdpView::check(ip->payload());
      if (!u) {
        out.push_back(Layer{"UDP", {{"error", std::string(to_string(u.error()))}}});
        break;
      }
      out.push_back(Layer{"UDP",
                          {{"source port", std::to_string(u->src_port())},
                           {"destination port", std::to_string(u->dst_port())},
                           {"length", std::to_string(u->length())},
                           {"checksum", hex16(u->checksum())}}});
      break;
    }
    case ipproto::kIcmp: {
      auto m = IcmpView::check(ip->payload());
      if (!m) {
        out.push_back(Layer{"ICMP", {{"error", std::string(to_string(m.error()))}}});
        break;
      }
      out.push_back(Layer{"ICMP", {{"type", std::to_string(m->type())}, {"code", std::to_string(m->code())}}});
      break;
    }
    default: break;
  }
  return out;
}

std::string hex_dump(Bytes frame) {
  std::string out;
  for (std::size_t off = 0; off < frame.size(); off += 16) {
    out += fmt::format("{:04x} ", off);
    std::string ascii;
    for (std::size_t i = off; i < off + 16; ++i) {
      if (i == off + 8) out += ' ';
      if (i < frame.size()) {
        out += fmt::format(" {:02x}", frame[i]);
        ascii += frame[i] >= 0x20 && frame[i] < 0x7f ? static_cast<char>(frame[i]) : '.';
      } else {
        out += "   ";
      }
    }
    out += "  " + ascii + "\n";
  }
  return out;
}

}  // namespace ws::view
