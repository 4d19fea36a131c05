// The real-time runtime: the loop's timers and descriptors (no privileges
// needed), and wirestack on a TAP device against the Linux kernel's own
// sockets — in a network namespace private to the test process
// (unshare(CLONE_NEWNET): nothing to clean up, it ends with the process).
// Without root or /dev/net/tun the TAP tests are skipped, never passed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "app/socket.hpp"
#include "apps/services.hpp"
#include "runtime/realtime_loop.hpp"
#include "runtime/tap.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::runtime {
namespace {

TEST(RealtimeLoop, CallbacksRunInDeadlineOrderNotBeforeTheirTime) {
  RealtimeLoop loop;
  const Instant t0 = loop.now();
  std::vector<int> order;
  std::vector<Duration> late;
  auto at = [&](int ms, int tag) {
    const Instant when = t0 + Duration::millis(ms);
    loop.call_at(when, [&, when, tag] {
      order.push_back(tag);
      late.push_back(loop.now() - when);
      if (tag == 3) loop.stop();
    });
  };
  at(20, 3);
  at(5, 1);
  at(10, 2);
  at(5, 11);  // same deadline: FIFO
  loop.run();
  EXPECT_EQ(order, (std::vector<int>{1, 11, 2, 3}));
  for (Duration d : late) EXPECT_GE(d, Duration::zero());
  EXPECT_GE(loop.now() - t0, Duration::millis(20));
}

TEST(RealtimeLoop, TasksSleepInRealTime) {
  RealtimeLoop loop;
  const Instant t0 = loop.now();
  Instant woke = Instant::never();
  auto task = [](RealtimeLoop& l, Instant& out) -> app::Task<void> {
    co_await app::sleep(l, Duration::millis(30));
    out = l.now();
  };
  const auto id = loop.spawn(task(loop, woke));
  // An idle descriptor: the loop must not go back to sleep on it once
  // the task is done.
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  const WatchId w = loop.watch_fd(p[0], EPOLLIN, [] {});
  ASSERT_TRUE(loop.run_until_done(id, Duration::seconds(5)));
  EXPECT_GE(woke - t0, Duration::millis(30));
  EXPECT_LT(woke - t0, Duration::seconds(2));
  EXPECT_LT(loop.now() - woke, Duration::millis(500));
  loop.unwatch_fd(w);
  ::close(p[0]);
  ::close(p[1]);
}

TEST(RealtimeLoop, RunUntilDoneGivesUpAtItsLimit) {
  RealtimeLoop loop;
  auto forever = [](RealtimeLoop& l) -> app::Task<void> { co_await app::sleep(l, Duration::seconds(3600)); };
  const auto id = loop.spawn(forever(loop));
  const Instant t0 = loop.now();
  EXPECT_FALSE(loop.run_until_done(id, Duration::millis(20)));
  EXPECT_TRUE(loop.running(id));
  EXPECT_GE(loop.now() - t0, Duration::millis(20));
}

TEST(RealtimeLoop, ACoroutineWaitsForAPipe) {
  RealtimeLoop loop;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  std::string got;
  auto reader = [](RealtimeLoop& l, int fd, std::string& out) -> app::Task<void> {
    co_await readable(l, fd);
    char buf[64];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) out.assign(buf, static_cast<std::size_t>(n));
  };
  const auto id = loop.spawn(reader(loop, p[0], got));
  loop.call_at(loop.now() + Duration::millis(10), [fd = p[1]] { (void)!::write(fd, "ping", 4); });
  ASSERT_TRUE(loop.run_until_done(id, Duration::seconds(5)));
  EXPECT_EQ(got, "ping");
  ::close(p[0]);
  ::close(p[1]);
}

TEST(RealtimeLoop, ARegularFileIsAlwaysReady) {
  RealtimeLoop loop;
  char path[] = "/tmp/ws-loop-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  int calls = 0;
  const WatchId w = loop.watch_fd(fd, EPOLLIN, [&] {
    if (++calls == 3) loop.stop();
  });
  loop.run_for(Duration::seconds(5));
  EXPECT_EQ(calls, 3);  // epoll refuses regular files: the loop polls them instead
  loop.unwatch_fd(w);
  ::close(fd);
}

TEST(RealtimeLoop, CancelledWaitersAreNeverResumed) {
  RealtimeLoop loop;
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
  bool resumed = false;
  auto reader = [](RealtimeLoop& l, int fd, bool& flag) -> app::Task<void> {
    co_await readable(l, fd);
    flag = true;
  };
  const auto id = loop.spawn(reader(loop, p[0], resumed));
  loop.run_for(Duration::millis(5));
  ASSERT_TRUE(loop.running(id));
  EXPECT_TRUE(loop.cancel(id));
  (void)!::write(p[1], "x", 1);
  loop.run_for(Duration::millis(10));
  EXPECT_FALSE(resumed);
  ::close(p[0]);
  ::close(p[1]);
}

// ---- on a TAP device, against the Linux kernel -----------------------------

// A private network namespace with a TAP; the kernel's side is 192.0.2.1/24.
class TapLab : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces, TAP devices)";
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "no /dev/net/tun";
    if (::unshare(CLONE_NEWNET) != 0) GTEST_SKIP() << "cannot make a network namespace";
    auto t = TapDevice::open("wst0", true, offload);
    ASSERT_TRUE(t) << t.error();
    tap.emplace(std::move(*t));
    if (offload) {
      ASSERT_TRUE(tap->offload()) << tap->offload_error();
    }
    ASSERT_TRUE(tap->set_mtu(mtu)) << "SIOCSIFMTU";
    ASSERT_EQ(std::system("ip link set lo up && ip addr add 192.0.2.1/24 dev wst0"), 0);
    StackConfig config;
    config.host.name = "wirestack";
    config.host.seed = 42;
    stack = std::make_unique<Stack>(config);
    loop = std::make_unique<RealtimeLoop>();
    const IfIndex i = stack->host().add_interface(
        {"wst0", MacAddress({0x02, 0, 0xc0, 0, 2, 2}), static_cast<std::uint16_t>(mtu), offload});
    stack->host().add_address(loop->now(), i, Ipv4Cidr(Ipv4Address(192, 0, 2, 2), 24));
    loop->attach(*stack, *tap);
  }

  // A kernel socket, nonblocking, for the other side.
  static int kernel_socket(int type) { return ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }
  static sockaddr_in addr(const char* ip, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
  }

  // A kernel TCP client of wirestack's echo service on port 7: connects,
  // sends `data` and half-closes, reading the echo meanwhile until the
  // server's FIN (then `end`).
  static app::Task<void> echo_client(RealtimeLoop& l, int fd, const std::string& data, std::string& out,
                                     bool& end) {
    co_await app::sleep(l, Duration::millis(5));
    const sockaddr_in dst = addr("192.0.2.2", 7);
    ::connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst);  // EINPROGRESS
    std::size_t off = 0;
    char buf[65536];
    while (!end) {
      if (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) off += static_cast<std::size_t>(n);
        if (off == data.size()) ::shutdown(fd, SHUT_WR);  // our FIN; the echo keeps coming
      }
      const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r > 0) out.append(buf, static_cast<std::size_t>(r));
      if (r == 0) end = true;  // the server's FIN after the last byte
      if (r < 0 && errno != EAGAIN) co_return;
      if (r < 0) co_await app::sleep(l, Duration::micros(200));
    }
  }

  int mtu = 1500;  // of the TAP and the stack's interface; set before SetUp
  bool offload = false;  // virtio-net headers and checksum/TSO offloads
  std::optional<TapDevice> tap;
  std::unique_ptr<Stack> stack;
  std::optional<SockResult<void>> service;  // set only if the service ended
  std::unique_ptr<RealtimeLoop> loop;  // destroyed first
  void TearDown() override {
    loop.reset();
    stack.reset();
  }
};

TEST_F(TapLab, KernelUdpClientGetsAnUpperCaseReply) {
  apps::ServiceConfig sc;
  sc.bind = {Ipv4Address::any(), 8082};
  apps::ServiceStats stats;
  loop->spawn(app::store_result(apps::datagram_service(*loop, *stack, apps::EchoKind::Upper, sc, stats, {}), service));
  const int k = kernel_socket(SOCK_DGRAM);
  ASSERT_GE(k, 0);
  const sockaddr_in to = addr("192.0.2.2", 8082);
  std::string reply;
  auto client = [](RealtimeLoop& l, int fd, sockaddr_in dst, std::string& out) -> app::Task<void> {
    co_await app::sleep(l, Duration::millis(5));  // the server binds in its first step
    ::sendto(fd, "hello tap", 9, 0, reinterpret_cast<const sockaddr*>(&dst), sizeof dst);
    co_await readable(l, fd);
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) out.assign(buf, static_cast<std::size_t>(n));
  };
  const auto id = loop->spawn(client(*loop, k, to, reply));
  ASSERT_TRUE(loop->run_until_done(id, Duration::seconds(5)));
  EXPECT_FALSE(service.has_value());
  EXPECT_EQ(reply, "HELLO TAP");
  EXPECT_EQ(stats.datagrams, 1u);
  EXPECT_GT(loop->stats().frames_in, 0u);   // ARP request and the datagram
  EXPECT_GT(loop->stats().frames_out, 0u);  // ARP reply and the answer
  ::close(k);
}

TEST_F(TapLab, KernelTcpClientEchoesAMegabyteAndHalfCloses) {
  apps::ServiceConfig sc;
  sc.bind = {Ipv4Address::any(), 7};
  apps::ServiceStats stats;
  loop->spawn(app::store_result(apps::stream_service(*loop, *stack, apps::EchoKind::Echo, sc, stats, {}), service));
  const int k = kernel_socket(SOCK_STREAM);
  ASSERT_GE(k, 0);
  std::string sent(1 << 20, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 7 + i / 251);
  std::string got;
  bool eof = false;
  const auto id = loop->spawn(echo_client(*loop, k, sent, got, eof));
  ASSERT_TRUE(loop->run_until_done(id, Duration::seconds(20)));
  EXPECT_TRUE(eof);
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.bytes_in, sent.size());
  ::close(k);
}

// Jumbo frames on the TAP (MTU 9000 on both sides): the kernel and
// wirestack agree on MSS 8960, and 2 MiB cross in 9000-byte datagrams.
class TapLabJumbo : public TapLab {
 protected:
  TapLabJumbo() { mtu = 9000; }
};

TEST_F(TapLabJumbo, KernelTcpClientUsesTheLargerMss) {
  ASSERT_TRUE(tap->mtu());
  ASSERT_EQ(*tap->mtu(), 9000);
  apps::ServiceConfig sc;
  sc.bind = {Ipv4Address::any(), 9};
  apps::ServiceStats stats;
  loop->spawn(app::store_result(apps::stream_service(*loop, *stack, apps::EchoKind::Discard, sc, stats, {}), service));
  const int k = kernel_socket(SOCK_STREAM);
  ASSERT_GE(k, 0);
  const std::string sent(2 << 20, 'j');
  int kernel_mss = 0;
  auto client = [](RealtimeLoop& l, int fd, const std::string& data, int& mss) -> app::Task<void> {
    co_await app::sleep(l, Duration::millis(5));
    const sockaddr_in dst = addr("192.0.2.2", 9);
    ::connect(fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst);  // EINPROGRESS
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) off += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != ENOTCONN && errno != EINPROGRESS) co_return;
      if (n <= 0) co_await app::sleep(l, Duration::micros(200));
    }
    socklen_t len = sizeof mss;
    ::getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len);
    ::shutdown(fd, SHUT_WR);
  };
  const auto id = loop->spawn(client(*loop, k, sent, kernel_mss));
  ASSERT_TRUE(loop->run_until_done(id, Duration::seconds(20)));
  loop->run_for(Duration::millis(200));  // the last segments and the FIN
  EXPECT_EQ(stats.bytes_in, sent.size());
  // 9000 − 40, less 12 for timestamps (both sides use them).
  EXPECT_EQ(kernel_mss, 8948) << "the kernel's MSS towards wirestack";
  EXPECT_LE(stack->tcp().stats().segments_received, sent.size() / 8000 + 50) << "jumbo segments, not 1448-byte ones";
  ::close(k);
}

// Virtio-net offloads: the kernel's TCP hands wirestack 64 KiB
// super-packets with partial checksums, and takes wirestack's partial
// checksums to complete; a megabyte echoes back intact both ways.
class TapLabOffload : public TapLab {
 protected:
  TapLabOffload() { offload = true; }
};

TEST_F(TapLabOffload, KernelSuperPacketsInPartialChecksumsOut) {
  apps::ServiceConfig sc;
  sc.bind = {Ipv4Address::any(), 7};
  apps::ServiceStats stats;
  loop->spawn(app::store_result(apps::stream_service(*loop, *stack, apps::EchoKind::Echo, sc, stats, {}), service));
  const int k = kernel_socket(SOCK_STREAM);
  ASSERT_GE(k, 0);
  std::string sent(4 << 20, '\0');
  for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 13 + i / 509);
  std::string got;
  bool eof = false;
  const auto id = loop->spawn(echo_client(*loop, k, sent, got, eof));
  ASSERT_TRUE(loop->run_until_done(id, Duration::seconds(20)));
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent) << "partial checksums completed by the kernel, and its own accepted";
  EXPECT_GT(loop->stats().super_frames_in, 0u) << "the kernel sent TSO super-packets";
  EXPECT_LT(stack->tcp().stats().segments_received, sent.size() / 1448) << "fewer segments than MSS-sized frames";
  EXPECT_EQ(stack->tcp().stats().bad_checksum, 0u);
  ::close(k);
}

}  // namespace
}  // namespace ws::runtime
