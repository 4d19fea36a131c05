// UDP and the nonblocking socket calls (RFC 768, RFC 1122 §4.1), on the
// simulator: hosts on switches, a router, lossy links.
#include <gtest/gtest.h>

#include <numeric>

#include "sim/topology.hpp"
#include "udp/udp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace ws {
namespace {

using sim::Simulation;

Bytes text(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

SocketAddress addr(const char* s) { return *SocketAddress::parse(s); }

struct Lan : ::testing::Test {
  Lan() : sim(1), net(sim::build_lan(sim, sim::LinkConfig::with_delay(Duration::millis(1)))) {
    sim.run_for(Duration::millis(10));
  }
  Stack& client() { return net.client.stack(); }
  Stack& server() { return net.server.stack(); }
  void settle() {
    sim.kick(net.client);
    sim.kick(net.server);
    sim.run_for(Duration::millis(50));
  }
  SocketId udp(Stack& s) {
    auto id = s.socket(SocketType::Datagram);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  std::string recv(Stack& s, SocketId id, SocketAddress* from = nullptr) {
    std::vector<std::uint8_t> buf(70000);
    auto r = s.recv_from(id, buf);
    if (!r) return std::string("<") + std::string(errno_name(r.error())) + ">";
    if (from) *from = r->from;
    return std::string(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->len));
  }
  Simulation sim;
  sim::Lan net;
};

TEST_F(Lan, SendToAndRecvFrom) {
  const SocketId srv = udp(server());
  ASSERT_TRUE(server().bind(srv, addr("0.0.0.0:8000")));
  const SocketId cli = udp(client());
  ASSERT_EQ(client().local_address(cli)->port, 0);
  ASSERT_TRUE(client().send_to(sim.now(), cli, text("hello"), addr("192.0.2.20:8000")));
  const auto local = *client().local_address(cli);
  EXPECT_GE(local.port, UdpLayer::kEphemeralFirst) << "implicitly bound to an ephemeral port";
  EXPECT_EQ(recv(server(), srv), "<EAGAIN>") << "nothing arrived yet: nonblocking";
  settle();
  EXPECT_TRUE(server().readiness(srv).readable);
  SocketAddress from;
  EXPECT_EQ(recv(server(), srv, &from), "hello");
  EXPECT_EQ(from, (SocketAddress{sim::kClientAddr, local.port}));
  EXPECT_FALSE(server().readiness(srv).readable);
  ASSERT_TRUE(server().send_to(sim.now(), srv, text("HELLO"), from));
  settle();
  EXPECT_EQ(recv(client(), cli), "HELLO");
}

TEST_F(Lan, EphemeralPortsWalkTheRangeAndBindConflicts) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 5; ++i) {
    const SocketId s = udp(client());
    ASSERT_TRUE(client().bind(s, addr("0.0.0.0:0")));
    ports.push_back(client().local_address(s)->port);
  }
  for (std::size_t i = 1; i < ports.size(); ++i) {
    const std::uint16_t expect = ports[i - 1] == UdpLayer::kEphemeralLast ? UdpLayer::kEphemeralFirst
                                                                           : static_cast<std::uint16_t>(ports[i - 1] + 1);
    EXPECT_EQ(ports[i], expect) << "no port is reused before the range is walked";
  }
  const SocketId a = udp(client());
  const SocketId b = udp(client());
  ASSERT_TRUE(client().bind(a, addr("0.0.0.0:9000")));
  auto r = client().bind(b, addr("192.0.2.10:9000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errno_name(r.error()), "EADDRINUSE");
  EXPECT_EQ(client().bind(a, addr("0.0.0.0:9001")).error(), SockError::Invalid) << "already bound";
  EXPECT_EQ(client().bind(b, addr("203.0.113.1:9002")).error(), SockError::AddrNotAvail);
  EXPECT_EQ(client().send_to(sim.now(), 999, text("x"), addr("192.0.2.20:1")).error(), SockError::BadDescriptor);
}

TEST_F(Lan, ReuseAddrNeedsBothSockets) {
  const SocketId a = udp(server());
  const SocketId b = udp(server());
  const SocketId c = udp(server());
  ASSERT_TRUE(server().set_option(a, SockOpt::ReuseAddr, 1));
  ASSERT_TRUE(server().bind(a, addr("0.0.0.0:7000")));
  EXPECT_EQ(server().bind(b, addr("0.0.0.0:7000")).error(), SockError::AddrInUse) << "b did not set it";
  ASSERT_TRUE(server().set_option(c, SockOpt::ReuseAddr, 1));
  EXPECT_TRUE(server().bind(c, addr("0.0.0.0:7000")));
  EXPECT_EQ(*server().get_option(c, SockOpt::ReuseAddr), 1);
  // Unicast goes to one of them (the first bound among equals).
  const SocketId cli = udp(client());
  ASSERT_TRUE(client().send_to(sim.now(), cli, text("one"), addr("192.0.2.20:7000")));
  settle();
  EXPECT_EQ(recv(server(), a), "one");
  EXPECT_EQ(recv(server(), c), "<EAGAIN>");
}

TEST_F(Lan, ConnectSetsTheDefaultPeerAndFiltersOthers) {
  const SocketId srv = udp(server());
  ASSERT_TRUE(server().bind(srv, addr("0.0.0.0:8000")));
  const SocketId good = udp(client());
  const SocketId other = udp(client());
  ASSERT_TRUE(client().bind(good, addr("0.0.0.0:5001")));
  ASSERT_TRUE(client().bind(other, addr("0.0.0.0:5002")));
  ASSERT_TRUE(server().connect(sim.now(), srv, addr("192.0.2.10:5001")));
  EXPECT_EQ(*server().peer_address(srv), addr("192.0.2.10:5001"));
  ASSERT_TRUE(client().send_to(sim.now(), other, text("intruder"), addr("192.0.2.20:8000")));
  ASSERT_TRUE(client().send_to(sim.now(), good, text("friend"), addr("192.0.2.20:8000")));
  settle();
  EXPECT_EQ(recv(server(), srv), "friend");
  EXPECT_EQ(recv(server(), srv), "<EAGAIN>");
  EXPECT_EQ(server().udp().stats().filtered, 1u);
  // send() without an address goes to the connected peer; unconnected needs one.
  ASSERT_TRUE(server().send_to(sim.now(), srv, text("back")));
  EXPECT_EQ(client().send_to(sim.now(), other, text("x")).error(), SockError::DestAddrRequired);
  settle();
  EXPECT_EQ(recv(client(), good), "back");
}

TEST_F(Lan, FullReceiveQueueDropsAndCounts) {
  const SocketId srv = udp(server());
  ASSERT_TRUE(server().set_option(srv, SockOpt::RcvBuf, 1000));
  EXPECT_EQ(*server().get_option(srv, SockOpt::RcvBuf), 1000);
  ASSERT_TRUE(server().bind(srv, addr("0.0.0.0:8000")));
  const SocketId cli = udp(client());
  for (int i = 0; i < 10; ++i) {
    const std::string msg = std::to_string(i) + std::string(299, 'x');
    ASSERT_TRUE(client().send_to(sim.now(), cli, text(msg), addr("192.0.2.20:8000")));
  }
  settle();
  EXPECT_EQ(server().udp().socket_drops(srv), 7u) << "1000 bytes hold three 300-byte datagrams";
  EXPECT_EQ(server().udp().stats().rcvbuf_drops, 7u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(recv(server(), srv)[0], '0' + i) << "the ones that fit, in order";
  EXPECT_EQ(recv(server(), srv), "<EAGAIN>");
}

TEST_F(Lan, ClosedPortAnswersPortUnreachableAndConnectedSocketsSeeEconnrefused) {
  const SocketId cli = udp(client());
  ASSERT_TRUE(client().connect(sim.now(), cli, addr("192.0.2.20:9999")));
  ASSERT_TRUE(client().send_to(sim.now(), cli, text("anyone?")));
  settle();
  EXPECT_EQ(server().udp().stats().no_port, 1u);
  EXPECT_EQ(server().host().stats().icmp_errors_sent, 1u);
  EXPECT_TRUE(client().readiness(cli).error);
  EXPECT_TRUE(client().readiness(cli).readable);
  auto r = client().send_to(sim.now(), cli, text("again"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errno_name(r.error()), "ECONNREFUSED");
  EXPECT_EQ(message(r.error()), "Connection refused");
  EXPECT_FALSE(client().readiness(cli).error) << "reported once";
  // An unconnected socket is not told (it could not know which send failed).
  const SocketId loose = udp(client());
  ASSERT_TRUE(client().send_to(sim.now(), loose, text("x"), addr("192.0.2.20:9999")));
  settle();
  EXPECT_EQ(recv(client(), loose), "<EAGAIN>");
}

TEST_F(Lan, MessageSizeLimits) {
  const SocketId cli = udp(client());
  std::vector<std::uint8_t> big(UdpLayer::kMaxPayload + 1, 1);
  EXPECT_EQ(client().send_to(sim.now(), cli, big, addr("192.0.2.20:8000")).error(), SockError::MsgSize);
  big.pop_back();
  EXPECT_TRUE(client().send_to(sim.now(), cli, big, addr("192.0.2.20:8000")));
}

TEST_F(Lan, BadChecksumIsDroppedAndZeroChecksumAccepted) {
  const SocketId srv = udp(server());
  ASSERT_TRUE(server().bind(srv, addr("0.0.0.0:8000")));
  settle();
  const MacAddress srv_mac = server().host().mac(0);
  auto frame = [&](bool zero_sum, bool corrupt) {
    const std::string payload = "raw";
    const UdpDatagram u{4000, 8000, text(payload)};
    Ipv4Header ip;
    ip.protocol = ipproto::kUdp;
    ip.src = sim::kClientAddr;
    ip.dst = sim::kLanServerAddr;
    ip.payload_len = static_cast<std::uint16_t>(u.buffer_len());
    std::vector<std::uint8_t> f(14 + 20 + u.buffer_len());
    EthernetHeader{srv_mac, client().host().mac(0), ethertype::kIpv4}.emit(f);
    ip.emit(MutBytes(f).subspan(14));
    u.emit(MutBytes(f).subspan(34), ip.src, ip.dst);
    if (zero_sum) store_be16(f.data() + 34 + 6, 0);
    if (corrupt) f.back() ^= 0x01;
    return f;
  };
  server().receive(sim.now(), 0, frame(false, true));
  EXPECT_EQ(server().udp().stats().bad_checksum, 1u);
  EXPECT_EQ(recv(server(), srv), "<EAGAIN>");
  server().receive(sim.now(), 0, frame(true, true));  // no checksum: corruption undetectable, accepted
  EXPECT_EQ(recv(server(), srv), "rav") << "'w' with its low bit flipped";
}

TEST_F(Lan, ArpFailureSurfacesAsEhostunreach) {
  const SocketId cli = udp(client());
  ASSERT_TRUE(client().connect(sim.now(), cli, addr("192.0.2.99:53")));
  ASSERT_TRUE(client().send_to(sim.now(), cli, text("hello?")));
  sim.kick(net.client);
  sim.run_for(Duration::seconds(5));
  auto r = client().send_to(sim.now(), cli, text("hello?"));
  ASSERT_FALSE(r);
  EXPECT_EQ(errno_name(r.error()), "EHOSTUNREACH");
}

// client + peer on 192.0.2.0/24 (with the router), server behind the router.
struct Routed : ::testing::Test {
  explicit Routed(sim::LinkConfig link = sim::LinkConfig::with_delay(Duration::millis(1)), std::uint64_t seed = 1)
      : sim(seed), net(sim::build_routed(sim, link)) {
    sim::TopologyBuilder t(sim);
    peer = &t.add_host("peer");
    t.attach(*peer, net.left, Ipv4Cidr(Ipv4Address(192, 0, 2, 30), 24), link);
    peer->host().set_default_gateway(Ipv4Address(192, 0, 2, 1), 0);
    sim.run_for(Duration::millis(10));
  }
  Simulation sim;
  sim::RoutedLans net;
  sim::HostNode* peer = nullptr;
};

TEST_F(Routed, BroadcastReachesTheSubnetNotBeyondTheRouter) {
  auto listen = [](Stack& s) {
    const SocketId id = *s.socket(SocketType::Datagram);
    EXPECT_TRUE(s.bind(id, {Ipv4Address::any(), 6000}));
    return id;
  };
  const SocketId on_peer = listen(peer->stack());
  const SocketId on_router = listen(net.router.stack());
  const SocketId on_server = listen(net.server.stack());
  Stack& c = net.client.stack();
  const SocketId s = *c.socket(SocketType::Datagram);
  EXPECT_EQ(c.send_to(sim.now(), s, text("all"), addr("192.0.2.255:6000")).error(), SockError::Access)
      << "SO_BROADCAST is required";
  ASSERT_TRUE(c.set_option(s, SockOpt::Broadcast, 1));
  ASSERT_TRUE(c.send_to(sim.now(), s, text("all"), addr("192.0.2.255:6000")));
  ASSERT_TRUE(c.send_to(sim.now(), s, text("all2"), addr("255.255.255.255:6000")));
  sim.kick(net.client);
  sim.run_for(Duration::millis(100));
  std::vector<std::uint8_t> buf(100);
  EXPECT_TRUE(peer->stack().recv_from(on_peer, buf));
  EXPECT_TRUE(peer->stack().recv_from(on_peer, buf));
  EXPECT_TRUE(net.router.stack().recv_from(on_router, buf)) << "the router is on the subnet too";
  EXPECT_EQ(net.server.stack().recv_from(on_server, buf).error(), SockError::WouldBlock)
      << "broadcast does not cross the router";
  EXPECT_EQ(net.router.host().stats().ip_forwarded, 0u);
  EXPECT_EQ(peer->host().stats().icmp_errors_sent + net.router.host().stats().icmp_errors_sent, 0u)
      << "no port unreachable for broadcasts";
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  return v;
}

TEST_F(Routed, SixtyThousandBytesCrossA1500MtuPathWhole) {
  Stack& srv = net.server.stack();
  const SocketId rx = *srv.socket(SocketType::Datagram);
  ASSERT_TRUE(srv.bind(rx, {Ipv4Address::any(), 9000}));
  Stack& c = net.client.stack();
  const SocketId tx = *c.socket(SocketType::Datagram);
  const auto data = pattern(60000, 1);
  ASSERT_TRUE(c.send_to(sim.now(), tx, data, SocketAddress{sim::kRoutedServerAddr, 9000}));
  sim.kick(net.client);
  sim.run_for(Duration::seconds(1));
  std::vector<std::uint8_t> buf(65536);
  auto r = srv.recv_from(rx, buf);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->len, 60000u);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), buf.begin()));
  EXPECT_EQ(c.host().stats().ip_fragments_sent, 41u);
  EXPECT_EQ(srv.host().stats().ip_delivered, 1u);
}

// Sends `count` 60000-byte datagrams (each tagged with its index in byte 0)
// from client to server across the router, with `fault` on the client's
// link; returns (whole, absent) after checking every arrival byte for byte.
std::pair<int, int> large_datagrams(std::uint64_t seed, const sim::LinkConfig& fault, int count) {
  Simulation s(seed);
  HostConfig base;
  base.reassembly.memory_limit = 16 << 20;  // hold every incomplete datagram for its 30 s
  base.reassembly.max_datagrams = 256;
  auto net = sim::build_routed(s, sim::LinkConfig::with_delay(Duration::millis(1)), base);
  s.link_at(net.client, 0)->set_config(fault);
  s.run_for(Duration::seconds(1));
  Stack& srv = net.server.stack();
  const SocketId rx = *srv.socket(SocketType::Datagram);
  EXPECT_TRUE(srv.bind(rx, {Ipv4Address::any(), 9000}));
  EXPECT_TRUE(srv.set_option(rx, SockOpt::RcvBuf, 4 << 20));
  Stack& c = net.client.stack();
  const SocketId tx = *c.socket(SocketType::Datagram);
  for (int i = 0; i < count; ++i) {
    s.schedule(s.now() + Duration::millis(20) * i, [&, i] {
      auto d = pattern(60000, static_cast<std::uint8_t>(i));
      d[0] = static_cast<std::uint8_t>(i);
      EXPECT_TRUE(c.send_to(s.now(), tx, d, SocketAddress{sim::kRoutedServerAddr, 9000}));
      s.kick(net.client);
    });
  }
  s.run_for(Duration::seconds(40));  // past the 30 s reassembly timeout
  std::vector<std::uint8_t> buf(65536);
  int got = 0;
  while (auto r = srv.recv_from(rx, buf)) {
    EXPECT_EQ(r->len, 60000u);
    auto expect = pattern(60000, buf[0]);
    expect[0] = buf[0];
    EXPECT_TRUE(std::equal(expect.begin(), expect.end(), buf.begin())) << "seed " << seed << " #" << int(buf[0]);
    ++got;
  }
  EXPECT_EQ(srv.host().poll_at(), Instant::never()) << "incomplete datagrams timed out and were freed";
  return {got, count - got};
}

TEST(UdpLoss, WithTenPercentLossADatagramIsWholeOrAbsent) {
  sim::LinkConfig lossy = sim::LinkConfig::with_delay(Duration::millis(1));
  lossy.loss = 0.1;
  // 41 fragments each: a datagram survives with probability 0.9^41 ≈ 1.3 %.
  int whole = 0, absent = 0;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto [w, a] = large_datagrams(seed, lossy, 100);
    whole += w;
    absent += a;
  }
  EXPECT_GT(whole, 0) << "some datagrams get every fragment through";
  EXPECT_GT(absent, whole);
  RecordProperty("whole", whole);
  RecordProperty("absent", absent);
}

TEST(UdpLoss, CorruptedFragmentsNeverYieldACorruptDatagram) {
  sim::LinkConfig corrupting = sim::LinkConfig::with_delay(Duration::millis(1));
  corrupting.corrupt = 0.01;  // bit flips in ~1 % of frames: ~34 % of datagrams hit
  auto [whole, absent] = large_datagrams(4, corrupting, 60);
  EXPECT_GT(whole, 0);
  EXPECT_GT(absent, 0) << "corrupted datagrams are dropped by a checksum, not delivered";
}

}  // namespace
}  // namespace ws
