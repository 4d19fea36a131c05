// The coroutine Socket over the simulator: the Python-like calls, receive
// timeouts, nonblocking mode, and cancellation safety (run these under
// ASan: a resumed dead coroutine is a use-after-free).
#include <gtest/gtest.h>

#include "app/socket.hpp"
#include "fixture.hpp"

namespace ws::app {
namespace {

using testing::LanWorld;
using testing::t0;

const SocketAddress kServer{sim::kLanServerAddr, 9999};

struct Outcome {
  std::optional<SockResult<Datagram>> got;
  Instant at;
  bool resumed = false;
};

// Waits for one datagram on `sock` (owned by the caller).
Task<void> receive_one(Loop& loop, Socket& sock, Outcome& out) {
  auto r = co_await sock.recvfrom(1024);
  out.resumed = true;
  out.at = loop.now();
  out.got.emplace(std::move(r));
}

// A socket of its own: closed when the task ends or is cancelled.
Task<void> bind_and_receive(Loop& loop, Stack& stack, std::optional<Duration> timeout,
                            Outcome& out) {
  auto sock = socket(loop, stack, SocketType::Datagram);
  EXPECT_TRUE(sock.ok());
  EXPECT_TRUE(sock->bind(kServer).ok());
  sock->settimeout(timeout);
  co_await receive_one(loop, *sock, out);
}

Task<void> send_one(Loop& loop, Stack& stack, std::string data, SocketAddress to,
                    std::optional<SockResult<std::size_t>>& result) {
  auto sock = socket(loop, stack, SocketType::Datagram);
  EXPECT_TRUE(sock.ok());
  result.emplace(co_await sock->sendto(data, to));
}

TEST(Socket, SendtoAndRecvfromBetweenTwoHosts) {
  LanWorld w(1);
  Outcome out;
  std::optional<SockResult<std::size_t>> sent;
  w.loop.spawn(bind_and_receive(w.loop, w.server(), std::nullopt, out));
  w.loop.spawn(
      delayed(w.loop, Duration::millis(100), send_one(w.loop, w.client(), "hello", kServer, sent)));
  w.sim.run_until(t0 + Duration::seconds(1));
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(sent->ok());
  EXPECT_EQ(**sent, 5u);
  ASSERT_TRUE(out.got.has_value());
  ASSERT_TRUE(out.got->ok()) << describe(out.got->error());
  const Datagram& d = **out.got;
  EXPECT_EQ(d.data, "hello");
  EXPECT_EQ(d.addr.ip, sim::kClientAddr);
  EXPECT_GE(d.addr.port, 49152) << "an unbound sender gets an ephemeral port";
  EXPECT_FALSE(d.truncated);
  // ARP first (2 links each way), then the datagram over two 1 ms links.
  EXPECT_EQ(out.at, t0 + Duration::millis(100 + 4 + 2));
}

Task<void> receive_small(Loop& loop, Stack& stack, Outcome& out) {
  auto sock = socket(loop, stack, SocketType::Datagram);
  EXPECT_TRUE(sock->bind(kServer).ok());
  out.got.emplace(co_await sock->recvfrom(4));
  out.resumed = true;
}

TEST(Socket, RecvfromTruncatesToBufsize) {
  LanWorld w(2);
  Outcome out;
  std::optional<SockResult<std::size_t>> sent;
  w.loop.spawn(receive_small(w.loop, w.server(), out));
  w.loop.spawn(delayed(w.loop, Duration::millis(100),
                       send_one(w.loop, w.client(), "abcdefgh", kServer, sent)));
  w.sim.run_until(t0 + Duration::seconds(1));
  ASSERT_TRUE(out.got && out.got->ok());
  EXPECT_EQ((*out.got)->data, "abcd");
  EXPECT_TRUE((*out.got)->truncated);
}

TEST(Socket, RecvTimeoutFailsWithTimedOut) {
  LanWorld w(3);
  Outcome out;
  w.loop.spawn(delayed(w.loop, Duration::millis(100),
                       bind_and_receive(w.loop, w.server(), Duration::millis(250), out)));
  w.sim.run_until(t0 + Duration::seconds(2));
  ASSERT_TRUE(out.got.has_value());
  ASSERT_FALSE(out.got->ok());
  EXPECT_EQ(out.got->error(), SockError::TimedOut);
  EXPECT_EQ(errno_name(out.got->error()), "ETIMEDOUT");
  EXPECT_EQ(out.at, t0 + Duration::millis(350))
      << "exactly the timeout after the call, in virtual time";
  EXPECT_EQ(w.loop.waiter_count(), 0u);
}

TEST(Socket, DataBeforeTheTimeoutWins) {
  LanWorld w(4);
  Outcome out;
  std::optional<SockResult<std::size_t>> sent;
  w.loop.spawn(bind_and_receive(w.loop, w.server(), Duration::seconds(1), out));
  w.loop.spawn(
      delayed(w.loop, Duration::millis(100), send_one(w.loop, w.client(), "x", kServer, sent)));
  w.sim.run_until(t0 + Duration::seconds(3));
  ASSERT_TRUE(out.got && out.got->ok());
  EXPECT_EQ(out.at, t0 + Duration::millis(106));
  EXPECT_EQ(w.loop.waiter_count(), 0u) << "the timer was withdrawn with the wait";
}

Task<void> nonblocking(Loop& loop, Stack& stack, Outcome& out) {
  auto sock = socket(loop, stack, SocketType::Datagram);
  EXPECT_TRUE(sock->bind(kServer).ok());
  sock->settimeout(Duration::zero());  // Python's setblocking(False)
  out.got.emplace(co_await sock->recvfrom(1024));
  out.at = loop.now();
}

TEST(Socket, ZeroTimeoutIsNonblocking) {
  LanWorld w(5);
  Outcome out;
  w.loop.spawn(delayed(w.loop, Duration::millis(100), nonblocking(w.loop, w.server(), out)));
  w.sim.run_until(t0 + Duration::seconds(1));
  ASSERT_TRUE(out.got.has_value());
  ASSERT_FALSE(out.got->ok());
  EXPECT_EQ(out.got->error(), SockError::WouldBlock);
  EXPECT_EQ(out.at, t0 + Duration::millis(100)) << "returned at once";
}

Task<void> options_and_names(Loop& loop, Stack& stack, std::vector<std::string>& errors) {
  auto check = [&](bool ok, const char* what) {
    if (!ok) errors.emplace_back(what);
  };
  auto s = socket(loop, stack, SocketType::Datagram);
  check(s.ok(), "socket");
  check(s->set_reuseaddr().ok() && s->getsockopt(SockOpt::ReuseAddr).value() == 1, "reuseaddr");
  check(s->set_broadcast().ok() && s->getsockopt(SockOpt::Broadcast).value() == 1, "broadcast");
  check(s->set_rcvbuf(4096).ok() && s->getsockopt(SockOpt::RcvBuf).value() == 4096, "rcvbuf");
  check(s->set_sndbuf(8192).ok() && s->getsockopt(SockOpt::SndBuf).value() == 8192, "sndbuf");
  check(!s->set_rcvbuf(0).ok(), "rcvbuf 0 is EINVAL");
  check(s->bind({Ipv4Address::any(), 7000}).ok(), "bind");
  check(s->getsockname().value() == SocketAddress{Ipv4Address::any(), 7000}, "getsockname");
  check(s->getpeername().error() == SockError::NotConnected, "getpeername unconnected");
  auto c = co_await s->connect(kServer);
  check(c.ok(), "connect");
  check(s->getpeername().value() == kServer, "getpeername");
  auto sent = co_await s->send("hi");
  check(sent.ok() && *sent == 2, "send");
  s->settimeout(Duration::millis(10));
  check(s->gettimeout() == Duration::millis(10), "gettimeout");
  auto r =
      co_await s->recv(100);  // nobody answers (the server has no socket: ECONNREFUSED or timeout)
  check(!r.ok(), "recv fails");
  check(s->close().ok(), "close");
  check(!s->is_open(), "closed");
  check(s->close().error() == SockError::BadDescriptor, "second close is EBADF");
  auto after = co_await s->recv(10);
  check(after.error() == SockError::BadDescriptor, "recv after close is EBADF");
}

TEST(Socket, OptionsNamesConnectSendAndClose) {
  LanWorld w(6);
  std::vector<std::string> errors;
  const TaskId id = w.loop.spawn(options_and_names(w.loop, w.client(), errors));
  EXPECT_TRUE(w.loop.run_until_done(id, t0 + Duration::seconds(5)));
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
}

TEST(Socket, TimeoutOfDurationMaxMeansNever) {
  // now + Duration::max() would overflow: it saturates to "never" (UBSan
  // checks the arithmetic in the sanitizer build).
  LanWorld w(11);
  Outcome out;
  w.loop.spawn(delayed(w.loop, Duration::millis(100),
                       bind_and_receive(w.loop, w.server(), Duration::max(), out)));
  w.sim.run_until(t0 + Duration::seconds(100));
  EXPECT_FALSE(out.resumed);
  EXPECT_EQ(w.loop.waiter_count(), 2u) << "waiting for data, and a timer that never fires";
  EXPECT_EQ(deadline_after(t0 + Duration::seconds(1), Duration::max()), Instant::never());
  EXPECT_EQ(deadline_after(t0 + Duration::seconds(1), Duration::seconds(2)),
            t0 + Duration::seconds(3));
}

// ---- cancellation ---------------------------------------------------------

TEST(Cancellation, DestroyedWhileWaitingThenReadableIsNeverResumed) {
  LanWorld w(7);
  // The socket belongs to the test, so it stays open (and becomes
  // readable) after the waiting task is gone.
  auto sock = socket(w.loop, w.server(), SocketType::Datagram);
  ASSERT_TRUE(sock.ok());
  ASSERT_TRUE(sock->bind(kServer).ok());
  Outcome out;
  const TaskId waiting = w.loop.spawn(receive_one(w.loop, *sock, out));
  w.sim.run_until(t0 + Duration::millis(50));
  ASSERT_TRUE(w.loop.running(waiting));
  EXPECT_EQ(w.loop.waiter_count(), 1u);
  EXPECT_TRUE(w.loop.cancel(waiting));
  EXPECT_EQ(w.loop.waiter_count(), 0u);

  std::optional<SockResult<std::size_t>> sent;
  w.loop.spawn(send_one(w.loop, w.client(), "late", kServer, sent));
  w.sim.run_until(t0 + Duration::seconds(1));
  ASSERT_TRUE(sent && sent->ok());
  EXPECT_FALSE(out.resumed) << "a cancelled coroutine must not be resumed";
  EXPECT_TRUE(w.server().readiness(sock->id()).readable) << "the datagram is there, unread";
}

TEST(Cancellation, CancelledWithATimeoutPendingNothingFiresLater) {
  LanWorld w(8);
  Outcome out;
  const TaskId id = w.loop.spawn(bind_and_receive(w.loop, w.server(), Duration::seconds(1), out));
  w.sim.run_until(t0 + Duration::millis(500));
  EXPECT_EQ(w.loop.waiter_count(), 2u) << "readiness and the timer";
  EXPECT_TRUE(w.loop.cancel(id));
  EXPECT_EQ(w.loop.waiter_count(), 0u);
  // The task's socket was closed by the cancel: the port is free again.
  auto again = socket(w.loop, w.server(), SocketType::Datagram);
  EXPECT_TRUE(again->bind(kServer).ok());
  w.sim.run_until(t0 + Duration::seconds(3));  // past the old deadline
  EXPECT_FALSE(out.resumed);
}

TEST(Cancellation, CancelledInTheSameInstantItsWakeIsQueued) {
  // The datagram arrives, the listener queues the waiter's wake, and the
  // task is cancelled before that wake runs (same instant).
  LanWorld w(9);
  auto sock = socket(w.loop, w.server(), SocketType::Datagram);
  ASSERT_TRUE(sock->bind(kServer).ok());
  Outcome out;
  const TaskId waiting = w.loop.spawn(receive_one(w.loop, *sock, out));
  std::optional<SockResult<std::size_t>> sent;
  w.loop.spawn(send_one(w.loop, w.client(), "x", kServer, sent));
  // Step until the server's socket turns readable; its wake is then queued, not run.
  while (!w.server().readiness(sock->id()).readable) ASSERT_TRUE(w.sim.step());
  EXPECT_FALSE(out.resumed);
  EXPECT_TRUE(w.loop.cancel(waiting));
  w.sim.run_until(t0 + Duration::seconds(1));
  EXPECT_FALSE(out.resumed);
}

TEST(Cancellation, ClosingTheSocketUnderAWaiterWakesItWithEbadf) {
  LanWorld w(10);
  auto sock = socket(w.loop, w.server(), SocketType::Datagram);
  ASSERT_TRUE(sock->bind(kServer).ok());
  Outcome out;
  w.loop.spawn(receive_one(w.loop, *sock, out));
  w.sim.run_until(t0 + Duration::millis(10));
  EXPECT_TRUE(sock->close().ok());
  w.sim.run_until(t0 + Duration::millis(20));
  ASSERT_TRUE(out.resumed);
  ASSERT_FALSE(out.got->ok());
  EXPECT_EQ(out.got->error(), SockError::BadDescriptor);
}

}  // namespace
}  // namespace ws::app
