#include "udp/udp.hpp"

#include <algorithm>
#include <cstring>

#include "wire/udp.hpp"

namespace ws {

UdpLayer::UdpLayer(Host& host, Limits limits, std::function<void(SocketId)> notify)
    : host_(host),
      limits_(limits),
      notify_(std::move(notify)),
      // Start at a seeded random point of the range (RFC 6056 §3.3.4-like
      // incremental allocation), then walk it sequentially so a port is not
      // reused before the others have been.
      next_ephemeral_(static_cast<std::uint16_t>(kEphemeralFirst + host.rng().below(kEphemeralLast - kEphemeralFirst + 1))) {
  host_.register_protocol(ipproto::kUdp,
                          ProtocolHandler{[this](Instant now, const Ipv4Header& h, Bytes p, Bytes d,
                                                 const RxInfo& rx) { on_datagram(now, h, p, d, rx); },
                                          [this](Instant, const IcmpMessage& m, const QuotedDatagram& q) {
                                            on_icmp_error(m, q);
                                          }});
}

void UdpLayer::open(SocketId id) {
  Socket s;
  s.rcvbuf = limits_.default_rcvbuf;
  s.sndbuf = limits_.default_sndbuf;
  sockets_.emplace(id, std::move(s));
}

void UdpLayer::close(SocketId id) {
  Socket& s = sock(id);
  if (s.local) {
    auto it = bindings_.find(s.local->port);
    if (it != bindings_.end()) {
      std::erase(it->second, id);
      if (it->second.empty()) bindings_.erase(it);
    }
  }
  sockets_.erase(id);
}

void UdpLayer::set_rcvbuf(SocketId id, std::size_t bytes) { sock(id).rcvbuf = std::min(bytes, limits_.max_buffer); }
void UdpLayer::set_sndbuf(SocketId id, std::size_t bytes) { sock(id).sndbuf = std::min(bytes, limits_.max_buffer); }

std::optional<SocketAddress> UdpLayer::local_address(SocketId id) const { return sock(id).local; }

bool UdpLayer::port_conflict(SocketId id, SocketAddress local, bool reuse) const {
  auto it = bindings_.find(local.port);
  if (it == bindings_.end()) return false;
  for (SocketId other : it->second) {
    if (other == id) continue;
    const Socket& o = sockets_.at(other);
    const bool overlap = o.local->ip.is_unspecified() || local.ip.is_unspecified() || o.local->ip == local.ip;
    // SO_REUSEADDR on both sockets lets them share (Linux semantics for UDP).
    if (overlap && !(reuse && o.reuse_addr)) return true;
  }
  return false;
}

std::optional<std::uint16_t> UdpLayer::ephemeral_port() {
  constexpr std::uint32_t kRange = kEphemeralLast - kEphemeralFirst + 1;
  for (std::uint32_t i = 0; i < kRange; ++i) {
    const std::uint16_t p = next_ephemeral_;
    next_ephemeral_ = p == kEphemeralLast ? kEphemeralFirst : static_cast<std::uint16_t>(p + 1);
    if (!bindings_.contains(p)) return p;
  }
  return std::nullopt;
}

SockResult<void> UdpLayer::bind(SocketId id, SocketAddress local) {
  Socket& s = sock(id);
  if (s.local) return sock_error(SockError::Invalid);  // already bound
  if (!local.ip.is_unspecified() && !host_.is_local_address(local.ip)) {
    return sock_error(SockError::AddrNotAvail);
  }
  if (local.port == 0) {
    auto p = ephemeral_port();
    if (!p) return sock_error(SockError::AddrInUse);
    local.port = *p;
  } else if (port_conflict(id, local, s.reuse_addr)) {
    return sock_error(SockError::AddrInUse);
  }
  s.local = local;
  bindings_[local.port].push_back(id);
  return {};
}

SockResult<void> UdpLayer::connect(SocketId id, SocketAddress peer) {
  if (peer.port == 0 || peer.ip.is_unspecified()) return sock_error(SockError::Invalid);
  Socket& s = sock(id);
  if (!s.local) {
    if (auto r = bind(id, {}); !r) return r;
  }
  s.peer = peer;
  s.pending_error.reset();
  // Datagrams from others that were already queued stay; new ones are filtered.
  return {};
}

std::optional<SockError> UdpLayer::take_error(Socket& s) {
  auto e = s.pending_error;
  s.pending_error.reset();
  return e;
}

SockResult<std::size_t> UdpLayer::send_to(Instant now, SocketId id, Bytes data, std::optional<SocketAddress> dst) {
  Socket& s = sock(id);
  if (auto e = take_error(s)) return sock_error(*e);
  if (!dst) {
    if (!s.peer) return sock_error(SockError::DestAddrRequired);
    dst = s.peer;
  }
  if (dst->port == 0) return sock_error(SockError::Invalid);
  if (data.size() > kMaxPayload || data.size() + 8 > s.sndbuf) return sock_error(SockError::MsgSize);
  bool to_broadcast = dst->ip.is_broadcast();
  for (IfIndex i = 0; i < host_.interface_count() && !to_broadcast; ++i) {
    for (const auto& c : host_.addresses(i)) to_broadcast |= c.prefix_len() < 31 && c.broadcast() == dst->ip;
  }
  if (to_broadcast && !s.broadcast) return sock_error(SockError::Access);  // SO_BROADCAST not set
  if (!s.local) {
    if (auto r = bind(id, {}); !r) return sock_error(r.error());
  }
  const Ipv4Address src = s.local->ip;
  auto src_for_sum = src.is_unspecified() ? host_.source_address_for(dst->ip) : std::optional(src);
  if (to_broadcast && !src_for_sum) {
    for (IfIndex i = 0; i < host_.interface_count() && !src_for_sum; ++i) {
      if (!host_.addresses(i).empty()) src_for_sum = host_.addresses(i).front().address();
    }
  }
  if (!src_for_sum) return sock_error(SockError::NetUnreach);

  const UdpDatagram d{s.local->port, dst->port, data};
  const std::size_t len = d.buffer_len();
  Result<void, SendError> r = Unexpected{SendError::NoBuffers};
  // The one copy of the payload: from the caller's buffer into the frame.
  if (PacketRef p = host_.transport_buffer(len)) {
    const ChecksumMode mode = host_.checksum_mode_to(dst->ip);
    d.emit(MutBytes(p->append(len), len), *src_for_sum, dst->ip, mode);
    if (mode == ChecksumMode::kPartial) p->set_partial_checksum(0, UdpView::kChecksumOffset);
    r = host_.send_transport(now, *src_for_sum, dst->ip, ipproto::kUdp, std::move(p));
  }
  if (!r) {
    switch (r.error()) {
      case SendError::NoRoute: return sock_error(SockError::NetUnreach);
      case SendError::MessageTooLong: return sock_error(SockError::MsgSize);
      case SendError::NoBuffers: return sock_error(SockError::NoBufs);
      case SendError::NoSourceAddress: return sock_error(SockError::AddrNotAvail);
    }
  }
  ++stats_.datagrams_sent;
  return data.size();
}

SockResult<UdpLayer::Received> UdpLayer::recv_from(SocketId id, MutBytes buffer) {
  Socket& s = sock(id);
  if (auto e = take_error(s)) return sock_error(*e);
  if (s.queue.empty()) return sock_error(SockError::WouldBlock);
  Datagram d = std::move(s.queue.front());
  s.queue.pop_front();
  s.queued_bytes -= d.data.size();
  const std::size_t n = std::min(buffer.size(), d.data.size());
  if (n > 0) std::memcpy(buffer.data(), d.data.data(), n);
  return Received{n, d.from, n < d.data.size()};
}

bool UdpLayer::readable(SocketId id) const {
  const Socket& s = sock(id);
  return !s.queue.empty() || s.pending_error.has_value();
}

void UdpLayer::enqueue(SocketId id, Socket& s, SocketAddress from, Bytes payload) {
  // SO_RCVBUF bounds the queued payload bytes; UDP has no flow control, so
  // what does not fit is dropped and counted (seed 004 §四).
  if (s.queued_bytes + payload.size() > s.rcvbuf) {
    ++s.drops;
    ++stats_.rcvbuf_drops;
    return;
  }
  s.queue.push_back(Datagram{from, {payload.begin(), payload.end()}});
  s.queued_bytes += payload.size();
  if (notify_) notify_(id);
}

void UdpLayer::on_datagram(Instant now, const Ipv4Header& h, Bytes payload, Bytes datagram,
                           const RxInfo& rx) {
  auto u = UdpDatagram::parse(payload, h.src, h.dst, /*verify_checksum=*/!rx.checksum_verified);
  if (!u) {
    if (u.error() == WireError::BadChecksum) {
      ++stats_.bad_checksum;
    } else {
      ++stats_.malformed;
    }
    return;
  }
  const SocketAddress from{h.src, u->src_port};
  const bool to_unicast = host_.is_local_address(h.dst);
  auto it = bindings_.find(u->dst_port);
  std::vector<SocketId> targets;
  bool filtered = false;
  if (it != bindings_.end()) {
    // Each candidate: bound to this address (or any), and if connected, to this sender.
    int best = -1;
    for (SocketId id : it->second) {
      const Socket& s = sockets_.at(id);
      if (!s.local->ip.is_unspecified() && s.local->ip != h.dst) continue;
      if (s.peer && *s.peer != from) {
        filtered = true;
        continue;
      }
      if (!to_unicast) {
        targets.push_back(id);  // broadcast: every matching socket gets a copy
        continue;
      }
      // Unicast: the most specific socket wins (connected > bound address > any);
      // among equals, the first bound.
      const int score = (s.peer ? 2 : 0) + (s.local->ip.is_unspecified() ? 0 : 1);
      if (score > best) {
        best = score;
        targets.assign(1, id);
      }
    }
  }
  if (targets.empty()) {
    if (filtered) {
      ++stats_.filtered;
      return;
    }
    ++stats_.no_port;
    // RFC 1122 §4.1.3.1: port unreachable (the host suppresses it for
    // broadcast destinations and rate-limits it).
    host_.send_icmp_error(now, datagram, IcmpType::DestUnreachable, icmp_unreach::kPort);
    return;
  }
  ++stats_.datagrams_received;
  for (SocketId id : targets) enqueue(id, sockets_.at(id), from, u->payload);
}

void UdpLayer::on_icmp_error(const IcmpMessage& m, const QuotedDatagram& q) {
  if (q.data.size() < 4) return;
  const std::uint16_t src_port = load_be16(q.data.data());
  const std::uint16_t dst_port = load_be16(q.data.data() + 2);
  const SocketAddress peer{q.header.dst, dst_port};
  SockError err;
  if (m.type == IcmpType::DestUnreachable) {
    switch (m.code) {
      case icmp_unreach::kPort:
      case icmp_unreach::kProtocol: err = SockError::ConnRefused; break;
      case icmp_unreach::kNet: err = SockError::NetUnreach; break;
      case icmp_unreach::kFragNeeded: err = SockError::MsgSize; break;
      default: err = SockError::HostUnreach; break;
    }
  } else {
    err = SockError::HostUnreach;  // time exceeded: Linux reports EHOSTUNREACH
  }
  auto it = bindings_.find(src_port);
  if (it == bindings_.end()) return;
  // Like Linux without IP_RECVERR, only connected sockets hear of errors:
  // an unconnected socket cannot tell which of its sends failed.
  for (SocketId id : it->second) {
    Socket& s = sockets_.at(id);
    if (s.peer && *s.peer == peer) {
      s.pending_error = err;
      ++stats_.icmp_errors;
      if (notify_) notify_(id);
    }
  }
}

}  // namespace ws
