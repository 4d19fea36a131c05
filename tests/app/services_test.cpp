// The services of `wirestack serve` on the simulator: echo, discard and
// upper over TCP (many connections at once) and UDP, the connection limit,
// and the chat room (lines to everyone else, join/leave notices, bye).
#include <gtest/gtest.h>

#include "apps/services.hpp"
#include "tcp_world.hpp"

namespace ws::apps {
namespace {

using tcp_testing::World;

constexpr std::uint16_t kPort = 7007;

// Connects, sends `text`, half-closes, reads until the server's FIN.
app::Task<std::string> exchange(app::Loop& loop, Stack& stack, Ipv4Address server, std::string text) {
  auto s = app::socket(loop, stack, SocketType::Stream);
  if (!s) co_return "socket: " + app::describe(s.error());
  if (auto c = co_await s->connect({server, kPort}); !c) co_return "connect: " + app::describe(c.error());
  if (auto w = co_await s->sendall(text); !w) co_return "send: " + app::describe(w.error());
  (void)s->shutdown(ShutdownHow::Write);
  std::string got;
  for (;;) {
    auto r = co_await s->recv(4096);
    if (!r) co_return got + " / recv: " + app::describe(r.error());
    if (r->empty()) co_return got;
    got += *r;
  }
}

struct ServiceWorld : World {
  explicit ServiceWorld(std::size_t clients) : World(7, clients) {}
  ServiceConfig config() const {
    ServiceConfig c;
    c.bind = {Ipv4Address::any(), kPort};
    return c;
  }
  ServiceStats stats;
  std::optional<SockResult<void>> ended;  // set only if the service stopped
  void start(app::Task<SockResult<void>> t) { loop.spawn(app::store_result(std::move(t), ended)); }
};

TEST(Services, TcpEchoAndUpperServeManyClientsAtOnce) {
  for (EchoKind kind : {EchoKind::Echo, EchoKind::Upper}) {
    ServiceWorld w(5);
    w.start(stream_service(w.loop, w.server->stack(), kind, w.config(), w.stats, {}));
    std::vector<std::optional<std::string>> got(5);
    std::vector<app::TaskId> ids;
    std::string big(100000, 'a');
    for (std::size_t i = 0; i < 5; ++i) {
      ids.push_back(w.loop.spawn(app::store_result(
          exchange(w.loop, w.client(i), w.server_ip(), i == 0 ? big : "hello " + std::to_string(i)), got[i])));
    }
    ASSERT_TRUE(w.loop.run_until_all_done(ids, w.sim.now() + Duration::seconds(30)));
    const auto expect = [&](const std::string& s) { return kind == EchoKind::Upper ? upper(s) : s; };
    EXPECT_EQ(got[0], expect(big));
    for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(got[i], expect("hello " + std::to_string(i)));
    w.sim.run_until(w.sim.now() + Duration::seconds(1));
    EXPECT_EQ(w.stats.accepted, 5u);
    EXPECT_EQ(w.stats.closed, 5u);
    EXPECT_EQ(w.stats.active, 0u);
    EXPECT_EQ(w.stats.bytes_in, big.size() + 4 * 7);
    EXPECT_EQ(w.stats.bytes_out, w.stats.bytes_in);
  }
}

TEST(Services, DiscardReadsEverythingAndAnswersNothing) {
  ServiceWorld w(1);
  w.start(stream_service(w.loop, w.server->stack(), EchoKind::Discard, w.config(), w.stats, {}));
  std::optional<std::string> got;
  const auto id = w.loop.spawn(app::store_result(exchange(w.loop, w.client(), w.server_ip(), std::string(50000, 'x')), got));
  ASSERT_TRUE(w.loop.run_until_done(id, w.sim.now() + Duration::seconds(30)));
  EXPECT_EQ(got, "");
  EXPECT_EQ(w.stats.bytes_in, 50000u);
  EXPECT_EQ(w.stats.bytes_out, 0u);
}

TEST(Services, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  ServiceWorld w(3);
  ServiceConfig c = w.config();
  c.max_connections = 2;
  w.start(stream_service(w.loop, w.server->stack(), EchoKind::Echo, c, w.stats, {}));
  // Two clients hold their connections open (no half-close yet)...
  auto holder = [](app::Loop& loop, Stack& stack, Ipv4Address server) -> app::Task<void> {
    auto s = app::socket(loop, stack, SocketType::Stream);
    (void)co_await s->connect({server, kPort});
    co_await app::sleep(loop, Duration::seconds(5));
  };
  w.loop.spawn(holder(w.loop, w.client(0), w.server_ip()));
  w.loop.spawn(holder(w.loop, w.client(1), w.server_ip()));
  w.sim.run_until(w.sim.now() + Duration::seconds(1));
  // ...so the third is accepted and closed at once: no echo.
  std::optional<std::string> got;
  const auto id = w.loop.spawn(app::store_result(exchange(w.loop, w.client(2), w.server_ip(), "hi"), got));
  ASSERT_TRUE(w.loop.run_until_done(id, w.sim.now() + Duration::seconds(10)));
  ASSERT_TRUE(got.has_value());
  // Closed without an answer: EOF, or a reset when "hi" reached the
  // already closed socket.
  EXPECT_TRUE(*got == "" || *got == " / recv: ECONNRESET (Connection reset by peer)") << *got;
  EXPECT_EQ(w.stats.refused, 1u);
  EXPECT_EQ(w.stats.accepted, 2u);
}

TEST(Services, UdpUpperAnswersEachDatagram) {
  ServiceWorld w(1);
  w.start(datagram_service(w.loop, w.server->stack(), EchoKind::Upper, w.config(), w.stats, {}));
  auto client = [](app::Loop& loop, Stack& stack, Ipv4Address server) -> app::Task<std::string> {
    auto s = app::socket(loop, stack, SocketType::Datagram);
    s->settimeout(Duration::seconds(2));
    std::string out;
    for (const char* m : {"hello", "udp world"}) {
      (void)co_await s->sendto(m, {server, kPort});
      auto r = co_await s->recvfrom(1024);
      out += r ? r->data + ";" : "timeout;";
    }
    co_return out;
  };
  std::optional<std::string> got;
  const auto id = w.loop.spawn(app::store_result(client(w.loop, w.client(), w.server_ip()), got));
  ASSERT_TRUE(w.loop.run_until_done(id, w.sim.now() + Duration::seconds(10)));
  EXPECT_EQ(got, "HELLO;UDP WORLD;");
  EXPECT_EQ(w.stats.datagrams, 2u);
}

TEST(Services, ChatRoomRelaysLinesToTheOthersUntilBye) {
  ServiceWorld w(2);
  w.start(chat_room(w.loop, w.server->stack(), w.config(), w.stats, {}));
  // alice joins first, bob second; alice speaks, bob answers, both leave.
  auto member = [](app::Loop& loop, Stack& stack, Ipv4Address server, Duration start,
                   std::vector<std::string> say) -> app::Task<std::string> {
    co_await app::sleep(loop, start);
    auto s = app::socket(loop, stack, SocketType::Stream);
    if (auto c = co_await s->connect({server, kPort}); !c) co_return "connect failed";
    std::string heard;
    for (const std::string& line : say) {
      co_await app::sleep(loop, Duration::millis(200));
      (void)co_await s->sendall(line + "\n");
    }
    for (;;) {
      auto r = co_await s->recv(4096);
      if (!r || r->empty()) break;
      heard += *r;
    }
    co_return heard;
  };
  std::optional<std::string> alice, bob;
  const auto a = w.loop.spawn(app::store_result(
      member(w.loop, w.client(0), w.server_ip(), Duration::zero(), {"", "", "hi bob", "", "bye"}), alice));
  const auto b = w.loop.spawn(app::store_result(
      member(w.loop, w.client(1), w.server_ip(), Duration::millis(100), {"", "", "", "hi alice", "", "bye"}), bob));
  ASSERT_TRUE(w.loop.run_until_all_done({a, b}, w.sim.now() + Duration::seconds(30)));
  ASSERT_TRUE(alice && bob);
  // Each got the welcome, the other's line with its address, and its own bye.
  EXPECT_NE(alice->find("* welcome 192.0.2.10:"), std::string::npos) << *alice;
  EXPECT_NE(alice->find("joined"), std::string::npos) << *alice;
  EXPECT_NE(alice->find("192.0.2.11:"), std::string::npos) << *alice;
  EXPECT_NE(alice->find(": hi alice\n"), std::string::npos) << *alice;
  EXPECT_EQ(alice->find("hi bob"), std::string::npos) << "a line is not sent back to its speaker";
  EXPECT_NE(bob->find(": hi bob\n"), std::string::npos) << *bob;
  EXPECT_NE(bob->find("left"), std::string::npos) << "alice left first: " << *bob;
  EXPECT_NE(bob->find("* bye\n"), std::string::npos) << *bob;
  EXPECT_EQ(w.stats.accepted, 2u);
  EXPECT_EQ(w.stats.closed, 2u);
}

}  // namespace
}  // namespace ws::apps
