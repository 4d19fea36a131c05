// The loopback interface (docs/architecture.md "Loopback"): 127.0.0.0/8 and
// the host's own addresses reach the host itself with an MTU of 65535, as
// Linux's lo. Nothing of it appears on a wire; a 127/8 address arriving
// from a wire is a martian and is dropped (RFC 1122 §3.2.1.3 (g)); the
// queue between sending and poll() is bounded.
#include <gtest/gtest.h>

#include "link/pcap.hpp"
#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace ws {
namespace {

using sim::HostNode;
using sim::Simulation;

constexpr Ipv4Address kLo{127, 0, 0, 1};

std::size_t ipv4_frames(const PcapWriter& cap) {
  std::size_t n = 0;
  auto recs = parse_pcap(cap.memory());
  EXPECT_TRUE(recs.ok());
  if (!recs) return 0;
  for (const auto& r : *recs) {
    auto eth = EthernetHeader::parse(r.frame);
    if (eth && eth->ethertype == ethertype::kIpv4) ++n;
  }
  return n;
}

// `data` from a client socket to a server socket on the same host, to
// `to`; returns what the server read and the client's connection's MSS.
struct Looped {
  std::vector<std::uint8_t> received;
  std::uint16_t mss = 0;
};
Looped transfer_on_one_host(Simulation& sim, HostNode& node, Ipv4Address to,
                            const std::vector<std::uint8_t>& data) {
  Stack& st = node.stack();
  Looped out;
  const SocketId l = *st.socket(SocketType::Stream);
  EXPECT_TRUE(st.bind(l, {Ipv4Address::any(), 7000}));
  EXPECT_TRUE(st.listen(l, 4));
  const SocketId cli = *st.socket(SocketType::Stream);
  EXPECT_EQ(st.connect(sim.now(), cli, {to, 7000}).error(), SockError::InProgress);
  sim.kick(node);
  std::size_t sent = 0;
  SocketId srv = 0;
  bool closed = false, eof = false;
  std::vector<std::uint8_t> buf(65536);
  for (int ms = 0; ms < 10000 && !eof; ++ms) {
    if (srv == 0) {
      if (auto a = st.accept(l)) srv = a->socket;
    }
    if (!closed && st.readiness(cli).writable) {
      if (out.mss == 0) {
        if (const tcp::Connection* c = st.tcp().connection(cli)) out.mss = c->effective_mss();
      }
      while (sent < data.size()) {
        auto n = st.send_to(sim.now(), cli, Bytes(data).subspan(sent));
        if (!n) break;
        sent += *n;
      }
      if (sent == data.size()) {
        (void)st.shutdown(sim.now(), cli, ShutdownHow::Write);
        closed = true;
      }
    }
    while (srv != 0) {
      auto r = st.recv_from(sim.now(), srv, buf);
      if (!r) break;
      if (r->len == 0) {
        eof = true;
        break;
      }
      out.received.insert(out.received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->len));
    }
    sim.kick(node);
    sim.run_for(Duration::millis(1));
  }
  return out;
}

std::vector<std::uint8_t> pattern(std::size_t n) {
  std::vector<std::uint8_t> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>((i * 131) >> 3);
  return d;
}

TEST(Loopback, TcpTo127001UsesTheLoopbackMtuAndNoWire) {
  Simulation sim(3);
  auto lan = sim::build_lan(sim, sim::LinkConfig::with_delay(Duration::millis(1)));
  PcapWriter cap = PcapWriter::in_memory();
  sim.add_capture(lan.client, 0, cap);
  sim.run_for(Duration::millis(10));  // the gratuitous ARPs
  const auto data = pattern(4 << 20);
  const Looped r = transfer_on_one_host(sim, lan.client, kLo, data);
  EXPECT_EQ(r.received.size(), data.size());
  EXPECT_TRUE(r.received == data) << "the bytes arrived intact";
  EXPECT_EQ(r.mss, 65535 - 40 - 12) << "RFC 9293 §3.7.1: the loopback MTU less 40, less 12 of timestamps";
  const HostStats& hs = lan.client.host().stats();
  EXPECT_GT(hs.loopback_sent, (4u << 20) / 65495);
  EXPECT_EQ(hs.loopback_drops, 0u);
  EXPECT_EQ(hs.ip_fragmented, 0u);
  EXPECT_EQ(hs.no_buffers, 0u);
  EXPECT_EQ(ipv4_frames(cap), 0u) << "loopback traffic never reaches the interface";
  EXPECT_EQ(lan.client.stack().tcp().connection_totals().retransmitted_segments, 0u);
}

TEST(Loopback, TcpToTheHostsOwnAddressLoopsBackToo) {
  Simulation sim(4);
  auto lan = sim::build_lan(sim, sim::LinkConfig::with_delay(Duration::millis(1)));
  PcapWriter cap = PcapWriter::in_memory();
  sim.add_capture(lan.client, 0, cap);
  sim.run_for(Duration::millis(10));
  const auto data = pattern(300000);
  const Looped r = transfer_on_one_host(sim, lan.client, sim::kClientAddr, data);
  EXPECT_TRUE(r.received == data);
  EXPECT_EQ(r.mss, 65483);
  EXPECT_EQ(ipv4_frames(cap), 0u);
}

TEST(Loopback, SourceAddressAndMtu) {
  Simulation sim(5);
  auto lan = sim::build_lan(sim);
  Host& h = lan.client.host();
  EXPECT_EQ(h.source_address_for(Ipv4Address(127, 0, 0, 5)), kLo) << "as Linux: src 127.0.0.1";
  EXPECT_EQ(h.source_address_for(sim::kClientAddr), sim::kClientAddr) << "our own address: itself";
  EXPECT_EQ(h.source_address_for(sim::kLanServerAddr), sim::kClientAddr);
  EXPECT_EQ(h.mtu_towards(Ipv4Address(127, 1, 2, 3)), Host::kLoopbackMtu);
  EXPECT_EQ(h.mtu_towards(sim::kClientAddr), Host::kLoopbackMtu);
  EXPECT_EQ(h.mtu_towards(sim::kLanServerAddr), 1500);
  EXPECT_EQ(h.mtu_towards(Ipv4Address(203, 0, 113, 9)), std::nullopt) << "no route";
  EXPECT_TRUE(h.is_local_address(Ipv4Address(127, 255, 255, 254)));
}

TEST(Loopback, AUdpDatagramOf65507BytesIsNotFragmented) {
  Simulation sim(6);
  auto lan = sim::build_lan(sim);
  Stack& st = lan.client.stack();
  const SocketId rx = *st.socket(SocketType::Datagram);
  ASSERT_TRUE(st.bind(rx, {kLo, 5353}));
  const SocketId tx = *st.socket(SocketType::Datagram);
  ASSERT_TRUE(st.set_option(tx, SockOpt::SndBuf, 1 << 20));
  ASSERT_TRUE(st.set_option(rx, SockOpt::RcvBuf, 1 << 20));
  const auto data = pattern(65507);
  auto n = st.send_to(sim.now(), tx, data, SocketAddress{kLo, 5353});
  ASSERT_TRUE(n) << errno_name(n.error());
  EXPECT_EQ(*n, data.size());
  EXPECT_EQ(st.send_to(sim.now(), tx, pattern(65508), SocketAddress{kLo, 5353}).error(), SockError::MsgSize);
  sim.kick(lan.client);
  sim.run_for(Duration::millis(1));
  std::vector<std::uint8_t> buf(70000);
  auto r = st.recv_from(sim.now(), rx, buf);
  ASSERT_TRUE(r) << errno_name(r.error());
  ASSERT_EQ(r->len, data.size());
  EXPECT_TRUE(std::equal(data.begin(), data.end(), buf.begin()));
  EXPECT_EQ(r->from.ip, kLo);
  EXPECT_EQ(lan.client.host().stats().ip_fragmented, 0u);
}

TEST(Loopback, TheQueueIsBoundedAndDropsAreCounted) {
  Simulation sim(7);
  HostConfig base;
  base.loopback_limit = 4;
  auto lan = sim::build_lan(sim, {}, base);
  Stack& st = lan.client.stack();
  const SocketId rx = *st.socket(SocketType::Datagram);
  ASSERT_TRUE(st.bind(rx, {kLo, 5353}));
  const SocketId tx = *st.socket(SocketType::Datagram);
  const std::uint8_t byte = 1;
  int ok = 0, nobufs = 0;
  for (int i = 0; i < 10; ++i) {
    auto n = st.send_to(sim.now(), tx, Bytes(&byte, 1), SocketAddress{kLo, 5353});
    if (n) ++ok;
    if (!n && n.error() == SockError::NoBufs) ++nobufs;
  }
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(nobufs, 6);
  EXPECT_EQ(lan.client.host().stats().loopback_drops, 6u);
  sim.kick(lan.client);
  sim.run_for(Duration::millis(1));
  std::uint8_t got = 0;
  int received = 0;
  while (st.recv_from(sim.now(), rx, MutBytes(&got, 1))) ++received;
  EXPECT_EQ(received, 4);
  EXPECT_EQ(lan.client.host().buffer_pool().outstanding(), 0u) << "every looped buffer went back";
}

// A frame from the wire with a 127/8 source or destination.
std::vector<std::uint8_t> martian(MacAddress dst_mac, Ipv4Address src, Ipv4Address dst) {
  const std::uint8_t payload[4] = {1, 2, 3, 4};
  const UdpDatagram u{1000, 2000, Bytes(payload, 4)};
  Ipv4Header h;
  h.ttl = 64;
  h.protocol = ipproto::kUdp;
  h.src = src;
  h.dst = dst;
  h.payload_len = static_cast<std::uint16_t>(u.buffer_len());
  std::vector<std::uint8_t> f(EthernetView::kHeaderLen + h.total_len());
  EthernetHeader{dst_mac, *MacAddress::parse("02:00:00:00:99:01"), ethertype::kIpv4}.emit(
      MutBytes(f.data(), EthernetView::kHeaderLen));
  h.emit(MutBytes(f.data() + EthernetView::kHeaderLen, h.header_len()));
  u.emit(MutBytes(f.data() + EthernetView::kHeaderLen + h.header_len(), u.buffer_len()), src, dst);
  return f;
}

TEST(Loopback, A127AddressFromAWireIsAMartian) {
  Simulation sim(8);
  auto lan = sim::build_lan(sim);
  Stack& st = lan.client.stack();
  const SocketId rx = *st.socket(SocketType::Datagram);
  ASSERT_TRUE(st.bind(rx, {Ipv4Address::any(), 2000}));
  const MacAddress mac = lan.client.host().mac(0);
  st.receive(sim.now(), 0, martian(mac, Ipv4Address(198, 51, 100, 7), kLo));
  st.receive(sim.now(), 0, martian(mac, kLo, sim::kClientAddr));
  EXPECT_EQ(lan.client.host().stats().ip_martian, 2u);
  EXPECT_EQ(lan.client.host().stats().ip_delivered, 0u);
  std::uint8_t buf[8];
  EXPECT_EQ(st.recv_from(sim.now(), rx, buf).error(), SockError::WouldBlock);
  // The same datagram from a real address is delivered: the test can fail.
  st.receive(sim.now(), 0, martian(mac, Ipv4Address(198, 51, 100, 7), sim::kClientAddr));
  EXPECT_TRUE(st.recv_from(sim.now(), rx, buf));
}

}  // namespace
}  // namespace ws
