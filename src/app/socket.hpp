// Socket: a Stack socket for coroutines, shaped like Python's socket
// module so the seed notes translate line for line:
//
//   server = socket.socket(type=socket.SOCK_DGRAM)
//     auto server = socket(loop, stack, SocketType::Datagram);
//   server.bind(('192.0.2.20', 82))
//     server->bind({Ipv4Address(192, 0, 2, 20), 82});
//   data, addr = server.recvfrom(1024)
//     auto msg = co_await server->recvfrom(1024);       // msg->data, msg->addr
//   server.sendto(data.upper(), addr)
//     co_await server->sendto(upper(msg->data), msg->addr);
//   server.close()
//     server->close();                                  // or let it go out of scope
//
// Errors are values: every call returns a SockResult (SockError ↔ errno,
// socket/error.hpp); nothing throws for a network error.
//
// How an awaitable call waits: it first makes the nonblocking Stack call.
// On EAGAIN it registers a waiter for the socket (and a timer when a
// timeout is set) and suspends. Each time the stack reports a readiness
// change the loop retries the call (from the loop, never from inside the
// stack); the coroutine resumes once the call gives anything but EAGAIN,
// or with TimedOut when the timer wins. Destroying the coroutine while it
// waits withdraws both, so it is never resumed afterwards.
//
// Arguments (the data of sendto/send) must stay valid until the co_await
// completes; writing the call inside the co_await expression guarantees it.
#pragma once

#include <coroutine>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "app/loop.hpp"
#include "socket/stack.hpp"

namespace ws::app {

// What recvfrom returns: Python's (data, addr).
struct Datagram {
  std::string data;
  SocketAddress addr;
  bool truncated = false;  // longer than bufsize; the rest was discarded (as in Python)
};

struct Accepted;
class Socket;

namespace detail {

// One awaitable socket call. Op::attempt(stack, now, socket) makes the
// nonblocking call and returns a SockResult; WouldBlock means "wait".
template <class Op>
class [[nodiscard]] IoAwaiter final : public Waiter {
 public:
  using Result =
      decltype(std::declval<Op&>().attempt(std::declval<Stack&>(), Instant{}, SocketId{}));

  IoAwaiter(Loop& loop, Stack& stack, SocketId socket, std::optional<Duration> timeout, Op op)
      : loop_(loop), stack_(stack), socket_(socket), timeout_(timeout), op_(std::move(op)) {}
  IoAwaiter(const IoAwaiter&) = delete;
  IoAwaiter& operator=(const IoAwaiter&) = delete;
  ~IoAwaiter() { stop_waiting(); }

  bool await_ready() {
    if (attempt()) return true;
    // settimeout(0) is Python's nonblocking mode: report EAGAIN at once.
    if (timeout_ && *timeout_ <= Duration::zero()) {
      result_.emplace(Unexpected<SockError>{SockError::WouldBlock});
      return true;
    }
    return false;
  }
  void await_suspend(std::coroutine_handle<> h) {
    h_ = h;
    io_wait_ = loop_.wait_readiness(stack_, socket_, *this);
    if (timeout_) timer_wait_ = loop_.wait_until(deadline_after(loop_.now(), *timeout_), timer_);
  }
  Result await_resume() { return std::move(*result_); }

  // The socket's readiness changed: try again.
  void on_wake() override {
    if (!attempt()) return;  // still EAGAIN: keep waiting
    finish();
  }

 private:
  struct Timer final : Waiter {
    explicit Timer(IoAwaiter& a) : self(a) {}
    void on_wake() override { self.on_timeout(); }
    IoAwaiter& self;
  };

  void on_timeout() {
    timer_wait_ = 0;  // fired: its entry is gone
    // Something may have become possible at the deadline itself.
    if (!attempt()) result_.emplace(Unexpected<SockError>{SockError::TimedOut});
    finish();
  }
  // True when the call completed (result_ set).
  bool attempt() {
    Result r = op_.attempt(stack_, loop_.now(), socket_);
    // Any call may have queued frames — even one that must wait (a
    // nonblocking connect's SYN, the first part of a send), reading may
    // open a window (TCP): let the driver drain the stack.
    loop_.wake(stack_);
    if (!r && r.error() == SockError::WouldBlock) return false;
    result_.emplace(std::move(r));
    return true;
  }
  void stop_waiting() {
    loop_.withdraw(std::exchange(io_wait_, 0));
    loop_.withdraw(std::exchange(timer_wait_, 0));
  }
  void finish() {
    stop_waiting();
    h_.resume();  // last: the coroutine may destroy this awaiter
  }

  Loop& loop_;
  Stack& stack_;
  SocketId socket_;
  std::optional<Duration> timeout_;
  Op op_;
  Timer timer_{*this};
  std::optional<Result> result_;
  WaitId io_wait_ = 0;
  WaitId timer_wait_ = 0;
  std::coroutine_handle<> h_;
};

struct RecvFromOp {
  std::size_t bufsize;
  std::string buf;
  SockResult<Datagram> attempt(Stack& stack, Instant now, SocketId s);
};
struct RecvOp {
  std::size_t bufsize;
  std::string buf;
  SockResult<std::string> attempt(Stack& stack, Instant now, SocketId s);
};
struct RecvIntoOp {
  MutBytes buf;  // the caller's: bytes go straight into it, nothing is allocated
  SockResult<std::size_t> attempt(Stack& stack, Instant now, SocketId s);
};
struct SendToOp {
  std::string_view data;
  std::optional<SocketAddress> to;  // nullopt: send() on a connected socket
  SockResult<std::size_t> attempt(Stack& stack, Instant now, SocketId s);
};
struct ConnectOp {
  SocketAddress peer;
  bool started = false;  // a nonblocking (stream) connect is in progress
  SockResult<void> attempt(Stack& stack, Instant now, SocketId s);
};
struct AcceptOp {
  Loop* loop;
  SockResult<Accepted> attempt(Stack& stack, Instant now, SocketId s);
};

}  // namespace detail

class Socket {
 public:
  Socket(Loop& loop, Stack& stack, SocketId id) : loop_(&loop), stack_(&stack), id_(id) {}
  Socket(Socket&& o) noexcept;
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();  // close()

  SocketId id() const { return id_; }
  bool is_open() const { return id_ != 0; }
  Loop& loop() const { return *loop_; }
  Stack& stack() const { return *stack_; }

  // ---- synchronous calls ---------------------------------------------------
  SockResult<void> bind(SocketAddress local);
  SockResult<void> setsockopt(SockOpt opt, int value);
  SockResult<int> getsockopt(SockOpt opt) const;
  SockResult<void> set_reuseaddr(bool on = true) {
    return setsockopt(SockOpt::ReuseAddr, on ? 1 : 0);
  }
  SockResult<void> set_broadcast(bool on = true) {
    return setsockopt(SockOpt::Broadcast, on ? 1 : 0);
  }
  SockResult<void> set_rcvbuf(int bytes) { return setsockopt(SockOpt::RcvBuf, bytes); }
  SockResult<void> set_sndbuf(int bytes) { return setsockopt(SockOpt::SndBuf, bytes); }
  // Python's settimeout: nullopt blocks forever (the default); zero (or
  // less) makes every call nonblocking (EAGAIN instead of waiting);
  // otherwise a call that has waited this long fails with
  // SockError::TimedOut. Applies to each later awaitable call.
  void settimeout(std::optional<Duration> timeout) { timeout_ = timeout; }
  std::optional<Duration> gettimeout() const { return timeout_; }
  SockResult<SocketAddress> getsockname() const;
  SockResult<SocketAddress> getpeername() const;
  // Closes now (idempotent: a second close returns EBADF).
  SockResult<void> close();

  // ---- awaitable calls -----------------------------------------------------
  // co_await → SockResult<Datagram>: one datagram, at most `bufsize` bytes.
  auto recvfrom(std::size_t bufsize) { return make(detail::RecvFromOp{bufsize, {}}); }
  // co_await → SockResult<std::string>: recvfrom without the address.
  auto recv(std::size_t bufsize) { return make(detail::RecvOp{bufsize, {}}); }
  // co_await → SockResult<std::size_t>: recv into the caller's buffer, the
  // bytes read (0 at the end of a stream). One copy, straight out of the
  // stack's receive buffer into `buffer`, and no allocation: the call for
  // bulk data. `buffer` must outlive the co_await.
  auto recv_into(MutBytes buffer) { return make(detail::RecvIntoOp{buffer}); }
  // co_await → SockResult<std::size_t> (bytes sent). Binds an ephemeral port first if unbound.
  auto sendto(std::string_view data, SocketAddress to) { return make(detail::SendToOp{data, to}); }
  // co_await → SockResult<std::size_t>, on a connected socket.
  auto send(std::string_view data) { return make(detail::SendToOp{data, std::nullopt}); }
  // co_await → SockResult<void>. Datagram: sets the default peer at once.
  // Stream: waits out the handshake (EINPROGRESS) and returns how it ended
  // (ECONNREFUSED, ETIMEDOUT...). After a settimeout expiry, close the socket.
  auto connect(SocketAddress peer) { return make(detail::ConnectOp{peer}); }

  // ---- stream sockets --------------------------------------------------------
  SockResult<void> listen(int backlog = 128);
  // co_await → SockResult<Accepted>: conn, addr = sock.accept()
  detail::IoAwaiter<detail::AcceptOp> accept();
  SockResult<void> shutdown(ShutdownHow how);
  // co_await → SockResult<std::size_t>: Python's sendall — sends until all
  // of `data` is queued (several sends if the send buffer fills), or fails.
  Task<SockResult<std::size_t>> sendall(std::string_view data);

 private:
  template <class Op>
  detail::IoAwaiter<Op> make(Op op) {
    // A closed socket still goes through the stack, which reports EBADF.
    return detail::IoAwaiter<Op>(*loop_, *stack_, id_, timeout_, std::move(op));
  }

  Loop* loop_;
  Stack* stack_;
  SocketId id_;
  std::optional<Duration> timeout_;
};

// What accept() returns: Python's (conn, addr).
struct Accepted {
  Socket conn;
  SocketAddress addr;
};

inline detail::IoAwaiter<detail::AcceptOp> Socket::accept() {
  return make(detail::AcceptOp{loop_});
}

// socket.socket(type=...): a new socket of `stack`, closed when the
// returned Socket is destroyed.
SockResult<Socket> socket(Loop& loop, Stack& stack, SocketType type);

// "ETIMEDOUT (Connection timed out)" — for apps' messages.
std::string describe(SockError e);

}  // namespace ws::app
