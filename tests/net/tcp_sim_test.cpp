// TCP between whole stacks on the simulated network: the handshake, data,
// half-close and close through the socket calls; transfers under loss,
// reordering and duplication checked byte for byte.
#include <gtest/gtest.h>

#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/describe.hpp"
#include <cstdio>

namespace ws {
namespace {

using sim::Simulation;

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed * 2654435761u + 7;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

// Pumps `data` from a client to a server over TCP with plain nonblocking
// calls driven by the simulator, then closes both ends.
struct Transfer {
  Transfer(Simulation& s, sim::HostNode& c, sim::HostNode& v, Ipv4Address ip, std::vector<std::uint8_t> d)
      : sim(s), client(c), server(v), server_ip(ip), data(std::move(d)) {}
  Simulation& sim;
  sim::HostNode& client;
  sim::HostNode& server;
  Ipv4Address server_ip;
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> received;
  std::size_t sent = 0;
  SocketId listener = 0, srv = 0, cli = 0;
  bool client_closed = false, server_eof = false;
  std::optional<SockError> error;

  void start() {
    Stack& s = server.stack();
    listener = *s.socket(SocketType::Stream);
    EXPECT_TRUE(s.bind(listener, {Ipv4Address::any(), 8000}));
    EXPECT_TRUE(s.listen(listener, 120));
    Stack& c = client.stack();
    cli = *c.socket(SocketType::Stream);
    auto r = c.connect(sim.now(), cli, {server_ip, 8000});
    EXPECT_EQ(r.error(), SockError::InProgress);
    sim.kick(client);
    // Both sides re-check every millisecond of virtual time.
    tick();
  }
  void tick() {
    Stack& s = server.stack();
    Stack& c = client.stack();
    if (srv == 0) {
      if (auto a = s.accept(listener)) srv = a->socket;
    }
    if (!client_closed) {
      if (auto e = c.take_error(cli)) error = e;
    }
    if (!client_closed && c.readiness(cli).writable) {
      while (sent < data.size()) {
        auto n = c.send_to(sim.now(), cli, Bytes(data).subspan(sent));
        if (!n) break;
        sent += *n;
      }
      if (sent == data.size()) {
        (void)c.close(sim.now(), cli);
        client_closed = true;
      }
    }
    if (srv != 0 && !server_eof) {
      std::vector<std::uint8_t> buf(16384);
      for (;;) {
        auto r = s.recv_from(sim.now(), srv, buf);
        if (!r) break;
        if (r->len == 0) {
          server_eof = true;
          (void)s.close(sim.now(), srv);
          break;
        }
        received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->len));
      }
    }
    sim.kick(client);
    sim.kick(server);
    if (!(server_eof && client_closed) && !error) sim.schedule_in(Duration::millis(1), [this] { tick(); });
  }
};

TEST(TcpSim, ConnectSendCloseOnALan) {
  Simulation s(1);
  auto lan = sim::build_lan(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  std::vector<std::string> states;
  lan.client.stack().tcp().set_state_hook([&](const tcp::FourTuple&, tcp::State a, tcp::State b) {
    states.push_back(std::string(tcp::to_string(a)) + ">" + std::string(tcp::to_string(b)));
  });
  PcapWriter cap = PcapWriter::in_memory();
  s.add_capture(lan.client, 0, cap);
  Transfer t{s, lan.client, lan.server, sim::kLanServerAddr, pattern(100000, 1)};
  t.start();
  s.run_for(Duration::seconds(200));
  if (t.error || t.received != t.data) {  // show the client's wire on failure
    auto recs = parse_pcap(cap.memory());
    for (auto& r : *recs) std::printf("%s %s\n", r.at.to_string().c_str(), describe_frame(r.frame).c_str());
  }
  EXPECT_FALSE(t.error);
  EXPECT_TRUE(t.server_eof);
  EXPECT_EQ(t.received, t.data);
  const std::vector<std::string> expect = {"CLOSED>SYN-SENT", "SYN-SENT>ESTABLISHED", "ESTABLISHED>FIN-WAIT-1",
                                           "FIN-WAIT-1>FIN-WAIT-2", "FIN-WAIT-2>TIME-WAIT", "TIME-WAIT>CLOSED"};
  EXPECT_EQ(states, expect);
  EXPECT_EQ(lan.client.stack().tcp().connection_count(), 0u) << "TIME-WAIT ended, the orphan was freed";
  EXPECT_EQ(lan.server.stack().tcp().connection_count(), 0u);
}

TEST(TcpSim, RefusedConnectionReportsEconnrefused) {
  Simulation s(2);
  auto lan = sim::build_lan(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  Stack& c = lan.client.stack();
  const SocketId id = *c.socket(SocketType::Stream);
  ASSERT_EQ(c.connect(s.now(), id, {sim::kLanServerAddr, 9}).error(), SockError::InProgress);
  s.kick(lan.client);
  s.run_for(Duration::seconds(1));
  EXPECT_TRUE(c.readiness(id).error);
  EXPECT_EQ(c.take_error(id), SockError::ConnRefused);
  EXPECT_EQ(lan.server.stack().tcp().stats().resets_sent, 1u);
}

TEST(TcpSim, ConnectToAnAbsentHostIsEhostunreach) {
  Simulation s(3);
  auto lan = sim::build_lan(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  Stack& c = lan.client.stack();
  const SocketId id = *c.socket(SocketType::Stream);
  (void)c.connect(s.now(), id, {Ipv4Address(192, 0, 2, 99), 80});
  s.kick(lan.client);
  s.run_for(Duration::seconds(10));
  EXPECT_EQ(c.take_error(id), SockError::HostUnreach) << "ARP failed: ICMP host unreachable locally";
}

class TcpUnderFaults : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(TcpUnderFaults, TransferArrivesIntact) {
  const std::uint64_t seed = GetParam();
  Simulation s(seed);
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(5));
  link.loss = 0.05;
  link.reorder = 0.05;
  link.duplicate = 0.02;
  link.jitter = Duration::millis(2);
  auto net = sim::build_routed(s, link);
  Transfer t{s, net.client, net.server, sim::kRoutedServerAddr, pattern(300000, static_cast<std::uint32_t>(seed))};
  t.start();
  s.run_for(Duration::seconds(600));
  EXPECT_FALSE(t.error) << errno_name(*t.error);
  ASSERT_TRUE(t.server_eof) << "received " << t.received.size();
  EXPECT_EQ(t.received, t.data);
}

INSTANTIATE_TEST_SUITE_P(Seeds, TcpUnderFaults, ::testing::Values(1, 2, 3, 4, 5));

TEST(TcpSim, CountersSumEveryConnectionLikeNstat) {
  Simulation s(9);
  sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(5));
  link.loss = 0.05;
  auto net = sim::build_routed(s, link);
  Transfer t{s, net.client, net.server, sim::kRoutedServerAddr, pattern(200000, 9)};
  t.start();
  s.run_for(Duration::seconds(600));
  ASSERT_EQ(t.received, t.data);
  const auto c = net.client.stack().tcp().connection_totals();
  const auto v = net.server.stack().tcp().connection_totals();
  EXPECT_GT(c.retransmitted_segments, 0u);
  EXPECT_GT(c.dup_acks, 0u);
  EXPECT_GT(v.out_of_order_segments, 0u);
  EXPECT_EQ(c.bytes_sent, 200000u);
  EXPECT_EQ(v.bytes_received, 200000u);
  EXPECT_EQ(net.client.stack().tcp().stats().active_opens, 1u);
  EXPECT_EQ(net.server.stack().tcp().stats().passive_opens, 1u);
  EXPECT_EQ(net.client.stack().tcp().connection_count(), 0u) << "freed, yet still counted";
  bool listed = false;
  for (const auto& [name, value] : c.fields()) listed |= name == "retransmitted_segments" && value == c.retransmitted_segments;
  EXPECT_TRUE(listed);
}

TEST(TcpSim, KeepaliveOptionsDetectADeadPeer) {
  Simulation s(10);
  auto lan = sim::build_lan(s, sim::LinkConfig::with_delay(Duration::millis(1)));
  Stack& srv = lan.server.stack();
  const SocketId l = *srv.socket(SocketType::Stream);
  ASSERT_TRUE(srv.bind(l, {Ipv4Address::any(), 7}));
  ASSERT_TRUE(srv.listen(l, 4));
  Stack& c = lan.client.stack();
  const SocketId id = *c.socket(SocketType::Stream);
  ASSERT_TRUE(c.set_option(s.now(), id, SockOpt::KeepAlive, 1));
  ASSERT_TRUE(c.set_option(s.now(), id, SockOpt::KeepIdle, 10));
  ASSERT_TRUE(c.set_option(s.now(), id, SockOpt::KeepIntvl, 2));
  ASSERT_TRUE(c.set_option(s.now(), id, SockOpt::KeepCnt, 3));
  EXPECT_EQ(*c.get_option(id, SockOpt::KeepIdle), 10);
  EXPECT_EQ(*c.get_option(id, SockOpt::KeepIntvl), 2);
  EXPECT_EQ(*c.get_option(id, SockOpt::KeepCnt), 3);
  EXPECT_EQ(c.set_option(s.now(), id, SockOpt::KeepCnt, 0).error(), SockError::Invalid);
  (void)c.connect(s.now(), id, {sim::kLanServerAddr, 7});
  s.kick(lan.client);
  s.run_for(Duration::seconds(1));
  ASSERT_TRUE(c.readiness(id).writable);
  // Idle but alive: the server answers the probes, nothing breaks.
  s.run_for(Duration::seconds(60));
  EXPECT_FALSE(c.readiness(id).error);
  EXPECT_GE(c.tcp().connection(id)->stats().keepalive_probes, 1u);
  // The server vanishes (its link drops everything): 10 s idle + 3 probes 2 s apart.
  sim::LinkConfig dead;
  dead.loss = 1.0;
  s.link_at(lan.server, 0)->set_config(dead);
  s.run_for(Duration::seconds(30));
  EXPECT_EQ(c.take_error(id), SockError::TimedOut);
}

}  // namespace
}  // namespace ws
