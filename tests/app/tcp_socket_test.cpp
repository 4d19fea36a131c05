// Stream sockets through the coroutine API: seed 000's TCP server and
// client ("got it"), sendall of more than the send buffer, half-close,
// EPIPE, ECONNREFUSED, getsockname/getpeername.
#include <gtest/gtest.h>

#include "app/socket.hpp"
#include "fixture.hpp"
#include "tcp/tcp_layer.hpp"

namespace ws::app {
namespace {

using testing::LanWorld;
using testing::t0;

const SocketAddress kServer{sim::kLanServerAddr, 8000};

// Seed 000 "tcp服务端": bind, listen(120), accept, recv(1024), send("got it"), close.
Task<void> seed_server(Loop& loop, Stack& stack, std::vector<std::string>& log) {
  auto server = *socket(loop, stack, SocketType::Stream);
  EXPECT_TRUE(server.set_reuseaddr());
  EXPECT_TRUE(server.bind({Ipv4Address::any(), 8000}));
  EXPECT_TRUE(server.listen(120));
  auto accepted = co_await server.accept();
  if (!accepted) co_return;
  Socket& client_sock = accepted->conn;
  log.push_back("accepted " + accepted->addr.to_string());
  auto recv_data = co_await client_sock.recv(1024);
  log.push_back("server got " + (recv_data ? *recv_data : std::string(errno_name(recv_data.error()))));
  auto sent = co_await client_sock.send("got it");
  EXPECT_TRUE(sent.ok());
  EXPECT_TRUE(client_sock.close());
  EXPECT_TRUE(server.close());
}

// Seed 000 "客户端": connect, send(msg), recv(1024), close.
Task<void> seed_client(Loop& loop, Stack& stack, std::vector<std::string>& log) {
  auto client_sock = *socket(loop, stack, SocketType::Stream);
  auto r = co_await client_sock.connect(kServer);
  if (!r) {
    log.push_back(std::string("connect: ") + std::string(errno_name(r.error())));
    co_return;
  }
  log.push_back("connected from " + client_sock.getsockname()->to_string() + " to " +
                client_sock.getpeername()->to_string());
  (void)co_await client_sock.send("hello server");
  auto recv_data = co_await client_sock.recv(1024);
  log.push_back("收到了服务器的回应信息：" + (recv_data ? *recv_data : std::string("?")));
  EXPECT_TRUE(client_sock.close());
}

TEST(TcpSocket, SeedServerAndClient) {
  LanWorld w(1);
  std::vector<std::string> log;
  w.loop.spawn(seed_server(w.loop, w.server(), log));
  const auto client = w.loop.spawn(delayed(w.loop, Duration::millis(10), seed_client(w.loop, w.client(), log)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(5)));
  w.sim.run_for(Duration::seconds(120));  // TIME-WAIT runs out
  ASSERT_EQ(log.size(), 4u);
  EXPECT_TRUE(log[0].starts_with("connected from 192.0.2.10:")) << log[0];
  EXPECT_TRUE(log[0].ends_with(" to 192.0.2.20:8000")) << log[0];
  EXPECT_TRUE(log[1].starts_with("accepted 192.0.2.10:"));
  EXPECT_EQ(log[2], "server got hello server");
  EXPECT_EQ(log[3], "收到了服务器的回应信息：got it");
  EXPECT_EQ(w.client().tcp().connection_count(), 0u);
  EXPECT_EQ(w.server().tcp().connection_count(), 0u);
}

TEST(TcpSocket, ConnectToAClosedPortIsRefused) {
  LanWorld w(2);
  std::vector<std::string> log;
  const auto client = w.loop.spawn(seed_client(w.loop, w.client(), log));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(5)));
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0], "connect: ECONNREFUSED");
}

// sendall() of more than the send buffer, then shutdown(SHUT_WR): the
// server reads to EOF, answers with its count, and the client — half-closed —
// still receives it (seed 000 §四次挥手).
Task<void> counting_server(Loop& loop, Stack& stack, std::size_t& counted) {
  auto server = *socket(loop, stack, SocketType::Stream);
  EXPECT_TRUE(server.bind({Ipv4Address::any(), 8000}));
  EXPECT_TRUE(server.listen(1));
  auto accepted = co_await server.accept();
  if (!accepted) co_return;
  for (;;) {
    auto chunk = co_await accepted->conn.recv(4096);
    if (!chunk || chunk->empty()) break;  // "" is end of stream
    counted += chunk->size();
  }
  auto r = co_await accepted->conn.sendall("counted " + std::to_string(counted));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(accepted->conn.close());
}

Task<void> bulk_client(Loop& loop, Stack& stack, std::string& answer, std::optional<SockError>& after_shutdown) {
  auto s = *socket(loop, stack, SocketType::Stream);
  EXPECT_TRUE(s.set_sndbuf(16384));
  if (!co_await s.connect(kServer)) co_return;
  const std::string big(300000, 'z');
  auto sent = co_await s.sendall(big);
  EXPECT_EQ(sent.ok() ? *sent : 0u, big.size());
  EXPECT_TRUE(s.shutdown(ShutdownHow::Write));
  auto again = co_await s.send("too late");
  if (!again) after_shutdown = again.error();
  for (;;) {
    auto part = co_await s.recv(100);
    if (!part || part->empty()) break;
    answer += *part;
  }
}

TEST(TcpSocket, SendallHalfCloseAndEpipe) {
  LanWorld w(3);
  std::size_t counted = 0;
  std::string answer;
  std::optional<SockError> err;
  w.loop.spawn(counting_server(w.loop, w.server(), counted));
  const auto client = w.loop.spawn(delayed(w.loop, Duration::millis(10), bulk_client(w.loop, w.client(), answer, err)));
  ASSERT_TRUE(w.loop.run_until_done(client, t0 + Duration::seconds(60)));
  EXPECT_EQ(counted, 300000u);
  EXPECT_EQ(answer, "counted 300000") << "received after our own FIN";
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(errno_name(*err), "EPIPE");
}

}  // namespace
}  // namespace ws::app
