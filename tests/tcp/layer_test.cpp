// TcpLayer behaviour between whole stacks on the simulated LAN (client
// 192.0.2.10, server 192.0.2.20): segments for closed ports (RFC 9293
// §3.10.7.1), a listener's answers (§3.10.7.2), the backlog, and seed
// 004's old duplicate SYN — the reason for the third segment of the
// handshake (§3.5, figure 9). Crafted segments are injected into the
// server's stack as Ethernet frames from the client; what the server's
// port carried both ways is captured and checked segment by segment.
#include <gtest/gtest.h>

#include "sim/topology.hpp"
#include "tcp/tcp_layer.hpp"
#include "wire/describe.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace ws {
namespace {

using tcp::State;
constexpr auto kS = TcpFlags::kSyn;
constexpr auto kA = TcpFlags::kAck;
constexpr auto kF = TcpFlags::kFin;
constexpr auto kR = TcpFlags::kRst;

// A TCP segment seen on the server's port.
struct Seen {
  Instant at;
  bool from_server = false;
  TcpSegment seg;  // payload emptied; its length is `len`
  std::size_t len = 0;
  std::string text() const {
    std::string s = fmt::format("{} {} {}:{} [{}] seq {}", at.to_string(), from_server ? "server →" : "→ server",
                                from_server ? "to" : "from", from_server ? seg.dst_port : seg.src_port,
                                seg.flags.to_string(), seg.seq.raw());
    if (seg.ack) s += fmt::format(" ack {}", seg.ack->raw());
    return s + fmt::format(" win {} len {}", seg.window, len);
  }
};

class LayerTest : public ::testing::Test {
 protected:
  LayerTest() : lan(sim::build_lan(sim, sim::LinkConfig::with_delay(Duration::millis(1)))) {
    // The figures below are RFC 9293's, with unscaled windows.
    server().tcp().defaults().window_scale = false;
    client().tcp().defaults().window_scale = false;
    sim.add_capture(lan.server, 0, cap);
    server().tcp().set_state_hook([this](const tcp::FourTuple& t, State a, State b) {
      server_arcs.push_back(fmt::format("{}:{} {}>{}", t.remote.port, t.local.port, to_string(a), to_string(b)));
    });
  }
  Stack& server() { return lan.server.stack(); }
  Stack& client() { return lan.client.stack(); }

  SocketId listen_on(std::uint16_t port, int backlog) {
    const SocketId l = *server().socket(SocketType::Stream);
    EXPECT_TRUE(server().bind(l, {Ipv4Address::any(), port}));
    EXPECT_TRUE(server().listen(l, backlog));
    return l;
  }
  SocketId connect_from(std::optional<std::uint16_t> port, std::uint16_t to) {
    const SocketId c = *client().socket(SocketType::Stream);
    if (port) {
      EXPECT_TRUE(client().bind(c, {Ipv4Address::any(), *port}));
    }
    EXPECT_EQ(client().connect(sim.now(), c, {sim::kLanServerAddr, to}).error(), SockError::InProgress);
    sim.kick(lan.client);
    return c;
  }
  bool connected(SocketId c) {
    const tcp::Connection* conn = client().tcp().connection(c);
    return conn != nullptr && conn->state() == State::Established;
  }

  // A segment from the client's address (as if sent by its stack), straight
  // into the server's interface.
  void inject(TcpSegment seg, Bytes payload = {}) {
    seg.payload = payload;
    Ipv4Header ip;
    ip.protocol = ipproto::kTcp;
    ip.src = sim::kClientAddr;
    ip.dst = sim::kLanServerAddr;
    ip.ident = ++ident;
    ip.payload_len = static_cast<std::uint16_t>(seg.buffer_len());
    const EthernetHeader eth{lan.server.host().mac(0), lan.client.host().mac(0), ethertype::kIpv4};
    std::vector<std::uint8_t> frame(EthernetHeader::header_len() + ip.total_len());
    const MutBytes f(frame);
    eth.emit(f);
    ip.emit(f.subspan(EthernetHeader::header_len(), ip.header_len()));
    seg.emit(f.subspan(EthernetHeader::header_len() + ip.header_len()), ip.src, ip.dst);
    injected.push_back(fmt::format("{} injected: {}", sim.now().to_string(), describe_frame(frame)));
    server().receive(sim.now(), 0, frame);
    sim.kick(lan.server);
  }
  static TcpSegment segment(std::uint16_t src_port, std::uint16_t dst_port, std::uint32_t seq, std::uint8_t flags,
                            std::optional<std::uint32_t> ack = std::nullopt) {
    TcpSegment s;
    s.src_port = src_port;
    s.dst_port = dst_port;
    s.seq = SeqNum(seq);
    s.flags.bits = flags;
    if (ack) {
      s.ack = SeqNum(*ack);
      s.flags.bits |= kA;
    }
    s.window = 65535;
    return s;
  }

  // Every TCP segment the server's port carried, in order.
  std::vector<Seen> seen() const {
    std::vector<Seen> out;
    auto recs = parse_pcap(cap.memory());
    if (!recs) return out;
    for (const auto& r : *recs) {
      const Bytes frame(r.frame);
      auto eth = EthernetHeader::parse(frame);
      if (!eth || eth->ethertype != ethertype::kIpv4) continue;
      const Bytes packet = frame.subspan(EthernetHeader::header_len());
      auto ip = Ipv4Header::parse(packet);
      if (!ip || ip->protocol != ipproto::kTcp) continue;
      auto seg = TcpSegment::parse(packet.subspan(ip->header_len(), ip->payload_len), ip->src, ip->dst);
      if (!seg) continue;
      Seen s{r.at, ip->src == sim::kLanServerAddr, *seg, seg->payload.size()};
      s.seg.payload = {};
      out.push_back(s);
    }
    return out;
  }
  // Only the segments exchanged with one client port.
  std::vector<Seen> seen_with(std::uint16_t client_port) const {
    std::vector<Seen> out;
    for (const Seen& s : seen()) {
      if ((s.from_server ? s.seg.dst_port : s.seg.src_port) == client_port) out.push_back(s);
    }
    return out;
  }
  std::string trace() const {
    std::string t = "\n";
    for (const auto& l : injected) t += "  " + l + "\n";
    for (const Seen& s : seen()) t += "  " + s.text() + "\n";
    for (const auto& a : server_arcs) t += "  server " + a + "\n";
    return t;
  }

  sim::Simulation sim{4};
  sim::Lan lan;
  PcapWriter cap = PcapWriter::in_memory();
  std::vector<std::string> server_arcs;
  std::vector<std::string> injected;
  std::uint16_t ident = 0;
};

::testing::AssertionResult is(const Seen& s, bool from_server, std::uint8_t flags, std::uint32_t seq,
                              std::optional<std::uint32_t> ack, std::uint16_t window) {
  const bool ok = s.from_server == from_server && s.seg.flags.bits == flags && s.seg.seq == SeqNum(seq) &&
                  s.seg.ack == (ack ? std::optional(SeqNum(*ack)) : std::nullopt) && s.seg.window == window;
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << s.text();
}

// --- CLOSED: a segment for no connection (§3.10.7.1) -----------------------------

TEST_F(LayerTest, ClosedPortAnswersEverySegmentButAnRstWithAnRst) {
  constexpr std::uint16_t kClosed = 9;
  // Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (a SYN counts 1).
  inject(segment(40000, kClosed, 5000, kS));
  // With ACK: <SEQ=SEG.ACK><CTL=RST>.
  const std::vector<std::uint8_t> x{'x'};
  inject(segment(40001, kClosed, 5000, 0, 777), x);
  // Text and FIN without ACK: SEG.LEN = 3 + 1.
  const std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  inject(segment(40002, kClosed, 6000, kF), abc);
  // Never an RST for an RST.
  inject(segment(40003, kClosed, 7000, kR));
  inject(segment(40004, kClosed, 7000, kR, 1234));
  sim.run_for(Duration::millis(50));

  const auto out = seen();
  ASSERT_EQ(out.size(), 3u) << trace();
  EXPECT_TRUE(is(out[0], true, kR | kA, 0, 5001, 0)) << trace();
  EXPECT_EQ(out[0].seg.dst_port, 40000);
  EXPECT_EQ(out[0].seg.src_port, kClosed);
  EXPECT_TRUE(is(out[1], true, kR, 777, std::nullopt, 0)) << trace();
  EXPECT_EQ(out[1].seg.dst_port, 40001);
  EXPECT_TRUE(is(out[2], true, kR | kA, 0, 6004, 0)) << trace();
  EXPECT_EQ(out[2].seg.dst_port, 40002);
  EXPECT_EQ(server().tcp().stats().resets_sent, 3u);
  EXPECT_EQ(server().tcp().connection_count(), 0u);
  EXPECT_EQ(client().tcp().stats().resets_sent, 0u) << "the client's stack does not answer the RSTs either";
}

// --- LISTEN (§3.10.7.2) -----------------------------------------------------------

TEST_F(LayerTest, ListenAnswersAnAckWithRstAndIgnoresRstAndFin) {
  const SocketId l = listen_on(8000, 8);
  inject(segment(40000, 8000, 5000, 0, 777));  // "any acknowledgment is bad": <SEQ=SEG.ACK><CTL=RST>
  inject(segment(40001, 8000, 5000, kS, 778));  // a SYN,ACK carries an ACK too
  inject(segment(40002, 8000, 5000, kR));       // "an incoming RST should be ignored"
  inject(segment(40003, 8000, 5000, kF));       // neither SYN nor ACK: dropped
  sim.run_for(Duration::millis(50));
  const auto out = seen();
  ASSERT_EQ(out.size(), 2u) << trace();
  EXPECT_TRUE(is(out[0], true, kR, 777, std::nullopt, 0)) << trace();
  EXPECT_EQ(out[0].seg.dst_port, 40000);
  EXPECT_TRUE(is(out[1], true, kR, 778, std::nullopt, 0)) << trace();
  EXPECT_EQ(out[1].seg.dst_port, 40001);
  EXPECT_EQ(server().tcp().connection_count(), 0u);
  EXPECT_EQ(server().tcp().stats().passive_opens, 0u);
  EXPECT_TRUE(server_arcs.empty()) << trace();
  EXPECT_EQ(server().accept(l).error(), SockError::WouldBlock);
}

TEST_F(LayerTest, ListenBacklogFullDropsTheSynUntilAcceptMakesRoom) {
  const SocketId l = listen_on(8000, 1);
  const SocketId a = connect_from(std::nullopt, 8000);
  sim.run_for(Duration::millis(100));
  ASSERT_TRUE(connected(a)) << trace();
  EXPECT_EQ(server().tcp().connection_count(), 1u) << "a waits in the accept queue, which is full";

  const SocketId b = connect_from(std::nullopt, 8000);
  const std::uint16_t b_port = client().local_address(b)->port;
  const Instant b_start = sim.now();
  sim.run_for(Duration::millis(900));
  EXPECT_FALSE(connected(b)) << trace();
  EXPECT_EQ(server().tcp().stats().listen_drops, 1u) << "b's SYN was dropped, and counted";
  EXPECT_EQ(server().tcp().connection_count(), 1u);
  auto b_seen = seen_with(b_port);
  ASSERT_EQ(b_seen.size(), 1u) << "no answer, not even an RST" << trace();
  EXPECT_TRUE(is(b_seen[0], false, kS, b_seen[0].seg.seq.raw(), std::nullopt, 65535));

  auto acc = server().accept(l);
  ASSERT_TRUE(acc) << trace();
  EXPECT_EQ(acc->peer.port, client().local_address(a)->port);
  // b's SYN retransmission (RTO 1 s) now finds room.
  sim.run_for(Duration::millis(200));
  EXPECT_TRUE(connected(b)) << trace();
  b_seen = seen_with(b_port);
  ASSERT_EQ(b_seen.size(), 4u) << trace();
  const std::uint32_t b_isn = b_seen[0].seg.seq.raw();
  EXPECT_TRUE(is(b_seen[1], false, kS, b_isn, std::nullopt, 65535)) << trace();
  EXPECT_EQ(b_seen[1].at - b_seen[0].at, Duration::seconds(1)) << "RFC 6298 §2.1: the first RTO";
  EXPECT_GE(b_seen[0].at, b_start);
  EXPECT_TRUE(b_seen[2].from_server);
  EXPECT_EQ(b_seen[2].seg.flags.bits, kS | kA);
  EXPECT_EQ(b_seen[2].seg.ack, SeqNum(b_isn + 1));
  EXPECT_TRUE(is(b_seen[3], false, kA, b_isn + 1, b_seen[2].seg.seq.raw() + 1, 65535)) << trace();
  auto acc_b = server().accept(l);
  ASSERT_TRUE(acc_b) << trace();
  EXPECT_EQ(acc_b->peer.port, b_port);
  EXPECT_EQ(server().tcp().stats().listen_drops, 1u);
  EXPECT_EQ(server().tcp().stats().passive_opens, 2u);
}

// --- seed 004: the old duplicate SYN -------------------------------------------------

// "为什么TCP客户端最后还要发送一次确认": a SYN from an earlier incarnation,
// delayed in the network, reaches the server long after. The server cannot
// tell it from a new one and answers SYN,ACK; the client has no such
// connection and answers RST; the server drops the half-open connection.
// Had the server treated the SYN alone as enough, it would now hold a
// connection nobody wants — that is what the third segment prevents.
TEST_F(LayerTest, OldDuplicateSynIsResetByTheClientAndNoConnectionIsEstablished) {
  const SocketId l = listen_on(8000, 8);
  server().tcp().pin_next_isn(SeqNum(8000));
  constexpr std::uint32_t kOld = 0x12345678;
  TcpSegment syn = segment(40000, 8000, kOld, kS);
  syn.options.mss = 1460;
  inject(syn);  // the client has no socket on port 40000 (any more)
  sim.run_for(Duration::millis(100));

  const auto out = seen();
  ASSERT_EQ(out.size(), 2u) << trace();
  EXPECT_TRUE(is(out[0], true, kS | kA, 8000, kOld + 1, 65535)) << "LISTEN → SYN-RECEIVED" << trace();
  EXPECT_EQ(out[0].seg.options.mss, 1460);
  // §3.10.7.1 at the client: <SEQ=SEG.ACK><CTL=RST> — exactly RCV.NXT at the server.
  EXPECT_TRUE(is(out[1], false, kR, kOld + 1, std::nullopt, 0)) << trace();
  EXPECT_EQ(client().tcp().stats().resets_sent, 1u);
  const std::vector<std::string> arcs{"40000:8000 CLOSED>SYN-RECEIVED", "40000:8000 SYN-RECEIVED>CLOSED"};
  EXPECT_EQ(server_arcs, arcs) << "SYN-RECEIVED → back to LISTEN, never ESTABLISHED" << trace();
  EXPECT_EQ(server().tcp().connection_count(), 0u) << "the half-open connection is gone";
  EXPECT_EQ(server().accept(l).error(), SockError::WouldBlock);
  EXPECT_EQ(server().tcp().stats().passive_opens, 1u);
  EXPECT_EQ(server().tcp().stats().connections_freed, 1u);
  EXPECT_EQ(server().tcp().stats().accepted, 0u);

  sim.run_for(Duration::seconds(10));
  EXPECT_EQ(seen().size(), 2u) << "no SYN,ACK retransmission for a connection that is gone" << trace();

  // The listener is unharmed: a real connection from the client succeeds.
  const SocketId c = connect_from(std::nullopt, 8000);
  sim.run_for(Duration::millis(100));
  EXPECT_TRUE(connected(c)) << trace();
  EXPECT_TRUE(server().accept(l)) << trace();
}

// RFC 9293 §3.5 figure 9: the old SYN arrives while the client is itself
// opening a connection on the same ports. The server's SYN,ACK acknowledges
// the old sequence number, so the client (in SYN-SENT) answers RST; the
// server returns to LISTEN and the client's own SYN (retransmitted) opens
// the connection that is finally accepted.
TEST_F(LayerTest, OldDuplicateSynWhileTheClientConnectsRecoversAsInFigure9) {
  const SocketId l = listen_on(8000, 8);
  client().tcp().pin_next_isn(SeqNum(1000));
  const SocketId c = connect_from(40000, 8000);
  constexpr std::uint32_t kOld = 0x70000000;
  TcpSegment syn = segment(40000, 8000, kOld, kS);
  syn.options.mss = 1460;
  inject(syn);  // ahead of the client's own SYN, still on its way
  sim.run_for(Duration::seconds(3));

  ASSERT_TRUE(connected(c)) << trace();
  auto acc = server().accept(l);
  ASSERT_TRUE(acc) << trace();
  const tcp::Connection* sc = server().tcp().connection(acc->socket);
  ASSERT_NE(sc, nullptr);
  EXPECT_EQ(sc->irs(), SeqNum(1000)) << "the accepted connection is the client's, not the old SYN's";
  EXPECT_EQ(client().tcp().connection(c)->irs(), sc->iss());

  // The whole exchange on the client's port (1 ms links through a switch).
  const auto out = seen_with(40000);
  ASSERT_EQ(out.size(), 8u) << trace();
  const std::uint32_t half_open_iss = out[0].seg.seq.raw();
  const std::uint32_t iss = out[6].seg.seq.raw();
  // The old SYN's SYN,ACK acknowledges the old sequence number ...
  EXPECT_TRUE(is(out[0], true, kS | kA, half_open_iss, kOld + 1, 65535)) << trace();
  // ... the client's own SYN meets the half-open connection, which finds it
  // outside its window and answers <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> ...
  EXPECT_TRUE(is(out[1], false, kS, 1000, std::nullopt, 65535)) << trace();
  EXPECT_TRUE(is(out[2], true, kA, half_open_iss + 1, kOld + 1, 65535)) << trace();
  // ... the client, in SYN-SENT, resets both unacceptable ACKs (§3.10.7.3:
  // <SEQ=SEG.ACK><CTL=RST>); the first is exactly RCV.NXT: back to LISTEN ...
  EXPECT_TRUE(is(out[3], false, kR, kOld + 1, std::nullopt, 0)) << trace();
  EXPECT_TRUE(is(out[4], false, kR, kOld + 1, std::nullopt, 0)) << "meets the listener: ignored" << trace();
  // ... and its SYN, retransmitted after the first RTO, opens the real connection.
  EXPECT_TRUE(is(out[5], false, kS, 1000, std::nullopt, 65535)) << trace();
  EXPECT_EQ(out[5].at, Instant::zero() + Duration::seconds(1) + Duration::millis(2))
      << "the RTO runs from connect() at 0 s (the first SYN waited for ARP); 2 ms of links";
  EXPECT_TRUE(is(out[6], true, kS | kA, iss, 1001, 65535)) << trace();
  EXPECT_TRUE(is(out[7], false, kA, 1001, iss + 1, 65535)) << trace();
  const std::vector<std::string> arcs{"40000:8000 CLOSED>SYN-RECEIVED", "40000:8000 SYN-RECEIVED>CLOSED",
                                      "40000:8000 CLOSED>SYN-RECEIVED", "40000:8000 SYN-RECEIVED>ESTABLISHED"};
  EXPECT_EQ(server_arcs, arcs) << trace();
  EXPECT_EQ(server().tcp().connection_count(), 1u);
  EXPECT_EQ(server().tcp().stats().passive_opens, 2u);
}

// --- TIME-WAIT meets a new SYN ------------------------------------------------------

// The server closed first, so it holds the connection in TIME-WAIT; the
// client reconnects from the same port. The new SYN falls in the old
// connection's window: RFC 5961 §4 answers it with a challenge ACK, which
// the client (in SYN-SENT) finds unacceptable and resets with
// <SEQ=SEG.ACK>, exactly the server's RCV.NXT — TIME-WAIT ends (§3.10.7.4:
// RST in TIME-WAIT closes) and the client's retransmitted SYN reaches the
// listener.
TEST_F(LayerTest, TimeWaitChallengesANewSynAndTheClientsRstClearsIt) {
  const SocketId l = listen_on(8000, 8);
  client().tcp().pin_next_isn(SeqNum(1000));
  server().tcp().pin_next_isn(SeqNum(8000));
  const SocketId c = connect_from(40000, 8000);
  sim.run_for(Duration::millis(100));
  auto acc = server().accept(l);
  ASSERT_TRUE(acc) << trace();
  ASSERT_TRUE(server().close(sim.now(), acc->socket));  // the server closes first
  sim.kick(lan.server);
  sim.run_for(Duration::millis(50));
  std::vector<std::uint8_t> buf(16);
  ASSERT_EQ(client().recv_from(sim.now(), c, buf)->len, 0u) << "EOF" << trace();
  ASSERT_TRUE(client().close(sim.now(), c));
  sim.kick(lan.client);
  sim.run_for(Duration::millis(50));
  ASSERT_EQ(server_arcs.back(), "40000:8000 FIN-WAIT-2>TIME-WAIT") << trace();
  ASSERT_EQ(client().tcp().connection_count(), 0u) << "LAST-ACK ended on the client";
  const std::size_t before = seen_with(40000).size();
  server_arcs.clear();

  client().tcp().pin_next_isn(SeqNum(5000));  // inside the old window (RCV.NXT 1002)
  const Instant reconnect = sim.now();
  const SocketId c2 = connect_from(40000, 8000);
  sim.run_for(Duration::seconds(2));
  ASSERT_TRUE(connected(c2)) << trace();

  const auto all = seen_with(40000);
  const std::vector<Seen> out(all.begin() + static_cast<std::ptrdiff_t>(before), all.end());
  ASSERT_EQ(out.size(), 6u) << trace();
  EXPECT_TRUE(is(out[0], false, kS, 5000, std::nullopt, 65535)) << trace();
  EXPECT_TRUE(is(out[1], true, kA, 8002, 1002, 65535)) << "the challenge ACK" << trace();
  EXPECT_TRUE(is(out[2], false, kR, 1002, std::nullopt, 0)) << trace();
  EXPECT_TRUE(is(out[3], false, kS, 5000, std::nullopt, 65535)) << trace();
  EXPECT_EQ(out[3].at, reconnect + Duration::seconds(1) + Duration::millis(2));
  const std::uint32_t iss = out[4].seg.seq.raw();
  EXPECT_TRUE(is(out[4], true, kS | kA, iss, 5001, 65535)) << trace();
  EXPECT_TRUE(is(out[5], false, kA, 5001, iss + 1, 65535)) << trace();
  const std::vector<std::string> arcs{"40000:8000 TIME-WAIT>CLOSED", "40000:8000 CLOSED>SYN-RECEIVED",
                                      "40000:8000 SYN-RECEIVED>ESTABLISHED"};
  EXPECT_EQ(server_arcs, arcs) << trace();
  EXPECT_TRUE(server().accept(l)) << trace();
}

}  // namespace
}  // namespace ws
