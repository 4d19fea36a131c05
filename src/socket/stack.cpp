#include "socket/stack.hpp"

#include <algorithm>

#include "tcp/tcp_layer.hpp"
#include "udp/udp.hpp"

namespace ws {

struct Stack::Table {
  std::vector<std::optional<SocketType>> slots;  // index = SocketId; slot 0 unused
  std::function<void(SocketId)> listener;
  void notify(SocketId id) const {
    if (listener) listener(id);
  }
};

Stack::Stack(StackConfig config)
    : config_(std::move(config)), host_(config_.host), table_(std::make_unique<Table>()) {
  table_->slots.resize(config_.max_sockets + 1);
  auto notify = [t = table_.get()](SocketId id) { t->notify(id); };
  udp_ = std::make_unique<UdpLayer>(
      host_, UdpLayer::Limits{config_.default_rcvbuf, config_.default_sndbuf, config_.max_buffer}, notify);
  tcp_ = std::make_unique<TcpLayer>(
      host_,
      TcpLayer::Limits{config_.default_rcvbuf, config_.default_sndbuf, config_.max_buffer, config_.max_connections},
      notify);
}

Stack::~Stack() = default;

void Stack::poll(Instant now) {
  saw(now);
  host_.poll(now);
  tcp_->poll(now);
}

Instant Stack::poll_at() const { return std::min(host_.poll_at(), tcp_->poll_at()); }

std::optional<SocketType> Stack::type_of(SocketId s) const {
  if (s == 0 || s >= table_->slots.size()) return std::nullopt;
  return table_->slots[s];
}

SockResult<SocketId> Stack::allocate(SocketType type) {
  // The lowest free id, like file descriptors: deterministic and small.
  for (SocketId id = 1; id < table_->slots.size(); ++id) {
    if (!table_->slots[id]) {
      table_->slots[id] = type;
      return id;
    }
  }
  return sock_error(SockError::TooManySockets);
}

SockResult<SocketId> Stack::socket(SocketType type) {
  auto id = allocate(type);
  if (!id) return id;
  if (type == SocketType::Datagram) {
    udp_->open(*id);
  } else {
    tcp_->open(*id);
  }
  return id;
}

SockResult<void> Stack::bind(SocketId s, SocketAddress local) {
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  return *t == SocketType::Datagram ? udp_->bind(s, local) : tcp_->bind(s, local);
}

SockResult<void> Stack::connect(Instant now, SocketId s, SocketAddress peer) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  return *t == SocketType::Datagram ? udp_->connect(s, peer) : tcp_->connect(now, s, peer);
}

SockResult<std::size_t> Stack::send_to(Instant now, SocketId s, Bytes data, std::optional<SocketAddress> dst) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t == SocketType::Stream) {
    if (dst) return sock_error(SockError::IsConnected);  // sendto on a stream: the address is not used
    return tcp_->send(now, s, data);
  }
  auto r = udp_->send_to(now, s, data, dst);
  table_->notify(s);  // a pending error may have been consumed
  return r;
}

SockResult<Received> Stack::recv_from(Instant now, SocketId s, MutBytes buffer) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t == SocketType::Stream) {
    auto r = tcp_->recv(now, s, buffer);
    if (!r) return sock_error(r.error());
    return Received{*r, tcp_->peer_address(s).value_or(SocketAddress{}), false};
  }
  auto r = udp_->recv_from(s, buffer);
  if (!r) return sock_error(r.error());
  return Received{r->len, r->from, r->truncated};
}

SockResult<void> Stack::close(Instant now, SocketId s) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t == SocketType::Datagram) {
    udp_->close(s);
  } else {
    (void)tcp_->close(now, s);
  }
  table_->slots[s].reset();
  table_->notify(s);
  return {};
}

SockResult<void> Stack::listen(SocketId s, int backlog) {
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t != SocketType::Stream) return sock_error(SockError::OpNotSupported);
  return tcp_->listen(s, backlog);
}

SockResult<Stack::Accepted> Stack::accept(SocketId listener) {
  const auto t = type_of(listener);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t != SocketType::Stream) return sock_error(SockError::OpNotSupported);
  auto id = allocate(SocketType::Stream);
  if (!id) return sock_error(id.error());
  auto peer = tcp_->accept(listener, *id);
  if (!peer) {
    table_->slots[*id].reset();
    return sock_error(peer.error());
  }
  table_->notify(listener);
  return Accepted{*id, *peer};
}

SockResult<void> Stack::shutdown(Instant now, SocketId s, ShutdownHow how) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  if (*t != SocketType::Stream) return sock_error(SockError::OpNotSupported);
  return tcp_->shutdown(now, s, how != ShutdownHow::Write, how != ShutdownHow::Read);
}

std::optional<SockError> Stack::take_error(SocketId s) {
  const auto t = type_of(s);
  if (!t) return SockError::BadDescriptor;
  if (*t == SocketType::Stream) return tcp_->take_error(s);
  return std::nullopt;
}

SockResult<void> Stack::set_option(Instant now, SocketId s, SockOpt opt, int value) {
  saw(now);
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  const bool udp = *t == SocketType::Datagram;
  switch (opt) {
    case SockOpt::ReuseAddr:
      if (udp) {
        udp_->set_reuse_addr(s, value != 0);
      } else {
        tcp_->set_reuse_addr(s, value != 0);
      }
      return {};
    case SockOpt::Broadcast:
      if (!udp) return sock_error(SockError::OpNotSupported);
      udp_->set_broadcast(s, value != 0);
      return {};
    case SockOpt::RcvBuf:
    case SockOpt::SndBuf: {
      if (value <= 0) return sock_error(SockError::Invalid);
      const auto v = static_cast<std::size_t>(value);
      if (opt == SockOpt::RcvBuf) {
        if (udp) udp_->set_rcvbuf(s, v); else tcp_->set_rcvbuf(s, v);
      } else {
        if (udp) udp_->set_sndbuf(s, v); else tcp_->set_sndbuf(s, v);
      }
      return {};
    }
    case SockOpt::NoDelay:
      if (udp) return sock_error(SockError::OpNotSupported);
      tcp_->set_nodelay(now, s, value != 0);
      return {};
    case SockOpt::KeepAlive:
      if (udp) return sock_error(SockError::OpNotSupported);
      tcp_->set_keepalive(now, s, value != 0);
      return {};
    case SockOpt::Linger:
      if (udp) return sock_error(SockError::OpNotSupported);
      tcp_->set_linger(s, value < 0 ? std::nullopt : std::optional<int>(value));
      return {};
    case SockOpt::MaxSeg:
      if (udp) return sock_error(SockError::OpNotSupported);
      if (value < 88 || value > 65495) return sock_error(SockError::Invalid);  // Linux's bounds
      tcp_->set_max_segment(s, static_cast<std::uint16_t>(value));
      return {};
    case SockOpt::UserTimeout:
      if (udp) return sock_error(SockError::OpNotSupported);
      if (value < 0) return sock_error(SockError::Invalid);
      tcp_->set_user_timeout(s, Duration::millis(value));
      return {};
    case SockOpt::Congestion:
      if (udp) return sock_error(SockError::OpNotSupported);
      if (value != static_cast<int>(tcp::CcKind::Reno) && value != static_cast<int>(tcp::CcKind::Cubic) &&
          value != static_cast<int>(tcp::CcKind::Bbr)) {
        return sock_error(SockError::Invalid);
      }
      tcp_->set_congestion(s, static_cast<tcp::CcKind>(value));
      return {};
    case SockOpt::KeepIdle:
    case SockOpt::KeepIntvl:
    case SockOpt::KeepCnt: {
      if (udp) return sock_error(SockError::OpNotSupported);
      if (value < 1 || value > 32767) return sock_error(SockError::Invalid);  // Linux's bounds
      const tcp::ConnectionConfig& cur = tcp_->socket_config(s);
      Duration idle = cur.keepalive_idle, intvl = cur.keepalive_interval;
      unsigned cnt = cur.keepalive_probes;
      if (opt == SockOpt::KeepIdle) idle = Duration::seconds(value);
      if (opt == SockOpt::KeepIntvl) intvl = Duration::seconds(value);
      if (opt == SockOpt::KeepCnt) cnt = static_cast<unsigned>(value);
      tcp_->set_keepalive_params(now, s, idle, intvl, cnt);
      return {};
    }
  }
  return sock_error(SockError::Invalid);
}

SockResult<int> Stack::get_option(SocketId s, SockOpt opt) const {
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  const bool udp = *t == SocketType::Datagram;
  switch (opt) {
    case SockOpt::ReuseAddr: return (udp ? udp_->reuse_addr(s) : tcp_->reuse_addr(s)) ? 1 : 0;
    case SockOpt::Broadcast:
      if (!udp) return sock_error(SockError::OpNotSupported);
      return udp_->broadcast(s) ? 1 : 0;
    case SockOpt::RcvBuf: return static_cast<int>(udp ? udp_->rcvbuf(s) : tcp_->rcvbuf(s));
    case SockOpt::SndBuf: return static_cast<int>(udp ? udp_->sndbuf(s) : tcp_->sndbuf(s));
    case SockOpt::NoDelay:
      if (udp) return sock_error(SockError::OpNotSupported);
      return tcp_->nodelay(s) ? 1 : 0;
    case SockOpt::KeepAlive:
      if (udp) return sock_error(SockError::OpNotSupported);
      return tcp_->keepalive(s) ? 1 : 0;
    case SockOpt::Linger:
      if (udp) return sock_error(SockError::OpNotSupported);
      return tcp_->linger(s).value_or(-1);
    case SockOpt::MaxSeg: {
      if (udp) return sock_error(SockError::OpNotSupported);
      const tcp::Connection* c = tcp_->connection(s);
      if (c) return static_cast<int>(c->effective_mss());
      return static_cast<int>(tcp_->socket_config(s).mss_clamp != 0 ? tcp_->socket_config(s).mss_clamp : 536);
    }
    case SockOpt::UserTimeout:
      if (udp) return sock_error(SockError::OpNotSupported);
      return static_cast<int>(tcp_->socket_config(s).user_timeout.total_millis());
    case SockOpt::Congestion:
      if (udp) return sock_error(SockError::OpNotSupported);
      return static_cast<int>(tcp_->socket_config(s).cc);
    case SockOpt::KeepIdle:
    case SockOpt::KeepIntvl:
    case SockOpt::KeepCnt: {
      if (udp) return sock_error(SockError::OpNotSupported);
      const tcp::ConnectionConfig& c = tcp_->socket_config(s);
      if (opt == SockOpt::KeepIdle) return static_cast<int>(c.keepalive_idle.total_millis() / 1000);
      if (opt == SockOpt::KeepIntvl) return static_cast<int>(c.keepalive_interval.total_millis() / 1000);
      return static_cast<int>(c.keepalive_probes);
    }
  }
  return sock_error(SockError::Invalid);
}

SockResult<SocketAddress> Stack::local_address(SocketId s) const {
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  auto a = *t == SocketType::Datagram ? udp_->local_address(s) : tcp_->local_address(s);
  return a.value_or(SocketAddress{});  // unbound: 0.0.0.0:0, like getsockname
}

SockResult<SocketAddress> Stack::peer_address(SocketId s) const {
  const auto t = type_of(s);
  if (!t) return sock_error(SockError::BadDescriptor);
  auto p = *t == SocketType::Datagram ? udp_->peer_address(s) : tcp_->peer_address(s);
  if (!p) return sock_error(SockError::NotConnected);
  return *p;
}

Readiness Stack::readiness(SocketId s) const {
  Readiness r;
  const auto t = type_of(s);
  if (!t) {
    r.hangup = true;  // POLLNVAL-like: the socket is gone
    return r;
  }
  if (*t == SocketType::Stream) {
    const auto x = tcp_->readiness(s);
    return Readiness{x.readable, x.writable, x.error, x.hangup};
  }
  r.readable = udp_->readable(s);
  r.writable = true;  // a datagram socket can always try to send
  r.error = udp_->has_error(s);
  return r;
}

std::size_t Stack::poll_sockets(std::span<PollEntry> entries) const {
  std::size_t ready = 0;
  for (PollEntry& e : entries) {
    const Readiness r = readiness(e.id);
    e.revents = Readiness{e.events.readable && r.readable, e.events.writable && r.writable, r.error, r.hangup};
    if (e.revents.any()) ++ready;
  }
  return ready;
}

void Stack::set_readiness_listener(std::function<void(SocketId)> listener) {
  table_->listener = std::move(listener);
}

}  // namespace ws
