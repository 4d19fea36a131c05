// Path MTU discovery across simulated routers (RFC 1191): both hosts sit
// on LANs with an MTU of 1500 (so both announce MSS 1460), joined by a
// link of 1280 between two routers. The client's first full-size segments
// (DF set) reach the first router, which drops them with "fragmentation
// needed, next-hop MTU 1280"; the client lowers its segment size and
// resends. The transfer completes byte for byte, no router fragments, and
// no TCP segment crossing the 1280 link — nor any the client sends after
// the first ICMP — is larger than the path allows (1240 bytes of data;
// 1228 with timestamps). The same at larger MTUs: LANs of 9000 with a
// 1500 link, and LANs of 65535 (the largest datagram) with a 9000 link.
//
//   client ── sw1 ── r1 ══ sw2 (MTU 1280) ══ r2 ── sw3 ── server
//   192.0.2.10  192.0.2.1 | 203.0.113.1   203.0.113.2 | 198.51.100.1  198.51.100.20
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmp.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws {
namespace {

using sim::HostNode;
using sim::Simulation;

struct NarrowPath {
  NarrowPath(Simulation& s, std::size_t wide_mtu, std::size_t narrow_mtu) : sim(s) {
    sim::TopologyBuilder t(sim);
    sim::Switch& left = t.add_switch("sw1", 4);
    sim::Switch& middle = t.add_switch("sw2", 4);
    sim::Switch& right = t.add_switch("sw3", 4);
    client = &t.add_host("client", config(1, false));
    r1 = &t.add_host("r1", config(2, true));
    r2 = &t.add_host("r2", config(3, true));
    server = &t.add_host("server", config(4, false));
    sim::LinkConfig wide = sim::LinkConfig::with_delay(Duration::millis(5));
    wide.mtu = wide_mtu;
    sim::LinkConfig narrow = wide;
    narrow.mtu = narrow_mtu;
    const Ipv4Address r1_left(192, 0, 2, 1), r1_middle(203, 0, 113, 1), r2_middle(203, 0, 113, 2),
        r2_right(198, 51, 100, 1);
    t.attach(*client, left, Ipv4Cidr(sim::kClientAddr, 24), wide);
    t.attach(*r1, left, Ipv4Cidr(r1_left, 24), wide);
    t.attach(*r1, middle, Ipv4Cidr(r1_middle, 24), narrow);
    t.attach(*r2, middle, Ipv4Cidr(r2_middle, 24), narrow);
    t.attach(*r2, right, Ipv4Cidr(r2_right, 24), wide);
    t.attach(*server, right, Ipv4Cidr(sim::kRoutedServerAddr, 24), wide);
    client->host().set_default_gateway(r1_left, 0);
    r1->host().add_route(Ipv4Cidr(Ipv4Address(198, 51, 100, 0), 24), r2_middle, 1);
    r2->host().add_route(Ipv4Cidr(Ipv4Address(192, 0, 2, 0), 24), r1_middle, 0);
    server->host().set_default_gateway(r2_right, 0);
  }
  static HostConfig config(std::uint64_t seed, bool forwarding) {
    HostConfig c;
    c.seed = seed;
    c.forwarding = forwarding;
    return c;
  }
  Simulation& sim;
  HostNode* client = nullptr;
  HostNode* r1 = nullptr;
  HostNode* r2 = nullptr;
  HostNode* server = nullptr;
};

// One IPv4 frame of a capture, decoded.
struct Frame {
  Instant at;
  Ipv4Header ip;
  bool icmp_frag_needed = false;
  std::optional<std::size_t> tcp_len;  // TCP data bytes
  std::string text;
};

std::vector<Frame> frames_of(const PcapWriter& cap) {
  std::vector<Frame> out;
  auto recs = parse_pcap(cap.memory());
  if (!recs) return out;
  for (const auto& r : *recs) {
    const Bytes f(r.frame);
    auto eth = EthernetHeader::parse(f);
    if (!eth || eth->ethertype != ethertype::kIpv4) continue;
    const Bytes packet = f.subspan(EthernetHeader::header_len());
    auto ip = Ipv4Header::parse(packet);
    if (!ip) continue;
    Frame fr{r.at, *ip, false, std::nullopt, describe_frame(f)};
    const Bytes payload = packet.subspan(ip->header_len(), ip->payload_len);
    if (ip->protocol == ipproto::kIcmp) {
      auto m = IcmpMessage::parse(payload);
      fr.icmp_frag_needed = m && m->type == IcmpType::DestUnreachable && m->code == icmp_unreach::kFragNeeded;
    } else if (ip->protocol == ipproto::kTcp && ip->frag_offset == 0 && !ip->more_frags) {
      if (auto seg = TcpSegment::parse(payload, ip->src, ip->dst)) fr.tcp_len = seg->payload.size();
    }
    out.push_back(std::move(fr));
  }
  return out;
}

// `bytes` from the client to the server with nonblocking calls, checked
// every millisecond of virtual time; returns what the server received.
std::vector<std::uint8_t> transfer(Simulation& sim, HostNode& client, HostNode& server,
                                   const std::vector<std::uint8_t>& data, SocketId& cli) {
  Stack& c = client.stack();
  Stack& s = server.stack();
  const SocketId l = *s.socket(SocketType::Stream);
  EXPECT_TRUE(s.bind(l, {Ipv4Address::any(), 9000}));
  EXPECT_TRUE(s.listen(l, 4));
  cli = *c.socket(SocketType::Stream);
  EXPECT_EQ(c.connect(sim.now(), cli, {sim::kRoutedServerAddr, 9000}).error(), SockError::InProgress);
  sim.kick(client);
  std::vector<std::uint8_t> received;
  std::size_t sent = 0;
  SocketId srv = 0;
  bool closed = false, eof = false;
  std::vector<std::uint8_t> buf(65536);
  for (int ms = 0; ms < 120000 && !eof; ++ms) {
    if (srv == 0) {
      if (auto a = s.accept(l)) srv = a->socket;
    }
    if (!closed && c.readiness(cli).writable) {
      while (sent < data.size()) {
        auto n = c.send_to(sim.now(), cli, Bytes(data).subspan(sent));
        if (!n) break;
        sent += *n;
      }
      if (sent == data.size()) {
        (void)c.shutdown(sim.now(), cli, ShutdownHow::Write);
        closed = true;
      }
    }
    while (srv != 0) {
      auto r = s.recv_from(sim.now(), srv, buf);
      if (!r) break;
      if (r->len == 0) {
        eof = true;
        break;
      }
      received.insert(received.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->len));
    }
    sim.kick(client);
    sim.kick(server);
    sim.run_for(Duration::millis(1));
  }
  return received;
}

void run(bool options, std::size_t max_data, std::size_t wide_mtu = 1500, std::size_t narrow_mtu = 1280) {
  Simulation sim(7);
  NarrowPath net(sim, wide_mtu, narrow_mtu);
  for (HostNode* h : {net.client, net.server}) {
    h->stack().tcp().defaults().sack = options;
    h->stack().tcp().defaults().timestamps = options;
  }
  PcapWriter client_cap = PcapWriter::in_memory();
  PcapWriter narrow_cap = PcapWriter::in_memory();
  sim.add_capture(*net.client, 0, client_cap);
  sim.add_capture(*net.r1, 1, narrow_cap);  // r1's port on the 1280 link
  std::vector<std::uint8_t> data(1 << 20);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>((i * 131) >> 3);
  SocketId cli = 0;
  const auto received = transfer(sim, *net.client, *net.server, data, cli);
  const auto client_frames = frames_of(client_cap);
  const auto narrow_frames = frames_of(narrow_cap);
  const bool ok = received == data;
  if (!ok) {
    for (const auto& f : client_frames) std::printf("%s %s\n", f.at.to_string().c_str(), f.text.c_str());
  }
  EXPECT_EQ(received.size(), data.size());
  EXPECT_TRUE(ok) << "the bytes arrived intact";

  const HostStats& r1 = net.r1->host().stats();
  EXPECT_GE(r1.ip_frag_needed, 1u) << "r1 refused a DF datagram";
  EXPECT_EQ(r1.ip_fragmented, 0u) << "and never fragmented one";
  EXPECT_EQ(net.r2->host().stats().ip_fragmented, 0u);
  const tcp::Connection* conn = net.client->stack().tcp().connection(cli);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(conn->path_mtu(), narrow_mtu);
  EXPECT_EQ(conn->effective_mss(), max_data);
  EXPECT_EQ(conn->stats().path_mtu_reductions, 1u);
  EXPECT_EQ(net.client->stack().tcp().stats().frag_needed_accepted, 1u);

  // The narrow link: no fragments; every TCP segment within its MTU.
  std::size_t tcp_frames = 0;
  for (const auto& f : narrow_frames) {
    EXPECT_FALSE(f.ip.more_frags || f.ip.frag_offset != 0) << f.text;
    EXPECT_LE(f.ip.total_len(), narrow_mtu) << f.text;
    if (f.tcp_len) ++tcp_frames;
  }
  EXPECT_GE(tcp_frames, data.size() / max_data) << "1 MiB crossed it";
  // The client's wire: DF on every TCP segment; after the first ICMP,
  // nothing larger than the path allows.
  bool after_icmp = false;
  std::size_t big_before = 0;
  for (const auto& f : client_frames) {
    if (f.icmp_frag_needed) after_icmp = true;
    if (!f.tcp_len || f.ip.src != sim::kClientAddr) continue;
    EXPECT_TRUE(f.ip.dont_frag) << f.text;
    if (after_icmp) {
      EXPECT_LE(*f.tcp_len, max_data) << f.text;
    } else if (*f.tcp_len > max_data) {
      ++big_before;
    }
  }
  EXPECT_TRUE(after_icmp);
  EXPECT_GE(big_before, 1u) << "the first segments were full-size (MSS from the wide LAN)";
  EXPECT_EQ(net.client->host().stats().no_buffers, 0u);
  EXPECT_EQ(net.r1->host().stats().no_buffers, 0u);
}

TEST(PmtudSim, AcrossA1280LinkSegmentsShrinkTo1240) { run(false, 1240); }

TEST(PmtudSim, WithSackAndTimestampsTo1228) { run(true, 1228); }

TEST(PmtudSim, JumboLansAcrossA1500Link) { run(true, 1448, 9000, 1500); }

TEST(PmtudSim, LargestMtuLansAcrossA9000Link) { run(false, 8960, 65535, 9000); }

}  // namespace
}  // namespace ws
