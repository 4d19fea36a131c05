#include "tcp/tcp_layer.hpp"

#include <algorithm>

#include "wire/tcp.hpp"

namespace ws {

using tcp::Connection;
using tcp::FourTuple;
using tcp::State;

std::size_t TcpLayer::TupleHash::operator()(const TupleKey& k) const noexcept {
  std::uint64_t a = (std::uint64_t{k.local_ip} << 32) | k.remote_ip;
  std::uint64_t b = (std::uint64_t{k.local_port} << 16) | k.remote_port;
  a ^= b * 0x9e3779b97f4a7c15ULL;
  a ^= a >> 29;
  return static_cast<std::size_t>(a * 0xbf58476d1ce4e5b9ULL);
}

std::vector<TcpStats::Line> TcpStats::nonzero() const {
  std::vector<Line> out;
#define WS_LIST_COUNTER(name, text) \
  if (name != 0) out.push_back(Line{#name, text, name});
  WS_TCP_LAYER_COUNTERS(WS_LIST_COUNTER)
#undef WS_LIST_COUNTER
  return out;
}

TcpLayer::TupleKey TcpLayer::key_of(const FourTuple& t) {
  return TupleKey{t.local.ip.to_u32(), t.remote.ip.to_u32(), t.local.port, t.remote.port};
}

TcpLayer::TcpLayer(Host& host, Limits limits, std::function<void(SocketId)> notify)
    : host_(host),
      limits_(limits),
      notify_(std::move(notify)),
      isn_(tcp::IsnGenerator::make_key(host.rng())),
      next_ephemeral_(static_cast<std::uint16_t>(kEphemeralFirst + host.rng().below(kEphemeralLast - kEphemeralFirst + 1))) {
  defaults_.rcvbuf = limits.default_rcvbuf;
  defaults_.sndbuf = limits.default_sndbuf;
  // What every stack offers unless told otherwise: window scaling,
  // timestamps (RFC 7323), SACK (RFC 2018) and CUBIC (RFC 9438), as Linux.
  defaults_.window_scale = true;
  defaults_.timestamps = true;
  defaults_.sack = true;
  defaults_.cc = tcp::CcKind::Cubic;
  // RFC 3168 ECN: accepted when a peer's SYN asks, never asked for (Linux's
  // default, net.ipv4.tcp_ecn = 2); `--ecn` asks.
  defaults_.ecn = tcp::EcnMode::kAccept;
  host_.register_protocol(ipproto::kTcp,
                          ProtocolHandler{[this](Instant now, const Ipv4Header& h, Bytes p, Bytes,
                                                 const RxInfo& rx) { on_datagram(now, h, p, rx); },
                                          [this](Instant now, const IcmpMessage& m, const QuotedDatagram& q) {
                                            on_icmp_error(now, m, q);
                                          }});
}

TcpLayer::~TcpLayer() = default;

// --- bookkeeping --------------------------------------------------------------

Connection* TcpLayer::conn_of(const Socket& s) const {
  if (!s.conn) return nullptr;
  auto it = conns_.find(*s.conn);
  return it == conns_.end() ? nullptr : it->second.conn.get();
}

const Connection* TcpLayer::connection(SocketId id) const { return conn_of(sock(id)); }
Connection* TcpLayer::connection(SocketId id) { return conn_of(sock(id)); }

std::uint16_t TcpLayer::mss_for(Ipv4Address remote) const {
  const auto mtu = host_.mtu_towards(remote);
  if (!mtu) return 536;
  // RFC 9293 §3.7.1 / RFC 879: the MTU less the IPv4 and TCP headers.
  return static_cast<std::uint16_t>(*mtu - 40);
}

TcpLayer::ConnId TcpLayer::create(Instant now, const tcp::ConnectionConfig& cfg, const FourTuple& tuple) {
  if (conns_.size() >= limits_.max_connections) return 0;
  tcp::ConnectionConfig c = cfg;
  c.mss = mss_for(tuple.remote.ip);
  if (c.mss_clamp != 0) c.mss = std::min(c.mss, c.mss_clamp);
  const SeqNum iss = pinned_isn_.value_or(
      isn_.generate(now, tuple.local.ip, tuple.local.port, tuple.remote.ip, tuple.remote.port));
  pinned_isn_.reset();
  const ConnId id = next_conn_++;
  auto conn = std::make_unique<Connection>(c, tuple, iss, [this, tuple, id](Instant at, const TcpSegment& s) {
    transmit(at, tuple, s, dont_fragment(id), outgoing_ecn(id));
  });
  conn->set_state_hook([this, tuple](State a, State b) {
    if (state_hook_) state_hook_(tuple, a, b);
  });
  conn->set_in_host_query([this, tuple](SeqNum seq) { return segment_in_host(tuple, seq); });
  conns_.emplace(id, Entry{std::move(conn), std::nullopt, std::nullopt});
  by_tuple_[key_of(tuple)] = id;
  ++port_refs_[tuple.local.port];
  return id;
}

void TcpLayer::free_connection(ConnId id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  auto t = by_tuple_.find(key_of(it->second.conn->tuple()));
  if (t != by_tuple_.end() && t->second == id) by_tuple_.erase(t);
  timers_.remove(id);
  const std::uint16_t port = it->second.conn->tuple().local.port;
  if (auto p = port_refs_.find(port); p != port_refs_.end() && --p->second == 0) port_refs_.erase(p);
  freed_totals_ += it->second.conn->stats();
  conns_.erase(it);
  ++stats_.connections_freed;
}

void TcpLayer::after(ConnId id, bool notify_socket) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Entry& e = it->second;
  Connection& c = *e.conn;
  if (e.listener) {
    Listener& l = *sock(*e.listener).listener;
    if (c.is_closed()) {
      std::erase(l.syn_queue, id);
      std::erase(l.accept_queue, id);
      free_connection(id);
      return;
    }
    auto in_syn = std::find(l.syn_queue.begin(), l.syn_queue.end(), id);
    if (in_syn != l.syn_queue.end() && c.established_once()) {
      // The handshake completed: the connection waits for accept().
      l.syn_queue.erase(in_syn);
      l.accept_queue.push_back(id);
      if (notify_) notify_(*e.listener);
    }
  }
  if (c.is_closed()) {
    if (!e.socket) {
      free_connection(id);  // orphaned and done
      return;
    }
    // The socket still reports EOF or the error; the tuple is free again.
    auto t = by_tuple_.find(key_of(c.tuple()));
    if (t != by_tuple_.end() && t->second == id) by_tuple_.erase(t);
    timers_.remove(id);
  } else {
    const Instant next = c.next_deadline();
    if (next == Instant::never()) {
      timers_.cancel(id);
    } else {
      timers_.schedule(id, next);
    }
  }
  if (notify_socket && e.socket && notify_) notify_(*e.socket);
}

// --- wire -----------------------------------------------------------------------

void TcpLayer::transmit(Instant now, const FourTuple& tuple, const TcpSegment& seg, bool dont_frag,
                        std::uint8_t ecn) {
  ++stats_.segments_sent;
  // A failed send (no route, no buffers) is a lost segment: the
  // retransmission timer covers it. DF: RFC 1191 §3, path MTU discovery
  // for every TCP segment (tcp/icmp_errors.cpp reads the answers).
  // ECN: the codepoint the connection chose (RFC 3168 §6.1.2: ECT(0) on new data).
  // The one copy of the payload: from the send buffer into the frame.
  const std::size_t len = seg.buffer_len();
  PacketRef p = host_.transport_buffer(len);
  if (!p) return;  // counted by the host (no_buffers)
  const ChecksumMode mode = host_.checksum_mode_to(tuple.remote.ip);
  seg.emit(MutBytes(p->append(len), len), tuple.local.ip, tuple.remote.ip, mode);
  if (mode == ChecksumMode::kPartial) p->set_partial_checksum(0, TcpView::kChecksumOffset);
  (void)host_.send_transport(now, tuple.local.ip, tuple.remote.ip, ipproto::kTcp, std::move(p), dont_frag,
                             std::nullopt, ecn);
}

std::uint8_t TcpLayer::outgoing_ecn(ConnId id) const {
  auto it = conns_.find(id);
  return it == conns_.end() ? tcp::ecn::kNotEct : it->second.conn->outgoing_ecn();
}

bool TcpLayer::dont_fragment(ConnId id) const {
  auto it = conns_.find(id);
  return it == conns_.end() || it->second.conn->dont_fragment();
}

bool TcpLayer::segment_in_host(const FourTuple& tuple, SeqNum seq) const {
  return host_.datagram_queued(tuple.local.ip, tuple.remote.ip, ipproto::kTcp, [&](Bytes payload) {
    auto seg = TcpView::check(payload);
    if (!seg || seg->src_port() != tuple.local.port || seg->dst_port() != tuple.remote.port) {
      return false;
    }
    // The sequence space it occupies: its data, plus one for SYN and for
    // FIN (RFC 9293 §3.4). A pure ACK, RST or probe occupies none.
    const TcpFlags f = seg->flags();
    const auto len = static_cast<std::uint32_t>(seg->payload().size() + (f.syn() ? 1 : 0) +
                                                (f.fin() ? 1 : 0));
    return static_cast<std::uint32_t>(seq - seg->seq()) < len;
  });
}

void TcpLayer::send_reset_for(Instant now, Ipv4Address remote, Ipv4Address local, const TcpSegment& seg) {
  // RFC 9293 §3.10.7.1: a segment for no connection is answered with RST,
  // never an RST for an RST.
  if (seg.flags.rst()) return;
  TcpSegment r;
  r.src_port = seg.dst_port;
  r.dst_port = seg.src_port;
  if (seg.ack) {
    r.seq = *seg.ack;
    r.flags.bits = TcpFlags::kRst;
  } else {
    r.seq = SeqNum(0);
    r.ack = seg.seq + seg.seq_len();
    r.flags.bits = TcpFlags::kRst | TcpFlags::kAck;
  }
  ++stats_.resets_sent;
  transmit(now, FourTuple{{local, seg.dst_port}, {remote, seg.src_port}}, r);
}

std::optional<SocketId> TcpLayer::find_listener(Ipv4Address ip, std::uint16_t port) const {
  std::optional<SocketId> any;
  for (const auto& [id, s] : sockets_) {
    if (!s.listener || !s.local || s.local->port != port) continue;
    if (s.local->ip == ip) return id;  // the specific address wins
    if (s.local->ip.is_unspecified() && (!any || id < *any)) any = id;
  }
  return any;
}

void TcpLayer::on_datagram(Instant now, const Ipv4Header& h, Bytes payload, const RxInfo& rx) {
  ++stats_.segments_received;
  auto seg = TcpSegment::parse(payload, h.src, h.dst, /*verify_checksum=*/!rx.checksum_verified);
  if (!seg) {
    if (seg.error() == WireError::BadChecksum) {
      ++stats_.bad_checksum;
    } else {
      ++stats_.malformed;
    }
    return;
  }
  if (!host_.is_local_address(h.dst)) return;  // TCP is unicast only (RFC 1122 §4.2.3.10)
  const FourTuple tuple{{h.dst, seg->dst_port}, {h.src, seg->src_port}};
  auto it = by_tuple_.find(key_of(tuple));
  if (it != by_tuple_.end()) {
    const ConnId id = it->second;
    conns_.at(id).conn->on_segment(now, *seg, h.ecn);  // the IP header's ECN field (RFC 3168 §5)
    after(id);
    return;
  }
  if (auto l = find_listener(h.dst, seg->dst_port)) {
    on_listen(now, *l, tuple, *seg);
    return;
  }
  send_reset_for(now, h.src, h.dst, *seg);
}

void TcpLayer::on_listen(Instant now, SocketId listener_id, const FourTuple& tuple, const TcpSegment& seg) {
  // RFC 9293 §3.10.7.2: RST ignored, ACK answered with RST, SYN opens.
  if (seg.flags.rst()) return;
  if (seg.ack) {
    send_reset_for(now, tuple.remote.ip, tuple.local.ip, seg);
    return;
  }
  if (!seg.flags.syn()) return;
  Socket& ls = sock(listener_id);
  Listener& l = *ls.listener;
  if (static_cast<int>(l.syn_queue.size() + l.accept_queue.size()) >= l.backlog) {
    // The seed's listen(120): a full queue drops the SYN (like Linux); the
    // client's SYN retransmission tries again later.
    ++stats_.listen_drops;
    return;
  }
  const ConnId id = create(now, ls.config, tuple);
  if (id == 0) {
    ++stats_.listen_drops;
    return;
  }
  Entry& e = conns_.at(id);
  e.listener = listener_id;
  l.syn_queue.push_back(id);
  ++stats_.passive_opens;
  e.conn->open_passive(now, seg);
  after(id);
}

void TcpLayer::poll(Instant now) {
  while (auto id = timers_.pop_due(now)) {
    auto it = conns_.find(*id);
    if (it == conns_.end()) continue;
    it->second.conn->on_timer(now);
    after(*id);
  }
}

// --- socket calls ------------------------------------------------------------------

void TcpLayer::open(SocketId id) {
  Socket s;
  s.config = defaults_;
  sockets_.emplace(id, std::move(s));
}

SockResult<void> TcpLayer::close(Instant now, SocketId id) {
  Socket& s = sock(id);
  if (s.listener) {
    // Connections nobody accepted are reset, as Linux does.
    std::vector<ConnId> children(s.listener->syn_queue.begin(), s.listener->syn_queue.end());
    children.insert(children.end(), s.listener->accept_queue.begin(), s.listener->accept_queue.end());
    for (ConnId c : children) {
      auto it = conns_.find(c);
      if (it == conns_.end()) continue;
      it->second.conn->abort(now);
      free_connection(c);
    }
  }
  if (s.conn) {
    const ConnId cid = *s.conn;
    auto it = conns_.find(cid);
    if (it != conns_.end()) {
      it->second.socket.reset();
      if (s.linger && *s.linger == 0) {
        it->second.conn->abort(now);  // SO_LINGER 0: RST, no TIME-WAIT
      } else {
        it->second.conn->close(now);
      }
      after(cid);
    }
  }
  sockets_.erase(id);
  return {};
}

bool TcpLayer::port_in_use(SocketId self, SocketAddress local, bool reuse) const {
  auto overlaps = [&](Ipv4Address a) { return a.is_unspecified() || local.ip.is_unspecified() || a == local.ip; };
  for (const auto& [id, s] : sockets_) {
    if (id == self || !s.local || s.local->port != local.port || !overlaps(s.local->ip)) continue;
    // SO_REUSEADDR (both sides) allows sharing, but never with a listener.
    if (s.listener || !(reuse && s.reuse_addr)) return true;
  }
  // Connections without a socket (FIN-WAIT, TIME-WAIT orphans) hold their
  // port unless SO_REUSEADDR.
  return !reuse && port_refs_.contains(local.port);
}

std::optional<std::uint16_t> TcpLayer::ephemeral_port(Ipv4Address remote_ip, std::uint16_t remote_port) {
  (void)remote_ip;
  (void)remote_port;
  constexpr std::uint32_t kRange = kEphemeralLast - kEphemeralFirst + 1;
  for (std::uint32_t i = 0; i < kRange; ++i) {
    const std::uint16_t p = next_ephemeral_;
    next_ephemeral_ = p == kEphemeralLast ? kEphemeralFirst : static_cast<std::uint16_t>(p + 1);
    if (!port_in_use(0, SocketAddress{Ipv4Address::any(), p}, false)) return p;
  }
  return std::nullopt;
}

SockResult<void> TcpLayer::bind(SocketId id, SocketAddress local) {
  Socket& s = sock(id);
  if (s.local) return sock_error(SockError::Invalid);
  if (!local.ip.is_unspecified() && !host_.is_local_address(local.ip)) return sock_error(SockError::AddrNotAvail);
  if (local.port == 0) {
    auto p = ephemeral_port(Ipv4Address::any(), 0);
    if (!p) return sock_error(SockError::AddrInUse);
    local.port = *p;
  } else if (port_in_use(id, local, s.reuse_addr)) {
    return sock_error(SockError::AddrInUse);
  }
  s.local = local;
  return {};
}

SockResult<void> TcpLayer::listen(SocketId id, int backlog) {
  Socket& s = sock(id);
  if (s.conn) return sock_error(SockError::Invalid);
  if (!s.local) {
    if (auto r = bind(id, {}); !r) return r;
  }
  if (!s.listener) {
    for (const auto& [other, o] : sockets_) {
      if (other != id && o.listener && o.local && o.local->port == s.local->port &&
          (o.local->ip == s.local->ip || o.local->ip.is_unspecified() || s.local->ip.is_unspecified())) {
        return sock_error(SockError::AddrInUse);
      }
    }
    s.listener.emplace();
  }
  s.listener->backlog = std::clamp(backlog, 1, kMaxBacklog);
  return {};
}

SockResult<SocketAddress> TcpLayer::accept(SocketId listener, SocketId new_id) {
  Socket& ls = sock(listener);
  if (!ls.listener) return sock_error(SockError::Invalid);
  if (ls.listener->accept_queue.empty()) return sock_error(SockError::WouldBlock);
  const ConnId cid = ls.listener->accept_queue.front();
  ls.listener->accept_queue.pop_front();
  Entry& e = conns_.at(cid);
  e.listener.reset();
  e.socket = new_id;
  open(new_id);
  Socket& ns = sock(new_id);
  ns.config = ls.config;
  ns.local = e.conn->tuple().local;
  ns.conn = cid;
  ++stats_.accepted;
  return e.conn->tuple().remote;
}

SockResult<void> TcpLayer::connect(Instant now, SocketId id, SocketAddress peer) {
  Socket& s = sock(id);
  if (s.listener) return sock_error(SockError::Invalid);
  if (const Connection* c = conn_of(s)) {
    if (c->state() == State::SynSent || c->state() == State::SynReceived) {
      return sock_error(SockError::AlreadyInProgress);
    }
    return sock_error(c->is_closed() ? SockError::Invalid : SockError::IsConnected);
  }
  if (peer.port == 0 || peer.ip.is_unspecified() || peer.ip.is_broadcast() || peer.ip.is_multicast()) {
    return sock_error(SockError::Invalid);
  }
  Ipv4Address src = s.local ? s.local->ip : Ipv4Address::any();
  if (src.is_unspecified()) {
    auto a = host_.source_address_for(peer.ip);
    if (!a) return sock_error(SockError::NetUnreach);
    src = *a;
  }
  if (!host_.routes().lookup(peer.ip) && !host_.is_local_address(peer.ip)) return sock_error(SockError::NetUnreach);
  std::uint16_t port;
  if (s.local) {
    port = s.local->port;
  } else {
    auto p = ephemeral_port(peer.ip, peer.port);
    if (!p) return sock_error(SockError::AddrNotAvail);
    port = *p;
  }
  const FourTuple tuple{{src, port}, peer};
  if (by_tuple_.contains(key_of(tuple))) return sock_error(SockError::AddrInUse);
  const ConnId cid = create(now, s.config, tuple);
  if (cid == 0) return sock_error(SockError::NoBufs);
  s.local = tuple.local;
  s.conn = cid;
  conns_.at(cid).socket = id;
  ++stats_.active_opens;
  conns_.at(cid).conn->open_active(now);
  after(cid);
  return sock_error(SockError::InProgress);
}

std::optional<SockError> TcpLayer::take_error(SocketId id) {
  Socket& s = sock(id);
  Connection* c = conn_of(s);
  if (!c) return std::nullopt;
  if (c->error()) {
    // The error that ended the connection, reported once.
    if (s.error) return std::nullopt;
    s.error = c->error();
    return s.error;
  }
  // RFC 1122 §4.2.3.9: soft errors are made available to the application;
  // like Linux's SO_ERROR, reading one clears it.
  return c->take_soft_error();
}

SockResult<std::size_t> TcpLayer::send(Instant now, SocketId id, Bytes data) {
  Socket& s = sock(id);
  Connection* c = conn_of(s);
  if (!c) return sock_error(SockError::NotConnected);
  if (c->is_closed()) {
    if (auto e = take_error(id)) return sock_error(*e);
    return sock_error(SockError::Pipe);
  }
  if (!c->can_send()) return sock_error(SockError::Pipe);  // after shutdown(SHUT_WR)
  if (data.empty()) return std::size_t{0};
  const std::size_t n = c->send(now, data);
  after(*s.conn, false);
  if (n == 0) return sock_error(SockError::WouldBlock);
  return n;
}

SockResult<std::size_t> TcpLayer::recv(Instant now, SocketId id, MutBytes buffer) {
  Socket& s = sock(id);
  Connection* c = conn_of(s);
  if (!c) return sock_error(SockError::NotConnected);
  if (buffer.empty()) return std::size_t{0};
  const std::size_t n = c->recv(now, buffer);
  after(*s.conn, false);
  if (n > 0) return n;
  if (c->eof()) return std::size_t{0};
  if (c->is_closed()) {
    if (auto e = take_error(id)) return sock_error(*e);
    return std::size_t{0};
  }
  return sock_error(SockError::WouldBlock);
}

SockResult<void> TcpLayer::shutdown(Instant now, SocketId id, bool read, bool write) {
  Socket& s = sock(id);
  Connection* c = conn_of(s);
  if (!c || c->is_closed()) return sock_error(SockError::NotConnected);
  if (write) c->shutdown_write(now);
  if (read) c->shutdown_read();
  after(*s.conn, false);
  return {};
}

void TcpLayer::set_rcvbuf(SocketId id, std::size_t bytes) {
  Socket& s = sock(id);
  s.config.rcvbuf = std::clamp<std::size_t>(bytes, kMinBuffer, limits_.max_buffer);
  if (Connection* c = conn_of(s)) c->set_rcvbuf(s.config.rcvbuf);
}

void TcpLayer::set_sndbuf(SocketId id, std::size_t bytes) {
  Socket& s = sock(id);
  s.config.sndbuf = std::clamp<std::size_t>(bytes, kMinBuffer, limits_.max_buffer);
  if (Connection* c = conn_of(s)) c->set_sndbuf(s.config.sndbuf);
}

void TcpLayer::set_nodelay(Instant now, SocketId id, bool on) {
  Socket& s = sock(id);
  s.config.nodelay = on;
  if (Connection* c = conn_of(s)) {
    c->set_nodelay(now, on);
    after(*s.conn, false);
  }
}

void TcpLayer::set_keepalive(Instant now, SocketId id, bool on) {
  Socket& s = sock(id);
  s.config.keepalive = on;
  if (Connection* c = conn_of(s)) {
    c->set_keepalive(now, on);
    after(*s.conn, false);
  }
}

std::size_t TcpLayer::busy_connection_count() const {
  std::size_t n = 0;
  for (const auto& [id, e] : conns_) {
    const tcp::State st = e.conn->state();
    if (st != tcp::State::Closed && st != tcp::State::Listen && st != tcp::State::TimeWait) ++n;
  }
  return n;
}

tcp::ConnectionStats TcpLayer::connection_totals() const {
  tcp::ConnectionStats total = freed_totals_;
  for (const auto& [id, e] : conns_) total += e.conn->stats();
  return total;
}

void TcpLayer::set_keepalive_params(Instant now, SocketId id, Duration idle, Duration interval, unsigned probes) {
  Socket& s = sock(id);
  s.config.keepalive_idle = idle;
  s.config.keepalive_interval = interval;
  s.config.keepalive_probes = probes;
  if (Connection* c = conn_of(s)) {
    c->set_keepalive_params(now, idle, interval, probes);
    after(*s.conn, false);
  }
}

std::optional<SocketAddress> TcpLayer::local_address(SocketId id) const { return sock(id).local; }

std::optional<SocketAddress> TcpLayer::peer_address(SocketId id) const {
  const Connection* c = conn_of(sock(id));
  if (!c || !c->established_once()) return std::nullopt;
  return c->tuple().remote;
}

TcpLayer::Readiness TcpLayer::readiness(SocketId id) const {
  const Socket& s = sock(id);
  if (s.listener) return {!s.listener->accept_queue.empty(), false, false, false};
  const Connection* c = conn_of(s);
  if (!c) return {false, false, false, false};
  if (c->is_closed()) return {true, true, c->error().has_value() && !s.error, true};
  switch (c->state()) {
    case State::SynSent:
    case State::SynReceived: return {false, false, false, false};
    case State::Closed:
    case State::Listen:
    case State::Established:
    case State::FinWait1:
    case State::FinWait2:
    case State::CloseWait:
    case State::Closing:
    case State::LastAck:
    case State::TimeWait: break;
  }
  return {c->readable_bytes() > 0 || c->eof(), c->send_space() > 0, false, false};
}

}  // namespace ws
