// Host: configuration, the driver interface, ARP and the IPv4 data path
// (ingress validation, local delivery, forwarding, egress with routing,
// fragmentation and next-hop resolution). ICMP lives in icmp.cpp.
#include "ip/host.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "base/checksum.hpp"
#include "wire/ethernet.hpp"

namespace ws {

struct Host::Interface {
  InterfaceConfig cfg;
  std::vector<Ipv4Cidr> addrs;
  ArpCache arp;
};

namespace {
// The largest MTU an interface may have: the largest IPv4 datagram.
constexpr std::size_t kMaxMtu = 0xffff;
// A buffer that holds a whole frame at `mtu`, with the headroom in front.
constexpr std::size_t frame_buffer(std::size_t mtu) {
  return PacketBuffer::kDefaultHeadroom + EthernetView::kHeaderLen + mtu;
}
}  // namespace

std::string_view to_string(SendError e) {
  switch (e) {
    case SendError::NoRoute: return "no route to host";
    case SendError::MessageTooLong: return "message too long";
    case SendError::NoBuffers: return "no buffer space available";
    case SendError::NoSourceAddress: return "no source address on the outgoing interface";
  }
  return "?";
}

Host::Host(HostConfig config)
    : config_(std::move(config)),
      rng_(config_.seed),
      // Size classes: Ethernet's MTU, jumbo frames, and the largest datagram.
      pools_({{frame_buffer(1500), config_.buffer_pool_limit},
              {frame_buffer(9000), config_.jumbo_buffer_limit},
              {frame_buffer(kMaxMtu), config_.large_buffer_limit}}),
      reassembler_(config_.reassembly),
      handlers_(256),
      next_ident_(static_cast<std::uint16_t>(rng_.next_u32())),
      icmp_tokens_(config_.icmp_error_burst) {
  log_.set_sink([name = config_.name](LogLevel l, std::string_view m) {
    std::fprintf(stderr, "[%s %.*s] %.*s\n", name.c_str(), static_cast<int>(to_string(l).size()),
                 to_string(l).data(), static_cast<int>(m.size()), m.data());
  });
}

Host::~Host() {
  // Buffers must return to the pool before it is destroyed.
  tx_queue_.clear();
  loopback_.clear();
  ifaces_.clear();
}

// --- configuration ----------------------------------------------------------

IfIndex Host::add_interface(const InterfaceConfig& cfg) {
  auto iface = std::make_unique<Interface>(Interface{cfg, {}, ArpCache(config_.arp)});
  if (iface->cfg.mtu > kMaxMtu || iface->cfg.mtu < 68) {  // RFC 791: every host handles 68
    log_.warn("{}: MTU {} out of range 68..{}, clamped", cfg.name, cfg.mtu, kMaxMtu);
    iface->cfg.mtu = static_cast<std::uint16_t>(std::clamp<std::size_t>(cfg.mtu, 68, kMaxMtu));
  }
  ifaces_.push_back(std::move(iface));
  return ifaces_.size() - 1;
}

void Host::add_address(Instant now, IfIndex iface, Ipv4Cidr addr) {
  (void)now;
  Interface& ifc = *ifaces_.at(iface);
  ifc.addrs.push_back(addr);
  routes_.add(Route{addr, std::nullopt, iface, 0, true});
  // Gratuitous ARP (RFC 5227 §3 announcement): sender and target are the
  // new address, so neighbours holding an old mapping update it.
  send_arp(iface, ArpOp::Request, MacAddress::broadcast(), MacAddress(), addr.address(), addr.address());
}

void Host::add_route(Ipv4Cidr destination, std::optional<Ipv4Address> gateway, IfIndex iface,
                     std::uint32_t metric) {
  routes_.add(Route{destination, gateway, iface, metric, false});
}

void Host::register_protocol(std::uint8_t protocol, ProtocolHandler handler) {
  handlers_[protocol] = std::move(handler);
}

std::size_t Host::interface_count() const { return ifaces_.size(); }
MacAddress Host::mac(IfIndex iface) const { return ifaces_.at(iface)->cfg.mac; }
std::uint16_t Host::mtu(IfIndex iface) const { return ifaces_.at(iface)->cfg.mtu; }
const std::vector<Ipv4Cidr>& Host::addresses(IfIndex iface) const { return ifaces_.at(iface)->addrs; }
const ArpCache& Host::arp_cache(IfIndex iface) const { return ifaces_.at(iface)->arp; }

bool Host::is_local_address(Ipv4Address a) const {
  if (a.is_loopback()) return true;  // 127.0.0.0/8 is the loopback interface's (RFC 1122 §3.2.1.3)
  for (const auto& ifc : ifaces_) {
    for (const auto& c : ifc->addrs) {
      if (c.address() == a) return true;
    }
  }
  return false;
}

bool Host::is_broadcast_on(IfIndex iface, Ipv4Address a) const {
  if (a.is_broadcast()) return true;
  for (const auto& c : ifaces_[iface]->addrs) {
    if (c.prefix_len() < 31 && c.broadcast() == a) return true;
  }
  return false;
}

std::optional<Ipv4Address> Host::source_address_for(Ipv4Address dst) const {
  if (dst.is_loopback()) return Ipv4Address(127, 0, 0, 1);
  if (is_local_address(dst)) return dst;
  auto route = routes_.lookup(dst);
  if (!route) return std::nullopt;
  const auto& addrs = ifaces_[route->iface]->addrs;
  if (addrs.empty()) return std::nullopt;
  // Prefer the address whose subnet holds the next hop (seed 001 §2.3).
  const Ipv4Address hop = route->next_hop(dst);
  for (const auto& c : addrs) {
    if (c.contains(hop)) return c.address();
  }
  return addrs.front().address();
}

ChecksumMode Host::checksum_mode_to(Ipv4Address dst) const {
  if (is_local_address(dst)) return ChecksumMode::kPartial;
  if (dst.is_broadcast()) return ChecksumMode::kFull;
  auto route = routes_.lookup(dst);
  const bool offload = route && ifaces_[route->iface]->cfg.tx_checksum_offload;
  return offload ? ChecksumMode::kPartial : ChecksumMode::kFull;
}

std::optional<std::uint16_t> Host::mtu_towards(Ipv4Address dst) const {
  if (is_local_address(dst)) return kLoopbackMtu;
  auto route = routes_.lookup(dst);
  if (!route) return std::nullopt;
  return ifaces_[route->iface]->cfg.mtu;
}

// --- driver interface -------------------------------------------------------

void Host::receive(Instant now, IfIndex iface, Bytes frame, const RxInfo& rx) {
  ++stats_.rx_frames;
  auto eth = EthernetView::check(frame);
  if (!eth) {
    ++stats_.rx_bad_ethernet;
    return;
  }
  const MacAddress dst = eth->dst();
  if (iface >= ifaces_.size() || (dst != ifaces_[iface]->cfg.mac && !dst.is_broadcast())) {
    ++stats_.rx_not_for_us;
    return;
  }
  switch (eth->ethertype()) {
    case ethertype::kArp: receive_arp(now, iface, eth->payload()); break;
    case ethertype::kIpv4: receive_ipv4(now, iface, eth->payload(), rx); break;
    default: ++stats_.rx_unknown_ethertype; break;
  }
}

void Host::poll(Instant now) {
  for (IfIndex i = 0; i < ifaces_.size(); ++i) {
    ArpCache::PollResult r;
    ifaces_[i]->arp.poll(now, r);
    for (Ipv4Address ip : r.retransmit) send_arp_request(i, ip, MacAddress::broadcast());
    for (auto& f : r.failed) arp_resolution_failed(now, i, f.ip, std::move(f.packets));
  }
  for (const auto& first : reassembler_.poll(now)) {
    // RFC 792 / RFC 1122 §3.3.2: time exceeded, code 1, if fragment zero arrived.
    send_icmp_error(now, first, IcmpType::TimeExceeded, icmp_time_exceeded::kReassembly);
  }
  // The loopback interface's receive side. A delivery may loop more
  // datagrams back (an ACK, more data); they are due now and run in this
  // same call, as Linux's lo hands packets straight to its receive path.
  while (!loopback_.empty() && loopback_.front().at <= now) {
    const PacketRef d = std::move(loopback_.front().datagram);
    loopback_.pop_front();
    const Bytes datagram = d->bytes();
    auto h = Ipv4Header::parse(datagram);
    if (h) deliver_local(now, *h, datagram, datagram.subspan(h->header_len()), false, RxInfo{true});
  }
}

Instant Host::poll_at() const {
  Instant t = reassembler_.poll_at();
  for (const auto& ifc : ifaces_) t = std::min(t, ifc->arp.poll_at());
  if (!loopback_.empty()) t = std::min(t, loopback_.front().at);
  return t;
}

std::optional<TxFrame> Host::pop_transmit() {
  if (tx_queue_.empty()) return std::nullopt;
  TxFrame f = std::move(tx_queue_.front());
  tx_queue_.pop_front();
  return f;
}

// --- ARP (RFC 826) ------------------------------------------------------------

void Host::receive_arp(Instant now, IfIndex iface, Bytes packet) {
  ++stats_.arp_rx;
  auto a = ArpPacket::parse(packet);
  if (!a) {
    ++stats_.arp_bad;
    return;
  }
  Interface& ifc = *ifaces_[iface];
  const bool for_us = std::any_of(ifc.addrs.begin(), ifc.addrs.end(),
                                  [&](const Ipv4Cidr& c) { return c.address() == a->target_ip; });
  // RFC 826 "merge": update an existing entry from any ARP packet (so a
  // gratuitous ARP refreshes neighbours); create one only when addressed to
  // us. A zero sender (an RFC 5227 probe) teaches nothing.
  if (!a->sender_ip.is_unspecified() && a->sender_mac.is_unicast()) {
    for (PacketRef& p : ifc.arp.learn(now, a->sender_ip, a->sender_mac, for_us)) {
      push_ethernet(iface, a->sender_mac, ethertype::kIpv4, std::move(p));
    }
  }
  if (for_us && a->op == ArpOp::Request) {
    send_arp(iface, ArpOp::Reply, a->sender_mac, a->sender_mac, a->target_ip, a->sender_ip);
  }
}

void Host::send_arp(IfIndex iface, ArpOp op, MacAddress dst_mac, MacAddress target_mac,
                    Ipv4Address sender_ip, Ipv4Address target_ip) {
  PacketRef p = acquire();
  if (!p) return;
  const ArpPacket a{op, ifaces_[iface]->cfg.mac, sender_ip, target_mac, target_ip};
  a.emit(MutBytes(p->append(ArpPacket::buffer_len()), ArpPacket::buffer_len()));
  if (op == ArpOp::Request) {
    ++stats_.arp_requests_sent;
  } else {
    ++stats_.arp_replies_sent;
  }
  push_ethernet(iface, dst_mac, ethertype::kArp, std::move(p));
}

void Host::send_arp_request(IfIndex iface, Ipv4Address target, MacAddress dst_mac) {
  const auto& addrs = ifaces_[iface]->addrs;
  if (addrs.empty()) return;
  Ipv4Address sender = addrs.front().address();
  for (const auto& c : addrs) {
    if (c.contains(target)) sender = c.address();
  }
  send_arp(iface, ArpOp::Request, dst_mac, MacAddress(), sender, target);
}

void Host::arp_resolution_failed(Instant now, IfIndex iface, Ipv4Address ip,
                                 std::vector<PacketRef> packets) {
  ++stats_.arp_failures;
  log_.debug("ARP for {} on {} failed; {} packets dropped", ip.to_string(), ifaces_[iface]->cfg.name,
             packets.size());
  // RFC 1122 §2.3.2.2 / §3.2.2.1: the senders learn the host is unreachable.
  for (const PacketRef& p : packets) {
    send_icmp_error(now, p->bytes(), IcmpType::DestUnreachable, icmp_unreach::kHost);
  }
}

// --- IPv4 ingress (RFC 791, RFC 1122 §3.2.1) -----------------------------------

void Host::receive_ipv4(Instant now, IfIndex iface, Bytes packet, const RxInfo& rx) {
  ++stats_.ip_rx;
  auto h = Ipv4Header::parse(packet);
  if (!h) {
    ++stats_.ip_bad;
    ++stats_.ip_errors[static_cast<std::size_t>(h.error())];
    log_.debug("IPv4 dropped: {}", to_string(h.error()));
    return;
  }
  const Bytes datagram = packet.first(h->total_len());  // without link padding
  // RFC 1122 §3.2.1.3: a source that is broadcast, multicast or a subnet
  // broadcast is invalid and silently discarded.
  if (h->src.is_broadcast() || h->src.is_multicast() || is_broadcast_on(iface, h->src)) {
    ++stats_.ip_bad_source;
    return;
  }
  // RFC 1122 §3.2.1.3 (g): 127.0.0.0/8 must not appear outside a host; from
  // a wire, as source or destination, it is discarded (Linux: a "martian").
  if (h->src.is_loopback() || h->dst.is_loopback()) {
    ++stats_.ip_martian;
    return;
  }
  const bool to_broadcast = is_broadcast_on(iface, h->dst);
  if (!to_broadcast && !is_local_address(h->dst)) {
    if (config_.forwarding) {
      forward(now, iface, *h, datagram);
    } else {
      ++stats_.ip_not_for_us;
    }
    return;
  }
  if (h->is_fragment()) {
    if (auto whole = reassembler_.add(now, *h, datagram)) receive_reassembled(now, *whole);
    return;
  }
  deliver_local(now, *h, datagram, datagram.subspan(h->header_len()), to_broadcast, rx);
}

void Host::receive_reassembled(Instant now, Bytes datagram) {
  auto h = Ipv4Header::parse(datagram);
  if (!h) {
    ++stats_.ip_reassembly_failed;
    return;
  }
  deliver_local(now, *h, datagram, datagram.subspan(h->header_len()), false);
}

void Host::deliver_local(Instant now, const Ipv4Header& h, Bytes datagram, Bytes payload,
                         bool to_broadcast, const RxInfo& rx) {
  ++stats_.ip_delivered;
  if (h.protocol == ipproto::kIcmp) {
    receive_icmp(now, h, payload, to_broadcast);
    return;
  }
  const ProtocolHandler& handler = handlers_[h.protocol];
  if (handler.on_datagram) {
    handler.on_datagram(now, h, payload, datagram, rx);
    return;
  }
  ++stats_.ip_unknown_protocol;
  if (!to_broadcast) {
    send_icmp_error(now, datagram, IcmpType::DestUnreachable, icmp_unreach::kProtocol);
  }
}

// --- forwarding (RFC 1812 §5.2, §5.3) ------------------------------------------

void Host::forward(Instant now, IfIndex in_iface, const Ipv4Header& h, Bytes datagram) {
  (void)in_iface;
  // RFC 1812 §5.3.1: a datagram whose TTL would reach zero is discarded
  // with ICMP time exceeded.
  if (h.ttl <= 1) {
    ++stats_.ip_ttl_expired;
    send_icmp_error(now, datagram, IcmpType::TimeExceeded, icmp_time_exceeded::kTtl);
    return;
  }
  auto route = routes_.lookup(h.dst);
  if (!route) {
    ++stats_.ip_no_route;
    send_icmp_error(now, datagram, IcmpType::DestUnreachable, icmp_unreach::kNet);
    return;
  }
  const std::size_t mtu = ifaces_[route->iface]->cfg.mtu;
  if (datagram.size() > mtu && h.dont_frag) {
    // RFC 1191 §4: tell the sender the next-hop MTU.
    ++stats_.ip_frag_needed;
    send_icmp_error(now, datagram, IcmpType::DestUnreachable, icmp_unreach::kFragNeeded,
                    static_cast<std::uint16_t>(mtu));
    return;
  }
  ++stats_.ip_forwarded;
  // Into a pooled buffer (no allocation per forwarded packet), then
  // decrement TTL and patch the checksum incrementally (RFC 1624 eqn. 3):
  // TTL shares a 16-bit word with the protocol field.
  PacketRef p = acquire(datagram.size());
  if (!p) return;
  if (!p->append(datagram)) return;  // larger than any buffer: cannot happen
  std::uint8_t* d = p->data();
  const std::uint16_t old_word = load_be16(d + 8);
  d[8] = static_cast<std::uint8_t>(h.ttl - 1);
  store_be16(d + 10, checksum_adjust(load_be16(d + 10), old_word, load_be16(d + 8)));
  const Ipv4Address hop = route->next_hop(h.dst);
  if (p->size() <= mtu) {
    transmit_ipv4(now, route->iface, hop, std::move(p));
  } else {
    output_datagram(now, route->iface, hop, p->bytes());  // fragments it
  }
}

// --- egress -------------------------------------------------------------------------

PacketRef Host::acquire(std::size_t bytes) {
  PacketRef p = pools_.acquire_for(bytes);
  if (!p) ++stats_.no_buffers;
  return p;
}

PacketRef Host::transport_buffer(std::size_t len) {
  if (len > kMaxTransportLen) return PacketRef(nullptr, PoolReturn{});
  return acquire(len);
}

Result<Host::Outgoing, SendError> Host::prepare_send(Ipv4Address src, Ipv4Address dst,
                                                     std::uint8_t protocol, std::size_t payload_len,
                                                     bool dont_frag, std::optional<std::uint8_t> ttl,
                                                     std::uint8_t ecn) {
  if (payload_len + Ipv4View::kMinHeaderLen > 0xffff) return Unexpected{SendError::MessageTooLong};
  std::optional<Route> route;
  const bool local = is_local_address(dst);
  if (local) {
    // The loopback interface; the route's interface is not used.
    route = Route{Ipv4Cidr(dst, 32), std::nullopt, 0, 0, true};
    if (src.is_unspecified()) src = *source_address_for(dst);
  } else if (dst.is_broadcast()) {
    // Limited broadcast is never routed (RFC 1122 §3.3.6): it leaves on the
    // interface of the source address, or the first one with an address.
    for (IfIndex i = 0; i < ifaces_.size() && !route; ++i) {
      for (const auto& c : ifaces_[i]->addrs) {
        if (src.is_unspecified() || c.address() == src) {
          route = Route{c, std::nullopt, i, 0, true};
          break;
        }
      }
    }
  } else {
    route = routes_.lookup(dst);
  }
  if (!route) return Unexpected{SendError::NoRoute};
  if (src.is_unspecified()) {
    auto s = dst.is_broadcast() ? (ifaces_[route->iface]->addrs.empty()
                                       ? std::nullopt
                                       : std::optional(ifaces_[route->iface]->addrs.front().address()))
                                : source_address_for(dst);
    if (!s) return Unexpected{SendError::NoSourceAddress};
    src = *s;
  }
  Outgoing o;
  o.h.ident = next_ident_++;
  o.h.dont_frag = dont_frag;
  o.h.ecn = ecn & 0x03;
  o.h.ttl = ttl.value_or(config_.default_ttl);
  o.h.protocol = protocol;
  o.h.src = src;
  o.h.dst = dst;
  o.h.payload_len = static_cast<std::uint16_t>(payload_len);
  o.iface = route->iface;
  o.hop = route->next_hop(dst);
  o.local = local;
  o.mtu = local ? kLoopbackMtu : ifaces_[route->iface]->cfg.mtu;
  if (!o.local && o.h.total_len() > o.mtu && dont_frag) {
    ++stats_.ip_frag_needed;
    return Unexpected{SendError::MessageTooLong};
  }
  return o;
}

Result<void, SendError> Host::send_ipv4(Instant now, Ipv4Address src, Ipv4Address dst,
                                        std::uint8_t protocol, Bytes payload, bool dont_frag,
                                        std::optional<std::uint8_t> ttl, std::uint8_t ecn) {
  auto o = prepare_send(src, dst, protocol, payload.size(), dont_frag, ttl, ecn);
  if (!o) return Unexpected{o.error()};
  if (o->h.total_len() > o->mtu) return send_fragmented(now, *o, payload);
  PacketRef p = acquire(payload.size());
  if (!p) return Unexpected{SendError::NoBuffers};
  p->append(payload);
  if (o->local) return send_looped(now, *o, std::move(p));
  send_prepared(now, *o, std::move(p));
  return {};
}

Result<void, SendError> Host::send_transport(Instant now, Ipv4Address src, Ipv4Address dst,
                                             std::uint8_t protocol, PacketRef segment, bool dont_frag,
                                             std::optional<std::uint8_t> ttl, std::uint8_t ecn) {
  auto o = prepare_send(src, dst, protocol, segment->size(), dont_frag, ttl, ecn);
  if (!o) return Unexpected{o.error()};
  if (o->h.total_len() > o->mtu) {
    segment->complete_checksum();  // no device sums fragments for us
    return send_fragmented(now, *o, segment->bytes());
  }
  if (o->local) return send_looped(now, *o, std::move(segment));
  send_prepared(now, *o, std::move(segment));
  return {};
}

void Host::send_prepared(Instant now, const Outgoing& o, PacketRef packet) {
  o.h.emit(MutBytes(packet->prepend(o.h.header_len()), o.h.header_len()));
  transmit_ipv4(now, o.iface, o.hop, std::move(packet));
}

Result<void, SendError> Host::send_looped(Instant now, const Outgoing& o, PacketRef packet) {
  // To ourselves: no device involved; the buffer itself is delivered on
  // the next poll().
  if (loopback_.size() >= config_.loopback_limit) {
    ++stats_.loopback_drops;
    return Unexpected{SendError::NoBuffers};
  }
  o.h.emit(MutBytes(packet->prepend(o.h.header_len()), o.h.header_len()));
  ++stats_.loopback_sent;
  loopback_.push_back({now, std::move(packet)});
  return {};
}

Result<void, SendError> Host::send_fragmented(Instant now, const Outgoing& o, Bytes payload) {
  std::vector<std::uint8_t> whole(o.h.total_len());
  o.h.emit(whole);
  std::copy(payload.begin(), payload.end(), whole.begin() + Ipv4View::kMinHeaderLen);
  std::vector<PacketRef> fragments;
  if (!fragment_datagram(whole, o.mtu, pools_, fragments)) {
    ++stats_.no_buffers;
    return Unexpected{SendError::NoBuffers};
  }
  ++stats_.ip_fragmented;
  for (auto& f : fragments) {
    ++stats_.ip_fragments_sent;
    transmit_ipv4(now, o.iface, o.hop, std::move(f));
  }
  return {};
}

void Host::output_datagram(Instant now, IfIndex iface, Ipv4Address next_hop, Bytes datagram) {
  if (datagram.size() <= ifaces_[iface]->cfg.mtu) {
    PacketRef p = acquire(datagram.size());
    if (!p) return;
    p->append(datagram);
    transmit_ipv4(now, iface, next_hop, std::move(p));
    return;
  }
  std::vector<PacketRef> fragments;
  if (!fragment_datagram(datagram, ifaces_[iface]->cfg.mtu, pools_, fragments)) {
    ++stats_.no_buffers;
    return;
  }
  ++stats_.ip_fragmented;
  for (auto& f : fragments) {
    ++stats_.ip_fragments_sent;
    transmit_ipv4(now, iface, next_hop, std::move(f));
  }
}

void Host::transmit_ipv4(Instant now, IfIndex iface, Ipv4Address next_hop, PacketRef packet) {
  if (is_broadcast_on(iface, next_hop)) {
    push_ethernet(iface, MacAddress::broadcast(), ethertype::kIpv4, std::move(packet));
    return;
  }
  Interface& ifc = *ifaces_[iface];
  const ArpCache::Lookup l = ifc.arp.lookup(now, next_hop);
  if (l.mac) {
    if (l.refresh) send_arp_request(iface, next_hop, *l.mac);
    push_ethernet(iface, *l.mac, ethertype::kIpv4, std::move(packet));
    return;
  }
  const std::uint64_t drops_before = ifc.arp.stats().pending_drops;
  if (ifc.arp.enqueue(now, next_hop, std::move(packet))) {
    send_arp_request(iface, next_hop, MacAddress::broadcast());
  }
  stats_.arp_pending_drops += ifc.arp.stats().pending_drops - drops_before;
}

void Host::push_ethernet(IfIndex iface, MacAddress dst, std::uint16_t type, PacketRef packet) {
  EthernetHeader{dst, ifaces_[iface]->cfg.mac, type}.emit(
      MutBytes(packet->prepend(EthernetView::kHeaderLen), EthernetView::kHeaderLen));
  enqueue_frame(iface, std::move(packet));
}

void Host::enqueue_frame(IfIndex iface, PacketRef frame) {
  if (tx_queue_.size() >= config_.tx_queue_limit) {
    ++stats_.tx_queue_drops;
    return;
  }
  ++stats_.tx_frames;
  tx_queue_.push_back(TxFrame{iface, std::move(frame)});
}

}  // namespace ws
