#include "socket/stack.hpp"

#include <algorithm>

#include "udp/udp.hpp"

namespace ws {

struct Stack::Table {
  std::vector<std::optional<SocketType>> slots;  // index = SocketId; slot 0 unused
  std::function<void(SocketId)> listener;
};

Stack::Stack(StackConfig config)
    : config_(std::move(config)), host_(config_.host), table_(std::make_unique<Table>()) {
  table_->slots.resize(config_.max_sockets + 1);
  udp_ = std::make_unique<UdpLayer>(
      host_, UdpLayer::Limits{config_.default_rcvbuf, config_.default_sndbuf, config_.max_buffer},
      [t = table_.get()](SocketId id) {
        if (t->listener) t->listener(id);
      });
}

Stack::~Stack() = default;

void Stack::poll(Instant now) { host_.poll(now); }
Instant Stack::poll_at() const { return host_.poll_at(); }

std::optional<SocketType> Stack::type_of(SocketId s) const {
  if (s == 0 || s >= table_->slots.size()) return std::nullopt;
  return table_->slots[s];
}

SockResult<SocketId> Stack::socket(SocketType type) {
  if (type == SocketType::Stream) return sock_error(SockError::OpNotSupported);  // TCP: next issue
  // The lowest free id, like file descriptors: deterministic and small.
  for (SocketId id = 1; id < table_->slots.size(); ++id) {
    if (!table_->slots[id]) {
      table_->slots[id] = type;
      udp_->open(id);
      return id;
    }
  }
  return sock_error(SockError::TooManySockets);
}

SockResult<void> Stack::bind(SocketId s, SocketAddress local) {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  return udp_->bind(s, local);
}

SockResult<void> Stack::connect(Instant now, SocketId s, SocketAddress peer) {
  (void)now;
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  return udp_->connect(s, peer);
}

SockResult<std::size_t> Stack::send_to(Instant now, SocketId s, Bytes data, std::optional<SocketAddress> dst) {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  auto r = udp_->send_to(now, s, data, dst);
  if (table_->listener) table_->listener(s);  // a pending error may have been consumed
  return r;
}

SockResult<Received> Stack::recv_from(SocketId s, MutBytes buffer) {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  auto r = udp_->recv_from(s, buffer);
  if (!r) return sock_error(r.error());
  return Received{r->len, r->from, r->truncated};
}

SockResult<void> Stack::close(Instant now, SocketId s) {
  (void)now;
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  udp_->close(s);
  table_->slots[s].reset();
  if (table_->listener) table_->listener(s);
  return {};
}

SockResult<void> Stack::set_option(SocketId s, SockOpt opt, int value) {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  switch (opt) {
    case SockOpt::ReuseAddr: udp_->set_reuse_addr(s, value != 0); return {};
    case SockOpt::Broadcast: udp_->set_broadcast(s, value != 0); return {};
    case SockOpt::RcvBuf:
    case SockOpt::SndBuf:
      if (value <= 0) return sock_error(SockError::Invalid);
      if (opt == SockOpt::RcvBuf) {
        udp_->set_rcvbuf(s, static_cast<std::size_t>(value));
      } else {
        udp_->set_sndbuf(s, static_cast<std::size_t>(value));
      }
      return {};
  }
  return sock_error(SockError::Invalid);
}

SockResult<int> Stack::get_option(SocketId s, SockOpt opt) const {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  switch (opt) {
    case SockOpt::ReuseAddr: return udp_->reuse_addr(s) ? 1 : 0;
    case SockOpt::Broadcast: return udp_->broadcast(s) ? 1 : 0;
    case SockOpt::RcvBuf: return static_cast<int>(udp_->rcvbuf(s));
    case SockOpt::SndBuf: return static_cast<int>(udp_->sndbuf(s));
  }
  return sock_error(SockError::Invalid);
}

SockResult<SocketAddress> Stack::local_address(SocketId s) const {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  return udp_->local_address(s).value_or(SocketAddress{});  // unbound: 0.0.0.0:0, like getsockname
}

SockResult<SocketAddress> Stack::peer_address(SocketId s) const {
  if (!type_of(s)) return sock_error(SockError::BadDescriptor);
  auto p = udp_->peer_address(s);
  if (!p) return sock_error(SockError::NotConnected);
  return *p;
}

Readiness Stack::readiness(SocketId s) const {
  Readiness r;
  if (!type_of(s)) {
    r.hangup = true;  // POLLNVAL-like: the socket is gone
    return r;
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
