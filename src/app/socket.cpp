#include "app/socket.hpp"

#include <fmt/format.h>

namespace ws::app {

namespace {

MutBytes as_mut_bytes(std::string& s) {
  return {reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
}
Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

namespace detail {

SockResult<Datagram> RecvFromOp::attempt(Stack& stack, Instant now, SocketId s) {
  // The buffer is allocated once and kept across EAGAIN retries; on
  // success it becomes the returned string (one copy out of the stack).
  buf.resize(bufsize);
  auto r = stack.recv_from(now, s, as_mut_bytes(buf));
  if (!r) return Unexpected<SockError>{r.error()};
  buf.resize(r->len);
  return Datagram{std::move(buf), r->from, r->truncated};
}

SockResult<std::string> RecvOp::attempt(Stack& stack, Instant now, SocketId s) {
  buf.resize(bufsize);
  auto r = stack.recv_from(now, s, as_mut_bytes(buf));
  if (!r) return Unexpected<SockError>{r.error()};
  buf.resize(r->len);  // a stream at its end: "" (Python's b'')
  return std::move(buf);
}

SockResult<std::size_t> RecvIntoOp::attempt(Stack& stack, Instant now, SocketId s) {
  auto r = stack.recv_from(now, s, buf);
  if (!r) return Unexpected<SockError>{r.error()};
  return r->len;
}

SockResult<std::size_t> SendToOp::attempt(Stack& stack, Instant now, SocketId s) {
  return stack.send_to(now, s, as_bytes(data), to);
}

SockResult<void> ConnectOp::attempt(Stack& stack, Instant now, SocketId s) {
  if (!started) {
    auto r = stack.connect(now, s, peer);
    if (r || r.error() != SockError::InProgress) return r;  // datagram sockets end here
    started = true;
    return Unexpected<SockError>{SockError::WouldBlock};
  }
  // A stream's handshake is over when the socket reports an error
  // (SO_ERROR: refused, timed out...) or turns writable (connected).
  if (!stack.type_of(s)) return Unexpected<SockError>{SockError::BadDescriptor};
  if (auto e = stack.take_error(s)) return Unexpected<SockError>{*e};
  const Readiness r = stack.readiness(s);
  if (r.writable) return {};
  if (r.hangup) return Unexpected<SockError>{SockError::ConnAborted};
  return Unexpected<SockError>{SockError::WouldBlock};
}

SockResult<Accepted> AcceptOp::attempt(Stack& stack, Instant, SocketId s) {
  auto r = stack.accept(s);
  if (!r) return Unexpected<SockError>{r.error()};
  return Accepted{Socket(*loop, stack, r->socket), r->peer};
}

}  // namespace detail

Socket::Socket(Socket&& o) noexcept
    : loop_(o.loop_), stack_(o.stack_), id_(std::exchange(o.id_, 0)), timeout_(o.timeout_) {}

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    (void)close();
    loop_ = o.loop_;
    stack_ = o.stack_;
    id_ = std::exchange(o.id_, 0);
    timeout_ = o.timeout_;
  }
  return *this;
}

Socket::~Socket() { (void)close(); }

SockResult<void> Socket::bind(SocketAddress local) { return stack_->bind(id_, local); }

SockResult<void> Socket::setsockopt(SockOpt opt, int value) {
  auto r = stack_->set_option(loop_->now(), id_, opt, value);
  loop_->wake(*stack_);  // e.g. SO_RCVBUF growing opens a TCP window
  return r;
}

SockResult<void> Socket::listen(int backlog) { return stack_->listen(id_, backlog); }

SockResult<void> Socket::shutdown(ShutdownHow how) {
  auto r = stack_->shutdown(loop_->now(), id_, how);
  loop_->wake(*stack_);  // SHUT_WR sends a FIN
  return r;
}

Task<SockResult<std::size_t>> Socket::sendall(std::string_view data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto r = co_await send(data.substr(done));
    if (!r) co_return Unexpected<SockError>{r.error()};
    done += *r;
  }
  co_return done;
}

SockResult<int> Socket::getsockopt(SockOpt opt) const { return stack_->get_option(id_, opt); }

SockResult<SocketAddress> Socket::getsockname() const { return stack_->local_address(id_); }

SockResult<SocketAddress> Socket::getpeername() const { return stack_->peer_address(id_); }

SockResult<void> Socket::close() {
  if (id_ == 0) return Unexpected<SockError>{SockError::BadDescriptor};
  auto r = stack_->close(loop_->now(), std::exchange(id_, 0));
  loop_->wake(*stack_);  // a close may send (TCP FIN)
  return r;
}

SockResult<Socket> socket(Loop& loop, Stack& stack, SocketType type) {
  auto id = stack.socket(type);
  if (!id) return Unexpected<SockError>{id.error()};
  return Socket(loop, stack, *id);
}

std::string describe(SockError e) { return fmt::format("{} ({})", errno_name(e), message(e)); }

}  // namespace ws::app
